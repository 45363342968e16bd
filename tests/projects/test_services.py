"""Progress updates, hiding, reporting rounds and reports, through the services."""

import datetime
import itertools

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from post_office.models import Email

from projects import services
from projects.choices import PROJECT_TRANSITIONS, ProjectStatus, Visibility
from projects.models import ProgressUpdate, ProjectReport, ReportingRound, ReportReminder
from tests.factories import (
    PNG,
    TeamMembershipFactory,
    UserFactory,
    contract_in_status,
    group_member,
    project_in_signed_contract,
)
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS

pytestmark = pytest.mark.django_db


@pytest.fixture
def project():
    return project_in_signed_contract()


@pytest.fixture
def member(project):
    return TeamMembershipFactory(project=project).user


def log(project, user, **overrides):
    values = {
        "date": datetime.date(2008, 3, 1),
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": 30,
        "happened": "De eerste bewonersavond is gehouden.",
    }
    values.update(overrides)
    return services.log_update(project, author=user, **values)


def field_codes(excinfo):
    return {
        field: [error.code for error in errors]
        for field, errors in excinfo.value.error_dict.items()
    }


# --- Progress updates ---------------------------------------------------------------------------


def test_an_update_moves_the_project(project, member):
    update = log(project, member, status=ProjectStatus.DELAYED, percent_complete=40)
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.DELAYED, 40)
    assert update.author == member
    assert update.visibility == Visibility.PUBLIC


def test_the_newest_update_by_date_decides(project, member):
    log(project, member, date=datetime.date(2008, 6, 1), percent_complete=60)
    log(project, member, date=datetime.date(2008, 3, 1), percent_complete=20)
    project.refresh_from_db()
    assert project.percent_complete == 60


@pytest.mark.parametrize(
    ("from_status", "to_status"),
    list(itertools.product(ProjectStatus, ProjectStatus)),
)
def test_every_pair_of_project_states_follows_the_table(project, member, from_status, to_status):
    if from_status != ProjectStatus.PLANNED:
        log(
            project,
            member,
            status=from_status,
            percent_complete=100 if from_status == ProjectStatus.DONE else 50,
        )
    percent = 100 if to_status == ProjectStatus.DONE else 60
    before = ProgressUpdate.objects.count()
    allowed = to_status == from_status or to_status in PROJECT_TRANSITIONS[from_status]
    closed = from_status in (ProjectStatus.DONE, ProjectStatus.CANCELLED)

    if allowed and not closed:
        log(project, member, status=to_status, percent_complete=percent)
        project.refresh_from_db()
        assert project.status == to_status
    else:
        with pytest.raises(ValidationError) as excinfo:
            log(project, member, status=to_status, percent_complete=percent)
        if closed:
            assert {e.code for e in excinfo.value.error_list} == {"project_closed"}
        else:
            assert field_codes(excinfo) == {"status": ["status_not_allowed"]}
        assert ProgressUpdate.objects.count() == before


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"date": timezone.localdate() + datetime.timedelta(days=1)}, "date", "date_in_future"),
        ({"date": datetime.date(2007, 10, 1)}, "date", "date_before_contract"),
        ({"percent_complete": -1}, "percent_complete", "percent_out_of_range"),
        ({"percent_complete": 101}, "percent_complete", "percent_out_of_range"),
        ({"status": "finished"}, "status", "invalid_status"),
        (
            {"status": ProjectStatus.DONE, "percent_complete": 90},
            "percent_complete",
            "done_needs_full_percent",
        ),
        ({"happened": "   "}, "happened", "happened_missing"),
        ({"visibility": "secret"}, "visibility", "invalid_visibility"),
    ],
)
def test_bad_updates_are_refused_and_change_nothing(project, member, overrides, field, code):
    with pytest.raises(ValidationError) as excinfo:
        log(project, member, **overrides)
    assert field_codes(excinfo)[field] == [code]
    assert not ProgressUpdate.objects.exists()
    project.refresh_from_db()
    assert (project.status, project.percent_complete) == (ProjectStatus.PLANNED, 0)


def test_only_the_team_and_editors_may_post(project, member):
    outsider = UserFactory()
    other_team = TeamMembershipFactory().user
    plain_staff = UserFactory(is_staff=True)
    budget_manager = group_member(BUDGET_MANAGERS, is_staff=True)
    for user in (outsider, other_team, plain_staff, budget_manager):
        with pytest.raises(PermissionDenied):
            log(project, user)
    log(project, group_member(EDITORS, is_staff=True))
    log(project, member)
    assert ProgressUpdate.objects.count() == 2


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"#!/bin/sh\nrm -rf /\n", "file_type_not_allowed"),
        (b"<?php system($_GET['c']); ?>", "file_type_not_allowed"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * (5 * 1024 * 1024), "file_too_large"),
    ],
)
def test_attachments_are_judged_by_content(project, member, content, code):
    upload = SimpleUploadedFile("foto.jpg", content, content_type="image/jpeg")
    with pytest.raises(ValidationError) as excinfo:
        log(project, member, attachment=upload)
    assert field_codes(excinfo)["attachment"] == [code]
    assert not ProgressUpdate.objects.exists()


def test_a_png_attachment_is_stored_under_our_own_name(project, member, settings):
    upload = SimpleUploadedFile("../../etc/passwd.png", PNG, content_type="text/plain")
    update = log(project, member, attachment=upload)
    assert update.attachment_type == "image/png"
    assert update.attachment.name.startswith("updates/")
    assert "passwd" not in update.attachment.name
    assert update.attachment.name.endswith(".png")


def test_updates_are_append_only(project, member):
    update = log(project, member)
    update.happened = "Achteraf herschreven"
    with pytest.raises(ValidationError):
        update.save()
    with pytest.raises(ValidationError):
        update.delete()
    with pytest.raises(ValidationError):
        ProgressUpdate.objects.all().delete()
    assert ProgressUpdate.objects.get(pk=update.pk).happened != "Achteraf herschreven"


# --- Hiding -----------------------------------------------------------------------------------


def test_editors_hide_an_update_with_a_reason_and_progress_follows(project, member):
    staff = group_member(EDITORS, is_staff=True)
    log(project, member, date=datetime.date(2008, 3, 1), percent_complete=30)
    wrong = log(project, member, date=datetime.date(2008, 4, 1), percent_complete=90)

    services.hide_update(wrong, user=staff, reason="Persoonsgegevens van een bewoner")

    wrong.refresh_from_db()
    assert wrong.hidden and wrong.hidden_by == staff and wrong.hidden_at
    assert not wrong.is_public
    project.refresh_from_db()
    assert project.percent_complete == 30
    assert wrong.history.count() == 2


def test_hiding_needs_the_right_to_change_updates_and_a_reason(project, member):
    update = log(project, member)
    for user in (member, UserFactory(is_staff=True)):
        with pytest.raises(PermissionDenied):
            services.hide_update(update, user=user, reason="Niet mijn taak")
    with pytest.raises(ValidationError) as excinfo:
        services.hide_update(update, user=group_member(EDITORS, is_staff=True), reason=" ")
    assert field_codes(excinfo) == {"reason": ["hide_reason_missing"]}
    update.refresh_from_db()
    assert not update.hidden


# --- Rounds and reports -----------------------------------------------------------------------


def open_round(project, due_in_days=14, **kwargs):
    return services.open_round(
        title="Tussenevaluatie",
        due_date=timezone.localdate() + datetime.timedelta(days=due_in_days),
        contracts=[project.contract],
        user=UserFactory(is_staff=True),
        **kwargs,
    )


def test_opening_a_round_queues_a_mail_to_every_team_member(project, member, deliver_mail):
    second = TeamMembershipFactory(project=project).user
    round_ = open_round(project)
    assert mail.outbox == []
    outbox = deliver_mail()
    assert {message.to[0] for message in outbox} == {member.email, second.email}
    assert round_.title in outbox[0].subject
    assert "/team/" in outbox[0].body


def test_a_round_that_rolls_back_leaves_no_mail(project, member, deliver_mail):
    with pytest.raises(RuntimeError), transaction.atomic():
        open_round(project)
        raise RuntimeError("something later in the same transaction failed")
    assert not Email.objects.exists()
    assert deliver_mail() == []


@pytest.mark.parametrize(
    ("kwargs", "field", "code"),
    [
        ({"title": ""}, "title", "title_missing"),
        ({"contracts": []}, "contracts", "no_contracts"),
        ({"due_date": datetime.date(2008, 10, 31)}, "due_date", "due_date_in_past"),
    ],
)
def test_a_round_needs_title_contracts_and_a_future_due_date(kwargs, field, code):
    values = {
        "title": "Tussenevaluatie",
        "due_date": timezone.localdate() + datetime.timedelta(days=7),
        "contracts": [contract_in_status("signed")],
        "user": None,
    }
    values.update(kwargs)
    with pytest.raises(ValidationError) as excinfo:
        services.open_round(**values)
    assert field_codes(excinfo)[field] == [code]
    assert not ReportingRound.objects.exists()


def test_drafts_cannot_report():
    with pytest.raises(ValidationError) as excinfo:
        services.open_round(
            title="Te vroeg",
            due_date=timezone.localdate() + datetime.timedelta(days=7),
            contracts=[contract_in_status("draft")],
            user=None,
        )
    assert field_codes(excinfo) == {"contracts": ["contract_not_signed"]}


def submit(round_, project, user, **overrides):
    values = {
        "achieved": "Het plein is ontworpen met bewoners.",
        "status": ProjectStatus.ON_SCHEDULE,
        "percent_complete": 50,
    }
    values.update(overrides)
    return services.submit_report(round_, project, user=user, **values)


def test_a_report_is_handed_in_once_and_frozen(project, member):
    round_ = open_round(project)
    report = submit(round_, project, member)

    with pytest.raises(ValidationError) as excinfo:
        submit(round_, project, member, achieved="Tweede poging")
    assert {e.code for e in excinfo.value.error_list} == {"report_already_submitted"}

    report.achieved = "Achteraf mooier gemaakt"
    with pytest.raises(ValidationError):
        report.save()
    assert ProjectReport.objects.get().achieved == "Het plein is ontworpen met bewoners."

    log(project, member, percent_complete=80)
    assert ProjectReport.objects.get().percent_complete == 50


def test_a_report_for_a_project_outside_the_round_is_refused(project, member):
    round_ = open_round(project_in_signed_contract())
    with pytest.raises(ValidationError) as excinfo:
        submit(round_, project, member)
    assert {e.code for e in excinfo.value.error_list} == {"project_not_in_round"}
    with pytest.raises(PermissionDenied):
        submit(open_round(project), project, UserFactory())
    assert not ProjectReport.objects.exists()


def test_late_projects_and_reminders(project, member, deliver_mail):
    reported = project_in_signed_contract()
    reporter = TeamMembershipFactory(project=reported).user
    round_ = open_round(project)
    round_.contracts.add(reported.contract)
    submit(round_, reported, reporter)

    assert list(services.late_projects(round_)) == []  # not due yet
    after_due = round_.due_date + datetime.timedelta(days=1)
    assert list(services.late_projects(round_, after_due)) == [project]

    staff = group_member(EDITORS, is_staff=True)
    deliver_mail().clear()
    reminded = services.send_reminders(round_, user=staff, today=after_due)
    assert reminded == 1
    assert [message.to for message in deliver_mail()] == [[member.email]]
    reminder = ReportReminder.objects.get()
    assert (reminder.project, reminder.recipients, reminder.sent_by) == (project, 1, staff)
    with pytest.raises(PermissionDenied):
        services.send_reminders(round_, user=member)
