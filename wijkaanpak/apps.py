from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _ensure_groups(sender, **kwargs):
    from wijkaanpak.common.groups import ensure_groups

    ensure_groups()


class WijkaanpakConfig(AppConfig):
    name = "wijkaanpak"
    verbose_name = _("neighbourhood approach")

    def ready(self):
        # post_migrate comes after all migrations of the run, once per app with models (this
        # package has none). ensure_groups creates any missing permissions itself, so listening
        # for the base app alone is enough.
        post_migrate.connect(
            _ensure_groups,
            sender=apps.get_app_config("contracts"),
            dispatch_uid="wijkaanpak_groups",
        )
        _watch_public_content()


# The apps whose rows public pages show. Every write to one of their tables (the history and
# many-to-many tables included) drops the cached public pages (wijkaanpak.common.pagecache).
PUBLIC_CONTENT_APPS = ("contracts", "projects", "budget")


def _watch_public_content():
    from wijkaanpak.common import pagecache

    pagecache.watch_tables(
        model._meta.db_table
        for label in PUBLIC_CONTENT_APPS
        for model in apps.get_app_config(label).get_models(include_auto_created=True)
    )
