"""Hostile amounts and text in the fund's admin, posted by the budget manager: booking an
allocation, reducing it, paying from it, and reviewing and deciding an application. No input
gives a 500; a refusal writes nothing (the admin's own change log aside); what is written is
a valid amount."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from hypothesis import event, given
from hypothesis import strategies as st

from budget import services
from budget.choices import DECIDED_STATUSES, CategoryKind, Criterion
from budget.models import Allocation, InitiativeApplication, Payment
from tests.factories import application_fields
from tests.hostile.strategies import (
    amount_text,
    assert_nothing_written,
    example,
    examples,
    hostile_text,
    post_form,
    short_text,
    state,
)

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
BOOKING_EXAMPLES = 30
REDUCTION_EXAMPLES = 20
PAYMENT_EXAMPLES = 30
DECISION_EXAMPLES = 40

TEXT = hostile_text(surrogates=True)


@pytest.fixture
def manager(budget_manager):
    """The budget manager's client, which answers a server error with a 500 page."""
    budget_manager.raise_request_exception = False
    return budget_manager


@pytest.fixture
def allocation(fund):
    return services.book_allocation(
        fund,
        category=fund.categories.get(kind=CategoryKind.ORGANISATION),
        amount="1000",
        purpose="Projectleiding",
        decision_date=datetime.date(2025, 1, 1),
        user=None,
    )


def assert_cents(amount):
    assert amount.is_finite()
    assert amount.as_tuple().exponent == -2


@given(
    amount=st.one_of(st.just("1.250,50"), amount_text()),
    purpose=st.one_of(st.just("Projectleiding"), TEXT),
    reference=st.one_of(st.just(""), TEXT),
    decision_date=st.one_of(st.just("2025-01-01"), short_text()),
)
@examples(BOOKING_EXAMPLES)
def test_booking_an_allocation_books_or_shows_the_form(
    manager, fund, amount, purpose, reference, decision_date
):
    category = fund.categories.get(kind=CategoryKind.ORGANISATION)
    data = {
        "fund": fund.pk,
        "category": category.pk,
        "neighbourhood": "",
        "amount": amount,
        "purpose": purpose,
        "decision_date": decision_date,
        "decision_reference": reference,
    }
    with example():
        before = state()
        response = post_form(manager, reverse("admin:budget_allocation_add"), data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            allocation = Allocation.objects.latest("pk")
            assert 0 < allocation.amount <= fund.total
            assert_cents(allocation.amount)
        else:
            assert_nothing_written(before)


@given(amount=amount_text())
@examples(REDUCTION_EXAMPLES)
def test_reducing_an_allocation_lowers_it_or_changes_nothing(manager, allocation, amount):
    path = reverse("admin:budget_allocation_reduce", args=[allocation.pk])
    with example():
        before = state()
        response = post_form(manager, path, {"amount": amount})
        assert response.status_code == 302
        now = Allocation.objects.get(pk=allocation.pk).amount
        event("reduced" if now != allocation.amount else "refused")
        if now == allocation.amount:
            assert_nothing_written(before)
        else:
            assert Decimal("0") <= now < allocation.amount
            assert_cents(now)


@given(amount=amount_text(), reference=TEXT, paid_on=st.one_of(st.just("2025-02-01"), short_text()))
@examples(PAYMENT_EXAMPLES)
def test_paying_pays_within_the_allocation_or_changes_nothing(
    manager, allocation, amount, reference, paid_on
):
    path = reverse("admin:budget_allocation_pay", args=[allocation.pk])
    data = {"amount": amount, "paid_on": paid_on, "reference": reference}
    with example():
        before = state()
        response = post_form(manager, path, data)
        assert response.status_code == 302
        payments = list(Payment.objects.filter(allocation=allocation))
        event("paid" if payments else "refused")
        if not payments:
            assert_nothing_written(before)
        else:
            (payment,) = payments
            assert 0 < payment.amount <= allocation.amount
            assert_cents(payment.amount)


@pytest.fixture
def application(fund, project):
    return services.submit_application(
        fund, **application_fields(project.contract, amount_requested="5000")
    )


MET = st.sampled_from(["", "yes", "no", "maybe"])


@given(
    met=st.fixed_dictionaries(dict.fromkeys(Criterion, MET)),
    notes=st.fixed_dictionaries(dict.fromkeys(Criterion, TEXT)),
    decision=st.one_of(st.sampled_from(sorted(DECIDED_STATUSES)), short_text()),
    amount=amount_text(),
    reason=TEXT,
    action=st.sampled_from(["decide", "save_review", "", "x"]),
)
@examples(DECISION_EXAMPLES)
def test_review_and_decision_decide_or_save_nothing(
    manager, application, met, notes, decision, amount, reason, action
):
    data = {
        "decision": decision,
        "amount": amount,
        "reason": reason,
        "action": action,
        **{f"{criterion.value}_met": value for criterion, value in met.items()},
        **{f"{criterion.value}_note": value for criterion, value in notes.items()},
    }
    path = reverse("admin:budget_initiativeapplication_decide", args=[application.pk])
    with example():
        before = state()
        response = post_form(manager, path, data)
        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 200:
            assert response.context["review"]["form"].errors
            assert_nothing_written(before)
        else:
            decided = InitiativeApplication.objects.get(pk=application.pk)
            if decided.allocation_id:
                assert 0 < decided.allocation.amount <= application.amount_requested
                assert_cents(decided.allocation.amount)
