"""The staff admin site's titles and home page; the models' admins live in each app's admin.py."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.admin.labels import LabelledSplitDateTime

admin.site.site_header = _("Wijkaanpak – management")
admin.site.site_title = _("Wijkaanpak management")
admin.site.index_title = _("Contracts, neighbourhoods and partners")
# The home page: each role's desk (wijkaanpak.desk) above the list of models.
admin.site.index_template = "admin/desk_index.html"


# Django's user admin, with date-and-time boxes that say what they hold (WCAG 1.3.1).
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class SiteUserAdmin(UserAdmin):
    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}


# The outbox (django-post-office), narrowed to superusers and made read-only.
from wijkaanpak.common.admin import outbox  # noqa: E402, F401
