"""The ledger: commitments and payments never pass the fund, a category or an allocation."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from budget import services
from budget.choices import AllocationStatus, CategoryKind
from budget.models import Allocation, Fund, FundCategory, NeighbourhoodReserve, Payment
from tests.conftest import require_postgres, run_at_once
from tests.factories import NeighbourhoodFactory, book_allocation

DAY = datetime.date(2007, 11, 1)
# The `fund` of tests/conftest.py, with at most € 50.000 for organisation costs.
FUND_TERMS = {"organisation_ceiling": 50000}


def codes(excinfo):
    return {field: [e.code for e in errors] for field, errors in excinfo.value.error_dict.items()}


def test_booking_commits_and_the_rest_remains(fund):
    book_allocation(fund, "1250.50")
    book_allocation(fund, Decimal("400"), kind=CategoryKind.ORGANISATION)
    assert services.committed(fund) == Decimal("1650.50")
    assert fund.total - services.committed(fund) == Decimal("248349.50")


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        ("-5", "amount_not_positive"),
        ("0", "amount_not_positive"),
        ("12,345", "amount_too_precise"),
        ("twaalf", "amount_invalid"),
        ("1e400", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("99999999999", "amount_absurd"),
    ],
)
def test_bad_amounts_are_refused_and_nothing_is_booked(fund, amount, code):
    with pytest.raises(ValidationError) as excinfo:
        book_allocation(fund, amount)
    assert codes(excinfo) == {"amount": [code]}
    assert not Allocation.objects.exists()


def test_the_total_and_a_category_ceiling_cannot_be_passed(fund):
    book_allocation(fund, "49999.99", kind=CategoryKind.ORGANISATION)
    with pytest.raises(ValidationError) as excinfo:
        book_allocation(fund, "0.02", kind=CategoryKind.ORGANISATION)
    assert codes(excinfo) == {"amount": ["category_ceiling_exceeded"]}

    book_allocation(fund, "200000.00")
    with pytest.raises(ValidationError) as excinfo:
        book_allocation(fund, "0.02")
    assert codes(excinfo) == {"amount": ["fund_exceeded"]}
    book_allocation(fund, "0.01")
    assert services.committed(fund) == fund.total


def test_payments_never_pass_their_allocation(fund):
    allocation = book_allocation(fund, "1000.00")
    services.record_payment(allocation, amount="600", paid_on=DAY)
    with pytest.raises(ValidationError) as excinfo:
        services.record_payment(allocation, amount="400.01", paid_on=DAY)
    assert codes(excinfo) == {"amount": ["payment_exceeds_allocation"]}
    services.record_payment(allocation, amount="400", paid_on=DAY)
    assert services.paid(allocation) == Decimal("1000.00")


def test_reducing_and_closing_return_the_rest_to_the_fund(fund):
    allocation = book_allocation(fund, "1000.00")
    services.record_payment(allocation, amount="300", paid_on=DAY)
    with pytest.raises(ValidationError) as excinfo:
        services.reduce_allocation(allocation, "299.99")
    assert codes(excinfo) == {"amount": ["below_paid"]}
    services.reduce_allocation(allocation, "800")
    assert services.committed(fund) == Decimal("800.00")

    closed = services.close_allocation(allocation)
    assert (closed.status, closed.amount) == (AllocationStatus.CLOSED, Decimal("300.00"))
    assert services.committed(fund) == Decimal("300.00")
    with pytest.raises(ValidationError):
        services.record_payment(allocation, amount="1", paid_on=DAY)
    assert Payment.objects.count() == 1
    assert list(allocation.history.values_list("amount", flat=True).order_by("history_date")) == [
        Decimal("1000.00"),
        Decimal("800.00"),
        Decimal("300.00"),
    ]


def refusal(excinfo):
    """The one refusal of the amount: its params and its message as shown."""
    (error,) = excinfo.value.error_dict["amount"]
    return error.params, error.messages[0]


def test_refusals_name_their_amounts_dutch_style(fund):
    book_allocation(fund, "48765.43", kind=CategoryKind.ORGANISATION)
    allocation = book_allocation(fund, "150000.00")
    services.record_payment(allocation, amount="1500.5", paid_on=DAY)
    refusals = [
        (
            lambda: book_allocation(fund, "1234.58", kind=CategoryKind.ORGANISATION),
            "remaining",
            "€ 1.234,57",
        ),
        (lambda: book_allocation(fund, "60000"), "remaining", "€ 51.234,57"),
        (
            lambda: services.record_payment(allocation, amount="148499.51", paid_on=DAY),
            "remaining",
            "€ 148.499,50",
        ),
        (lambda: services.reduce_allocation(allocation, "1000"), "paid", "€ 1.500,50"),
    ]
    for refused, name, shown in refusals:
        with pytest.raises(ValidationError) as excinfo:
            refused()
        params, message = refusal(excinfo)
        assert params[name] == shown
        assert shown in message
        assert "€ €" not in message


def test_ledger_rows_name_their_amounts_dutch_style(fund):
    allocation = book_allocation(fund, "150000.00")
    payment = services.record_payment(allocation, amount="1500.5", paid_on=DAY)
    reserve = NeighbourhoodReserve.objects.create(
        fund=fund, neighbourhood=NeighbourhoodFactory(name="Boerhaavewijk"), amount="2500"
    )
    reserve.refresh_from_db()

    assert str(allocation) == "Buurtfeest (€ 150.000,00)"
    assert str(payment) == "€ 1.500,50 (1 november 2007)"
    assert str(reserve) == "Boerhaavewijk: € 2.500,00"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_decisions_at_once_never_pass_the_total():
    require_postgres()
    fund = Fund.objects.create(
        name="Krap fonds",
        total=Decimal("10000.00"),
        decision_reference="test",
        decision_date=DAY,
        period_start=DAY,
        period_end=DAY + datetime.timedelta(days=700),
    )
    initiatives = FundCategory.objects.create(fund=fund, kind=CategoryKind.INITIATIVES)
    barrier = threading.Barrier(20)
    outcomes = []

    def decide():
        try:
            barrier.wait(timeout=20)
            services.book_allocation(
                fund,
                category=initiatives,
                amount="750.00",
                purpose="Initiatief",
                decision_date=DAY,
                user=None,
            )
            outcomes.append("granted")
        except ValidationError as error:
            outcomes.append(error.error_dict["amount"][0].code)
        finally:
            connection.close()

    run_at_once([decide] * 20)

    # 13 × 750 = 9,750 fits in 10,000; a 14th would not.
    assert outcomes.count("granted") == 13
    assert outcomes.count("fund_exceeded") == 7
    assert services.committed(fund) == Decimal("9750.00")
    assert services.committed(fund) <= fund.total
