"""Initiative applications through the services: criteria, decisions, the grant's booking."""

import datetime
import itertools
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from post_office.models import Email

from budget import services
from budget.choices import APPLICATION_TRANSITIONS, ApplicationStatus, CategoryKind, Criterion
from budget.models import Allocation, InitiativeApplication
from tests.factories import (
    ResidentWishFactory,
    UserFactory,
    application_fields,
    book_allocation,
    contract_in_status,
)

pytestmark = pytest.mark.django_db
# The `fund` of tests/conftest.py, small: € 10.000, at most € 8.000 for initiatives.
FUND_TERMS = {"total": Decimal("10000.00"), "initiatives_ceiling": 8000}


@pytest.fixture
def manager():
    return UserFactory(is_staff=True)


def submit(fund, contract, **overrides):
    return services.submit_application(fund, **application_fields(contract, **overrides))


def codes(excinfo):
    return {field: [e.code for e in errors] for field, errors in excinfo.value.error_dict.items()}


def test_submitting_gives_a_reference(fund, contract):
    first = submit(fund, contract)
    second = submit(fund, contract, title="Tweede moestuin")
    assert first.reference.endswith("-0001") and second.reference.endswith("-0002")
    assert first.status == ApplicationStatus.SUBMITTED
    # The applicant's receipt of each, queued with the application.
    subjects = list(Email.objects.values_list("subject", flat=True))
    assert len(subjects) == 2
    assert [first.reference in subject for subject in subjects].count(True) == 1
    assert [second.reference in subject for subject in subjects].count(True) == 1


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"no_other_budget": False}, "no_other_budget", "declaration_missing"),
        ({"wish": None, "fit_explanation": ""}, "fit_explanation", "fit_missing"),
        ({"amount_requested": "12,5a"}, "amount_requested", "amount_invalid"),
        ({"amount_requested": "-10"}, "amount_requested", "amount_not_positive"),
    ],
)
def test_bad_applications_are_refused(fund, contract, overrides, field, code):
    with pytest.raises(ValidationError) as excinfo:
        submit(fund, contract, **overrides)
    assert code in codes(excinfo)[field]
    assert not InitiativeApplication.objects.exists()


def test_a_wish_of_another_wijk_is_refused(fund, contract):
    other = ResidentWishFactory(contract=contract_in_status("draft"))
    with pytest.raises(ValidationError) as excinfo:
        submit(fund, contract, wish=other)
    assert codes(excinfo) == {"wish": ["wish_of_other_wijk"]}


def reviewed(fund, contract, manager):
    application = services.start_review(submit(fund, contract), user=manager)
    for criterion in Criterion:
        services.review_criterion(application, criterion, met=True, user=manager)
    return application


def test_a_grant_books_its_allocation_in_the_same_step(fund, contract, manager):
    application = services.decide(
        reviewed(fund, contract, manager), ApplicationStatus.GRANTED, user=manager
    )
    allocation = application.allocation
    assert allocation.amount == Decimal("1500.00")
    assert allocation.category.kind == CategoryKind.INITIATIVES
    assert allocation.neighbourhood == contract.neighbourhood
    assert allocation.decision_reference == application.reference
    assert application.reviews.count() == 3


def test_a_partial_grant_needs_a_lower_amount_and_a_reason(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    for kwargs, field, code in [
        ({"amount": "1500.00", "reason": "x"}, "amount", "partial_not_lower"),
        ({"amount": "900.00", "reason": ""}, "reason", "reason_missing"),
    ]:
        with pytest.raises(ValidationError) as excinfo:
            services.decide(application, ApplicationStatus.PARTLY_GRANTED, user=manager, **kwargs)
        assert codes(excinfo)[field] == [code]
    assert not Allocation.objects.exists()
    done = services.decide(
        application, "partly_granted", user=manager, amount="900", reason="Alleen het hout"
    )
    assert done.amount_granted == Decimal("900.00")


def test_a_partial_grant_refusal_names_the_request_in_euros(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "partly_granted", user=manager, amount="1500", reason="x")
    (error,) = excinfo.value.error_dict["amount"]
    assert error.params == {"requested": "€ 1.500,00"}


def test_a_refusal_needs_a_reason_and_books_nothing(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, ApplicationStatus.REFUSED, user=manager)
    assert codes(excinfo) == {"reason": ["reason_missing"]}
    services.decide(
        application, "refused", user=manager, reason="Regulier budget van de corporatie"
    )
    assert not Allocation.objects.exists()


def test_a_decision_is_final(fund, contract, manager):
    application = services.decide(reviewed(fund, contract, manager), "granted", user=manager)
    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "refused", user=manager, reason="toch niet")
    assert excinfo.value.code == "already_decided"
    assert Allocation.objects.count() == 1


def test_a_grant_that_does_not_fit_the_ceiling_is_refused_whole(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    book_allocation(fund, "7000", purpose="Eerder besluit", decision_date=datetime.date(2008, 1, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "granted", user=manager)
    assert codes(excinfo) == {"amount": ["category_ceiling_exceeded"]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert Allocation.objects.count() == 1


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    [
        pair
        for pair in itertools.product(ApplicationStatus, ApplicationStatus)
        if pair[0] in (ApplicationStatus.SUBMITTED, ApplicationStatus.WITHDRAWN)
    ],
)
def test_withdrawal_and_review_follow_the_table(fund, contract, manager, from_status, to_status):
    application = submit(fund, contract)
    if from_status == ApplicationStatus.WITHDRAWN:
        application = services.withdraw(application, user=manager, reason="Op verzoek")
    allowed = to_status in APPLICATION_TRANSITIONS[from_status]
    step = {
        ApplicationStatus.IN_REVIEW: lambda: services.start_review(application, user=manager),
        ApplicationStatus.WITHDRAWN: lambda: services.withdraw(application, user=manager),
    }.get(to_status)
    if step is None:
        return
    if allowed:
        assert step().status == to_status
    else:
        with pytest.raises(ValidationError):
            step()
        application.refresh_from_db()
        assert application.status == from_status


def test_personal_data_is_kept_out_of_the_history(fund, contract):
    application = submit(fund, contract)
    record = application.history.first()
    assert not hasattr(record, "contact_email")


# --- Every criterion before the decision ------------------------------------------------------


@pytest.mark.parametrize(
    "reviewed_criteria", [(), (Criterion.FITS_CONTRACT, Criterion.OWN_INITIATIVE)]
)
def test_a_decision_needs_every_criterion_reviewed(fund, contract, manager, reviewed_criteria):
    application = services.start_review(submit(fund, contract), user=manager)
    for criterion in reviewed_criteria:
        services.review_criterion(application, criterion, met=True, user=manager)

    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "granted", user=manager)

    assert codes(excinfo) == {"criteria": ["criteria_not_reviewed"]}
    [message] = excinfo.value.messages
    for criterion in Criterion:
        assert (str(criterion.label) in message) == (criterion not in reviewed_criteria)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert not Allocation.objects.exists()


def test_review_and_decide_saves_nothing_when_the_decision_is_refused(fund, contract, manager):
    application = submit(fund, contract)
    partial = {Criterion.FITS_CONTRACT: (True, "Past."), Criterion.NO_OTHER_BUDGET: (True, "")}

    with pytest.raises(ValidationError) as excinfo:
        services.review_and_decide(
            application, partial, user=manager, decision="refused", reason="Nee"
        )

    assert codes(excinfo) == {"criteria": ["criteria_not_reviewed"]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not application.reviews.exists()


def test_review_and_decide_in_one_step(fund, contract, manager):
    application = submit(fund, contract)
    reviews = dict.fromkeys(Criterion, (True, "In orde"))

    decided = services.review_and_decide(
        application,
        reviews,
        user=manager,
        decision="partly_granted",
        amount="€ 1.250,50",
        reason="De tent leent de wijkraad uit.",
    )

    assert decided.status == ApplicationStatus.PARTLY_GRANTED
    assert decided.amount_granted == Decimal("1250.50")
    assert decided.reviews.filter(met=True, note="In orde").count() == 3
    assert decided.allocation.amount == Decimal("1250.50")


def test_a_grant_with_a_criterion_not_met_needs_a_reason(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    services.review_criterion(application, Criterion.OWN_INITIATIVE, met=False, user=manager)

    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "granted", user=manager)

    assert codes(excinfo) == {"reason": ["reason_for_unmet_criterion"]}
    assert not Allocation.objects.exists()
    granted = services.decide(application, "granted", user=manager, reason="Kleine aanvraag.")
    assert granted.status == ApplicationStatus.GRANTED


# --- Amounts as people type them --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("500", "500.00"),
        ("500,00", "500.00"),
        ("500,5", "500.50"),
        ("1250.50", "1250.50"),
        ("1.250", "1250.00"),
        ("1.250,50", "1250.50"),
        ("€ 1.250,50", "1250.50"),
        ("€1.250,50", "1250.50"),
        ("€ 750,-", "750.00"),
        ("€ 750,--", "750.00"),
        ("EUR 500", "500.00"),
        (" 12.345,67 ", "12345.67"),
    ],
)
def test_amounts_in_every_dutch_notation(typed, expected):
    assert services.parse_amount(typed) == Decimal(expected)


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("vijfhonderd", "amount_invalid"),
        ("", "amount_invalid"),
        (None, "amount_invalid"),
        ("€", "amount_invalid"),
        ("12,5a", "amount_invalid"),
        ("1,250,50", "amount_invalid"),
        ("1.2.3", "amount_invalid"),
        ("NaN", "amount_invalid"),
        ("Infinity", "amount_invalid"),
        ("0", "amount_not_positive"),
        ("-10", "amount_not_positive"),
        ("10,001", "amount_too_precise"),
        ("99.999.999,00", "amount_absurd"),
    ],
)
def test_nonsense_amounts_are_refused(typed, code):
    with pytest.raises(ValidationError) as excinfo:
        services.parse_amount(typed)
    assert codes(excinfo) == {"amount": [code]}


def test_a_nonsense_amount_in_a_partial_grant_books_nothing(fund, contract, manager):
    application = reviewed(fund, contract, manager)
    with pytest.raises(ValidationError) as excinfo:
        services.decide(application, "partly_granted", user=manager, amount="veel", reason="x")
    assert codes(excinfo) == {"amount": ["amount_invalid"]}
    application.refresh_from_db()
    assert application.status == ApplicationStatus.IN_REVIEW
    assert not Allocation.objects.exists()
