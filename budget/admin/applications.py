"""Residents' initiative applications in the admin: the three criteria reviewed and the
decision taken in one form at the top of the page, withdrawn on request, the decision letter
opened as PDF; all through `budget.services`, read-only otherwise."""

from django.contrib import admin, messages
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from budget import emails, personal_data, selectors, services
from budget.admin.forms import DECIDE, ReviewDecisionForm, WithdrawForm
from budget.choices import DECIDED_STATUSES, ApplicationStatus, Criterion
from budget.models import CriterionReview, InitiativeApplication
from wijkaanpak.common import mail
from wijkaanpak.common.admin.counting import EstimatedCountPaginator
from wijkaanpak.common.admin.filters import autocomplete_filter
from wijkaanpak.common.admin.history import ViewOnlyHistoryAdmin
from wijkaanpak.common.admin.refusals import report_refusal
from wijkaanpak.common.admin.views import ObjectActionsMixin, ReadOnlyAdminMixin
from wijkaanpak.common.forms import add_service_errors
from wijkaanpak.common.money import format_euro_or_dash
from wijkaanpak.common.pdf import pdf_response
from wijkaanpak.common.ratelimits import limit_pdf_renders

# An application is reviewed and decided while it is one of these.
OPEN_STATUSES = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)

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
    list_filter = (
        "status",
        WaitingFilter,
        DecisionLetterFilter,
        autocomplete_filter(_("neighbourhood"), "neighbourhood"),
        "submitted_at",
    )
    list_select_related = ("neighbourhood",)
    search_fields = ("reference", "title")
    # Large table: one count of the filtered list, an estimate for the whole list, never a
    # second count of the whole table (README, Speed).
    show_full_result_count = False
    paginator = EstimatedCountPaginator
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

    # --- The review and decision box at the top of the change page ---

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, unquote(object_id))
        if obj is not None:
            form = (extra_context or {}).get("review_form")
            extra_context = {
                **(extra_context or {}),
                "review": self._review(request, obj, form),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    @staticmethod
    def _evidence(obj):
        """Per criterion, what the applicant wrote about it: (label, text) pairs."""
        yes_no = {True: gettext("yes"), False: gettext("no")}
        fields = {
            Criterion.FITS_CONTRACT: ("wish", "project", "fit_explanation"),
            Criterion.NO_OTHER_BUDGET: ("no_other_budget", "other_budgets_tried"),
            Criterion.OWN_INITIATIVE: ("own_contribution",),
        }
        evidence = {}
        for criterion, names in fields.items():
            pairs = []
            for name in names:
                value = getattr(obj, name)
                if value in (None, ""):
                    continue
                pairs.append(
                    (
                        capfirst(obj._meta.get_field(name).verbose_name),
                        yes_no[value] if isinstance(value, bool) else value,
                    )
                )
            evidence[criterion.value] = pairs
        return evidence

    def _review(self, request, obj, form=None):
        """The criteria as reviewed, and the forms that the status and the user allow.

        `form` is a review form sent with errors: it is shown as it was sent."""
        may_review = self.has_review_permission(request, obj)
        status = obj.status
        reviews = {review.criterion: review for review in obj.reviews.select_related("reviewed_by")}
        args = [quote(obj.pk)]
        open_for_review = status in OPEN_STATUSES
        if may_review and open_for_review and form is None:
            form = ReviewDecisionForm(reviews=reviews, auto_id="review-%s")
        evidence = self._evidence(obj)
        criteria = [
            {
                "criterion": criterion,
                "review": reviews.get(criterion.value),
                "evidence": evidence[criterion.value],
            }
            for criterion in Criterion
        ]
        rows = []
        if form is not None and may_review and open_for_review:
            for item, (_criterion, met, note) in zip(criteria, form.criterion_rows(), strict=True):
                rows.append({**item, "met": met, "note": note})
        else:
            form = None
        decided = status in DECIDED_STATUSES
        return {
            "status": obj.get_status_display(),
            "status_value": status,
            "decided": decided,
            "criteria": criteria,
            "form": form,
            "rows": rows,
            "decide_url": reverse("admin:budget_initiativeapplication_decide", args=args),
            "letter_url": (
                reverse("admin:budget_initiativeapplication_letter", args=args) if decided else None
            ),
            "withdraw_url": (
                reverse("admin:budget_initiativeapplication_withdraw", args=args)
                if may_review and open_for_review
                else None
            ),
            "withdraw_form": WithdrawForm(auto_id="withdraw-%s"),
        }

    # --- The state changes: small POST-only views, and the letter ---

    def get_urls(self):
        view = self.admin_site.admin_view
        name = "budget_initiativeapplication_"
        return [
            path("<path:object_id>/decide/", view(self.decide_view), name=f"{name}decide"),
            path("<path:object_id>/withdraw/", view(self.withdraw_view), name=f"{name}withdraw"),
            path(
                "<path:object_id>/decision-letter.pdf",
                view(limit_pdf_renders(self.letter_view)),
                name=f"{name}letter",
            ),
            *super().get_urls(),
        ]

    def _changed(self, request, application, text, tag, field="status"):
        self.log_field_change(request, application, field)
        messages.success(request, text, extra_tags=tag)

    def decide_view(self, request, object_id):
        """The review of the criteria and the decision, sent as one form (POST only).

        Refused (by the form or by budget.services.review_and_decide, which saves nothing
        then): the change page again, with the form as it was sent and its errors, at the
        form. Accepted: back to the change page, at the outcome.
        """
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_review_permission(request):
            raise PermissionDenied
        application, redirect = self.object_or_redirect(request, object_id)
        if redirect is not None:
            return redirect
        back = HttpResponseRedirect(f"{self.change_url(application)}#review")
        if application.status not in OPEN_STATUSES:
            # Decided or withdrawn (perhaps by a colleague since the page was opened): there
            # is no form to come back to; the page says why.
            report_refusal(request, self._closed_error(application), subject=application)
            return back
        form = ReviewDecisionForm(request.POST, auto_id="review-%s")
        if form.is_valid():
            deciding = form.cleaned_data["action"] == DECIDE
            data = form.cleaned_data
            try:
                application = services.review_and_decide(
                    application,
                    form.reviews(),
                    user=request.user,
                    decision=data["decision"] if deciding else None,
                    amount=data["amount"] or None,
                    reason=data["reason"],
                )
            except ValidationError as error:
                application.refresh_from_db(fields=["status"])
                if application.status not in OPEN_STATUSES:
                    report_refusal(request, error, subject=application)
                    return back
                add_service_errors(form, error)
            else:
                self._log_review(request, application, form.reviews())
                self._report_review(request, application, deciding)
                return back
        # The change page as a GET shows it, with this form in it; Django's own (read-only)
        # form reads nothing from the POST.
        request.method = "GET"
        return self.change_view(
            request,
            object_id,
            form_url=self.change_url(application),
            extra_context={"review_form": form},
        )

    @staticmethod
    def _closed_error(application):
        if application.status in DECIDED_STATUSES:
            return ValidationError(
                _("This application has already been decided."), code="already_decided"
            )
        return ValidationError(
            _("An application that is “%(from)s” cannot become “%(to)s”."),
            code="transition_not_allowed",
            params={
                "from": application.get_status_display(),
                "to": ApplicationStatus.IN_REVIEW.label,
            },
        )

    def _log_review(self, request, application, reviews):
        changes = [
            {
                "changed": {
                    "name": str(CriterionReview._meta.verbose_name),
                    "object": str(criterion.label),
                    "fields": [str(_("met")), str(_("note"))],
                }
            }
            for criterion in reviews
        ]
        if application.status in DECIDED_STATUSES:
            changes.append(
                {"changed": {"fields": [str(application._meta.get_field("status").verbose_name)]}}
            )
        if changes:
            self.log_change(request, application, changes)

    def _report_review(self, request, application, deciding):
        if deciding:
            messages.success(
                request,
                gettext(
                    "“%(application)s”: %(decision)s (%(amount)s). The decision letter is "
                    "on its way to the applicant."
                )
                % {
                    "application": application,
                    "decision": application.get_status_display(),
                    "amount": format_euro_or_dash(application.amount_granted),
                },
                extra_tags="application_decided",
            )
        else:
            messages.success(
                request,
                gettext("The review of “%(application)s” was saved; no decision was taken.")
                % {"application": application},
                extra_tags="review_saved",
            )

    def letter_view(self, request, object_id):
        """The decision letter as PDF, as the applicant received it: for those who may see
        the application (it carries the applicant's name and address)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        application, redirect = self.object_or_redirect(request, object_id)
        if redirect is not None:
            return redirect
        if application.status not in DECIDED_STATUSES:
            raise Http404("This application has not been decided")
        return pdf_response(
            emails.decision_letter_pdf(application),
            emails.decision_letter_filename(application),
            cache_control="private, no-store",
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
