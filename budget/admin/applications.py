"""Residents' initiative applications in the admin: reviewed per criterion, decided and
withdrawn through `budget.services`; read-only otherwise, and entirely after the decision."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.http import JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget import personal_data, selectors, services
from budget.admin.forms import CriterionReviewForm, DecisionForm, WithdrawForm
from budget.choices import DECIDED_STATUSES, ApplicationStatus, Criterion
from budget.models import CriterionReview, InitiativeApplication
from wijkaanpak.common import mail
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.views import ObjectActionsMixin, ReadOnlyAdminMixin
from wijkaanpak.common.money import format_euro_or_dash

APPLICATION_FIELDSETS = (
    (
        None,
        {
            "fields": (
                ("reference", "status"),
                "fund",
                "neighbourhood",
                "title",
                "description",
                "amount_requested_display",
                "cost_breakdown",
                "submitted_at",
                "is_illustrative",
            )
        },
    ),
    (
        _("Fit with the contract"),
        {"fields": ("wish", "project", "fit_explanation")},
    ),
    (
        _("Own initiative and other budgets"),
        {"fields": ("own_contribution", "no_other_budget", "other_budgets_tried")},
    ),
    (
        _("Contact (personal data, staff only)"),
        {
            "fields": (
                "contact_name",
                "contact_email",
                "contact_phone",
                "personal_data_erased_at",
                "mails_to_applicant",
            )
        },
    ),
)
DECISION_FIELDSET = (
    _("Decision"),
    {
        "fields": (
            "amount_granted_display",
            "decision_reason",
            "decided_by",
            "decided_at",
            "allocation_link",
        )
    },
)


class WaitingFilter(admin.SimpleListFilter):
    """Applications waiting for a decision; and those past the four weeks the form promises."""

    title = _("waiting for a decision")
    parameter_name = "waiting"

    def lookups(self, request, model_admin):
        return (("all", _("waiting")), ("overdue", _("waiting more than four weeks")))

    def queryset(self, request, queryset):
        if self.value() == "all":
            return queryset.filter(pk__in=selectors.waiting_applications().values("pk"))
        if self.value() == "overdue":
            return queryset.filter(pk__in=selectors.overdue_applications().values("pk"))
        return queryset


class DecisionLetterFilter(admin.SimpleListFilter):
    """Decisions whose letter has not reached the applicant (budget.selectors)."""

    title = _("decision letter")
    parameter_name = "letter"

    def lookups(self, request, model_admin):
        return (("unsent", _("decided, letter not sent")),)

    def queryset(self, request, queryset):
        if self.value() == "unsent":
            return queryset.filter(pk__in=selectors.decisions_without_sent_letter().values("pk"))
        return queryset


@admin.register(InitiativeApplication)
class InitiativeApplicationAdmin(ObjectActionsMixin, ReadOnlyAdminMixin, ViewOnlyHistoryAdmin):
    """Applications come from the public form; staff review, decide or withdraw them with the
    forms on their page. The "change" permission is the right to review and decide."""

    list_display = (
        "reference",
        "title",
        "neighbourhood",
        "amount_requested_display",
        "status",
        "submitted_at",
    )
    list_display_links = ("reference", "title")
    list_filter = ("status", WaitingFilter, DecisionLetterFilter, "neighbourhood")
    list_select_related = ("neighbourhood",)
    search_fields = ("reference", "title")
    date_hierarchy = "submitted_at"
    actions = ["export_applicant_data"]
    readonly_fields = (
        *(
            field
            for _name, options in (*APPLICATION_FIELDSETS, DECISION_FIELDSET)
            for row in options["fields"]
            for field in (row if isinstance(row, tuple) else (row,))
        ),
    )

    class Media:
        css = {"all": ("admin-extra/admin.css",)}

    def get_fieldsets(self, request, obj=None):
        if obj is not None and obj.status in (*DECIDED_STATUSES, ApplicationStatus.WITHDRAWN):
            return (*APPLICATION_FIELDSETS, DECISION_FIELDSET)
        return APPLICATION_FIELDSETS

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("neighbourhood", "decided_by")

    @admin.display(description=_("amount requested"), ordering="amount_requested")
    def amount_requested_display(self, obj):
        return format_euro_or_dash(obj.amount_requested)

    @admin.display(description=_("amount granted"))
    def amount_granted_display(self, obj):
        return format_euro_or_dash(obj.amount_granted)

    @admin.display(description=_("e-mails to the applicant"))
    def mails_to_applicant(self, obj):
        """The receipt and the decision letter: whether each reached the applicant (the
        outbox itself is for superusers only)."""
        if not obj.contact_email:
            return "-"
        rows = [
            (
                outbox_email.subject,
                mail.STATE_LABELS[mail.delivery_state(outbox_email)],
                date_format(timezone.localtime(when), "DATETIME_FORMAT")
                if (when := mail.delivered_at(outbox_email))
                else mail.last_error(outbox_email),
            )
            for outbox_email in mail.mails_to(obj.contact_email, subject_containing=obj.reference)
        ]
        if not rows:
            return gettext("No e-mail yet.")
        return format_html(
            '<ul class="application-mails">{}</ul>',
            format_html_join("", "<li>{}: {} {}</li>", rows),
        )

    @admin.display(description=_("allocation"))
    def allocation_link(self, obj):
        if obj.allocation_id is None:
            return "-"
        url = reverse("admin:budget_allocation_change", args=[quote(obj.allocation_id)])
        return format_html('<a href="{}">{}</a>', url, obj.allocation)

    # --- Written through the services only ---

    def has_review_permission(self, request, obj=None):
        return request.user.has_perm("budget.change_initiativeapplication")

    def has_export_permission(self, request, obj=None):
        # Those who handle the applications answer the applicants' requests for their data.
        return self.has_review_permission(request, obj)

    # --- A right-of-access request ---

    @admin.action(
        description=_("Export the data held about this applicant"), permissions=["export"]
    )
    def export_applicant_data(self, request, queryset):
        """Everything held about the applicant of the selected application(s), as JSON.

        Found by contact e-mail address, so it covers their other applications too.
        """
        addresses = {email.lower() for email in queryset.values_list("contact_email", flat=True)}
        addresses.discard("")
        if len(addresses) != 1:
            messages.error(
                request,
                gettext(
                    "Select the applications of one applicant whose contact data has not been "
                    "erased; the export gathers everything held under that e-mail address."
                ),
                extra_tags="export_one_applicant",
            )
            return None
        (address,) = addresses
        applications = personal_data.applicant_data(address)
        response = JsonResponse(
            {
                "email": address,
                "exported_at": timezone.now().isoformat(),
                "exported_by": request.user.get_username(),
                "applications": applications,
            },
            json_dumps_params={"ensure_ascii": False, "indent": 2},
        )
        filename = gettext("applicant-data-%(reference)s.json") % {
            "reference": applications[0]["reference"]
        }
        response["Content-Disposition"] = f'attachment; filename="{filename}"'

        response["Cache-Control"] = "no-store"
        return response

    # --- The review box on the change page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            extra_context = {**(extra_context or {}), "review": self._review(request, obj)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _review(self, request, obj):
        """The criteria as reviewed, and the forms that the status and the user allow."""
        may_review = self.has_review_permission(request, obj)
        status = obj.status
        reviews = {review.criterion: review for review in obj.reviews.select_related("reviewed_by")}
        args = [quote(obj.pk)]
        in_review = status == ApplicationStatus.IN_REVIEW
        criteria = []
        for criterion in Criterion:
            review = reviews.get(criterion.value)
            form = None
            if may_review and in_review:
                initial = {"criterion": criterion.value}
                if review is not None:
                    initial.update(met="yes" if review.met else "no", note=review.note)
                form = CriterionReviewForm(initial=initial, auto_id=f"{criterion.value}-%s")
            criteria.append({"criterion": criterion, "review": review, "form": form})
        return {
            "status": obj.get_status_display(),
            "status_value": status,
            "criteria": criteria,
            "review_url": reverse("admin:budget_initiativeapplication_review", args=args),
            "start_url": (
                reverse("admin:budget_initiativeapplication_start_review", args=args)
                if may_review and status == ApplicationStatus.SUBMITTED
                else None
            ),
            "decide_url": (
                reverse("admin:budget_initiativeapplication_decide", args=args)
                if may_review and in_review
                else None
            ),
            "decision_form": DecisionForm(auto_id="decision-%s"),
            "withdraw_url": (
                reverse("admin:budget_initiativeapplication_withdraw", args=args)
                if may_review
                and status in (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)
                else None
            ),
            "withdraw_form": WithdrawForm(auto_id="withdraw-%s"),
        }

    # --- The state changes: small POST-only views ---

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "budget_initiativeapplication_"
        return [
            path(
                "<path:object_id>/start-review/",
                view(self.start_review_view),
                name=f"{name}start_review",
            ),
            path("<path:object_id>/review/", view(self.review_view), name=f"{name}review"),
            path("<path:object_id>/decide/", view(self.decide_view), name=f"{name}decide"),
            path("<path:object_id>/withdraw/", view(self.withdraw_view), name=f"{name}withdraw"),
            *super().get_urls(),
        ]

    def _changed(self, request, application, text, tag, field="status"):
        self.log_field_change(request, application, field)
        messages.success(request, text, extra_tags=tag)

    def start_review_view(self, request, object_id):
        def act(application, data):
            application = services.start_review(application, user=request.user)
            self._changed(
                request,
                application,
                gettext("“%(application)s” is in review.") % {"application": application},
                "review_started",
            )

        return self.object_action(
            request, object_id, act, allowed=self.has_review_permission, form_class=None
        )

    def review_view(self, request, object_id):
        def act(application, data):
            review = services.review_criterion(
                application,
                data["criterion"],
                met=data["met"],
                note=data["note"],
                user=request.user,
            )
            self.log_change(
                request,
                application,
                [
                    {
                        "changed": {
                            "name": str(review._meta.verbose_name),
                            "object": str(review),
                            "fields": [str(_("met")), str(_("note"))],
                        }
                    }
                ],
            )
            messages.success(
                request,
                gettext("The review of “%(criterion)s” was recorded.")
                % {"criterion": review.get_criterion_display()},
                extra_tags="criterion_reviewed",
            )

        return self.object_action(
            request,
            object_id,
            act,
            allowed=self.has_review_permission,
            form_class=CriterionReviewForm,
        )

    def decide_view(self, request, object_id):
        def act(application, data):
            application = services.decide(
                application,
                data["decision"],
                amount=data["amount"] or None,
                reason=data["reason"],
                user=request.user,
            )
            self._changed(
                request,
                application,
                gettext("“%(application)s”: %(decision)s (%(amount)s).")
                % {
                    "application": application,
                    "decision": application.get_status_display(),
                    "amount": format_euro_or_dash(application.amount_granted),
                },
                "application_decided",
            )

        return self.object_action(
            request, object_id, act, allowed=self.has_review_permission, form_class=DecisionForm
        )

    def withdraw_view(self, request, object_id):
        def act(application, data):
            application = services.withdraw(application, user=request.user, reason=data["reason"])
            self._changed(
                request,
                application,
                gettext("“%(application)s” was withdrawn.") % {"application": application},
                "application_withdrawn",
            )

        return self.object_action(
            request, object_id, act, allowed=self.has_review_permission, form_class=WithdrawForm
        )


@admin.register(CriterionReview)
class CriterionReviewAdmin(ReadOnlyAdminMixin, ViewOnlyHistoryAdmin):
    """The judgements of the criteria, read-only: recorded on the application's page."""

    list_display = ("application", "criterion", "met", "reviewed_by", "reviewed_at")
    list_filter = ("criterion", "met")
    list_select_related = ("application", "reviewed_by")
    search_fields = ("application__reference", "application__title")
    fields = ("application", "criterion", "met", "note", "reviewed_by", "reviewed_at")
    readonly_fields = fields
