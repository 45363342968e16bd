"""The daily reminder command: late teams are reminded, at most once a week per round."""

import datetime
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from projects.models import ReportingRound, ReportReminder
from tests.factories import TeamMembershipFactory, project_in_signed_contract

pytestmark = pytest.mark.django_db


def late_round(project):
    today = timezone.localdate()
    round_ = ReportingRound.objects.create(
        title="Tussenevaluatie",
        due_date=today - datetime.timedelta(days=3),
        opened_at=timezone.now() - datetime.timedelta(days=30),
    )
    round_.contracts.add(project.contract)
    return round_


def run():
    call_command("send_report_reminders", stdout=StringIO())


def test_late_teams_are_reminded_once_a_week(django_capture_on_commit_callbacks):
    project = project_in_signed_contract()
    member = TeamMembershipFactory(project=project).user
    round_ = late_round(project)

    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert [message.to for message in mail.outbox] == [[member.email]]
    reminder = ReportReminder.objects.get()
    assert (reminder.round, reminder.project, reminder.sent_by) == (round_, project, None)

    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert len(mail.outbox) == 1
    assert ReportReminder.objects.count() == 1

    ReportReminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert len(mail.outbox) == 2


def test_rounds_not_yet_due_send_nothing(django_capture_on_commit_callbacks):
    project = project_in_signed_contract()
    TeamMembershipFactory(project=project)
    round_ = late_round(project)
    round_.due_date = timezone.localdate() + datetime.timedelta(days=1)
    round_.save()
    with django_capture_on_commit_callbacks(execute=True):
        run()
    assert mail.outbox == []
    assert not ReportReminder.objects.exists()
