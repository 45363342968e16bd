"""An application never asks for more than the fund can still grant for initiatives, and the
refusal names that amount."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from budget import services
from budget.choices import CategoryKind
from budget.models import Fund, FundCategory, InitiativeApplication
from tests.budget.test_applications import submit
from tests.budget.test_apply import URL, error_codes
from tests.factories import (
    application_form_data,
    book_allocation,
    fund_with_categories,
    open_period,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("empty_cache")]
# The `fund` of tests/conftest.py, small: € 10.000, at most € 8.000 for initiatives.
FUND_TERMS = {"total": Decimal("10000.00"), "initiatives_ceiling": 8000}


def refusal(excinfo):
    (error,) = excinfo.value.error_dict["amount_requested"]
    return error


def book(fund, kind, amount):
    return book_allocation(
        fund, amount, kind, purpose="Eerder besluit", decision_date=datetime.date(2008, 1, 1)
    )


def test_the_initiatives_ceiling_bounds_what_can_be_asked(fund, contract):
    # Fund 10,000; initiatives at most 8,000.
    assert services.available_for_initiatives(fund) == Decimal("8000.00")
    with pytest.raises(ValidationError) as excinfo:
        submit(fund, contract, amount_requested="8000.01")

    assert refusal(excinfo).code == "amount_above_available"
    assert refusal(excinfo).params == {"available": "€ 8.000,00"}
    assert not InitiativeApplication.objects.exists()
    assert submit(fund, contract, amount_requested="8000.00").amount_requested == Decimal("8000")


def test_what_the_fund_committed_elsewhere_lowers_it(fund, contract):
    book(fund, CategoryKind.ORGANISATION, "3000.00")  # 7,000 left in the fund
    book(fund, CategoryKind.INITIATIVES, "1250.50")  # 5,749.50 left

    assert services.available_for_initiatives(fund) == Decimal("5749.50")
    with pytest.raises(ValidationError) as excinfo:
        submit(fund, contract, amount_requested="5749.51")
    assert refusal(excinfo).params == {"available": "€ 5.749,50"}


def test_pending_applications_commit_nothing(fund, contract):
    submit(fund, contract, amount_requested="6000.00")
    assert services.available_for_initiatives(fund) == Decimal("8000.00")
    submit(fund, contract, title="Tweede", amount_requested="6000.00")
    assert InitiativeApplication.objects.count() == 2


def test_a_fund_without_an_initiatives_category_grants_nothing(contract):
    organisation_only = Fund.objects.create(
        name="Alleen organisatie",
        total=Decimal("5000.00"),
        decision_reference="test",
        decision_date=datetime.date(2007, 1, 1),
        **open_period(),
    )
    FundCategory.objects.create(fund=organisation_only, kind=CategoryKind.ORGANISATION)

    with pytest.raises(ValidationError) as excinfo:
        submit(organisation_only, contract, amount_requested="10.00")
    assert refusal(excinfo).params == {"available": "€ 0,00"}


def test_the_form_refuses_a_million_from_a_quarter_million_fund(client, wish):
    fund_with_categories(initiatives_ceiling=200000, **open_period())

    response = client.post(URL, application_form_data(wish, amount_requested="1.000.000"))

    assert response.status_code == 200
    assert error_codes(response) == {"amount_requested": ["amount_above_available"]}
    assert "€ 200.000,00" in response.content.decode()
    assert not InitiativeApplication.objects.exists()
    # The other errors of the form are shown with it, at once.
    response = client.post(
        URL, application_form_data(wish, amount_requested="1.000.000", no_other_budget="")
    )
    assert error_codes(response) == {
        "amount_requested": ["amount_above_available"],
        "no_other_budget": ["declaration_missing"],
    }
