"""The residents' application form for an initiative grant.

The form checks the shape of the input (lengths, an e-mail address, an amount that can be
read). The rules of an application (the declaration, a wish or project of the chosen wijk, or
an explanation) belong to budget.services.submit_application, whose refusals the view puts on
these fields: one place for each rule, with one error code.
"""

from decimal import Decimal

from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Div, Fieldset, Layout
from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from budget import services
from contracts.models import Contract, Neighbourhood, ResidentWish
from wijkaanpak.common.money import format_euro
from wijkaanpak.common.text import NAME_VALIDATORS

# Reused from the portal: fields with linked errors, without an error box of their own (the
# page's error summary lists every error once).
FIELDS_TEMPLATE = "projects/portal/includes/form_fields.html"

HONEYPOT_FIELD = "website"


def current_public_contracts():
    """The contract residents see for each wijk: the latest public one."""
    latest = {}
    for contract in Contract.objects.public().order_by("-period_start", "-pk"):
        latest.setdefault(contract.neighbourhood_id, contract)
    return latest


def neighbourhoods_to_apply_for():
    """The wijken an application can be for: those with a public contract, by name."""
    return Neighbourhood.objects.filter(pk__in=current_public_contracts().keys()).order_by("name")


def _grouped_choices(items, label):
    """Choices grouped by wijk: [("", "—"), (wijk, [(pk, label), …]), …]."""
    groups = {}
    for item in items:
        groups.setdefault(item.contract.neighbourhood.name, []).append((item.pk, label(item)))
    return [("", _("(none)")), *sorted(groups.items())]


class NeighbourhoodChoiceForm(forms.Form):
    """Step one of the application, sent with GET: the wijk, so that step two offers only
    its wishes and projects. The wijk pages link past it with ?wijk=<slug>."""

    wijk = forms.ChoiceField(
        label=_("Your neighbourhood"),
        help_text=_("The neighbourhood where the initiative takes place."),
        error_messages={
            "required": _("Choose your neighbourhood."),
            "invalid_choice": _("Choose your neighbourhood from the list."),
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wijk"].choices = [
            ("", _("Choose your neighbourhood")),
            *neighbourhoods_to_apply_for().values_list("slug", "name"),
        ]
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.template = FIELDS_TEMPLATE

    def chosen(self):
        """The chosen Neighbourhood (call after is_valid())."""
        return Neighbourhood.objects.get(slug=self.cleaned_data["wijk"])


class ApplicationForm(forms.Form):
    """An application for a grant from the fund's resident initiatives."""

    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"),
        queryset=Neighbourhood.objects.none(),
        empty_label=_("Choose your neighbourhood"),
        help_text=_("The neighbourhood where the initiative takes place."),
    )
    title = forms.CharField(
        label=_("Name of the initiative"),
        max_length=150,
        validators=NAME_VALIDATORS,
        help_text=_("A short name, at most 150 characters."),
    )
    description = forms.CharField(
        label=_("What do you want to do, and why?"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("At most 5000 characters."),
    )
    wish = forms.ModelChoiceField(
        label=_("The residents' wish it fits"),
        queryset=ResidentWish.objects.none(),
        required=False,
        help_text=_("A wish from your neighbourhood's contract, if the initiative fits one."),
    )
    project = forms.ModelChoiceField(
        label=_("The project it fits"),
        queryset=None,
        required=False,
        help_text=_("A project from your neighbourhood's contract, if the initiative fits one."),
    )
    fit_explanation = forms.CharField(
        label=_("Or: how does it fit the neighbourhood contract?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Needed when you choose no wish and no project. At most 2000 characters."),
    )
    own_contribution = forms.CharField(
        label=_("What do residents do themselves?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Whose initiative is it, and what do residents organise or do with their own "
            "hands? At most 3000 characters."
        ),
    )
    no_other_budget = forms.BooleanField(
        label=_("I declare that no other budget can pay for this initiative."),
        required=False,
        help_text=_("Required: the fund pays only for what no other budget can pay for."),
    )
    other_budgets_tried = forms.CharField(
        label=_("Which other budgets did you try?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a housing corporation's or the district's budget."),
    )
    amount_requested = forms.CharField(
        label=_("Amount requested in euros"),
        max_length=30,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
        help_text=_("For example 1.250,50 (at most two decimals)."),
    )
    cost_breakdown = forms.CharField(
        label=_("What does it cost?"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("A short breakdown of the costs. At most 3000 characters."),
    )
    contact_name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        validators=NAME_VALIDATORS,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    contact_email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("We send the confirmation and the decision to this address."),
    )
    contact_phone = forms.CharField(
        label=_("Your telephone number (optional)"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    # The honeypot: hidden from people (visually and from screen readers), filled by bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args, fund=None, neighbourhood=None, **kwargs):
        """`neighbourhood`: the wijk chosen in step one (or posted with the form); the form
        then offers only its wishes and projects, and shows the wijk with a way to change it.
        Without it (a post without a known wijk) the wijk is a list again, with every wish
        and project grouped by wijk."""
        super().__init__(*args, **kwargs)
        from projects.models import Project

        self.neighbourhood = neighbourhood

        # What the fund can still grant for initiatives: stated here, judged in clean().
        self.available = services.available_for_initiatives(fund) if fund is not None else None
        if fund is not None:
            # The most that can be granted, in the resident's sight before they type an amount.
            self.fields["amount_requested"].help_text = _(
                "For example 1.250,50 (at most two decimals). The fund can still grant at most "
                "%(available)s for initiatives."
            ) % {"available": format_euro(self.available)}

        contracts = current_public_contracts()
        self.fields["neighbourhood"].queryset = Neighbourhood.objects.filter(
            pk__in=contracts.keys()
        ).order_by("name")
        contract_ids = [contract.pk for contract in contracts.values()]
        # Every current wish and project is a valid choice to the field, so that one of
        # another wijk, forced into the post, gets application_problems' clear refusal rather
        # than "not one of the choices"; the lists offer only the chosen wijk's.
        wishes = ResidentWish.objects.filter(contract__in=contract_ids).select_related(
            "contract__neighbourhood"
        )
        projects = Project.objects.filter(contract__in=contract_ids).select_related(
            "contract__neighbourhood"
        )
        self.fields["wish"].queryset = wishes
        self.fields["project"].queryset = projects
        if neighbourhood is not None:
            contract = contracts[neighbourhood.pk]
            self.fields["neighbourhood"].widget = forms.HiddenInput()
            self.initial["neighbourhood"] = neighbourhood.pk
            self.fields["wish"].choices = [
                ("", _("(none)")),
                *(
                    (wish.pk, wish.title)
                    for wish in wishes.filter(contract=contract).order_by("order", "pk")
                ),
            ]
            self.fields["project"].choices = [
                ("", _("(none)")),
                *(
                    (project.pk, f"{project.number}. {project.title}")
                    for project in projects.filter(contract=contract).order_by("number", "pk")
                ),
            ]
            wijk_fields = [
                HTML(
                    format_html(
                        '<p class="chosen-neighbourhood" data-chosen-neighbourhood="{}">'
                        '<span class="chosen-neighbourhood__label">{}</span> '
                        "<strong>{}</strong> "
                        '<a href="{}" data-change-neighbourhood>{}</a></p>',
                        neighbourhood.slug,
                        _("Neighbourhood:"),
                        neighbourhood.name,
                        reverse("budget:apply"),
                        _("Choose another neighbourhood"),
                    )
                ),
                "neighbourhood",
            ]
        else:
            self.fields["wish"].choices = _grouped_choices(
                wishes.order_by("order", "pk"), lambda wish: wish.title
            )
            self.fields["project"].choices = _grouped_choices(
                projects.order_by("number", "pk"),
                lambda project: f"{project.number}. {project.title}",
            )
            wijk_fields = ["neighbourhood"]
        privacy_notice = format_html(
            '<p class="form-text privacy-notice" id="privacy-notice">{}</p>',
            format_html(
                '{} <a href="{}">{}</a>',
                _(
                    "We use your name, e-mail address and telephone number only to handle "
                    "this application and to tell you the decision. They are never published. "
                    "We erase them two years after the decision."
                ),
                reverse("privacy"),
                _("Read the privacy statement."),
            ),
        )
        self.helper = FormHelper(self)
        self.helper.form_tag = False
        self.helper.disable_csrf = True
        self.helper.template = FIELDS_TEMPLATE
        self.helper.layout = Layout(
            Fieldset(_("Your initiative"), *wijk_fields, "title", "description"),
            Fieldset(
                _("How it fits the neighbourhood contract"),
                "wish",
                "project",
                "fit_explanation",
            ),
            Fieldset(
                _("Own initiative and other budgets"),
                "own_contribution",
                "no_other_budget",
                "other_budgets_tried",
            ),
            Fieldset(_("Costs"), "amount_requested", "cost_breakdown"),
            Fieldset(
                _("Your contact details"),
                HTML(privacy_notice),
                "contact_name",
                "contact_email",
                "contact_phone",
                aria_describedby="privacy-notice",
            ),
            Div(HONEYPOT_FIELD, css_class="visually-hidden", aria_hidden="true"),
        )

    def clean_amount_requested(self):
        """The amount as a plain decimal string with cents ("1250.50"); the service's
        parse_amount reads the Dutch notations and judges it."""
        try:
            return str(
                services.parse_amount(
                    self.cleaned_data["amount_requested"], field="amount_requested"
                )
            )
        except ValidationError as error:
            raise ValidationError(error.error_dict["amount_requested"]) from None

    @property
    def is_spam(self):
        """Whether the honeypot was filled in (only people who cannot see it do that)."""
        return bool(self.data.get(HONEYPOT_FIELD, "").strip())

    def clean(self):
        """Everything the service would refuse, shown with the field errors in one pass."""
        cleaned_data = super().clean()
        amount = cleaned_data.get("amount_requested")
        problems = services.application_problems(
            cleaned_data, available=self.available, amount=Decimal(amount) if amount else None
        )
        for field, error in problems.items():
            if field not in self.errors:
                self.add_error(field, error)
        return cleaned_data

    def application_fields(self):
        """The cleaned fields as budget.services.submit_application takes them."""
        return {name: value for name, value in self.cleaned_data.items() if name != HONEYPOT_FIELD}
