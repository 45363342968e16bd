"""The staff admin site's titles; the models' admins live in each app's admin.py."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Wijkaanpak – management")
admin.site.site_title = _("Wijkaanpak management")
admin.site.index_title = _("Contracts, neighbourhoods and partners")

# The outbox (django-post-office), narrowed to superusers and made read-only.
from wijkaanpak import admin_outbox  # noqa: E402, F401
