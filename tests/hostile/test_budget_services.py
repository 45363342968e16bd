"""Hostile text and amounts handed straight to the fund's services and the admin's amount
forms: the only outcomes are success or a ValidationError, and a refusal writes nothing (no
row, no mail). What staff type in the admin reaches these services as text."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.forms import modelform_factory
from hypothesis import event, given
from hypothesis import strategies as st

from budget import services
from budget.admin.forms import FundAdminForm, FundCategoryAdminForm
from budget.choices import DECIDED_STATUSES, ApplicationStatus, CategoryKind, Criterion
from budget.models import Allocation, Fund, FundCategory, Payment
from tests.factories import application_fields
from tests.hostile.strategies import (
    amount_text,
    amount_value,
    assert_nothing_written,
    example,
    examples,
    hostile_text,
    refused_or_done,
    state,
)

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
PARSE_AMOUNT_EXAMPLES = 200
SUBMIT_APPLICATION_EXAMPLES = 50
DECIDE_EXAMPLES = 50
ALLOCATION_EXAMPLES = 40
PAYMENT_EXAMPLES = 40
REDUCTION_EXAMPLES = 30
FUND_FORM_EXAMPLES = 25

TEXT = hostile_text()


@given(value=amount_value())
@examples(PARSE_AMOUNT_EXAMPLES)
def test_parse_amount_gives_cents_or_refuses(value):
    """Any text or Decimal: a positive amount in cents below the absurd one, or a refusal
    with one of the amount codes."""
    try:
        amount = services.parse_amount(value)
    except ValidationError as error:
        codes = {e.code for e in error.error_dict["amount"]}
        assert codes <= {
            "amount_invalid",
            "amount_too_precise",
            "amount_not_positive",
            "amount_absurd",
        }
    else:
        assert isinstance(amount, Decimal)
        assert amount.is_finite()
        assert Decimal("0") < amount < services.ABSURD_AMOUNT
        assert amount.as_tuple().exponent == -2


@pytest.fixture
def contract(project):
    return project.contract


@given(
    overrides=st.fixed_dictionaries(
        {},
        optional={
            "title": TEXT,
            "description": TEXT,
            "fit_explanation": TEXT,
            "own_contribution": TEXT,
            "other_budgets_tried": TEXT,
            "cost_breakdown": TEXT,
            "contact_name": TEXT,
            "contact_email": TEXT,
            "contact_phone": TEXT,
            "amount_requested": amount_value(),
            "no_other_budget": st.booleans(),
        },
    )
)
@examples(SUBMIT_APPLICATION_EXAMPLES)
def test_submit_application_registers_or_refuses(fund, contract, overrides):
    """Hostile fields straight to the service: one application (and its mails), or a
    ValidationError with nothing written."""
    fields = application_fields(contract, **overrides)
    with example():
        before = state()
        application = refused_or_done(lambda: services.submit_application(fund, **fields), before)
        if application is not None:
            application.refresh_from_db()
            assert application.amount_requested > 0


@pytest.fixture
def in_review(fund, contract, budget_manager_user):
    application = services.submit_application(
        fund, **application_fields(contract, amount_requested="5000")
    )
    return services.start_review(application, user=budget_manager_user)


@given(
    decision=st.one_of(st.sampled_from(sorted(DECIDED_STATUSES)), st.sampled_from(["x", ""])),
    amount=st.one_of(st.none(), amount_value()),
    reason=TEXT,
    notes=st.fixed_dictionaries(
        {criterion: st.tuples(st.booleans(), TEXT) for criterion in Criterion}
    ),
    leave_out=st.sets(st.sampled_from(list(Criterion))),
)
@examples(DECIDE_EXAMPLES)
def test_review_and_decide_decides_or_saves_nothing(
    in_review, budget_manager_user, decision, amount, reason, notes, leave_out
):
    """Reviews with hostile notes and a decision with a hostile amount and reason: decided
    (a grant books its allocation), or refused with nothing saved, not even the reviews."""
    reviews = {criterion: note for criterion, note in notes.items() if criterion not in leave_out}
    with example():
        before = state()
        decided = refused_or_done(
            lambda: services.review_and_decide(
                in_review,
                reviews,
                user=budget_manager_user,
                decision=decision,
                amount=amount,
                reason=reason,
            ),
            before,
        )
        if decided is not None:
            assert decided.status in DECIDED_STATUSES
            if decided.status in (ApplicationStatus.GRANTED, ApplicationStatus.PARTLY_GRANTED):
                assert 0 < decided.allocation.amount <= in_review.amount_requested


@given(amount=amount_value(), purpose=TEXT, reference=TEXT)
@examples(ALLOCATION_EXAMPLES)
def test_book_allocation_books_or_refuses(fund, budget_manager_user, amount, purpose, reference):
    """What the admin's booking form hands on: booked within the fund, or refused."""
    category = fund.categories.get(kind=CategoryKind.ORGANISATION)
    with example():
        before = state()
        allocation = refused_or_done(
            lambda: services.book_allocation(
                fund,
                category=category,
                amount=amount,
                purpose=purpose,
                decision_date=datetime.date(2025, 1, 1),
                decision_reference=reference,
                user=budget_manager_user,
            ),
            before,
        )
        if allocation is not None:
            assert Allocation.objects.get(pk=allocation.pk).amount <= fund.total


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


@given(amount=amount_value(), reference=TEXT, paid_on=st.dates())
@examples(PAYMENT_EXAMPLES)
def test_record_payment_pays_or_refuses(
    allocation, budget_manager_user, amount, reference, paid_on
):
    """The admin's payment form hands on any text: paid within the allocation, or refused."""
    with example():
        before = state()
        payment = refused_or_done(
            lambda: services.record_payment(
                allocation,
                amount=amount,
                paid_on=paid_on,
                reference=reference,
                user=budget_manager_user,
            ),
            before,
        )
        if payment is not None:
            assert Payment.objects.get(pk=payment.pk).amount <= allocation.amount


@given(amount=amount_value())
@examples(REDUCTION_EXAMPLES)
def test_reduce_allocation_lowers_or_refuses(allocation, budget_manager_user, amount):
    """The admin's reduction form hands on any text: a lower amount, or refused."""
    with example():
        before = state()
        reduced = refused_or_done(
            lambda: services.reduce_allocation(allocation, amount, user=budget_manager_user),
            before,
        )
        if reduced is not None:
            assert Decimal("0") <= Allocation.objects.get(pk=allocation.pk).amount < Decimal("1000")


# The fund's own fields, as its admin page has them.
FUND_FIELDS = ("name", "total", "decision_reference", "decision_date", "period_start", "period_end")


@given(total=amount_text(), ceiling=amount_text(), name=TEXT, reference=TEXT)
@examples(FUND_FORM_EXAMPLES)
def test_fund_and_category_forms_save_or_show_errors(
    fund, allocation, total, ceiling, name, reference
):
    """The admin's fund and category forms (a total and a ceiling below what is committed are
    refused): saved, or errors on the form and nothing written."""
    category = allocation.category
    with example():
        before = state()
        form = modelform_factory(Fund, form=FundAdminForm, fields=FUND_FIELDS)(
            data={
                "name": name,
                "total": total,
                "decision_reference": reference,
                "decision_date": "2006-12-12",
                "period_start": str(fund.period_start),
                "period_end": str(fund.period_end),
            },
            instance=fund,
        )
        if form.is_valid():
            event("fund saved")
            form.save()
            assert form.instance.total >= services.committed(fund)
        else:
            assert_nothing_written(before)
        before = state()
        category_form = modelform_factory(
            FundCategory, form=FundCategoryAdminForm, fields=("kind", "ceiling")
        )(data={"kind": category.kind, "ceiling": ceiling}, instance=category)
        if category_form.is_valid():
            event("category saved")
            category_form.save()
            assert category_form.instance.ceiling is None or category_form.instance.ceiling >= 1000
        else:
            assert_nothing_written(before)
