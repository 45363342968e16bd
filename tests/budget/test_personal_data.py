"""Applicants' personal data: erased two years after the decision; exported on request."""

import datetime
import io
import itertools
import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from post_office.models import Email

from budget import personal_data, services
from budget.choices import ApplicationStatus, Criterion
from budget.models import InitiativeApplication
from tests.factories import UserFactory, application_fields

pytestmark = pytest.mark.django_db

PERSONAL = {
    "contact_name": "J. de Vries (fictief)",
    "contact_email": "JdeVries@example.org",
    "contact_phone": "023 511 5115",
}
# A little more than two calendar years, leap day or not.
TWO_YEARS = datetime.timedelta(days=2 * 366 + 1)
# The `fund` of tests/conftest.py, small: € 10.000, at most € 8.000 for initiatives.
FUND_TERMS = {"total": Decimal("10000.00"), "initiatives_ceiling": 8000}


@pytest.fixture
def manager():
    return UserFactory(username="beoordelaar", is_staff=True)


_titles = itertools.count(1)


def submit(fund, contract, **overrides):
    # Each call is another application: the same one sent again would be a repeat.
    values = {"title": f"Buurtmoestuin {next(_titles)}", **PERSONAL, **overrides}
    return services.submit_application(fund, **application_fields(contract, **values))


def decided(fund, contract, manager, decision=ApplicationStatus.GRANTED, **overrides):
    application = services.start_review(submit(fund, contract, **overrides), user=manager)
    for criterion in Criterion:
        services.review_criterion(application, criterion, met=True, note="Past.", user=manager)
    reason = "" if decision == ApplicationStatus.GRANTED else "Geen geld meer over."
    return services.decide(application, decision, user=manager, reason=reason)


def personal(application):
    application.refresh_from_db()
    return {name: getattr(application, name) for name in personal_data.PERSONAL_FIELDS}


# --- Erasure ----------------------------------------------------------------------------------


def test_contact_data_is_erased_two_years_after_the_decision(fund, contract, manager):
    granted = decided(fund, contract, manager)
    refused = decided(fund, contract, manager, ApplicationStatus.REFUSED)
    pending = services.start_review(submit(fund, contract), user=manager)
    decided_at = granted.decided_at

    early = personal_data.erase_expired_personal_data(now=decided_at + datetime.timedelta(days=720))
    assert early == []
    assert personal(granted) == {**PERSONAL}

    later = decided_at + TWO_YEARS
    erased = personal_data.erase_expired_personal_data(now=later)

    assert {a.pk for a in erased} == {granted.pk, refused.pk}
    for application in (granted, refused):
        assert personal(application) == dict.fromkeys(personal_data.PERSONAL_FIELDS, "")
        assert application.personal_data_erased_at == later
        # The erasure is itself in the history, which never held the contact data.
        assert application.history.first().personal_data_erased_at == later
    assert personal(pending) == PERSONAL
    # Everything else stays: the public account still shows the grant.
    granted.refresh_from_db()
    assert granted.status == ApplicationStatus.GRANTED
    assert granted.allocation.amount == Decimal("1500.00")


def test_the_history_holds_no_contact_data_to_leave_behind(fund, contract, manager):
    history_fields = {f.name for f in InitiativeApplication.history.model._meta.get_fields()}
    assert not history_fields & set(personal_data.PERSONAL_FIELDS)
    application = decided(fund, contract, manager)
    values = InitiativeApplication.history.model.objects.filter(id=application.pk).values()
    for row in values:
        assert not {str(v) for v in row.values()} & set(PERSONAL.values())


def test_a_withdrawn_application_counts_from_its_withdrawal(fund, contract, manager):
    application = services.withdraw(submit(fund, contract), user=manager, reason="Op verzoek.")
    withdrawn_at = application.history.first().history_date

    assert (
        personal_data.erase_expired_personal_data(now=withdrawn_at + datetime.timedelta(days=1))
        == []
    )
    erased = personal_data.erase_expired_personal_data(now=withdrawn_at + TWO_YEARS)
    assert [a.pk for a in erased] == [application.pk]
    assert personal(application)["contact_email"] == ""


def test_a_second_run_erases_nothing_twice(fund, contract, manager):
    application = decided(fund, contract, manager)
    later = application.decided_at + TWO_YEARS
    personal_data.erase_expired_personal_data(now=later)
    history_entries = application.history.count()

    assert personal_data.erase_expired_personal_data(now=later + TWO_YEARS) == []
    application.refresh_from_db()
    assert application.personal_data_erased_at == later
    assert application.history.count() == history_entries


def test_dry_run_lists_and_changes_nothing(fund, contract, manager):
    application = decided(fund, contract, manager)
    InitiativeApplication.objects.filter(pk=application.pk).update(
        decided_at=timezone.now() - TWO_YEARS
    )
    history_entries = application.history.count()
    out = io.StringIO()

    call_command("erase_expired_personal_data", "--dry-run", stdout=out)

    assert application.reference in out.getvalue()
    assert personal(application) == PERSONAL
    application.refresh_from_db()
    assert application.personal_data_erased_at is None
    assert application.history.count() == history_entries

    call_command("erase_expired_personal_data", stdout=io.StringIO())
    assert personal(application)["contact_name"] == ""


def to_applicant_of(email):
    return "jdevries@example.org" in [address.lower() for address in email.to]


def test_the_outboxs_copies_of_the_applicants_mails_are_erased_too(
    fund, contract, manager, deliver_mail, django_capture_on_commit_callbacks
):
    application = decided(fund, contract, manager)
    other = submit(fund, contract, title="Iets anders", contact_email="ander@example.org")
    deliver_mail()
    to_applicant = [e for e in Email.objects.all() if to_applicant_of(e)]
    attachment_files = [a.file.path for e in to_applicant for a in e.attachments.all() if a.file]
    assert len(to_applicant) >= 2 and attachment_files  # receipt and decision letter (PDF)
    kept = Email.objects.exclude(pk__in=[e.pk for e in to_applicant]).count()

    with django_capture_on_commit_callbacks(execute=True):
        personal_data.erase_expired_personal_data(now=application.decided_at + TWO_YEARS)

    assert not [e for e in Email.objects.all() if to_applicant_of(e)]
    assert Email.objects.count() == kept  # the managers' notices and the other applicant's
    assert Email.objects.filter(to__icontains=other.contact_email).exists()
    assert not any(Path(path).exists() for path in attachment_files)
    application.refresh_from_db()
    assert application.fingerprint == ""


def test_the_retention_period_is_two_calendar_years():
    leap = datetime.datetime(2012, 2, 29, 12, tzinfo=datetime.UTC)
    assert personal_data.retention_cutoff(leap) == datetime.datetime(
        2010, 2, 28, 12, tzinfo=datetime.UTC
    )


# --- Right of access --------------------------------------------------------------------------


@pytest.fixture
def applicant_applications(fund, contract, manager):
    first = decided(fund, contract, manager)
    second = submit(fund, contract, title="Bankjes", contact_email="jdevries@EXAMPLE.org")
    other = submit(fund, contract, title="Iets anders", contact_email="ander@example.org")
    return first, second, other


def export(client, *applications):
    return client.post(
        reverse("admin:budget_initiativeapplication_changelist"),
        {"action": "export_applicant_data", "_selected_action": [a.pk for a in applications]},
    )


def _login(client, group=None, **flags):
    from wijkaanpak.common.groups import ensure_groups

    ensure_groups()
    user = UserFactory(**flags)
    if group:
        user.groups.add(Group.objects.get(name=group))
    client.force_login(user)
    return client


def test_a_budget_manager_exports_everything_held_about_one_applicant(
    client, applicant_applications
):
    from wijkaanpak.common.groups import BUDGET_MANAGERS

    first, second, other = applicant_applications
    _login(client, BUDGET_MANAGERS, username="budgetbeheerder", is_staff=True)

    response = export(client, first)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["email"] == "jdevries@example.org"
    assert [a["reference"] for a in data["applications"]] == [first.reference, second.reference]
    granted = data["applications"][0]
    assert granted["contact_name"] == PERSONAL["contact_name"]
    assert granted["contact_phone"] == PERSONAL["contact_phone"]
    assert len(granted["reviews"]) == 3
    assert granted["reviews"][0]["reviewed_by"] == "beoordelaar"
    assert granted["decision"]["decided_by"] == "beoordelaar"
    assert granted["allocation"]["amount"] == "1500.00"
    assert [h["status"] for h in granted["history"]][-1] == ApplicationStatus.GRANTED
    assert other.reference not in response.content.decode()


def test_a_superuser_may_export(client, applicant_applications):
    _login(client, username="root", is_staff=True, is_superuser=True)
    assert export(client, applicant_applications[0]).status_code == 200


def test_one_applicant_at_a_time(client, applicant_applications):
    first, _second, other = applicant_applications
    _login(client, username="root", is_staff=True, is_superuser=True)
    response = export(client, first, other)
    assert response.status_code == 302
    assert response.get("Content-Type", "").startswith("text/html")


@pytest.mark.parametrize("who", ["anonymous", "editor", "staff_without_rights"])
def test_others_may_not_export(client, applicant_applications, who):
    from wijkaanpak.common.groups import EDITORS

    if who == "editor":
        _login(client, EDITORS, username="redacteur", is_staff=True)
    elif who == "staff_without_rights":
        _login(client, username="medewerker", is_staff=True)
    response = export(client, applicant_applications[0])
    assert response.status_code in (302, 403)
    assert PERSONAL["contact_name"].encode() not in response.content
    if who == "anonymous":
        assert reverse("admin:login") in response["Location"]


def test_a_reviewer_without_the_change_right_sees_no_export_action(client, applicant_applications):
    from wijkaanpak.common.groups import BUDGET_MANAGERS

    user = _login(client, BUDGET_MANAGERS, username="kijker", is_staff=True)
    group = Group.objects.get(name=BUDGET_MANAGERS)
    group.permissions.remove(*group.permissions.filter(codename="change_initiativeapplication"))
    response = export(user, applicant_applications[0])
    # The action is not offered: the list comes back, nothing is exported.
    assert response["Content-Type"].startswith("text/html")
    assert PERSONAL["contact_name"].encode() not in response.content
