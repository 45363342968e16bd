"""Forms of the contract domain (for now: the ones the staff admin needs)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from contracts.choices import ContractStatus
from contracts.models import ContractParty


def _unique_partner_message():
    """The translated message of the database rule, so form and database say the same."""
    constraint = next(
        c for c in ContractParty._meta.constraints if c.name == "unique_partner_per_contract"
    )
    return constraint.violation_error_message


class ContractPartyInlineFormSet(BaseInlineFormSet):
    """The parties of one contract: a partner at most once.

    Django's own formset check would also catch two rows with the same partner, but with a
    generic message on the whole row; this puts the contract's own rule, with its code, on
    the partner field of each repeated row. The database constraint stays the last word.
    """

    def clean(self):
        seen = set()
        repeated = False
        for form in self.forms:
            if not form.is_valid() or form in self.deleted_forms:
                continue
            # A read-only form's cleaned data is its initial data: a primary key, no object.
            partner = form.cleaned_data.get("partner")
            partner_pk = getattr(partner, "pk", partner)
            if partner_pk is None:
                continue
            if partner_pk in seen:
                repeated = True
                form.add_error(
                    "partner",
                    ValidationError(_unique_partner_message(), code="unique_partner_per_contract"),
                )
            seen.add(partner_pk)
        if not repeated:
            # The generic unique checks would only repeat what was said above.
            super().clean()


class ContractStepForm(forms.Form):
    """One lifecycle step for one contract, asked for from its admin page."""

    to_status = forms.ChoiceField(label=_("to"), choices=ContractStatus.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)
