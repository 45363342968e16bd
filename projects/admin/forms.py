"""The forms of the projects admin: a project's form, which offers only the choices that fit
its contract; the projects and their partners' contributions as rows of the contract's page,
which name the parties, wishes and projects of the same submit; the reason for hiding
progress updates."""

import re
from decimal import Decimal, InvalidOperation

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Min
from django.forms.models import BaseInlineFormSet, BaseModelFormSet
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from contracts.choices import ContractStatus
from contracts.models import Contract, Partner, ResidentWish
from projects.models import Project, ProjectPartner
from wijkaanpak.common.forms import parse_id
from wijkaanpak.common.money import format_euro, normalise_amount

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
# What the amount's column holds: twelve digits, two of them after the comma.
LARGEST_AMOUNT = Decimal(10) ** 10
LEAD_NOT_PARTY = _("The lead partner must be a party to the contract.")
PLANNING_OUTSIDE_PERIOD = _(
    "The planning must lie within the contract period (%(start)s – %(end)s)."
)


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


# --- Rows of the contract's page ---------------------------------------------------------------


def kept_forms(formset):
    """The forms of a formset that this submit keeps: cleaned, filled in and not deleted."""
    if formset is None or not formset.is_bound:
        return []
    formset.is_valid()  # cleans every form, once
    return [
        form
        for form in formset.forms
        if getattr(form, "cleaned_data", None) and not formset._should_delete_form(form)
    ]


def sibling(formset, prefix):
    """The contract's formset `prefix` of the same submit (see add_contract_part), if any."""
    return getattr(formset, "contract_formsets", {}).get(prefix)


def forms_by(forms_, field):
    """{value of `field`: [forms with it]}, for the forms whose `field` is filled in."""
    found = {}
    for form in forms_:
        value = form.cleaned_data.get(field)
        if value is not None:
            found.setdefault(value, []).append(form)
    return found


def parse_numbers(text):
    """The numbers in "1, 3" (commas, semicolons or spaces between), or None if it is no list."""
    parts = [parse_id(part) for part in re.split(r"[\s,;]+", text or "") if part]
    if None in parts:
        return None
    return sorted(set(parts))


class WishNumbersField(forms.CharField):
    """The wishes a project answers, by their order numbers in the contract's list of wishes.

    Numbers rather than a choice of records: on the contract's page the wishes may be rows of
    the same submit, which have no record to choose yet.
    """

    def __init__(self, **kwargs):
        super().__init__(
            label=_("answers wishes (nos.)"),
            required=False,
            max_length=200,
            help_text=_(
                "The wishes this project answers, by their number in the order column of the "
                "wishes above, for example: 1 or 1, 3."
            ),
            **kwargs,
        )

    def clean(self, value):
        value = super().clean(value)
        numbers = parse_numbers(value)
        if numbers is None:
            raise ValidationError(
                _("Give the numbers of the wishes, separated by commas (for example: 1, 3)."),
                code="invalid_wish_numbers",
            )
        return numbers


def wish_numbers_of(project):
    """The order numbers of the wishes `project` answers, as the row shows them ("1, 3")."""
    return ", ".join(str(order) for order in sorted({wish.order for wish in project.wishes.all()}))


class ProjectRowForm(ProjectAdminForm):
    """A project as a row of its contract's page: its wishes by number.

    Whether its lead partner is a party and its planning lies within the contract's period is
    judged by the formset against the parties and the period of the same submit, which may
    not be stored yet; the model's own checks of those, against what is stored, give way.
    """

    wish_numbers = WishNumbersField()

    JUDGED_BY_THE_FORMSET = {"lead_not_party", "planning_outside_period"}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is not None:
            self.initial.setdefault("wish_numbers", wish_numbers_of(self.instance))

    def _update_errors(self, errors):
        if hasattr(errors, "error_dict"):
            for name in list(errors.error_dict):
                kept = [
                    e for e in errors.error_dict[name] if e.code not in self.JUDGED_BY_THE_FORMSET
                ]
                if kept:
                    errors.error_dict[name] = kept
                else:
                    del errors.error_dict[name]
            if not errors.error_dict:
                return
        super()._update_errors(errors)


def _grouped_lead_offer(contract):
    """The lead partners to offer on a contract's page: its parties first, then the partners
    that become a party in the same submit."""
    parties = _party_partners(contract)
    others = list(Partner.objects.exclude(pk__in=[p.pk for p in parties]).order_by("name"))
    return [
        (_("Parties to this contract"), [(p.pk, str(p)) for p in parties]),
        (_("Other partners (add them as a party too)"), [(p.pk, str(p)) for p in others]),
    ]


class ProjectInlineFormSet(BaseInlineFormSet):
    """The projects of one contract, as rows of its page.

    A row names its lead partner, which must be one of the parties as this submit leaves them,
    and the wishes it answers by their order numbers among the wishes of this submit; its
    planning lies within the contract's period as submitted. The links to the wishes are set
    after the wishes are saved (the contract's page saves its formsets in order).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._lead_offer = _grouped_lead_offer(self.instance) if self.instance.pk else None

    def get_form_kwargs(self, index):
        # The offer is the formset's, given to each row once it is built (no query per row).
        return {**super().get_form_kwargs(index), "contract": self.instance, "lead_offer": ()}

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        self._offer_leads(form)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        self._offer_leads(form)
        return form

    def _offer_leads(self, form):
        field = form.fields.get("lead_partner")
        if field is None or self._lead_offer is None:
            return
        field.widget.choices = [("", field.empty_label), *self._lead_offer]

    def clean(self):
        super().clean()
        party_ids = self._party_ids()
        wishes = self._wishes_by_number()
        start, end = self.instance.period_start, self.instance.period_end
        for form in kept_forms(self):
            # A row the user may only view has its initial data as cleaned data: keys, no rows.
            lead = form.cleaned_data.get("lead_partner")
            if lead is not None and getattr(lead, "pk", lead) not in party_ids:
                form.add_error(
                    "lead_partner", ValidationError(LEAD_NOT_PARTY, code="lead_not_party")
                )
            planned_start = form.cleaned_data.get("planned_start")
            planned_end = form.cleaned_data.get("planned_end")
            if (
                start
                and end
                and planned_start
                and planned_end
                and planned_start <= planned_end
                and (planned_start < start or planned_end > end)
            ):
                form.add_error(
                    "planned_end",
                    ValidationError(
                        PLANNING_OUTSIDE_PERIOD,
                        code="planning_outside_period",
                        params={"start": date_format(start), "end": date_format(end)},
                    ),
                )
            form.wishes_named = self._resolve_wishes(form, wishes)

    def _party_ids(self):
        """The partners that are a party as this submit leaves the contract; as stored when
        the page has no rows of parties (a user who may not change them)."""
        parties = sibling(self, "parties")
        if parties is not None:
            return {getattr(f.cleaned_data.get("partner"), "pk", None) for f in kept_forms(parties)}
        if self.instance.pk is None:
            return set()
        return set(self.instance.parties.values_list("partner_id", flat=True))

    def _wishes_by_number(self):
        """{order number: [wishes]} as this submit leaves the contract (new wishes as the
        unsaved instances their rows will save); as stored when the page has no wish rows."""
        rows = sibling(self, "wishes")
        if rows is not None:
            by_number = forms_by(kept_forms(rows), "order")
            return {n: [form.instance for form in found] for n, found in by_number.items()}
        by_number = {}
        if self.instance.pk is not None:
            for wish in self.instance.wishes.all():
                by_number.setdefault(wish.order, []).append(wish)
        return by_number

    @staticmethod
    def _resolve_wishes(form, wishes):
        numbers = form.cleaned_data.get("wish_numbers")
        if not isinstance(numbers, list):  # not given, or a row the user may only view
            return None
        resolved = []
        for number in numbers:
            found = wishes.get(number, [])
            if not found:
                form.add_error(
                    "wish_numbers",
                    ValidationError(
                        _("This contract has no wish with number %(number)s."),
                        code="unknown_wish",
                        params={"number": number},
                    ),
                )
            elif len(found) > 1:
                form.add_error(
                    "wish_numbers",
                    ValidationError(
                        _("Several wishes have number %(number)s: give each wish its own number."),
                        code="ambiguous_wish_number",
                        params={"number": number},
                    ),
                )
            else:
                resolved.append(found[0])
        return resolved

    def save(self, commit=True):
        saved = super().save(commit)
        if commit:
            self.save_wish_links()
        return saved

    def save_wish_links(self):
        """Link each kept project to the wishes its row names, now that both are saved."""
        for form in kept_forms(self):
            wishes = getattr(form, "wishes_named", None)
            if wishes is None or form.instance.pk is None:
                continue
            form.instance.wishes.set(wishes)


class ContributionForm(forms.ModelForm):
    """A partner's contribution to a project, as a row of the contract's page: the project by
    its number, as the projects above have it (they may be rows of the same submit); the
    amount as people type it here ("95.000", "€ 1.250,50")."""

    project_number = forms.IntegerField(label=_("project no."), min_value=0)
    amount = forms.CharField(
        label=_("amount (euro)"),
        required=False,
        max_length=30,
        help_text=_("Empty for a contribution in hours or in kind."),
    )

    class Meta:
        model = ProjectPartner
        fields = ("partner", "contribution", "amount", "order")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.project_id is not None:
            self.initial.setdefault("project_number", self.instance.project.number)
        if self.instance.amount is not None:
            self.initial["amount"] = format_euro(self.instance.amount).removeprefix("€ ")
        self.moved = False

    def clean_amount(self):
        text = self.cleaned_data.get("amount", "").strip()
        if not text:
            return None
        try:
            amount = Decimal(normalise_amount(text))
        except (InvalidOperation, TypeError, ValueError):
            amount = None
        if amount is None or not amount.is_finite() or abs(amount) >= LARGEST_AMOUNT:
            raise ValidationError(_("Enter an amount in euros."), code="amount_invalid")
        if amount.as_tuple().exponent < -2:
            raise ValidationError(_("Use at most two decimals."), code="amount_too_precise")
        if amount < 0:
            raise ValidationError(_("The amount cannot be negative."), code="negative_amount")
        return amount

    def has_changed(self):
        # A contribution whose project got another number moves with its project's row.
        return self.moved or super().has_changed()


class ContributionFormSet(BaseModelFormSet):
    """The contributions to all projects of one contract, as rows of the contract's page.

    Built like an inline formset (instance, prefix, queryset), though its rows reach the
    contract through their project. A row names its project by number among the projects of
    the same submit; a row of a project that is deleted goes with it.
    """

    def __init__(
        self,
        data=None,
        files=None,
        instance=None,
        save_as_new=False,
        prefix=None,
        queryset=None,
        **kwargs,
    ):
        self.instance = Contract() if instance is None else instance
        queryset = ProjectPartner.objects.all() if queryset is None else queryset
        if self.instance.pk is None:
            queryset = queryset.none()
        else:
            queryset = queryset.filter(project__contract=self.instance).order_by(
                "project__number", "order", "pk"
            )
        if "initial" not in kwargs:
            # A new row names the first project, the one a new contract starts with.
            first = None
            if self.instance.pk is not None:
                first = self.instance.projects.aggregate(first=Min("number"))["first"]
            kwargs["initial"] = [{"project_number": 1 if first is None else first}]
        super().__init__(data, files, prefix=prefix, queryset=queryset, **kwargs)

    @classmethod
    def get_default_prefix(cls):
        return "contributions"

    def _construct_form(self, i, **kwargs):
        form = super()._construct_form(i, **kwargs)
        self._offer_partners(form)
        return form

    @property
    def empty_form(self):
        form = super().empty_form
        self._offer_partners(form)
        return form

    def _offer_partners(self, form):
        """Every partner may contribute: the list is read once, not once per row."""
        field = form.fields.get("partner")
        if field is None:
            return
        if not hasattr(self, "_partner_choices"):
            self._partner_choices = [("", field.empty_label)] + [
                (partner.pk, str(partner)) for partner in Partner.objects.order_by("name")
            ]
        field.widget.choices = self._partner_choices

    def _projects(self):
        return sibling(self, "projects")

    def _projects_by_number(self):
        """{number: [projects]} as this submit leaves the contract (new projects as the unsaved
        instances their rows will save); as stored when the page has no project rows."""
        rows = self._projects()
        if rows is not None:
            by_number = forms_by(kept_forms(rows), "number")
            return {n: [form.instance for form in found] for n, found in by_number.items()}
        by_number = {}
        if self.instance.pk is not None:
            for project in self.instance.projects.all():
                by_number.setdefault(project.number, []).append(project)
        return by_number

    def _should_delete_form(self, form):
        if super()._should_delete_form(form):
            return True
        projects = self._projects()
        if form.instance.pk is None or projects is None or not projects.is_valid():
            return False
        return any(
            projects._should_delete_form(project_form)
            for project_form in projects.forms
            if project_form.instance.pk == form.instance.project_id
        )

    def clean(self):
        super().clean()
        projects = self._projects_by_number()
        seen = set()
        for form in kept_forms(self):
            number = form.cleaned_data.get("project_number")
            if number is None:
                continue
            found = projects.get(number)
            if not found:
                form.add_error(
                    "project_number",
                    ValidationError(
                        _("This contract has no project with number %(number)s."),
                        code="unknown_project",
                        params={"number": number},
                    ),
                )
                continue
            project = found[0]
            if form.instance.pk is not None and project.pk != form.instance.project_id:
                form.moved = True
            form.instance.project = project
            partner = getattr(form.cleaned_data.get("partner"), "pk", None)
            if partner is not None:
                if (number, partner) in seen:
                    form.add_error(
                        "partner",
                        ValidationError(
                            _("This partner already takes part in this project."),
                            code="duplicate_project_partner",
                        ),
                    )
                seen.add((number, partner))


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
