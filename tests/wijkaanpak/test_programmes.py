"""Programmes over time and a programme's pages: the home page and the fund's account show the
current programme and link to the others; /programmas/<slug>/ shows one programme; its report
to the council (the page; the PDF is tests/wijkaanpak/test_programme_report_pdf.py)."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budget import selectors as budget_selectors
from budget import services as budget_services
from budget.choices import CategoryKind
from contracts import services as contract_services
from contracts.choices import ContractStatus
from contracts.models import CollegeDecision, Programme
from projects.choices import ContractFuture, ProjectStatus, RoundKind, WishVerdict
from projects.models import ContractEvaluation, ReportingRound, WishVerdictRecord
from tests.conftest import count_queries
from tests.factories import (
    ContractFactory,
    FundFactory,
    NeighbourhoodFactory,
    ProgrammeFactory,
    ProjectFactory,
    TeamMembershipFactory,
    UserFactory,
    book_allocation,
    complete_contract,
    fund_with_categories,
    move_to,
)
from tests.projects.test_public import past_round, report, signed_contract_with_projects

pytestmark = pytest.mark.django_db

SECOND_ROUND = {
    "period_start": datetime.date(2010, 10, 1),
    "period_end": datetime.date(2012, 10, 1),
}


def programme_url(programme, name="programme_detail"):
    return reverse(name, kwargs={"slug": programme.slug})


def in_programme(programme, *contracts):
    contract_services.assign_to_programme(programme, [*programme.contracts.all(), *contracts])


def second_round_contract(name):
    """A signed contract of the second round in a new wijk, with one project."""
    contract = complete_contract(
        neighbourhood=NeighbourhoodFactory(name=name, slug=name.lower()),
        signed_on=SECOND_ROUND["period_start"],
        **SECOND_ROUND,
    )
    project = ProjectFactory(contract=contract, number=1)
    project.wishes.add(contract.wishes.first())
    move_to(contract, ContractStatus.SIGNED)
    return contract


@pytest.fixture
def two_programmes():
    """The pilot (earlier) with one wijk and its fund, and a second, current round with a new
    wijk and a new fund."""
    pilot = ProgrammeFactory(name="Wijkaanpak 2007–2009", slug="wijkaanpak-2007-2009")
    second = ProgrammeFactory(
        name="Wijkaanpak 2010–2012", slug="wijkaanpak-2010-2012", is_current=True, **SECOND_ROUND
    )
    pilot_contract, _projects = signed_contract_with_projects(2, updates=False)
    in_programme(pilot, pilot_contract)
    second_contract = second_round_contract("Schalkwijk")
    in_programme(second, second_contract)
    pilot_fund = fund_with_categories(name="Wijkbudget 2007–2009", programme=pilot)
    second_fund = fund_with_categories(
        name="Wijkbudget 2010–2012", programme=second, total=Decimal("300000.00"), **SECOND_ROUND
    )
    return {
        "pilot": pilot,
        "second": second,
        "pilot_contract": pilot_contract,
        "second_contract": second_contract,
        "pilot_fund": pilot_fund,
        "second_fund": second_fund,
    }


def wijk_link(contract):
    return reverse("neighbourhood_detail", kwargs={"slug": contract.neighbourhood.slug})


# --- Programmes over time: the home page and the fund's account -----------------------------


def test_the_home_page_shows_the_current_programme_and_links_to_the_other(client, two_programmes):
    content = client.get("/").content.decode()

    assert f'data-neighbourhood="{two_programmes["second_contract"].neighbourhood.slug}"' in content
    assert (
        f'data-neighbourhood="{two_programmes["pilot_contract"].neighbourhood.slug}"' not in content
    )
    # The key dates are those of the current programme's contracts.
    assert 'data-round="2010-10-01"' in content
    assert 'data-round="2007-10-02"' not in content
    assert f'data-fund="{two_programmes["second_fund"].pk}"' in content
    assert f'data-programme="{two_programmes["second"].slug}"' in content
    assert f'href="{programme_url(two_programmes["second"])}"' in content
    assert f'href="{programme_url(two_programmes["pilot"])}"' in content


def test_without_a_programme_the_home_page_shows_every_wijk_as_before(client):
    contract, _projects = signed_contract_with_projects(1, updates=False)
    other = second_round_contract("Schalkwijk")

    content = client.get("/").content.decode()

    for shown in (contract, other):
        assert f'data-neighbourhood="{shown.neighbourhood.slug}"' in content
    assert "data-programme=" not in content


def test_the_current_programmes_drafts_stay_off_the_home_page(client, two_programmes):
    draft = ContractFactory(neighbourhood=NeighbourhoodFactory(slug="concept"), **SECOND_ROUND)
    in_programme(two_programmes["second"], draft)

    content = client.get("/").content.decode()

    assert 'data-neighbourhood="concept"' not in content


def test_the_fund_account_shows_the_current_programmes_fund_and_links_to_the_other(
    client, two_programmes
):
    pilot_fund = two_programmes["pilot_fund"]
    content = client.get(reverse("budget:account")).content.decode()

    assert f'<section aria-labelledby="fonds" data-fund="{two_programmes["second_fund"].pk}">' in (
        content
    )
    assert f'href="{reverse("budget:account")}?periode={pilot_fund.pk}"' in content
    assert f'href="{programme_url(two_programmes["second"])}"' in content


def test_each_programmes_fund_account_is_reachable_and_names_its_programme(client, two_programmes):
    pilot_fund = two_programmes["pilot_fund"]
    response = client.get(reverse("budget:account"), {"periode": pilot_fund.pk})
    content = response.content.decode()

    assert response.status_code == 200
    assert f'<section aria-labelledby="fonds" data-fund="{pilot_fund.pk}">' in content
    assert f'data-programme="{two_programmes["pilot"].slug}"' in content
    # The current fund is the one without ?periode.
    assert (
        f'href="{reverse("budget:account")}" data-period="{two_programmes["second_fund"].pk}"'
        in (content)
    )


def test_the_current_fund_is_the_current_programmes_also_when_a_later_fund_exists(
    two_programmes,
):
    FundFactory(
        name="Later", period_start=datetime.date(2020, 1, 1), period_end=datetime.date(2021, 1, 1)
    )

    assert budget_selectors.current_fund() == two_programmes["second_fund"]


def test_without_a_programme_fund_the_current_fund_is_the_latest(db):
    FundFactory(name="Eerder")
    later = FundFactory(name="Later", **SECOND_ROUND)

    assert budget_selectors.current_fund() == later
    # A current programme without a fund changes nothing.
    ProgrammeFactory(is_current=True)
    assert budget_selectors.current_fund() == later


def test_the_wijk_page_shows_the_fund_of_its_contracts_programme(client, two_programmes):
    contract = two_programmes["pilot_contract"]
    fund = two_programmes["pilot_fund"]
    book_allocation(fund, "1234.00", neighbourhood=contract.neighbourhood)

    content = client.get(wijk_link(contract)).content.decode()

    assert f'data-wijk-fund="{fund.pk}"' in content


# --- The programme's page ----------------------------------------------------------------------


def test_an_unknown_programme_is_a_404(client, db):
    for name in ("programme_detail", "programme_report", "programme_report_pdf"):
        assert client.get(reverse(name, kwargs={"slug": "bestaat-niet"})).status_code == 404


def test_the_programme_page_shows_its_wijken_fund_and_milestones(client, two_programmes):
    pilot = two_programmes["pilot"]
    contract = two_programmes["pilot_contract"]
    fund = two_programmes["pilot_fund"]
    book_allocation(fund, "2500.00", neighbourhood=contract.neighbourhood)
    round_ = past_round(contract)
    CollegeDecision.objects.create(
        programme=pilot,
        reference="SB/B&C/2007/183714",
        meeting_date=datetime.date(2007, 10, 2),
        subject="Wijkcontracten in vijf pilotwijken",
        approved="Neemt kennis van de wijkcontracten.",
    )

    response = client.get(programme_url(pilot))
    content = response.content.decode()

    assert response.status_code == 200
    assert content.count("<h1") == 1
    assert f'data-wijk="{contract.neighbourhood.slug}"' in content
    assert 'data-status="signed"' in content
    assert f'data-wijk="{two_programmes["second_contract"].neighbourhood.slug}"' not in content
    assert '<span class="fund-figures__amount text-nowrap" data-amount="committed">€ 2.500,00' in (
        content
    )
    assert f'data-fund-account="{fund.pk}"' in content
    assert f'href="{reverse("budget:account")}?periode={fund.pk}"' in content
    assert 'data-signing="2007-10-02"' in content
    review = reverse(
        "projects:round_review",
        kwargs={"slug": contract.neighbourhood.slug, "round_pk": round_.pk},
    )
    assert f'href="{review}"' in content
    assert "SB/B&amp;C/2007/183714" in content
    assert f'href="{programme_url(pilot, "programme_report")}"' in content
    assert f'href="{programme_url(pilot, "programme_report_pdf")}"' in content
    assert f'data-final-evaluation="{contract.neighbourhood.slug}"' in content
    # Not the current one: the page links to it.
    assert "data-current-programme-link" in content


def test_a_programme_without_public_contracts_says_so(client, db):
    programme = ProgrammeFactory()
    in_programme(programme, ContractFactory())

    detail = client.get(programme_url(programme)).content.decode()
    report_page = client.get(programme_url(programme, "programme_report"))

    assert 'data-programme-wijken="none"' in detail
    assert 'data-report="empty"' in detail
    assert programme_url(programme, "programme_report_pdf") not in detail
    assert report_page.status_code == 200
    assert 'data-report="empty"' in report_page.content.decode()
    assert "data-summary" not in report_page.content.decode()


def test_the_pdf_of_an_empty_programme_is_a_404_page_that_says_why(client, db):
    programme = ProgrammeFactory()

    response = client.get(programme_url(programme, "programme_report_pdf"))

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert 'data-report="empty"' in response.content.decode()


# --- The council's report, the page ----------------------------------------------------------


@pytest.fixture
def reported(two_programmes):
    """The pilot with a midterm round (one report handed in by a named team member), a closed
    final evaluation with verdicts, a wish not taken up, and the fund's bookings."""
    contract = two_programmes["pilot_contract"]
    first, second = contract.projects.order_by("number")
    member = TeamMembershipFactory(
        project=first, user=UserFactory(username="jan-de-vries", first_name="Jansje")
    ).user
    round_ = past_round(contract)
    report(round_, first, user=member, achieved="Bereikt: twaalf bankjes geplaatst.")
    final = ReportingRound.objects.create(
        title="Eindevaluatie 2009",
        kind=RoundKind.FINAL,
        due_date=datetime.date(2009, 11, 30),
        opened_at=timezone.now(),
    )
    final.contracts.add(contract)
    closer = UserFactory(username="sluiter-van-evaluaties")
    evaluation = ContractEvaluation.objects.create(
        contract=contract,
        round=final,
        summary="De partners zijn tevreden over het geheel.",
        future=ContractFuture.CONTINUE_CHANGED,
        future_explanation="Door met minder projecten.",
        closed_at=timezone.now(),
        closed_by=closer,
    )
    wish = contract.wishes.order_by("order").first()
    WishVerdictRecord.objects.create(
        evaluation=evaluation,
        wish=wish,
        verdict=WishVerdict.PARTLY_FULFILLED,
        explanation="Half van de bankjes staat er.",
    )
    fund = two_programmes["pilot_fund"]
    allocation = book_allocation(fund, "4450.00", neighbourhood=contract.neighbourhood)
    budget_services.record_payment(
        allocation, amount="1000.00", paid_on=datetime.date(2008, 1, 10), user=None
    )
    return {**two_programmes, "round": round_, "first": first, "second_project": second}


def report_page(client, programme):
    response = client.get(programme_url(programme, "programme_report"))
    assert response.status_code == 200
    return response.content.decode()


def test_the_report_leads_with_a_summary_row_per_wijk(client, reported):
    contract = reported["pilot_contract"]
    content = report_page(client, reported["pilot"])
    row = content.split(f'<tr role="row" data-wijk="{contract.neighbourhood.slug}">')[1]
    row = row.split("</tr>")[0]

    assert content.count("<h1") == 1
    assert content.index("data-summary") < content.index("data-wijk-section=")
    assert 'data-status="signed"' in row
    assert f'data-count="wishes">{contract.wishes.count()}<' in row
    planned = contract.projects.filter(status=ProjectStatus.PLANNED).count()
    assert f'data-count="planned">{planned}<' in row
    assert 'data-count="done">0<' in row
    assert "1 of 2" in row or "1 van 2" in row
    assert 'data-evaluation="continue_changed"' in row
    assert "€ 4.450,00" in row
    assert "€ 1.000,00" in row
    # One row per public contract of the programme, no other programme's wijk.
    assert content.count('<tr role="row" data-wijk=') == 1


def test_the_report_gives_per_wijk_the_wishes_projects_and_outcomes(client, reported):
    contract = reported["pilot_contract"]
    content = report_page(client, reported["pilot"])

    assert 'id="wijk-1"' in content
    assert 'id="wijk-1-wensen"' in content
    assert '<span class="section-number">1.2</span>' in content
    for wish in contract.wishes.all():
        assert f'data-wish="{wish.pk}"' in content
    for project in contract.projects.all():
        assert f'data-project="{project.pk}"' in content
    # complete_contract's wishes are not taken up, each with its reason.
    assert "data-not-taken-up" in content
    assert "Geen partner kan dit nu oppakken." in content
    assert f'data-round="{reported["round"].pk}"' in content
    assert "Bereikt: twaalf bankjes geplaatst." in content
    assert 'data-final-evaluation="continue_changed"' in content
    assert 'data-verdict="partly_fulfilled"' in content
    assert "Half van de bankjes staat er." in content
    assert "Door met minder projecten." in content
    assert f'data-wijk-fund="{contract.neighbourhood.slug}"' in content


def test_the_report_shows_no_personal_data(client, reported):
    content = report_page(client, reported["pilot"])

    # The team member who handed the report in, the one who closed the evaluation, and the
    # partners' e-mail addresses (PartnerFactory gives each one).
    for secret in ("jan-de-vries", "Jansje", "sluiter-van-evaluaties", "@example.org"):
        assert secret not in content


def test_an_open_final_evaluation_is_reported_as_under_way(client, reported):
    ContractEvaluation.objects.update(closed_at=None)

    content = report_page(client, reported["pilot"])

    assert 'data-evaluation="open"' in content
    assert 'data-final-evaluation="open"' in content
    assert "Half van de bankjes staat er." not in content


def test_the_report_leaves_drafts_out(client, reported):
    draft = ContractFactory(neighbourhood=NeighbourhoodFactory(slug="concept"))
    in_programme(reported["pilot"], draft)

    content = report_page(client, reported["pilot"])

    assert 'data-wijk="concept"' not in content


def test_internal_and_hidden_updates_leave_no_trace_in_the_report(client, db):
    contract, projects = signed_contract_with_projects(2)
    programme = ProgrammeFactory()
    in_programme(programme, contract)

    content = report_page(client, programme)

    for project in projects:
        assert f"Intern {project.pk}" not in content
        assert f"Verborgen {project.pk}" not in content


def wijken_in_programme(programme, count):
    for _index in range(count):
        contract, projects = signed_contract_with_projects(2, updates=False)
        in_programme(programme, contract)
        round_ = past_round(contract, title=f"Ronde {contract.pk}")
        report(round_, projects[0])


@pytest.mark.parametrize("name", ["programme_detail", "programme_report"])
def test_the_programme_pages_cost_the_same_queries_for_one_wijk_or_four(client, db, name):
    programme = ProgrammeFactory()
    fund = fund_with_categories(programme=programme)
    wijken_in_programme(programme, 1)
    book_allocation(fund, "100.00", kind=CategoryKind.INITIATIVES)
    one = count_queries(client, programme_url(programme, name))

    wijken_in_programme(programme, 3)
    four = count_queries(client, programme_url(programme, name))

    assert four == one
    assert Programme.objects.get().contracts.count() == 4
