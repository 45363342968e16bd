"""Reporting rounds in the admin: opened through the service, with their completeness and
reminders to the late teams; the handed-in reports, read-only."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import widgets as admin_widgets
from django.contrib.admin.utils import flatten_fieldsets, quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.db.models import Count, Max, Q
from django.http import HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from contracts.choices import PUBLIC_STATUSES
from contracts.models import Contract
from projects import services
from projects.admin.columns import ProjectProgressColumns
from projects.choices import ProjectStatus, RoundKind
from projects.models import ProjectReport, ReportingRound, ReportReminder
from wijkaanpak.common import mail
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.labels import LabelledTabularInline
from wijkaanpak.common.admin.views import (
    ObjectActionsMixin,
    ReadOnlyAdminMixin,
    ReadOnlyInlineMixin,
)

# --- Reporting rounds -------------------------------------------------------------------------


DELIVERY_LABELS = {
    mail.SENT: _("delivered"),
    mail.QUEUED: _("in the outbox"),
    mail.FAILED: _("failed: will be sent again"),
}


class ReportReminderInline(ReadOnlyInlineMixin, LabelledTabularInline):
    """The reminders sent for a round: written by the service only."""

    model = ReportReminder
    fields = ("sent_at", "project", "recipients", "sent_by", "delivery")

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("round", "project", "sent_by")
            .prefetch_related("emails")
        )

    @admin.display(description=_("delivery"))
    def delivery(self, obj):
        """Whether the mails reached the team: it counts as sent only once delivered."""
        return DELIVERY_LABELS.get(obj.delivery_state, "–")


def completeness(round_, today=None):
    """Who handed in the report of `round_`, who has not yet and who is late; with counts.

    Three queries whatever the number of projects.
    """
    today = today or timezone.localdate()
    past_due = round_.is_past_due(today)
    projects = round_.requested_projects().order_by(
        "contract__neighbourhood__name", "contract__period_start", "number"
    )
    reports = {
        report.project_id: report
        for report in round_.reports.only("pk", "round_id", "project_id", "submitted_at")
    }
    reminders = {
        row["project_id"]: row
        for row in round_.reminders.values("project_id").annotate(
            count=Count("pk"), last=Max("sent_at")
        )
    }
    rows = []
    for project in projects:
        report = reports.get(project.pk)
        if report is not None:
            handed_in = timezone.localtime(report.submitted_at).date()
            state = "late_handed_in" if handed_in > round_.due_date else "handed_in"
        else:
            state = "late" if past_due else "open"
        rows.append(
            {
                "project": project,
                "report": report,
                "state": state,
                "reminders": reminders.get(project.pk),
            }
        )
    handed_in = sum(1 for row in rows if row["report"] is not None)
    late = sum(1 for row in rows if row["state"] == "late")
    return {
        "rows": rows,
        "total": len(rows),
        "handed_in": handed_in,
        "late": late,
        "open": len(rows) - handed_in - late,
        "past_due": past_due,
    }


@admin.register(ReportingRound)
class ReportingRoundAdmin(ObjectActionsMixin, ViewOnlyHistoryAdmin):
    """Rounds are opened through the service (which e-mails the teams) and then fixed."""

    list_display = ("title", "kind", "due_date", "handed_in", "opened_at", "opened_by")
    list_filter = ("kind",)
    list_select_related = ("opened_by",)
    search_fields = ("title",)
    date_hierarchy = "due_date"
    inlines = [ReportReminderInline]
    fieldsets = (
        (
            None,
            {
                "fields": ("title", "kind", "introduction", "due_date", "contracts"),
                "description": _(
                    "Opening the round asks the team of every project of the chosen contracts "
                    "for a report, and e-mails each team member. A final evaluation "
                    "(eindevaluatie) is for one signed contract, due on or after the end of its "
                    "period: the teams report what was delivered, and the contract's final "
                    "evaluation is opened with it."
                ),
            },
        ),
    )
    formfield_overrides = {
        models.ManyToManyField: {"widget": forms.CheckboxSelectMultiple},
    }

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                requested_count=Count(
                    "contracts__projects",
                    filter=~Q(contracts__projects__status=ProjectStatus.CANCELLED),
                    distinct=True,
                ),
                report_count=Count("reports", distinct=True),
            )
        )

    @admin.display(description=_("handed in"))
    def handed_in(self, obj):
        return gettext("%(handed_in)d of %(total)d") % {
            "handed_in": obj.report_count,
            "total": obj.requested_count,
        }

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.fieldsets
        return (
            (None, {"fields": ("title", "kind", "introduction", "due_date", "contracts")}),
            (_("Opened"), {"fields": (("opened_at", "opened_by"), "is_illustrative")}),
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "kind" and field is not None:
            # Left out, a round is a midterm review, as it always was.
            field.required = False
        if db_field.name == "contracts" and isinstance(
            field.widget, admin_widgets.RelatedFieldWidgetWrapper
        ):
            # A round is about existing contracts: no "add another contract" link beside them.
            field.widget = field.widget.widget
        return field

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "contracts":
            kwargs["queryset"] = Contract.objects.filter(status__in=PUBLIC_STATUSES).select_related(
                "neighbourhood"
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    # --- Fixed once opened: the teams were told ---

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_remind_permission(self, request, obj=None):
        return request.user.has_perm("projects.add_reportreminder")

    # --- Opening a round ---

    def add_view(self, request, form_url="", extra_context=None):
        """Open a round through the service; the teams get their e-mail after the commit."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        fieldsets = self.get_fieldsets(request)
        RoundForm = self.get_form(request, None, change=False, fields=flatten_fieldsets(fieldsets))
        form = RoundForm(request.POST if request.method == "POST" else None)
        if form.is_valid() and form.cleaned_data.get("kind") == RoundKind.FINAL:
            response = self._open_final_round(request, form)
            if response is not None:
                return response
        elif form.is_valid():
            try:
                with transaction.atomic():
                    round_ = services.open_round(
                        title=form.cleaned_data["title"],
                        introduction=form.cleaned_data["introduction"],
                        due_date=form.cleaned_data["due_date"],
                        contracts=form.cleaned_data["contracts"],
                        user=request.user,
                    )
                    self.log_addition(request, round_, [{"added": {}}])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                count = round_.requested_projects().count()
                messages.success(
                    request,
                    ngettext(
                        "The round “%(round)s” is open: %(count)d project is asked to report.",
                        "The round “%(round)s” is open: %(count)d projects are asked to report.",
                        count,
                    )
                    % {"round": round_, "count": count},
                    extra_tags="round_opened",
                )
                return HttpResponseRedirect(
                    reverse("admin:projects_reportinground_change", args=[quote(round_.pk)])
                )
        return self.form_page(
            request,
            form,
            fieldsets,
            title=_("Open a reporting round"),
            form_url=form_url,
            extra_context=extra_context,
        )

    def _open_final_round(self, request, form):
        """Open the final round of the one chosen contract with its final evaluation; go to
        the evaluation. None (with the refusal on the form) when refused."""
        contracts = list(form.cleaned_data["contracts"])
        if len(contracts) != 1:
            form.add_error(
                "contracts",
                ValidationError(
                    _("A final evaluation is for one contract: choose exactly one."),
                    code="final_needs_one_contract",
                ),
            )
            return None
        try:
            with transaction.atomic():
                evaluation = services.open_final_round(
                    contracts[0],
                    title=form.cleaned_data["title"],
                    introduction=form.cleaned_data["introduction"],
                    due_date=form.cleaned_data["due_date"],
                    user=request.user,
                )
                self.log_addition(request, evaluation.round, [{"added": {}}])
        except ValidationError as error:
            form.add_error(None, error)
            return None
        messages.success(
            request,
            gettext(
                "The final round “%(round)s” is open: the teams of %(contract)s report what "
                "was delivered. Give the verdicts and the decision here, then close the "
                "evaluation."
            )
            % {"round": evaluation.round, "contract": evaluation.contract},
            extra_tags="final_round_opened",
        )
        return HttpResponseRedirect(
            reverse("admin:projects_contractevaluation_change", args=[quote(evaluation.pk)])
        )

    # --- Completeness and reminders ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        round_ = self.get_object(request, unquote(object_id))
        if round_ is not None:
            overview = completeness(round_)
            extra_context = {
                **(extra_context or {}),
                "overview": overview,
                "remind_url": (
                    reverse("admin:projects_reportinground_remind", args=[quote(round_.pk)])
                    if overview["late"] and self.has_remind_permission(request, round_)
                    else None
                ),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/remind/",
                self.admin_site.admin_view(self.remind_view),
                name="projects_reportinground_remind",
            ),
            *super().get_urls(),
        ]

    def remind_view(self, request, object_id):
        """POST only: e-mail the teams whose report is late, then go back to the round."""

        def remind(round_, data):
            reminded = services.send_reminders(round_, user=request.user)
            if reminded:
                messages.success(
                    request,
                    ngettext(
                        "A reminder to the team of %(count)d late project is in the outbox.",
                        "Reminders to the teams of %(count)d late projects are in the outbox.",
                        reminded,
                    )
                    % {"count": reminded},
                    extra_tags="reminders_sent",
                )
            else:
                messages.info(
                    request,
                    gettext("No report is late: no reminder was sent."),
                    extra_tags="nothing_late",
                )

        return self.object_action(
            request,
            object_id,
            remind,
            allowed=lambda request: (
                self.has_view_permission(request) and self.has_remind_permission(request)
            ),
        )


@admin.register(ProjectReport)
class ProjectReportAdmin(ProjectProgressColumns, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The reports handed in: frozen, read-only for everyone, superusers included."""

    list_display = (
        "project",
        "neighbourhood",
        "round",
        "progress",
        "submitted_at",
        "submitted_by",
    )
    list_display_links = ("project",)
    list_filter = (
        "round",
        autocomplete_filter(_("neighbourhood"), "project__contract__neighbourhood"),
        "status",
    )
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_select_related = ("round", "project__contract__neighbourhood", "submitted_by")
    search_fields = ("project__title", "achieved", "deviations", "next_steps")
    fieldsets = (
        (None, {"fields": ("round", "project", ("submitted_at", "submitted_by"))}),
        (
            _("Report"),
            {
                "fields": (
                    ("status", "percent_complete"),
                    "achieved",
                    "deviations",
                    "next_steps",
                )
            },
        ),
    )
    readonly_fields = flatten_fieldsets(fieldsets)
