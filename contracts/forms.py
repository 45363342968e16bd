"""Forms of the contract domain (for now: the ones the staff admin needs)."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from contracts.choices import ContractStatus
from contracts.models import ContractParty, StandardSection


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


class ContractSectionInlineFormSet(BaseInlineFormSet):
    """The sections of one contract; a new contract's form starts with the standard sections.

    Each standard section is a row to write in, its writing prompt as the starting text. A
    row is kept as offered even when left untouched (the contract then holds the prompt, and
    is not ready for signing until it is written); its delete box leaves it out.
    """

    def __init__(self, *args, **kwargs):
        instance = kwargs.get("instance")
        if instance is not None and instance.pk is None and "initial" not in kwargs:
            kwargs["initial"] = [
                {"order": (index + 1) * 10, "heading": standard.heading, "body": standard.body}
                for index, standard in enumerate(StandardSection.objects.all())
            ]
        super().__init__(*args, **kwargs)

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        if form.instance.pk is None and form.initial:
            # An offered section counts as filled in, so it is checked and saved as offered.
            form.empty_permitted = False
            form.has_changed = lambda: True
        return form


class ContractStepForm(forms.Form):
    """One lifecycle step for one contract, asked for from its admin page."""

    to_status = forms.ChoiceField(label=_("to"), choices=ContractStatus.choices)
    note = forms.CharField(label=_("note"), required=False, max_length=2000)


class SigningRegistrationForm(forms.Form):
    """Registering the signing of one contract: when, where and which parties signed."""

    signed_on = forms.DateField(
        label=_("date of signing"),
        # An HTML date input reads only ISO dates, whatever the language of the page.
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    signing_place = forms.CharField(label=_("place of signing"), max_length=100)
    parties = forms.TypedMultipleChoiceField(
        label=_("parties that signed"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "A party that did not sign needs a new print without its signature block; it is "
            "then removed from the contract."
        ),
    )
    note = forms.CharField(
        label=_("note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    new_print_signed = forms.BooleanField(
        label=_("the parties signed the new print"),
        required=False,
        help_text=_(
            "The new print, with the real date and place, was printed and signed by the parties "
            "(its document code is at the foot of every page)."
        ),
    )

    def __init__(self, *args, contract, final=None, **kwargs):
        initial = {
            "signed_on": contract.signed_on,
            "signing_place": contract.signing_place,
            "parties": [party.pk for party in contract.parties.all()],
            **kwargs.pop("initial", {}),
        }
        super().__init__(*args, initial=initial, **kwargs)
        self.fields["parties"].choices = [
            (
                party.pk,
                f"{party.partner} ({party.signatory_name}, {party.signatory_function})"
                if party.has_signatory
                else f"{party.partner} ({_('no signatory')})",
            )
            for party in contract.parties.select_related("partner")
        ]
        if final is None or not final.is_reprint:
            # Asked only once a new print was made: the final PDF to be signed is that print.
            del self.fields["new_print_signed"]


class ScanUploadForm(forms.Form):
    """A scan of the signed paper pages (PDF only; the service checks the content)."""

    file = forms.FileField(label=_("scan (PDF)"))
    description = forms.CharField(label=_("description"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].widget.attrs["accept"] = "application/pdf,.pdf"


class NeighbourhoodSearchForm(forms.Form):
    """The search on the list of wijken: part of the name of a wijk, its district or area."""

    q = forms.CharField(
        label=_("Search for a neighbourhood"),
        help_text=_("A part of the name of the neighbourhood, its district or one of its areas."),
        max_length=100,
        required=False,
    )

    def query(self):
        """The text to search for: empty when there is none or it is not valid."""
        return self.cleaned_data["q"] if self.is_valid() else ""
