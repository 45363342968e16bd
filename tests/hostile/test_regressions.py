"""The bugs the properties of tests/hostile found, each pinned by its smallest example."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from budget import services
from budget.choices import CategoryKind
from budget.models import InitiativeApplication
from tests.factories import application_fields, application_form_data
from tests.hostile.strategies import no_rate_limits
from wijkaanpak.common.forms import parse_id


@pytest.mark.parametrize("text", ["²", "¹²", "9" * 5000, "", "-1", "1.0", " 1", None, 12])
def test_parse_id_takes_ascii_digits_only(text):
    assert parse_id(text) is None


def test_parse_id_reads_a_key():
    assert parse_id("42") == 42


@pytest.mark.parametrize("neighbourhood", ["²", "9" * 5000])
def test_application_with_a_superscript_or_endless_neighbourhood_is_a_form_error(
    settings, fund, project, neighbourhood
):
    """'²'.isdigit() is true but int('²') fails: the form once answered it with a 500."""
    no_rate_limits(settings)
    client = Client(raise_request_exception=False)
    data = application_form_data(project.contract.wishes.first(), neighbourhood=neighbourhood)
    response = client.post(reverse("budget:apply"), data)
    assert response.status_code == 200
    assert "neighbourhood" in response.context["form"].errors
    assert not InitiativeApplication.objects.exists()


def test_fund_account_with_a_superscript_period_is_a_404(client):
    response = Client(raise_request_exception=False).get(reverse("budget:account") + "?periode=²")
    assert response.status_code == 404


def test_reducing_an_allocation_to_a_signalling_nan_is_refused(fund):
    """Decimal('sNaN') == 0 raises InvalidOperation: the reduction once crashed on it."""
    allocation = services.book_allocation(
        fund,
        category=fund.categories.get(kind=CategoryKind.ORGANISATION),
        amount="1000",
        purpose="Projectleiding",
        decision_date=datetime.date(2025, 1, 1),
        user=None,
    )
    with pytest.raises(ValidationError) as refused:
        services.reduce_allocation(allocation, Decimal("sNaN"))
    assert refused.value.error_dict["amount"][0].code == "amount_invalid"
    allocation.refresh_from_db()
    assert allocation.amount == Decimal("1000.00")


def test_an_unknown_decision_is_refused_not_a_value_error(fund, project, budget_manager_user):
    application = services.submit_application(fund, **application_fields(project.contract))
    with pytest.raises(ValidationError) as refused:
        services.decide(application, "x", user=budget_manager_user)
    assert refused.value.code == "not_a_decision"


def test_saving_a_review_with_a_note_too_long_is_a_form_error(budget_manager, fund, project):
    """A note the form refuses is missing from cleaned_data; "save the review" once looked it
    up there and answered with a 500."""
    budget_manager.raise_request_exception = False
    application = services.submit_application(
        fund, **application_fields(project.contract, amount_requested="5000")
    )
    data = {
        "action": "save_review",
        "own_initiative_met": "yes",
        "own_initiative_note": "0" * 2001,
    }
    response = budget_manager.post(
        reverse("admin:budget_initiativeapplication_decide", args=[application.pk]), data
    )
    assert response.status_code == 200
    form = response.context["review"]["form"]
    assert form.errors["own_initiative_note"]
    assert not application.reviews.exists()


@pytest.mark.parametrize("reference", ["%00", "IA-2026-0001%00", "A" * 300])
def test_a_status_link_with_a_nul_or_endless_reference_is_a_404(fund, project, reference):
    """PostgreSQL refuses a NUL character in a query: the status page once answered a link
    with %00 in its reference with a 500."""
    services.submit_application(fund, **application_fields(project.contract))
    client = Client(raise_request_exception=False)
    response = client.get(f"/initiatieven/status/{reference}/{'x' * 32}/")
    assert response.status_code == 404


def test_a_service_refuses_a_nul_character_with_a_validation_error(fund, project):
    """PostgreSQL refuses a NUL character: services once passed it on and raised ValueError."""
    fields = application_fields(project.contract, title="Buurt\x00feest")
    with pytest.raises(ValidationError) as refused:
        services.submit_application(fund, **fields)
    assert refused.value.error_dict["title"][0].code == "null_characters_not_allowed"
    assert not InitiativeApplication.objects.exists()


def test_a_service_refuses_text_longer_than_its_field(fund):
    """A reference of 101 characters once reached PostgreSQL's varchar(100): a DataError."""
    with pytest.raises(ValidationError) as refused:
        services.book_allocation(
            fund,
            category=fund.categories.get(kind=CategoryKind.ORGANISATION),
            amount="100",
            purpose="Projectleiding",
            decision_date=datetime.date(2025, 1, 1),
            decision_reference="0" * 101,
            user=None,
        )
    assert refused.value.error_dict["decision_reference"][0].code == "max_length"
