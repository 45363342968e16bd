"""Invitations to a project team in the admin: the editors' way to make team accounts.

Editors invite from a project's page ("Invite a team member") or from the list of
invitations, which shows each one's status (open, accepted, expired, withdrawn) and the
delivery of its mail. Everything goes through projects.invitations: inviting ("add"), and
sending again or withdrawing (the "change" right; the invitation itself is never edited).
"""

from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from projects import invitations
from projects.choices import InvitationStatus
from projects.models import Project, TeamInvitation
from wijkaanpak.common import mail
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.refusals import report_refusal
from wijkaanpak.common.admin.views import ObjectActionsMixin
from wijkaanpak.common.forms import add_service_errors

DELIVERY_LABELS = {
    mail.SENT: _("delivered"),
    mail.QUEUED: _("in the outbox"),
    mail.FAILED: _("failed"),
}


class InvitationStatusFilter(admin.SimpleListFilter):
    title = _("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return InvitationStatus.choices

    def queryset(self, request, queryset):
        if self.value() in InvitationStatus.values:
            return queryset.with_status(self.value())
        return queryset


@admin.register(TeamInvitation)
class TeamInvitationAdmin(ObjectActionsMixin, ViewOnlyHistoryAdmin):
    list_display = ("name", "email", "project", "status_label", "expires_at", "delivery")
    list_filter = (
        InvitationStatusFilter,
        autocomplete_filter(_("neighbourhood"), "project__contract__neighbourhood"),
        "role",
    )
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_select_related = ("project", "invited_by")
    search_fields = ("name", "email", "project__title")
    actions = ["send_selected_again", "withdraw_selected"]
    add_fieldsets = (
        (
            None,
            {
                "fields": ("project", "name", "email", "role"),
                "description": _(
                    "The person gets an e-mail with a link to choose a password for the team "
                    "portal; the link works for 7 days. If the address has a team account "
                    "already, the project is added to it when they log in through the link."
                ),
            },
        ),
    )
    fieldsets = (
        (None, {"fields": ("project", "name", "email", "role", "status_label")}),
        (
            _("Sent"),
            {"fields": (("invited_by", "created_at"), ("sent_at", "expires_at"), "delivery")},
        ),
        (
            _("Outcome"),
            {"fields": (("accepted_at", "accepted_by"), ("withdrawn_at", "withdrawn_by"))},
        ),
    )
    readonly_fields = flatten_fieldsets(fieldsets)

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.status.label

    @admin.display(description=_("e-mail"))
    def delivery(self, obj):
        return DELIVERY_LABELS.get(obj.delivery_state, "–")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "project":
            # The wijk first: project numbers repeat in every contract.
            kwargs["queryset"] = Project.objects.select_related("contract__neighbourhood").order_by(
                "contract__neighbourhood__name", "contract__period_start", "number"
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = project_label
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "project" and isinstance(
            field.widget, admin_widgets.RelatedFieldWidgetWrapper
        ):
            # An invitation is to an existing project: no links to add or change one beside it.
            field.widget = field.widget.widget
        return field

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related(*self.list_select_related, "accepted_by", "withdrawn_by")
            .prefetch_related("emails")
        )

    # --- Never edited or deleted: sent again or withdrawn through the service ---

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_manage_permission(self, request, obj=None):
        return invitations.may_manage(request.user)

    # --- Inviting ---

    def add_view(self, request, form_url="", extra_context=None):
        """Invite through the service; the mail goes into the outbox with the invitation."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        fieldsets = self.add_fieldsets
        InviteForm = self.get_form(request, None, change=False, fields=flatten_fieldsets(fieldsets))
        if request.method == "POST":
            form = InviteForm(request.POST)
        else:
            form = InviteForm(initial=self.get_changeform_initial_data(request))
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                invitation = invitations.invite(
                    data["project"],
                    email=data["email"],
                    name=data["name"],
                    role=data["role"],
                    user=request.user,
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                self.log_addition(request, invitation, [{"added": {}}])
                messages.success(
                    request,
                    gettext(
                        "The invitation to %(email)s for the team of “%(project)s” is in the "
                        "outbox. The link works until %(expires)s."
                    )
                    % {
                        "email": invitation.email,
                        "project": invitation.project.title,
                        "expires": _expiry(invitation),
                    },
                    extra_tags="invitation_sent",
                )
                return HttpResponseRedirect(
                    reverse("admin:projects_project_change", args=[quote(invitation.project_id)])
                )
        return self.form_page(
            request,
            form,
            fieldsets,
            title=_("Invite a team member"),
            form_url=form_url,
            extra_context=extra_context,
        )

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else self.readonly_fields

    # --- Sending again and withdrawing: buttons on the page and list actions ---

    def get_urls(self):
        return [
            path(
                "<path:object_id>/send-again/",
                self.admin_site.admin_view(self.send_again_view),
                name="projects_teaminvitation_send_again",
            ),
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="projects_teaminvitation_withdraw",
            ),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and obj.is_pending and self.has_manage_permission(request, obj):
            extra_context = {
                **(extra_context or {}),
                "send_again_url": reverse(
                    "admin:projects_teaminvitation_send_again", args=[quote(obj.pk)]
                ),
                "withdraw_url": reverse(
                    "admin:projects_teaminvitation_withdraw", args=[quote(obj.pk)]
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def send_again_view(self, request, object_id):
        def send(invitation, data):
            invitations.send_again(invitation, user=request.user)
            self.log_field_change(request, invitation, "expires_at")
            self._sent_again_message(request, [invitation])

        return self.object_action(
            request, object_id, send, allowed=lambda request: self.has_manage_permission(request)
        )

    def withdraw_view(self, request, object_id):
        def withdraw(invitation, data):
            invitations.withdraw(invitation, user=request.user)
            self.log_field_change(request, invitation, "withdrawn_at")
            self._withdrawn_message(request, 1)

        return self.object_action(
            request,
            object_id,
            withdraw,
            allowed=lambda request: self.has_manage_permission(request),
        )

    @admin.action(description=_("Send selected invitations again"), permissions=["manage"])
    def send_selected_again(self, request, queryset):
        sent = []
        for invitation in queryset.select_related("project"):
            try:
                invitations.send_again(invitation, user=request.user)
            except ValidationError as error:
                report_refusal(request, error, subject=invitation)
                continue
            self.log_field_change(request, invitation, "expires_at")
            sent.append(invitation)
        if sent:
            self._sent_again_message(request, sent)

    @admin.action(description=_("Withdraw selected invitations"), permissions=["manage"])
    def withdraw_selected(self, request, queryset):
        withdrawn = 0
        for invitation in queryset:
            try:
                invitations.withdraw(invitation, user=request.user)
            except ValidationError as error:
                report_refusal(request, error, subject=invitation)
                continue
            self.log_field_change(request, invitation, "withdrawn_at")
            withdrawn += 1
        if withdrawn:
            self._withdrawn_message(request, withdrawn)

    def _sent_again_message(self, request, sent):
        messages.success(
            request,
            ngettext(
                "%(count)d invitation was sent again with a new link; the earlier link no "
                "longer works.",
                "%(count)d invitations were sent again with a new link; the earlier links no "
                "longer work.",
                len(sent),
            )
            % {"count": len(sent)},
            extra_tags="invitations_sent_again",
        )

    def _withdrawn_message(self, request, count):
        messages.success(
            request,
            ngettext(
                "%(count)d invitation was withdrawn; its link no longer works.",
                "%(count)d invitations were withdrawn; their links no longer work.",
                count,
            )
            % {"count": count},
            extra_tags="invitations_withdrawn",
        )


def project_label(project):
    """A project as the invitation form lists it: its wijk, its contract's years, its title."""
    contract = project.contract
    return (
        f"{contract.neighbourhood.name} ({contract.period_start.year}–"
        f"{contract.period_end.year}): {project}"
    )


def _expiry(invitation):
    expires = timezone.localtime(invitation.expires_at)
    return gettext("%(date)s at %(time)s") % {
        "date": date_format(expires, "j F Y"),
        "time": date_format(expires, "H:i"),
    }
