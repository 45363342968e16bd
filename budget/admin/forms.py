"""The small forms of the fund's admin. Amounts are text: the service parses them, so its
refusal (amount_invalid, amount_too_precise, …) is the one staff see."""

from django import forms
from django.utils.translation import gettext_lazy as _

from budget.choices import DECIDED_STATUSES, ApplicationStatus, Criterion
from budget.models import Allocation
from wijkaanpak.common.money import format_euro

DECISION_CHOICES = [
    (status.value, status.label) for status in ApplicationStatus if status in DECIDED_STATUSES
]


class AllocationBookingForm(forms.ModelForm):
    """The fields of a new allocation; `budget.services.book_allocation` checks and books it.

    The amount is text and the model's own validation is skipped: the service's refusals
    (amount_not_positive, fund_exceeded, …) are the ones staff see, next to their field.
    """

    amount = forms.CharField(label=_("amount committed"), max_length=30)

    class Meta:
        model = Allocation
        fields = (
            "fund",
            "category",
            "neighbourhood",
            "amount",
            "purpose",
            "decision_date",
            "decision_reference",
        )

    def _post_clean(self):
        # No instance is saved from this form: book_allocation() creates the allocation.
        pass


class AmountForm(forms.Form):
    amount = forms.CharField(label=_("New amount"), max_length=30)


class PaymentForm(forms.Form):
    amount = forms.CharField(label=_("Amount"), max_length=30)
    paid_on = forms.DateField(label=_("Paid on"))
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)


MET_CHOICES = [("yes", _("met")), ("no", _("not met"))]

# The two buttons of the review form.
DECIDE = "decide"
SAVE_REVIEW = "save_review"


class ReviewDecisionForm(forms.Form):
    """The review of the three criteria and the decision, filled in and sent as one.

    Per criterion "met" or "not met" and a note; then the decision, the amount (for a partial
    grant) and the reason. The button pressed ("decide" or "save the review only") is the field
    `action`. The rules of a decision (every criterion reviewed, a reason where one is due, the
    amount in any Dutch notation) are budget.services.decision_problems': the view puts its
    refusals on this form, so what was typed stays.
    """

    decision = forms.ChoiceField(
        label=_("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect, required=False
    )
    amount = forms.CharField(
        label=_("Amount granted (grant in part)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"aria-describedby": "review-amount-help"}),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 3, "cols": 60, "aria-describedby": "review-reason-help"}
        ),
    )
    action = forms.ChoiceField(
        choices=[(DECIDE, DECIDE), (SAVE_REVIEW, SAVE_REVIEW)], widget=forms.HiddenInput
    )

    def __init__(self, *args, reviews=None, **kwargs):
        """`reviews` maps a criterion's value to its recorded CriterionReview: the start."""
        reviews = reviews or {}
        initial = kwargs.pop("initial", None) or {}
        for criterion, review in reviews.items():
            initial[self.met_name(criterion)] = "yes" if review.met else "no"
            initial[self.note_name(criterion)] = review.note
        super().__init__(*args, initial=initial, **kwargs)
        fields = {}
        for criterion in Criterion:
            fields[self.met_name(criterion)] = forms.ChoiceField(
                label=criterion.label,
                choices=MET_CHOICES,
                widget=forms.RadioSelect,
                required=False,
            )
            fields[self.note_name(criterion)] = forms.CharField(
                label=_("Note"),
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
            )
        # The criteria first, as the page shows them.
        self.fields = {**fields, **self.fields}

    @staticmethod
    def met_name(criterion):
        return f"{Criterion(criterion).value}_met"

    @staticmethod
    def note_name(criterion):
        return f"{Criterion(criterion).value}_note"

    def criterion_rows(self):
        """(criterion, its "met" field, its note field), in the council note's order."""
        return [
            (criterion, self[self.met_name(criterion)], self[self.note_name(criterion)])
            for criterion in Criterion
        ]

    def clean(self):
        data = super().clean()
        for criterion in Criterion:
            note = (data.get(self.note_name(criterion)) or "").strip()
            if note and not data.get(self.met_name(criterion)):
                self.add_error(
                    self.met_name(criterion),
                    forms.ValidationError(
                        _("Say whether this criterion is met; the note is kept with it."),
                        code="met_missing",
                    ),
                )
        if data.get("action") == DECIDE and not data.get("decision"):
            self.add_error(
                "decision",
                forms.ValidationError(
                    _("Choose grant, grant in part or refuse."), code="not_a_decision"
                ),
            )
        if data.get("action") == SAVE_REVIEW and not self.reviews():
            self.add_error(
                None,
                forms.ValidationError(
                    _("Assess at least one criterion to save the review."),
                    code="nothing_reviewed",
                ),
            )
        return data

    def reviews(self):
        """What budget.services.review_and_decide records: criterion -> (met, note), for each
        criterion marked met or not met. A note with an error of its own (too long) is not in
        cleaned_data: clean() asks this too, and the form is invalid then anyway."""
        data = self.cleaned_data
        return {
            criterion: (
                data[self.met_name(criterion)] == "yes",
                data.get(self.note_name(criterion), ""),
            )
            for criterion in Criterion
            if data.get(self.met_name(criterion))
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason (the applicant's request)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
    )


class FundAdminForm(forms.ModelForm):
    """A fund's own form: its total never drops below what is already committed from it."""

    def clean_total(self):
        from budget.services import committed

        total = self.cleaned_data["total"]
        if self.instance.pk and total is not None:
            already = committed(self.instance)
            if total < already:
                raise forms.ValidationError(
                    _("%(committed)s is already committed from this fund."),
                    code="total_below_committed",
                    params={"committed": format_euro(already)},
                )
        return total


class FundCategoryAdminForm(forms.ModelForm):
    """A category's ceiling never drops below what is already committed to it."""

    def clean_ceiling(self):
        from budget.services import committed

        ceiling = self.cleaned_data["ceiling"]
        if self.instance.pk and ceiling is not None:
            already = committed(self.instance.fund, self.instance)
            if ceiling < already:
                raise forms.ValidationError(
                    _("%(committed)s is already committed to this category."),
                    code="ceiling_below_committed",
                    params={"committed": format_euro(already)},
                )
        return ceiling
