"""The forms of the projects admin: a project's form, which offers only the choices that fit
its contract, and the reason for hiding progress updates."""

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from contracts.choices import ContractStatus
from contracts.models import Contract, Partner, ResidentWish
from projects.models import Project

# The project's own form fields that are part of the signed text (see PROJECT_TEXT_FIELDS).
PROJECT_TEXT_FORM_FIELDS = (
    "contract",
    "number",
    "title",
    "summary",
    "description",
    "expected_result",
    "lead_partner",
    "wishes",
    "planned_start",
    "planned_end",
)

ADDED_TO_FROZEN_CONTRACT = _(
    "The contract is ready for signing or signed: a new project comes by addendum after "
    "signing, not as a change of the contract."
)
WISH_OF_OTHER_CONTRACT = _("A project answers only wishes of its own contract.")


def _offer_only(field, objects, label=None):
    """Offer only `objects` as the field's choices, while it still accepts its whole queryset.

    A value from outside the offer (a stale form, a crafted request) then reaches the model's
    own check and is refused with its specific code (lead_not_party, wish_of_other_contract,
    project_added_to_frozen_contract) instead of a generic "not one of the choices".
    """
    label = label or field.label_from_instance
    choices = [("", field.empty_label)] if field.empty_label is not None else []
    choices += [(obj.pk, label(obj)) for obj in objects]
    field.widget.choices = choices


def _party_partners(contract):
    """The partners that are a party to `contract`: the possible lead partners."""
    return list(Partner.objects.filter(contract_parties__contract=contract).order_by("name"))


def _contract_years(contract):
    return f"{contract.neighbourhood} {contract.period_start.year}–{contract.period_end.year}"


class ProjectAdminForm(forms.ModelForm):
    """A project's form, on its own page and as a row of the inline on its contract.

    `contract` is the contract the project is (or will be) in, when the form cannot know it
    from its instance yet (a new row of the inline); `lead_offer` the lead partners to offer,
    computed once per inline instead of once per row.
    """

    class Meta:
        model = Project
        fields = (*PROJECT_TEXT_FORM_FIELDS, "is_illustrative")

    def __init__(self, *args, contract=None, lead_offer=None, **kwargs):
        super().__init__(*args, **kwargs)
        if contract is None and self.instance.contract_id:
            contract = self.instance.contract
        self.contract = contract if contract is not None and contract.pk else None
        if "contract" in self.fields:
            drafts = Contract.objects.filter(status=ContractStatus.DRAFT).select_related(
                "neighbourhood"
            )
            _offer_only(self.fields["contract"], drafts)
            self.fields["contract"].help_text = _(
                "Only a draft contract takes new projects; after signing, a new project comes "
                "by addendum."
            )
        if "lead_partner" in self.fields and self.contract is not None:
            offer = list(lead_offer) if lead_offer is not None else _party_partners(self.contract)
            current = self.instance.lead_partner_id
            if current and current not in {partner.pk for partner in offer}:
                offer.append(self.instance.lead_partner)
            _offer_only(self.fields["lead_partner"], offer)
        if "wishes" in self.fields:
            if self.contract is not None:
                _offer_only(self.fields["wishes"], self.contract.wishes.all())
            else:
                wishes = (
                    ResidentWish.objects.filter(contract__status=ContractStatus.DRAFT)
                    .select_related("contract__neighbourhood")
                    .order_by("contract__neighbourhood__name", "contract__period_start", "order")
                )
                _offer_only(
                    self.fields["wishes"],
                    wishes,
                    label=lambda wish: f"{_contract_years(wish.contract)}: {wish.title}",
                )

    def clean_contract(self):
        contract = self.cleaned_data["contract"]
        if contract.is_frozen:
            raise ValidationError(ADDED_TO_FROZEN_CONTRACT, code="project_added_to_frozen_contract")
        return contract

    def clean(self):
        cleaned_data = super().clean()
        contract = cleaned_data.get("contract") if "contract" in self.fields else self.contract
        wishes = cleaned_data.get("wishes")
        if contract is not None and wishes and any(w.contract_id != contract.pk for w in wishes):
            # The link table's guard would refuse these too, but only after the project was
            # saved, as an error the form could no longer show next to the field.
            self.add_error(
                "wishes", ValidationError(WISH_OF_OTHER_CONTRACT, code="wish_of_other_contract")
            )
        return cleaned_data

    def _update_errors(self, errors):
        # Project.clean() checks fields this form may show read-only (a frozen project):
        # such an error belongs to the form as a whole, not to a field it does not have.
        if hasattr(errors, "error_dict"):
            misplaced = [name for name in errors.error_dict if name not in self.fields]
            for name in misplaced:
                errors.error_dict.setdefault(forms.forms.NON_FIELD_ERRORS, []).extend(
                    errors.error_dict.pop(name)
                )
        super()._update_errors(errors)


class ProjectInlineFormSet(BaseInlineFormSet):
    """The projects of one contract: each row knows its contract and the partners to offer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lead_offer = _party_partners(self.instance) if self.instance.pk else None

    def get_form_kwargs(self, index):
        return {
            **super().get_form_kwargs(index),
            "contract": self.instance,
            "lead_offer": self._lead_offer,
        }


class HideUpdateForm(forms.Form):
    # Not required here: the service judges the reason, so its refusal is the one shown.
    reason = forms.CharField(
        label=_("Reason for hiding"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "cols": 60, "required": True}),
        help_text=_(
            "Why residents and the team may no longer see this update. It is kept in the "
            "update's history."
        ),
    )
