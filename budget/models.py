"""The fund: its categories, the commitments made from it (allocations) and the payments.

Money is euros as Decimal with two places. What the database can hold it holds (positive
amounts, a payment never negative); the ceilings across rows (the fund's total, a category's
ceiling, an allocation's amount) are kept by budget.services under a row lock on the fund.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from budget.choices import AllocationStatus, ApplicationStatus, CategoryKind, Criterion
from contracts.models import Neighbourhood, ResidentWish
from wijkaanpak.common.money import format_euro
from wijkaanpak.common.text import NAME_VALIDATORS

ZERO = Decimal("0.00")


def money_field(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


class Fund(models.Model):
    """A budget set aside by a council decision, e.g. EUR 250,000 for the neighbourhood
    approach (decision of 12 December 2006)."""

    name = models.CharField(_("name"), max_length=200, validators=NAME_VALIDATORS)
    programme = models.OneToOneField(
        "contracts.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fund",
        verbose_name=_("programme"),
        help_text=_("The programme period whose wijken this fund serves."),
    )
    total = money_field(_("total"))
    decision_reference = models.CharField(_("decision reference"), max_length=100)
    decision_date = models.DateField(_("decision date"))
    period_start = models.DateField(_("start of period"))
    period_end = models.DateField(_("end of period"))
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["-period_start", "name"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-period_start", "name"], name="fund_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(total__gt=0),
                name="fund_total_positive",
                violation_error_code="total_not_positive",
                violation_error_message=_("The total of a fund must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="fund_period_end_after_start",
                violation_error_code="period_end_before_start",
                violation_error_message=_("The period must end after it starts."),
            ),
        ]

    def __str__(self):
        return self.name

    def takes_applications_on(self, day):
        """Whether residents may apply to this fund on `day`: within its period, both ends
        included."""
        return self.period_start <= day <= self.period_end


class FundCategory(models.Model):
    """What the fund pays for: organisation and introduction, or resident initiatives."""

    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, related_name="categories", verbose_name=_("fund")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=CategoryKind.choices)
    ceiling = money_field(
        _("ceiling"),
        null=True,
        blank=True,
        help_text=_("Optional: at most this much of the fund may be committed to this category."),
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("fund category")
        verbose_name_plural = _("fund categories")
        ordering = ["fund", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "kind"],
                name="unique_category_per_fund",
                violation_error_code="duplicate_category",
                violation_error_message=_("This fund already has this category."),
            ),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(ceiling__gt=0),
                name="category_ceiling_positive",
                violation_error_code="ceiling_not_positive",
                violation_error_message=_("A ceiling must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=CategoryKind.values),
                name="category_kind_valid",
                violation_error_code="invalid_kind",
                violation_error_message=_("Unknown category."),
            ),
        ]

    def __str__(self):
        return f"{self.fund}: {self.get_kind_display()}"


class Allocation(models.Model):
    """A commitment from the fund, decided on a date by someone, for a purpose.

    `amount` is what stays committed: reducing or closing the allocation lowers it (never
    below what was paid), and the rest returns to the fund. History keeps every earlier amount.
    """

    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="allocations", verbose_name=_("fund")
    )
    category = models.ForeignKey(
        FundCategory,
        on_delete=models.PROTECT,
        related_name="allocations",
        verbose_name=_("category"),
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="allocations",
        null=True,
        blank=True,
        verbose_name=_("neighbourhood"),
    )
    amount = money_field(_("amount committed"))
    purpose = models.CharField(_("purpose"), max_length=300)
    decision_date = models.DateField(_("decision date"))
    decision_reference = models.CharField(_("decision reference"), max_length=100, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=AllocationStatus.choices,
        default=AllocationStatus.OPEN,
        editable=False,
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("allocation")
        verbose_name_plural = _("allocations")
        ordering = ["-decision_date", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-decision_date", "-id"], name="allocation_list_order"),
            models.Index(fields=["status"], name="allocation_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gte=0),
                name="allocation_amount_not_negative",
                violation_error_code="amount_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=AllocationStatus.values),
                name="allocation_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown allocation status."),
            ),
        ]

    def __str__(self):
        return f"{self.purpose} ({format_euro(self.amount)})"


class Payment(models.Model):
    """Money paid out against an allocation; together never more than it commits."""

    allocation = models.ForeignKey(
        Allocation,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("allocation"),
    )
    amount = money_field(_("amount"))
    paid_on = models.DateField(_("paid on"))
    reference = models.CharField(_("reference"), max_length=100, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(_("booked at"), auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-paid_on", "-id"], name="payment_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="payment_amount_positive",
                violation_error_code="amount_not_positive",
                violation_error_message=_("A payment must be more than zero."),
            ),
        ]

    def __str__(self):
        return f"{format_euro(self.amount)} ({date_format(self.paid_on)})"


class InitiativeApplication(models.Model):
    """A residents' application for a grant from the fund's initiatives category.

    The contact fields are personal data: never shown on a public page or in a download, and
    erased after the retention period (see the privacy statement).
    """

    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    fund = models.ForeignKey(
        Fund, on_delete=models.PROTECT, related_name="applications", verbose_name=_("fund")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="applications",
        verbose_name=_("neighbourhood"),
    )
    title = models.CharField(_("title"), max_length=150, validators=NAME_VALIDATORS)
    description = models.TextField(_("what and why"), max_length=5000)
    wish = models.ForeignKey(
        ResidentWish,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("resident wish it fits"),
    )
    project = models.ForeignKey(
        "projects.Project",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        verbose_name=_("project it fits"),
    )
    fit_explanation = models.TextField(_("how it fits the contract"), max_length=2000, blank=True)
    own_contribution = models.TextField(
        _("residents' own initiative and own work"), max_length=3000
    )
    no_other_budget = models.BooleanField(_("no other budget can pay for it"), default=False)
    other_budgets_tried = models.TextField(
        _("other budgets that were tried"), max_length=2000, blank=True
    )
    amount_requested = money_field(_("amount requested"))
    cost_breakdown = models.TextField(_("cost breakdown"), max_length=3000)
    contact_name = models.CharField(_("name"), max_length=150, validators=NAME_VALIDATORS)
    contact_email = models.EmailField(_("e-mail address"))
    contact_phone = models.CharField(_("telephone (optional)"), max_length=30, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.SUBMITTED,
        editable=False,
    )
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    amount_granted = money_field(_("amount granted"), null=True, blank=True, editable=False)
    decision_reason = models.TextField(_("reason of the decision"), blank=True, editable=False)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True, editable=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("decided by"),
    )
    allocation = models.OneToOneField(
        Allocation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="application",
        editable=False,
        verbose_name=_("allocation"),
    )
    personal_data_erased_at = models.DateTimeField(
        _("personal data erased at"), null=True, blank=True, editable=False
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)
    # A keyed SHA-256 of what the resident sent (budget.services.application_fingerprint):
    # the same application sent again within the hour gets this one's reference. It covers
    # the contact fields, so it is kept out of the history and erased with them.
    fingerprint = models.CharField(
        _("fingerprint"), max_length=64, blank=True, editable=False, db_index=True
    )

    # A SHA-256 of the secret in the status link of the receipt mail (budget.services
    # .status_token_matches): the link itself is never stored. Blank when there is no link
    # (an application from before links existed, or one whose personal data was erased).
    status_token_hash = models.CharField(
        _("status link fingerprint"), max_length=64, blank=True, editable=False
    )

    history = HistoricalRecords(
        excluded_fields=[
            "contact_name",
            "contact_email",
            "contact_phone",
            "fingerprint",
            "status_token_hash",
        ]
    )

    class Meta:
        verbose_name = _("initiative application")
        verbose_name_plural = _("initiative applications")
        ordering = ["-submitted_at", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-submitted_at", "-id"], name="application_list_order"),
            models.Index(fields=["status"], name="application_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_requested__gt=0),
                name="application_amount_positive",
                violation_error_code="amount_not_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values),
                name="application_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown application status."),
            ),
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REFUSED) | ~Q(decision_reason=""),
                name="refusal_has_reason",
                violation_error_code="reason_missing",
                violation_error_message=_("A refusal needs a reason."),
            ),
            models.CheckConstraint(
                condition=~Q(
                    status__in=[ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED]
                )
                | (Q(amount_granted__gt=0) & Q(allocation__isnull=False)),
                name="grant_has_amount_and_allocation",
                violation_error_code="grant_incomplete",
                violation_error_message=_("A grant needs an amount and its allocation."),
            ),
        ]

    def __str__(self):
        return f"{self.reference}: {self.title}"


class CriterionReview(models.Model):
    """A budget manager's judgement of one of the three criteria for one application."""

    application = models.ForeignKey(
        InitiativeApplication,
        on_delete=models.CASCADE,
        related_name="reviews",
        verbose_name=_("application"),
    )
    criterion = models.CharField(_("criterion"), max_length=20, choices=Criterion.choices)
    met = models.BooleanField(_("met"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    reviewed_at = models.DateTimeField(_("reviewed at"), auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("criterion review")
        verbose_name_plural = _("criterion reviews")
        ordering = ["application", "criterion"]
        constraints = [
            models.UniqueConstraint(
                fields=["application", "criterion"],
                name="one_review_per_criterion",
                violation_error_code="duplicate_review",
                violation_error_message=_("This criterion has already been reviewed."),
            ),
            models.CheckConstraint(
                condition=Q(criterion__in=Criterion.values),
                name="criterion_valid",
                violation_error_code="invalid_criterion",
                violation_error_message=_("Unknown criterion."),
            ),
        ]

    def __str__(self):
        return f"{self.application.reference}: {self.get_criterion_display()}"


class NeighbourhoodReserve(models.Model):
    """An indicative share of the fund set aside for one wijk: a guide, not a limit."""

    fund = models.ForeignKey(
        Fund, on_delete=models.CASCADE, related_name="reserves", verbose_name=_("fund")
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="fund_reserves",
        verbose_name=_("neighbourhood"),
    )
    amount = money_field(_("indicative reserve"))

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("indicative reserve per neighbourhood")
        verbose_name_plural = _("indicative reserves per neighbourhood")
        ordering = ["fund", "neighbourhood__name"]
        constraints = [
            models.UniqueConstraint(
                fields=["fund", "neighbourhood"],
                name="one_reserve_per_neighbourhood",
                violation_error_code="duplicate_reserve",
                violation_error_message=_("This neighbourhood already has a reserve in this fund."),
            ),
            models.CheckConstraint(
                condition=Q(amount__gt=0),
                name="reserve_amount_positive",
                violation_error_code="amount_not_positive",
                violation_error_message=_("The amount must be more than zero."),
            ),
        ]

    def __str__(self):
        return f"{self.neighbourhood}: {format_euro(self.amount)}"
