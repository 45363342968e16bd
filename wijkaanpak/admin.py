"""The staff admin site's titles and home page; the models' admins live in each app's admin.py."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, SetUnusablePasswordMixin
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wijkaanpak.common.admin.labels import LabelledSplitDateTime
from wijkaanpak.common.admin.permissions import PermissionLabelsMixin

admin.site.site_header = _("Wijkaanpak – management")
admin.site.site_title = _("Wijkaanpak management")
admin.site.index_title = _("Contracts, neighbourhoods and partners")
# The home page: each role's desk (wijkaanpak.desk) above the list of models.
admin.site.index_template = "admin/desk_index.html"


class PasswordChangeForm(AdminPasswordChangeForm):
    """Django's, with its warning translated: Django appends it to the help text in English."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "usable_password" in self.fields:
            self.fields["usable_password"].help_text = format_html(
                '{}<ul id="id_unusable_warning" class="messagelist"><li class="warning">{}'
                "</li></ul>",
                SetUnusablePasswordMixin.usable_password_help_text,
                _("If disabled, the current password for this user will be lost."),
            )


# Django's user and group admins, with date-and-time boxes that say what they hold (WCAG
# 1.3.1) and permissions named in the admin's language.
admin.site.unregister(get_user_model())
admin.site.unregister(Group)


@admin.register(get_user_model())
class SiteUserAdmin(PermissionLabelsMixin, UserAdmin):
    """Users. Superusers see and change every account; anyone else with a right on users (the
    editors, who pick team members) sees the team accounts only: no staff account, so neither
    a superuser's nor another staff member's e-mail address. A staff account's own pages
    answer 403 to them (not a redirect that would say "does not exist")."""

    formfield_overrides = {models.DateTimeField: {"widget": LabelledSplitDateTime}}
    change_password_form = PasswordChangeForm

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(is_staff=False, is_superuser=False)

    def get_object(self, request, object_id, from_field=None):
        user = super().get_object(request, object_id, from_field)
        if user is None and not request.user.is_superuser:
            try:
                outside = super().get_queryset(request).filter(pk=object_id).exists()
            except (ValueError, ValidationError):
                outside = False
            if outside:
                raise PermissionDenied
        return user


@admin.register(Group)
class SiteGroupAdmin(PermissionLabelsMixin, GroupAdmin):
    pass


# The college's decisions and their memo (nota), which read contracts, projects and the fund;
# the outbox (django-post-office), narrowed to superusers and made read-only; login lockouts
# (django-axes) and second factors (django-otp), for superusers.
from wijkaanpak import college  # noqa: E402, F401
from wijkaanpak.common.admin import logins, outbox  # noqa: E402, F401

# The press releases of the programmes and the portfolio holder's briefing notes.
from wijkaanpak.press import admin as press_admin  # noqa: E402, F401
