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


class CriterionReviewForm(forms.Form):
    criterion = forms.ChoiceField(choices=Criterion.choices, widget=forms.HiddenInput)
    met = forms.TypedChoiceField(
        label=_("Met"),
        choices=[("yes", _("yes")), ("no", _("no"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Note"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
    )


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect
    )
    # Required only for a partial grant and for a refusal: the service says which.
    amount = forms.CharField(
        label=_("Amount granted (grant in part)"), max_length=30, required=False
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
    )


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
