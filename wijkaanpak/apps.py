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
