"""The fund in the pilot data: EUR 250,000 of the 2006 decision, its first-year bookings and
fifteen residents' applications in every state, loaded idempotently."""

import copy
import datetime
from collections import Counter
from decimal import Decimal

import pytest
from django.core import mail
from django.db.models import Sum
from post_office.models import Email

from budget import pilot as budget_pilot
from budget import services
from budget.choices import (
    DECIDED_STATUSES,
    GRANTED_STATUSES,
    AllocationStatus,
    ApplicationStatus,
    CategoryKind,
    Criterion,
)
from budget.models import (
    Allocation,
    CriterionReview,
    Fund,
    InitiativeApplication,
    Payment,
)
from contracts.pilot import SIGNING_ORDER
from tests.pilot_files import load_pilot, pilot_data, row_counts, without_projects
from wijkaanpak.common import pilot

pytestmark = pytest.mark.django_db

WIJKEN = {"amsterdamse-buurten", "boerhaavewijk", "delftwijk-waterbuurt", "leidsebuurt", "centrum"}
FIRST_YEAR = (datetime.date(2007, 10, 2), datetime.date(2008, 10, 2))


def fund_item(data):
    return data["funds"][0]


def application_item(data, reference):
    return next(item for item in fund_item(data)["applications"] if item["reference"] == reference)


@pytest.fixture
def fund(pilot):
    return Fund.objects.get()


def paid(queryset):
    return queryset.aggregate(total=Sum("amount"))["total"] or Decimal("0")


# --- The fund ---------------------------------------------------------------------------------


def test_the_fund_of_the_2006_decision_and_its_split(fund):
    assert fund.total == Decimal("250000.00")
    assert fund.decision_reference == "CS/SB/2006/43"
    assert fund.decision_date == datetime.date(2006, 12, 12)
    assert (fund.period_start, fund.period_end) == (
        datetime.date(2007, 10, 2),
        datetime.date(2009, 10, 2),
    )
    assert fund.is_illustrative
    ceilings = dict(fund.categories.values_list("kind", "ceiling"))
    assert ceilings == {
        CategoryKind.ORGANISATION: Decimal("50000.00"),
        CategoryKind.INITIATIVES: Decimal("200000.00"),
    }


def test_what_is_committed_fits_the_total_and_every_ceiling(fund):
    assert services.committed(fund) <= fund.total
    for category in fund.categories.all():
        assert services.committed(fund, category) <= category.ceiling, category
    for allocation in Allocation.objects.all():
        assert paid(allocation.payments) <= allocation.amount, allocation
    # The figures of the public account after the load.
    assert services.committed(fund) == Decimal("60050.00")
    assert paid(Payment.objects.all()) == Decimal("45400.00")
    assert fund.total - services.committed(fund) == Decimal("189950.00")


def test_the_organisation_bookings_of_the_first_year(fund):
    organisation = fund.categories.get(kind=CategoryKind.ORGANISATION)
    bookings = list(Allocation.objects.filter(category=organisation))
    assert len(bookings) >= 4
    purposes = " ".join(booking.purpose.lower() for booking in bookings)
    for word in ("folder", "verspreiding", "persbijeenkomst", "projectteams", "tussenrapportage"):
        assert word in purposes, word
    for booking in bookings:
        assert booking.is_illustrative, booking
        assert booking.decided_by is None, booking
        assert booking.neighbourhood is None, booking
        assert booking.decision_reference.startswith("RidW-"), booking
        assert FIRST_YEAR[0] <= booking.decision_date <= FIRST_YEAR[1], booking
        assert booking.created_at.date() == booking.decision_date, booking
        assert booking.status == AllocationStatus.OPEN, booking
    assert services.committed(fund, organisation) < Decimal("50000.00")
    with_payments = [booking for booking in bookings if booking.payments.exists()]
    assert len(with_payments) >= len(bookings) - 1
    for payment in Payment.objects.filter(allocation__category=organisation):
        assert datetime.date(2007, 1, 1) <= payment.paid_on <= datetime.date(2008, 12, 31)
        assert payment.paid_on >= payment.allocation.decision_date, payment
        assert payment.booked_by is None, payment


# --- Applications -----------------------------------------------------------------------------


def test_fifteen_applications_three_per_wijk_in_every_state(fund):
    applications = list(InitiativeApplication.objects.select_related("neighbourhood"))
    assert len(applications) == 15
    assert Counter(a.neighbourhood.slug for a in applications) == dict.fromkeys(WIJKEN, 3)
    statuses = Counter(a.status for a in applications)
    assert set(statuses) == set(ApplicationStatus.values), statuses
    assert statuses[ApplicationStatus.PARTLY_GRANTED] >= 2
    assert statuses[ApplicationStatus.IN_REVIEW] >= 2
    for application in applications:
        assert Decimal("400") <= application.amount_requested <= Decimal("7500"), application
        assert application.is_illustrative, application
        assert application.no_other_budget, application
        assert application.reference.startswith("IA-2008-"), application
        assert application.submitted_at.year == 2008, application


def test_applicants_are_obviously_fictitious(fund):
    for application in InitiativeApplication.objects.all():
        assert "(fictief)" in application.contact_name, application
        assert application.contact_email.endswith("@example.org"), application


def test_a_wish_or_project_is_of_the_applications_own_wijk(fund):
    for application in InitiativeApplication.objects.select_related("wish", "project"):
        assert application.wish or application.project or application.fit_explanation
        if application.wish:
            assert application.wish.contract.neighbourhood_id == application.neighbourhood_id
        if application.project:
            assert application.project.contract.neighbourhood_id == application.neighbourhood_id


def test_every_grant_has_its_allocation_in_the_initiatives_category(fund):
    initiatives = fund.categories.get(kind=CategoryKind.INITIATIVES)
    grants = InitiativeApplication.objects.filter(status__in=GRANTED_STATUSES)
    assert grants.count() >= 6
    for application in grants:
        allocation = application.allocation
        assert allocation.category == initiatives, application
        assert allocation.neighbourhood_id == application.neighbourhood_id, application
        assert allocation.amount == application.amount_granted, application
        assert allocation.decision_reference == application.reference, application
        assert allocation.decision_date == application.decided_at.date(), application
        assert allocation.is_illustrative, application
        if application.status == ApplicationStatus.GRANTED:
            assert application.amount_granted == application.amount_requested, application
        else:
            assert application.amount_granted < application.amount_requested, application
            assert application.decision_reason.strip(), application
    assert Allocation.objects.filter(category=initiatives).count() == grants.count()
    assert Payment.objects.filter(allocation__category=initiatives).exists()


def test_decisions_are_dated_in_2008_and_only_decisions_are(fund):
    for application in InitiativeApplication.objects.all():
        if application.status in DECIDED_STATUSES:
            assert application.decided_at.year == 2008, application
            assert application.decided_at > application.submitted_at, application
            assert application.decided_by is None, application
        else:
            assert application.decided_at is None, application
            assert application.allocation is None, application
            assert application.amount_granted is None, application


def test_the_refusal_names_the_regular_budget(fund):
    refusal = InitiativeApplication.objects.get(status=ApplicationStatus.REFUSED)
    assert "regulier" in refusal.decision_reason.lower()
    assert refusal.allocation is None
    assert refusal.reviews.get(criterion=Criterion.NO_OTHER_BUDGET).met is False


def test_criteria_are_reviewed_for_applications_in_review(fund):
    in_review = InitiativeApplication.objects.filter(status=ApplicationStatus.IN_REVIEW)
    assert CriterionReview.objects.filter(application__in=in_review).exists()
    submitted = InitiativeApplication.objects.get(status=ApplicationStatus.SUBMITTED)
    assert not submitted.reviews.exists()
    for review in CriterionReview.objects.all():
        assert review.reviewed_at.year == 2008, review
        assert review.reviewed_at >= review.application.submitted_at, review


def test_loading_sends_no_mail(fund):
    assert mail.outbox == []
    assert not Email.objects.exists()  # nothing queued either


# --- Loading ----------------------------------------------------------------------------------


def test_the_fund_loads_after_the_contracts_and_projects():
    parts = {part.key: part for part in pilot.registered_parts()}
    assert parts["funds"].load is budget_pilot.load_funds
    assert parts["funds"].order > max(
        parts[key].order
        for key in ("contracts", "projects", "progress_updates", "reporting_rounds")
    )
    assert parts["funds"].order >= SIGNING_ORDER


def test_a_second_run_changes_nothing_in_any_budget_table():
    load_pilot()
    counts = row_counts()
    for label in (
        "budget.Fund",
        "budget.HistoricalFund",
        "budget.FundCategory",
        "budget.HistoricalFundCategory",
        "budget.Allocation",
        "budget.HistoricalAllocation",
        "budget.Payment",
        "budget.HistoricalPayment",
        "budget.InitiativeApplication",
        "budget.HistoricalInitiativeApplication",
        "budget.CriterionReview",
        "budget.HistoricalCriterionReview",
    ):
        assert counts[label] > 0, label
    states = dict(InitiativeApplication.objects.values_list("pk", "status"))
    amounts = dict(Allocation.objects.values_list("pk", "amount"))

    load_pilot()

    assert row_counts() == counts
    assert dict(InitiativeApplication.objects.values_list("pk", "status")) == states
    assert dict(Allocation.objects.values_list("pk", "amount")) == amounts


def test_every_history_row_of_the_load_names_the_load():
    load_pilot()
    note = pilot_data()["meta"]["load_note"]
    for model in (Fund, Allocation, Payment, InitiativeApplication, CriterionReview):
        reasons = set(model.history.values_list("history_change_reason", flat=True))
        assert reasons == {note}, model


def test_a_fund_that_exists_is_left_as_its_managers_made_it():
    load_pilot()
    fund = Fund.objects.get()
    extra = services.book_allocation(
        fund,
        category=fund.categories.get(kind=CategoryKind.ORGANISATION),
        amount="100.00",
        purpose="Zaalhuur",
        decision_date=datetime.date(2008, 11, 1),
        user=None,
    )
    counts = row_counts()

    load_pilot()

    assert row_counts() == counts
    assert Allocation.objects.filter(pk=extra.pk).exists()


def test_without_projects_an_application_stands_on_its_wish_or_explanation():
    pilot.load(without_projects(pilot_data()))

    assert InitiativeApplication.objects.count() == 15
    for application in InitiativeApplication.objects.all():
        assert application.project is None, application
        assert application.wish or application.fit_explanation, application


@pytest.mark.parametrize(
    ("change", "path", "code"),
    [
        (
            lambda f: f["categories"][0].update(ceiling=300000),
            "funds[0].categories[0].ceiling",
            "ceiling_above_total",
        ),
        (
            lambda f: f["allocations"][3].update(amount=48000),
            "funds[0].allocations[3].amount",
            "rejected",
        ),
        (
            lambda f: f["allocations"][0]["payments"][0].update(amount=9000),
            "funds[0].allocations[0].payments[0].amount",
            "rejected",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0001").update(
                wish="Een levendig Marsmanplein"
            ),
            "funds[0].applications[0].wish",
            "unknown_reference",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0001").update(project=9),
            "funds[0].applications[0].project",
            "unknown_reference",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0005").update(reason=""),
            "funds[0].applications[4].reason",
            "reason_missing",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0002").update(amount_granted=3400),
            "funds[0].applications[1].amount_granted",
            "partial_not_lower",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0006").update(
                decided_on="2008-10-01"
            ),
            "funds[0].applications[5].decided_on",
            "not_for_status",
        ),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0004").update(amount_requested=0),
            "funds[0].applications[3].amount_requested",
            "invalid",
        ),
        (lambda f: f.update(total="250000"), "funds[0].total", "invalid"),
        (
            lambda f: application_item({"funds": [f]}, "IA-2008-0003").update(reference="IA-08-3"),
            "funds[0].applications[2].reference",
            "invalid",
        ),
        (
            lambda f: f["applications"].append(copy.deepcopy(f["applications"][0])),
            "funds[0].applications[15].reference",
            "duplicate",
        ),
    ],
)
def test_a_bad_fund_changes_nothing(change, path, code):
    data = pilot_data()
    change(fund_item(data))
    counts = row_counts()

    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load(data)

    problems = {(problem.path, problem.code) for problem in excinfo.value.problems}
    assert (path, code) in problems
    assert row_counts() == counts
