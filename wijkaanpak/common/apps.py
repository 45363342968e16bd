from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CommonConfig(AppConfig):
    """The ground floor as a Django app, for its template tags and management commands."""

    name = "wijkaanpak.common"
    label = "common"
    verbose_name = _("shared plumbing")

    def ready(self):
        from django.contrib.auth.signals import user_logged_in

        from wijkaanpak.common import (
            checks,  # noqa: F401  (registers the checks)
            text,
        )
        from wijkaanpak.common.middleware import start_idle_clock

        # Every form's text fields refuse control characters (see wijkaanpak.common.text).
        text.install()
        user_logged_in.connect(start_idle_clock, dispatch_uid="wijkaanpak.start_idle_clock")
