"""The projects in the pilot data: the midterm moment of October 2008, loaded idempotently."""

import copy
import datetime
from collections import Counter

import pytest
from django.utils import timezone

from contracts.choices import ContractStatus, PartnerKind
from contracts.models import Contract, ResidentWish
from contracts.pilot import SIGNING_ORDER
from projects import pilot as projects_pilot
from projects.choices import PROJECT_TRANSITIONS, ProjectStatus, Visibility
from projects.models import ProgressUpdate, Project, ProjectReport, ReportingRound
from projects.services import late_projects
from tests.factories import UserFactory
from tests.pilot_files import load_pilot, pilot_data, row_counts, without_projects
from wijkaanpak.common import pilot

pytestmark = pytest.mark.django_db

# pilot-facts: the illustrative projects per wijk.
PILOT_PROJECTS = {
    "centrum": [
        "Pleinen en tuinen",
        "Jongerenproject",
        "Heel en schoon in de oude stad",
        "Laden en lossen in smalle straten",
    ],
    "boerhaavewijk": [
        "Speeltuin Het Slakkenveld opknappen",
        "Wijkschouw “Schoon Boerhaave”",
        "Jongeren en veiligheid rond De Ringvaart",
        "Portieken en entrees van de flats",
        "Ontmoeting in De Ringvaart",
    ],
    "delftwijk-waterbuurt": [
        "Simon Vestdijkpark met bewoners",
        "Marsmanplein als levendig winkelplein",
        "Veilige schoolroutes",
        "Jongerenwerk en hangplekken",
    ],
    "leidsebuurt": [
        "Brouwersplein speeltuin en groen",
        "Het Badhuis als ontmoetingsplek",
        "Fietsveiligheid Leidsevaart",
        "Geveltuinen en binnentuinen",
    ],
    "amsterdamse-buurten": [
        "Amsterdamstraat winkelstraat",
        "'t Broederhuis als ontmoetingsplek",
        "Groen en speelplekken langs het spoor",
        "Veilig en schoon",
    ],
}
START, END = datetime.date(2007, 10, 2), datetime.date(2009, 10, 2)
RADIUS_BANKRUPTCY = datetime.date(2007, 8, 16)
MIDTERM = "Tussenevaluatie oktober 2008"
MIDTERM_DUE = datetime.date(2008, 10, 31)


def latest_update(project, until=None):
    updates = project.updates.filter(hidden=False)
    if until is not None:
        updates = updates.filter(date__lte=until)
    return updates.order_by("-date", "-created_at", "-pk").first()


@pytest.fixture
def loaded(pilot):
    """The pilot, loaded once for the module (tests/conftest.py)."""


# --- Projects ---------------------------------------------------------------------------------


def test_every_wijk_has_its_pilot_projects_numbered_in_its_signed_contract(loaded):
    for slug, titles in PILOT_PROJECTS.items():
        contract = Contract.objects.get(neighbourhood__slug=slug)
        # Centrum's was completed after its final evaluation (test_evaluation_pilot.py).
        assert contract.status == (
            ContractStatus.COMPLETED if slug == "centrum" else ContractStatus.SIGNED
        )
        projects = list(contract.projects.order_by("number"))
        assert sorted(project.title for project in projects) == sorted(titles), slug
        assert [project.number for project in projects] == list(range(1, len(titles) + 1))
    assert Project.objects.count() == sum(len(titles) for titles in PILOT_PROJECTS.values())


def test_every_project_is_described_planned_in_the_period_and_illustrative(loaded):
    for project in Project.objects.all():
        assert project.is_illustrative, project
        assert project.summary and project.description and project.expected_result, project
        assert len(project.description) > len(project.summary), project
        assert START <= project.planned_start < project.planned_end <= END, project


def test_lead_and_participating_partners_are_parties_with_a_contribution(loaded):
    for project in Project.objects.select_related("contract", "lead_partner"):
        parties = set(project.contract.parties.values_list("partner_id", flat=True))
        assert project.lead_partner_id in parties, project
        participants = list(project.participants.select_related("partner"))
        others = [row for row in participants if row.partner_id != project.lead_partner_id]
        assert 1 <= len(others) <= 3, project
        for row in participants:
            assert row.partner_id in parties, (project, row)
            assert row.contribution.strip(), (project, row)
            assert row.amount is None or row.amount > 0, (project, row)
    # Some contributions name an amount from the partner's own budget; others are hours or
    # in kind.
    amounts = [
        row.amount for project in Project.objects.all() for row in project.participants.all()
    ]
    assert any(amount is not None for amount in amounts)
    assert any(amount is None for amount in amounts)


def test_every_wish_is_answered_by_a_project_of_its_own_contract(loaded):
    for wish in ResidentWish.objects.prefetch_related("projects"):
        projects = list(wish.projects.all())
        assert projects, wish
        assert all(project.contract_id == wish.contract_id for project in projects), wish


# --- Progress at the midterm ------------------------------------------------------------------


def test_the_status_mix_of_the_midterm(loaded):
    midterm = ReportingRound.objects.get(title=MIDTERM).due_date
    statuses = Counter(latest_update(project, midterm).status for project in Project.objects.all())
    total = sum(statuses.values())
    assert statuses[ProjectStatus.DONE] >= 2
    assert statuses[ProjectStatus.DELAYED] >= 3
    assert statuses[ProjectStatus.ON_SCHEDULE] >= 10
    # About 60% on schedule, 25% delayed, 15% done; nothing still planned or cancelled.
    assert 0.5 <= statuses[ProjectStatus.ON_SCHEDULE] / total <= 0.7
    assert 0.15 <= statuses[ProjectStatus.DELAYED] / total <= 0.35
    assert 0.08 <= statuses[ProjectStatus.DONE] / total <= 0.25
    assert set(statuses) <= {ProjectStatus.ON_SCHEDULE, ProjectStatus.DELAYED, ProjectStatus.DONE}


def test_status_and_percent_are_those_of_the_latest_update(loaded):
    for project in Project.objects.all():
        latest = latest_update(project)
        assert (project.status, project.percent_complete) == (
            latest.status,
            latest.percent_complete,
        ), project
        if project.status == ProjectStatus.DONE:
            assert project.percent_complete == 100


def test_two_to_four_dated_updates_per_project_that_follow_the_lifecycle(loaded):
    for project in Project.objects.all():
        # Up to the midterm; Centrum's projects have one more each, in 2009, before its final
        # evaluation.
        updates = list(project.updates.filter(date__lte=MIDTERM_DUE).order_by("date"))
        later = project.updates.filter(date__gt=MIDTERM_DUE)
        if project.contract.neighbourhood.slug == "centrum" and project.number != 4:
            assert [u.date.year for u in later] == [2009], project
        else:
            assert not later.exists(), project
        assert 2 <= len(updates) <= 4, project
        status = ProjectStatus.PLANNED
        for update in updates:
            assert datetime.date(2007, 11, 1) <= update.date <= datetime.date(2008, 10, 31)
            assert update.happened.strip()
            assert update.author is None  # no team accounts exist before create_demo_accounts
            assert update.status == status or update.status in PROJECT_TRANSITIONS[status]
            if update.status == ProjectStatus.DONE:
                assert update.percent_complete == 100
            status = update.status
        percents = [update.percent_complete for update in updates]
        assert percents == sorted(percents), project


def test_a_welfare_project_is_delayed_by_the_radius_bankruptcy(loaded):
    delayed_welfare = Project.objects.filter(
        lead_partner__kind=PartnerKind.WELFARE, status=ProjectStatus.DELAYED
    )
    explained = [
        project
        for project in delayed_welfare
        if project.updates.public().filter(happened__contains="Radius").exists()
    ]
    assert explained
    # The delay came after the bankruptcy, from the first update on.
    first = explained[0].updates.order_by("date").first()
    assert first.status == ProjectStatus.DELAYED
    assert first.date > RADIUS_BANKRUPTCY


def test_a_few_updates_are_internal_and_every_project_has_a_public_one(loaded):
    internal = ProgressUpdate.objects.filter(visibility=Visibility.INTERNAL)
    assert 3 <= internal.count() <= ProgressUpdate.objects.count() // 5
    for project in Project.objects.all():
        assert project.latest_public_update() is not None, project


# --- The midterm review -----------------------------------------------------------------------


def test_the_october_2008_round_asks_all_five_contracts(loaded):
    round_ = ReportingRound.objects.get(title=MIDTERM)
    assert round_.is_illustrative
    assert round_.due_date == datetime.date(2008, 10, 31)
    assert timezone.localdate(round_.opened_at) == datetime.date(2008, 10, 1)
    assert round_.opened_by is None
    assert set(round_.contracts.all()) == set(Contract.objects.all())
    assert round_.requested_projects().count() == Project.objects.count()


def test_most_projects_reported_in_october_and_a_few_are_late(loaded):
    round_ = ReportingRound.objects.get(title=MIDTERM)
    reports = list(round_.reports.select_related("project"))
    late = list(late_projects(round_))

    assert 3 <= len(late) <= 4
    assert len(reports) + len(late) == Project.objects.count()
    for report in reports:
        submitted = timezone.localdate(report.submitted_at)
        assert datetime.date(2008, 10, 1) <= submitted <= round_.due_date, report
        assert report.submitted_by is None
        assert report.achieved.strip() and report.next_steps.strip(), report
        # A report says what the project's timeline said when it was handed in.
        latest = latest_update(report.project, until=submitted)
        assert (report.status, report.percent_complete) == (
            latest.status,
            latest.percent_complete,
        ), report
        if report.status == ProjectStatus.DELAYED:
            assert report.deviations.strip(), report


def test_the_radius_project_explains_its_delay_in_its_report(loaded):
    report = ProjectReport.objects.get(
        project__lead_partner__kind=PartnerKind.WELFARE,
        project__status=ProjectStatus.DELAYED,
        round__title=MIDTERM,
    )
    assert "Radius" in report.deviations


def test_history_rows_say_they_come_from_the_pilot_data(loaded):
    note = pilot_data()["meta"]["load_note"]
    for model in (Project, ProgressUpdate, ReportingRound):
        assert set(model.history.values_list("history_change_reason", flat=True)) == {note}
    assert set(Project.history.values_list("history_type", flat=True)) == {"+", "~"}


# --- Loading ----------------------------------------------------------------------------------


def test_projects_come_before_signing_and_progress_after_it():
    parts = {part.key: part.order for part in pilot.registered_parts()}
    assert parts["contracts"] < parts["projects"] < SIGNING_ORDER
    assert SIGNING_ORDER <= parts["progress_updates"] < parts["reporting_rounds"]


def test_a_second_run_changes_nothing_in_any_projects_table():
    load_pilot()
    counts = row_counts()
    projects_tables = {
        label: count for label, count in counts.items() if label.startswith("projects.")
    }
    for label in (
        "projects.Project",
        "projects.HistoricalProject",
        "projects.ProjectPartner",
        "projects.HistoricalProjectPartner",
        "projects.Project_wishes",
        "projects.ProgressUpdate",
        "projects.HistoricalProgressUpdate",
        "projects.ReportingRound",
        "projects.HistoricalReportingRound",
        "projects.ReportingRound_contracts",
        "projects.ProjectReport",
    ):
        assert projects_tables[label] > 0, label
    states = dict(Project.objects.values_list("pk", "status"))

    load_pilot()

    assert row_counts() == counts
    assert dict(Project.objects.values_list("pk", "status")) == states


def test_a_project_that_exists_keeps_the_timeline_its_team_wrote(loaded):
    project = Project.objects.get(contract__neighbourhood__slug="leidsebuurt", number=1)
    ProgressUpdate.objects.create(
        project=project,
        date=datetime.date(2008, 12, 1),
        status=ProjectStatus.DELAYED,
        percent_complete=50,
        happened="De aannemer is failliet.",
    )
    counts = row_counts()

    load_pilot()

    assert row_counts() == counts
    assert project.updates.count() == 4


def test_a_contract_that_exists_gets_no_projects_added():
    data = pilot_data()
    pilot.load(without_projects(data))
    assert not Project.objects.exists()

    pilot.load(data)  # the contracts are signed: a project now comes by addendum only

    assert not Project.objects.exists()
    assert not ProgressUpdate.objects.exists()
    # The round is not part of a contract; it comes, without reports on missing projects.
    assert ReportingRound.objects.get(title=MIDTERM).contracts.count() == 5
    assert not ProjectReport.objects.exists()


def test_updates_are_written_by_the_team_account_when_it_exists():
    team = UserFactory(username="team-centrum")

    load_pilot()

    assert set(
        ProgressUpdate.objects.filter(project__contract__neighbourhood__slug="centrum")
        .values_list("author", flat=True)
        .distinct()
    ) == {team.pk}
    assert not ProgressUpdate.objects.exclude(
        project__contract__neighbourhood__slug="centrum"
    ).exclude(author=None)


# --- Bad files --------------------------------------------------------------------------------


def _index(data, part, slug, number, key="number"):
    return next(
        index
        for index, item in enumerate(data[part])
        if item["neighbourhood"] == slug and item[key] == number
    )


def _lead_not_a_party(data):
    # Pré Wonen is no party to the Centrum contract.
    data["projects"][_index(data, "projects", "centrum", 1)]["lead_partner"] = "Pré Wonen"


def _unknown_wish(data):
    data["projects"][_index(data, "projects", "centrum", 1)]["wishes"] = ["Een zwembad"]


def _planned_after_the_contract(data):
    data["projects"][_index(data, "projects", "centrum", 1)]["planned_end"] = "2010-01-01"


def _update_of_unknown_project(data):
    data["progress_updates"][0]["project"] = 99


def _done_below_full_percent(data):
    data["progress_updates"][-1].update(status="done", percent_complete=90)


def _update_after_done(data):
    done = next(item for item in data["progress_updates"] if item["status"] == "done")
    later = {**done, "date": "2008-10-30", "status": "on_schedule", "percent_complete": 100}
    data["progress_updates"].append(later)


def _update_before_the_contract(data):
    data["progress_updates"][0]["date"] = "2007-09-01"


def _update_in_the_future(data):
    data["progress_updates"][0]["date"] = (timezone.localdate() + datetime.timedelta(1)).isoformat()


def _report_of_a_project_outside_the_round(data):
    data["reporting_rounds"][0]["contracts"] = data["reporting_rounds"][0]["contracts"][:1]


def _percent_as_text(data):
    data["progress_updates"][0]["percent_complete"] = "10"


def _negative_amount(data):
    data["projects"][0]["partners"][0]["amount"] = -5


def _amount_below_a_cent(data):
    data["projects"][0]["partners"][0]["amount"] = 12.345


def _repeated_project_number(data):
    data["projects"].append(copy.deepcopy(data["projects"][0]))


@pytest.mark.parametrize(
    ("change", "code", "path"),
    [
        (_lead_not_a_party, "rejected", "projects[{centrum1}].lead_partner"),
        (_unknown_wish, "unknown_reference", "projects[{centrum1}].wishes[0]"),
        (_planned_after_the_contract, "rejected", "projects[{centrum1}].planned_end"),
        (_update_of_unknown_project, "unknown_reference", "progress_updates[0].project"),
        (_done_below_full_percent, "done_needs_full_percent", None),
        (_update_after_done, "project_closed", None),
        (_update_before_the_contract, "date_before_contract", "progress_updates[0].date"),
        (_update_in_the_future, "date_in_future", "progress_updates[0].date"),
        (_report_of_a_project_outside_the_round, "project_not_in_round", None),
        (_percent_as_text, "invalid", "progress_updates[0].percent_complete"),
        (_negative_amount, "invalid", "projects[0].partners[0].amount"),
        (_amount_below_a_cent, "invalid", "projects[0].partners[0].amount"),
        (_repeated_project_number, "duplicate", None),
    ],
)
def test_a_bad_projects_part_is_refused_and_nothing_is_written(change, code, path):
    data = pilot_data()
    change(data)
    counts = row_counts()

    with pytest.raises(pilot.PilotDataError) as excinfo:
        pilot.load(data)

    problems = {(problem.path, problem.code) for problem in excinfo.value.problems}
    if path is None:
        assert code in excinfo.value.codes, problems
    else:
        path = path.format(centrum1=_index(data, "projects", "centrum", 1))
        assert (path, code) in problems
    assert row_counts() == counts


def test_the_checks_of_the_projects_module_are_registered():
    """The loader finds the parts through autodiscovery, not through an import in contracts."""
    registered = {part.key: part.load for part in pilot.registered_parts()}
    assert registered["projects"] is projects_pilot.load_projects
    assert registered["progress_updates"] is projects_pilot.load_progress_updates
    assert registered["reporting_rounds"] is projects_pilot.load_reporting_rounds
