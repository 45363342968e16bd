"""The desk on the admin's home page: per role, the numbers of what needs attention, each
linking to the admin list of exactly those rows; on factories and on the pilot."""

import datetime
import re

import pytest
from django.contrib.admin.views.main import ChangeList
from django.utils import timezone
from post_office.models import STATUS, Email

from budget import services as budget_services
from budget.choices import ApplicationStatus, Criterion
from budget.models import Allocation, InitiativeApplication
from contracts import distribution
from contracts.choices import ContractStatus
from contracts.models import Contract
from projects.choices import ProjectStatus, RoundKind
from projects.models import Project, ReportingRound
from tests.conftest import staff_client
from tests.factories import (
    ContractFactory,
    application_fields,
    book_allocation,
    contract_in_status,
    fund_with_categories,
    open_period,
    progress_update,
    project_in_signed_contract,
    team_member,
)

pytestmark = pytest.mark.django_db

ITEM = re.compile(r'data-item="(?P<key>[^"]+)" data-count="(?P<count>\d+)"')


def items_on(response):
    """{item key: count} of the desks on the home page."""
    assert response.status_code == 200
    return {m["key"]: int(m["count"]) for m in ITEM.finditer(response.content.decode())}


def desks_on(response):
    return response.context.get("desks", [])


def item(response, key):
    for desk in desks_on(response):
        for candidate in desk.items:
            if candidate.key == key:
                return candidate
    raise AssertionError(f"no item {key}")


def listed(client, url):
    """The primary keys the admin list at `url` shows (all pages), after following it."""
    response = client.get(url)
    assert response.status_code == 200, url
    assert "e=1" not in response.request.get("QUERY_STRING", ""), url
    changelist = response.context["cl"]
    assert isinstance(changelist, ChangeList)
    return {obj.pk for obj in changelist.queryset}, changelist.result_count


def assert_links_exact(client, response, expected):
    """Each item of `expected` ({key: set of pks}) shows that many rows and links to a list of
    exactly those rows."""
    for key, pks in expected.items():
        entry = item(response, key)
        assert entry.count == len(pks), key
        if not pks:
            assert entry.url == "", key
            continue
        shown, count = listed(client, entry.url)
        assert (shown, count) == (pks, len(pks)), key


# --- Factories ----------------------------------------------------------------------------------


def test_the_editor_desk_counts_and_links_on_factories(editor, editor_user):
    today = timezone.localdate()
    draft = ContractFactory()
    ready = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    undated = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    Contract.objects.filter(pk=undated.pk).update(signed_on=None)
    signed = contract_in_status(ContractStatus.SIGNED, signed_on=datetime.date(2007, 10, 2))
    sent = contract_in_status(ContractStatus.SIGNED, signed_on=datetime.date(2007, 10, 2))
    distribution.distribute_contract(sent)
    failed = contract_in_status(ContractStatus.SIGNED, signed_on=datetime.date(2007, 10, 2))
    for row in distribution.distribute_contract(failed).distributions:
        Email.objects.filter(pk=row.outbox_email_id).update(status=STATUS.failed)

    delayed = project_in_signed_contract()
    quiet = project_in_signed_contract()
    lively = project_in_signed_contract()
    member = team_member(delayed)
    team_member(quiet, username="lid-stil")
    team_member(lively, username="lid-levend")
    progress_update(delayed, member, "Later door de aannemer.", status=ProjectStatus.DELAYED)
    # Silent: the newest update lies exactly 90 days back; lively reported 89 days back.
    progress_update(
        quiet,
        quiet.memberships.get().user,
        "Gestart.",
        status=ProjectStatus.ON_SCHEDULE,
        date=today - datetime.timedelta(days=90),
    )
    progress_update(
        lively,
        lively.memberships.get().user,
        "Gestart.",
        status=ProjectStatus.ON_SCHEDULE,
        date=today - datetime.timedelta(days=89),
    )
    round_ = ReportingRound.objects.create(
        title="Tussenstand", due_date=today - datetime.timedelta(days=1), opened_at=timezone.now()
    )
    round_.contracts.set([quiet.contract, lively.contract])
    not_due = ReportingRound.objects.create(title="Later", due_date=today, opened_at=timezone.now())
    not_due.contracts.set([delayed.contract])

    response = editor.get("/admin/")
    signed_contracts = {
        signed.pk,
        failed.pk,
        delayed.contract_id,
        quiet.contract_id,
        lively.contract_id,
    }
    assert_links_exact(
        editor,
        response,
        {
            "contracts_in_draft": {draft.pk},
            "addenda_in_draft": set(),
            "ready_for_signing": {ready.pk, undated.pk},
            "signed_not_sent": signed_contracts,
            "delayed_projects": {delayed.pk},
            "silent_projects": {quiet.pk},
            f"late_reports_{round_.pk}": {quiet.pk, lively.pk},
        },
    )
    # The ready contracts with their planned date, the dated one first.
    rows = item(response, "ready_for_signing").rows
    assert [row["contract"] for row in rows] == [ready, undated]
    assert f"late_reports_{not_due.pk}" not in items_on(response)
    assert listed(editor, "/admin/contracts/contract/?distributed=yes") == ({sent.pk}, 1)
    assert response.context["desks"][0].title == "Bureau van de redacteur"


def test_an_editor_desk_without_work_says_so(editor):
    response = editor.get("/admin/")
    counts = items_on(response)
    assert set(counts.values()) == {0}
    assert "late_reports" in counts
    assert response.content.decode().count("Niets te doen") == len(counts)


def submitted(contract, fund, days_ago, **fields):
    application = budget_services.submit_application(fund, **application_fields(contract, **fields))
    moment = timezone.now() - datetime.timedelta(days=days_ago)
    InitiativeApplication.objects.filter(pk=application.pk).update(submitted_at=moment)
    return InitiativeApplication.objects.get(pk=application.pk)


def decided(application, user):
    budget_services.start_review(application, user=user)
    for criterion in Criterion.values:
        budget_services.review_criterion(application, criterion, met=False, user=user)
    return budget_services.decide(
        application, ApplicationStatus.REFUSED, user=user, reason="Past niet in het contract."
    )


def test_the_budget_manager_desk_counts_and_links_on_factories(
    budget_manager, budget_manager_user, deliver_mail
):
    fund = fund_with_categories(
        organisation_ceiling="50000.00", initiatives_ceiling="200000.00", **open_period()
    )
    contract = project_in_signed_contract().contract
    in_time = submitted(contract, fund, 28, contact_email="a@example.org")
    overdue = submitted(contract, fund, 29, contact_email="b@example.org", title="Bankje")
    sent = decided(
        submitted(contract, fund, 40, contact_email="c@example.org"), budget_manager_user
    )
    deliver_mail()
    waiting_letter = decided(
        submitted(contract, fund, 41, contact_email="d@example.org"), budget_manager_user
    )
    book_allocation(fund, "1000.00", kind="organisation", purpose="Folder")

    response = budget_manager.get("/admin/")
    assert_links_exact(
        budget_manager,
        response,
        {
            "waiting_applications": {in_time.pk, overdue.pk},
            "overdue_applications": {overdue.pk},
            "decisions_without_letter": {waiting_letter.pk},
        },
    )
    assert sent.pk not in {
        row["application"].pk for row in item(response, "decisions_without_letter").rows
    }
    rows = item(response, "waiting_applications").rows
    assert [(row["application"].pk, row["overdue"]) for row in rows] == [
        (overdue.pk, True),
        (in_time.pk, False),
    ]
    # Oldest first in the list the number opens too.
    listing = budget_manager.get(item(response, "waiting_applications").url)
    assert [obj.pk for obj in listing.context["cl"].result_list] == [overdue.pk, in_time.pk]
    # Marked in words, not by colour alone.
    assert "over de termijn" in response.content.decode()

    desk = response.context["desks"][0]
    rooms = {row["room"].category.kind: row for row in desk.fund_rooms}
    assert rooms["initiatives"]["room"].room == budget_services.available_for_initiatives(fund)
    assert rooms["organisation"]["room"].room == 49000
    shown, _count = listed(budget_manager, rooms["organisation"]["url"])
    assert shown == set(
        Allocation.objects.filter(category__kind="organisation").values_list("pk", flat=True)
    )
    assert "€ 49.000,00" in response.content.decode()


def test_a_failed_letter_is_not_sent_and_an_erased_applicant_is_left_out(
    budget_manager, budget_manager_user
):
    fund = fund_with_categories(**open_period())
    contract = project_in_signed_contract().contract
    failed = decided(
        submitted(contract, fund, 40, contact_email="e@example.org"), budget_manager_user
    )
    Email.objects.filter(to="e@example.org", subject__contains=failed.reference).update(
        status=STATUS.failed
    )
    erased = decided(
        submitted(contract, fund, 40, contact_email="f@example.org"), budget_manager_user
    )
    InitiativeApplication.objects.filter(pk=erased.pk).update(
        contact_email="", personal_data_erased_at=timezone.now()
    )

    response = budget_manager.get("/admin/")

    entry = item(response, "decisions_without_letter")
    assert [row["application"].pk for row in entry.rows] == [failed.pk]
    assert entry.rows[0]["letter"] == "verzending mislukt"


# --- Who sees which desk ----------------------------------------------------------------------


def test_each_persona_sees_only_their_desk(editor_user, budget_manager_user, superuser, client):
    client.force_login(editor_user)
    editor_page = client.get("/admin/")
    client.force_login(budget_manager_user)
    budget_page = client.get("/admin/")
    client.force_login(superuser)
    super_page = client.get("/admin/")

    assert [desk.key for desk in desks_on(editor_page)] == ["editor"]
    assert "waiting_applications" not in items_on(editor_page)
    assert [desk.key for desk in desks_on(budget_page)] == ["budget_manager"]
    assert "contracts_in_draft" not in items_on(budget_page)
    assert [desk.key for desk in desks_on(super_page)] == ["editor", "budget_manager"]
    assert "<h1>Bureau van de budgetbeheerder</h1>" in budget_page.content.decode()
    assert "<h1>Bureau van de redacteur en de budgetbeheerder</h1>" in super_page.content.decode()
    for page in (editor_page, budget_page, super_page):
        assert 'class="desk-apps"' in page.content.decode()  # the models are still listed


def test_staff_without_a_group_get_the_list_of_models():
    response = staff_client().get("/admin/")

    assert response.status_code == 200
    assert items_on(response) == {}
    assert "<h1>Contracten, wijken en partners</h1>" in response.content.decode()


def test_an_app_page_shows_no_desk(editor):
    response = editor.get("/admin/contracts/")

    assert response.status_code == 200
    assert items_on(response) == {}


# --- The pilot ----------------------------------------------------------------------------------


def test_the_desks_on_the_pilot(pilot, superuser, client):
    """The pilot is history (2007-2009) and "now" is today: every running project is silent
    and every report missing from the 2008 round is late."""
    client.force_login(superuser)
    today = timezone.localdate()
    response = client.get("/admin/")

    round_ = ReportingRound.objects.get(kind=RoundKind.MIDTERM)
    requested = set(
        Project.objects.filter(contract__in=round_.contracts.all())
        .exclude(status=ProjectStatus.CANCELLED)
        .values_list("pk", flat=True)
    )
    reported = set(round_.reports.values_list("project_id", flat=True))
    running = set(
        Project.objects.filter(contract__status=ContractStatus.SIGNED)
        .exclude(status__in=[ProjectStatus.DONE, ProjectStatus.CANCELLED])
        .values_list("pk", flat=True)
    )
    waiting = set(
        InitiativeApplication.objects.filter(
            status__in=[ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW]
        ).values_list("pk", flat=True)
    )
    decided_ids = set(
        InitiativeApplication.objects.filter(
            status__in=[
                ApplicationStatus.GRANTED,
                ApplicationStatus.PARTLY_GRANTED,
                ApplicationStatus.REFUSED,
            ]
        ).values_list("pk", flat=True)
    )
    expected = {
        "contracts_in_draft": set(),
        "addenda_in_draft": set(),
        "ready_for_signing": set(),
        "signed_not_sent": set(Contract.objects.values_list("pk", flat=True)),
        "delayed_projects": set(
            Project.objects.filter(status=ProjectStatus.DELAYED).values_list("pk", flat=True)
        ),
        "silent_projects": running,
        f"late_reports_{round_.pk}": requested - reported,
        "waiting_applications": waiting,
        "overdue_applications": waiting,
        # The pilot replays 2008 without mail: no decision letter went out through the outbox.
        "decisions_without_letter": decided_ids,
    }
    assert_links_exact(client, response, expected)
    assert {key: len(pks) for key, pks in expected.items()} == {
        "contracts_in_draft": 0,
        "addenda_in_draft": 0,
        "ready_for_signing": 0,
        "signed_not_sent": 5,
        # Centrum's contract is completed (its final evaluation of 2009): its projects no
        # longer run, and its third project ended delayed.
        "delayed_projects": 6,
        "silent_projects": 15,
        f"late_reports_{round_.pk}": 4,
        "waiting_applications": 4,
        "overdue_applications": 4,
        "decisions_without_letter": 10,
    }
    assert today.year > 2009
    html = response.content.decode()
    assert "2 oktober 2007" in html
    assert "31 oktober 2008" in html
