"""Logins in the admin: lockouts to lift and second factors to reset. Superusers only.

- Login lockouts (django-axes' access attempts): each (user name, client address) pair with
  failed logins, with its count and whether it is locked out now. "Unlock" deletes the
  selected pairs' attempts, so the next login counts from zero. Only superusers: lifting a
  lockout on an account someone is guessing at is a security decision, and a lockout ends by
  itself after AXES_COOLOFF_TIME anyway. The records are never edited.
- Two-factor apps (django-otp's TOTP devices): who has enrolled, when last used. "Reset the
  second factor" deletes the selected users' app and backup codes (for a lost phone): a staff
  member then enrols again at their next login to /admin/. The secret keys are never shown.

These replace the libraries' own admins, which show secrets and form data and speak English.
"""

from axes.models import AccessAttempt
from django.apps import apps
from django.conf import settings
from django.contrib import admin, messages
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from wijkaanpak.common.admin import superusers
from wijkaanpak.common.admin.counting import EstimatedCountPaginator

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)

# The libraries name these in English only (django-otp without gettext).
apps.get_app_config("axes").verbose_name = _("Logins")
apps.get_app_config("otp_totp").verbose_name = _("Two-step login")
TOTPDevice._meta.verbose_name = _("TOTP app")
TOTPDevice._meta.verbose_name_plural = _("TOTP apps")


class SuperusersOnly(superusers.SuperusersOnly):
    """Superusers only; their one action here is the reset (unlock, reset the second factor)."""

    def has_reset_permission(self, request):
        return self._allowed(request)


@admin.action(description=_("Unlock the selected logins"), permissions=["reset"])
def unlock(modeladmin, request, queryset):
    count = queryset.count()
    queryset.delete()
    modeladmin.message_user(
        request,
        ngettext(
            "%(count)d login unlocked: it can be tried again.",
            "%(count)d logins unlocked: they can be tried again.",
            count,
        )
        % {"count": count},
        messages.SUCCESS,
    )


class AttemptTimeFilter(admin.DateFieldListFilter):
    """The date filter on the attempt's time, under a Dutch title (django-axes names the field
    in English only)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("time of the attempt")


@admin.register(AccessAttempt)
class LoginLockoutAdmin(SuperusersOnly, admin.ModelAdmin):
    actions = [unlock]
    list_display = ["username", "ip_address", "path_info", "failures_since_start", "locked_out"]
    list_filter = ["path_info", ("attempt_time", AttemptTimeFilter)]
    search_fields = ["username", "ip_address"]
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    fields = ["username", "ip_address", "path_info", "failures_since_start", "attempt_time"]
    readonly_fields = fields

    @admin.display(description=_("Locked out"), boolean=True)
    def locked_out(self, attempt):
        return attempt.failures_since_start >= settings.AXES_FAILURE_LIMIT


@admin.action(description=_("Reset the second factor of the selected users"), permissions=["reset"])
def reset_second_factor(modeladmin, request, queryset):
    users = {device.user_id for device in queryset}
    TOTPDevice.objects.filter(user__in=users).delete()
    StaticDevice.objects.filter(user__in=users).delete()
    modeladmin.message_user(
        request,
        ngettext(
            "The second factor of %(count)d user was reset: they enrol again at their next login.",
            "The second factor of %(count)d users was reset: they enrol again at their next login.",
            len(users),
        )
        % {"count": len(users)},
        messages.SUCCESS,
    )


@admin.register(TOTPDevice)
class TwoFactorAppAdmin(SuperusersOnly, admin.ModelAdmin):
    actions = [reset_second_factor]
    list_display = ["account", "enrolled", "created", "last_used"]
    list_select_related = ["user"]
    search_fields = ["user__username", "user__email"]
    fields = ["account", "enrolled", "created", "last_used"]
    readonly_fields = fields

    @admin.display(description=_("account"), ordering="user__username")
    def account(self, device):
        return device.user.get_username()

    @admin.display(description=_("enrolled"), boolean=True)
    def enrolled(self, device):
        return device.confirmed

    def moment(self, value):
        """A moment as the admin writes it ("6 december 2026 08:42"), or its empty mark: a
        read-only page would print the bare value ("2026-12-06 07:42:22+00:00", "None")."""
        if value is None:
            return self.get_empty_value_display()
        return date_format(timezone.localtime(value), "DATETIME_FORMAT")

    @admin.display(description=_("set up on"), ordering="created_at")
    def created(self, device):
        return self.moment(device.created_at)

    @admin.display(description=_("last used"), ordering="last_used_at")
    def last_used(self, device):
        return self.moment(device.last_used_at)
