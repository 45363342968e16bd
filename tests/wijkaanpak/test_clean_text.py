"""Clean text (wijkaanpak.common.text): every form's text fields refuse control characters,
naming the field; names and titles refuse direction characters, in forms and models."""

import pytest
from django import forms
from django.apps import apps
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse

from budget.forms import ApplicationForm
from contracts.choices import PartnerKind
from contracts.models import Partner
from projects.forms import ProgressUpdateForm
from tests.factories import project_in_signed_contract
from wijkaanpak.common.text import refuse_direction_characters


class TitleForm(forms.Form):
    title = forms.CharField(label="Titel", max_length=200)
    body = forms.CharField(label="Tekst", widget=forms.Textarea, required=False)
    email = forms.EmailField(label="E-mail", required=False)
    unlabelled = forms.CharField(required=False)
    name = forms.CharField(label="Naam", required=False, validators=[refuse_direction_characters])


def errors_of(form):
    form.is_valid()
    return {
        field: [(e.code, str(e.message % e.params)) for e in errors]
        for field, errors in form.errors.as_data().items()
    }


@pytest.mark.parametrize(
    "character", ["\x00", "\x07", "\x1b", "\x0b", "\x0c", "\x7f", "\x85", "\x9b", "\r"]
)
def test_a_control_character_is_refused_naming_the_field(character):
    # In the middle: strip() would otherwise take a trailing one away before the check.
    errors = errors_of(TitleForm({"title": f"Speel{character}tuin"}))

    [(code, message)] = errors["title"]
    assert code == "control_character"
    assert "‘Titel’" in message
    assert f"U+{ord(character):04X}" in message


def test_tabs_and_line_ends_from_a_browser_are_text():
    form = TitleForm({"title": "Speeltuin", "body": "Eerste regel\r\nTweede\tregel\nDerde"})
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("data", "field"),
    [({"email": "a\x07@example.nl"}, "email"), ({"unlabelled": "a\x07b"}, "unlabelled")],
)
def test_every_kind_of_text_field_checks_and_one_without_label_still_says_why(data, field):
    errors = errors_of(TitleForm({"title": "Speeltuin", **data}))
    assert "control_character" in [code for code, _message in errors[field]]


@pytest.mark.parametrize("character", ["\u202e", "\u202a", "\u2066", "\u2069", "\u200f", "\u061c"])
def test_a_name_refuses_direction_characters_naming_the_field(character):
    errors = errors_of(TitleForm({"title": "Speeltuin", "name": f"Stichting {character}Buurt"}))

    [(code, message)] = errors["name"]
    assert code == "direction_character"
    assert "‘Naam’" in message and f"U+{ord(character):04X}" in message


def test_other_text_may_hold_direction_characters():
    # A description may quote Arabic or Hebrew text; only names and titles are held to this.
    assert TitleForm({"title": "Speeltuin", "body": "\u202bمرحبا\u202c"}).is_valid()


# --- The site's forms: public, portal, admin, Django's own -------------------------------------


@pytest.mark.django_db
def test_the_public_application_form_refuses_both(fund):
    form = ApplicationForm(
        {"title": "Buurt\u202efeest", "contact_name": "Jan\x1b[31m", "description": "x\x07"},
        fund=fund,
    )
    form.is_valid()
    codes = {field: [e.code for e in errors] for field, errors in form.errors.as_data().items()}
    assert codes["title"] == ["direction_character"]
    assert codes["contact_name"] == ["control_character"]
    assert codes["description"] == ["control_character"]


@pytest.mark.django_db
def test_the_portal_form_refuses_a_control_character():
    project = project_in_signed_contract()
    form = ProgressUpdateForm({"happened": "Gedaan\x08"}, project=project)
    form.is_valid()
    assert [e.code for e in form.errors.as_data()["happened"]] == ["control_character"]


def test_the_login_form_refuses_a_control_character(rf):
    form = AuthenticationForm(rf.get("/"), {"username": "beheer\x00", "password": "x"})
    form.is_valid()
    assert [e.code for e in form.errors.as_data()["username"]] == ["control_character"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("Stichting\x07 Buurt", "control_character"),
        ("Stichting \u202eBuurt", "direction_character"),
    ],
)
def test_the_admin_refuses_both_and_saves_nothing(editor, name, code):
    response = editor.post(
        reverse("admin:contracts_partner_add"), {"name": name, "kind": PartnerKind.WELFARE}
    )

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors.as_data()
    assert [e.code for e in errors["name"]] == [code]
    assert not Partner.objects.filter(name__startswith="Stichting").exists()


@pytest.mark.django_db
def test_a_model_name_refuses_direction_characters_outside_forms():
    partner = Partner(name="Stichting \u202eBuurt", kind=PartnerKind.WELFARE)
    with pytest.raises(ValidationError) as refused:
        partner.full_clean()
    assert [e.code for e in refused.value.error_dict["name"]] == ["direction_character"]


# Names and titles: the fields that must carry the mark, so that a new one is not forgotten.
NAME_FIELDS = {"name", "title", "heading", "signatory_name", "contact_name"}


def test_every_name_and_title_of_our_models_refuses_direction_characters():
    unmarked = [
        f"{model._meta.label}.{field.name}"
        for app in ("contracts", "projects", "budget")
        for model in apps.get_app_config(app).get_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.CharField)
        and field.name in NAME_FIELDS
        and refuse_direction_characters not in field.validators
    ]
    assert unmarked == []
