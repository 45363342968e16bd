"""The daily reminder command: late teams are reminded, at most once a week per round."""

import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from post_office.models import STATUS, Email

from projects.models import ReportingRound, ReportReminder
from tests.factories import TeamMembershipFactory, project_in_signed_contract
from wijkaanpak.common import mail as mail_states

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
    out = StringIO()
    call_command("send_report_reminders", stdout=out)
    return out.getvalue()


def test_late_teams_are_reminded_once_a_week(deliver_mail):
    project = project_in_signed_contract()
    member = TeamMembershipFactory(project=project).user
    round_ = late_round(project)

    assert "1" in run()
    assert [message.to for message in deliver_mail()] == [[member.email]]
    reminder = ReportReminder.objects.get()
    assert (reminder.round, reminder.project, reminder.sent_by) == (round_, project, None)
    assert reminder.delivery_state == mail_states.SENT

    run()
    assert len(deliver_mail()) == 1
    assert ReportReminder.objects.count() == 1

    ReportReminder.objects.update(sent_at=timezone.now() - datetime.timedelta(days=8))
    run()
    assert len(deliver_mail()) == 2


def test_a_queued_reminder_is_never_queued_twice(deliver_mail):
    project = project_in_signed_contract()
    TeamMembershipFactory(project=project)
    late_round(project)

    run()
    run()  # the first is still in the outbox (the mail server is down, say)
    assert ReportReminder.objects.get().delivery_state == mail_states.QUEUED
    assert Email.objects.count() == 1
    # A failed attempt that waits for its retry is still queued: no second reminder either.
    Email.objects.update(status=STATUS.requeued, number_of_retries=1)
    run()
    assert Email.objects.count() == 1


def test_a_reminder_that_failed_for_good_is_sent_again(deliver_mail):
    project = project_in_signed_contract()
    member = TeamMembershipFactory(project=project).user
    late_round(project)

    run()
    Email.objects.update(status=STATUS.failed)  # every retry used up
    first = ReportReminder.objects.get()
    assert first.delivery_state == mail_states.FAILED

    run()
    assert ReportReminder.objects.count() == 2
    [message] = deliver_mail()  # only the new one: the failed one stays failed
    assert message.to == [member.email]
    second = ReportReminder.objects.exclude(pk=first.pk).get()
    assert second.delivery_state == mail_states.SENT
    run()
    assert ReportReminder.objects.count() == 2


def test_rounds_not_yet_due_send_nothing(deliver_mail):
    project = project_in_signed_contract()
    TeamMembershipFactory(project=project)
    round_ = late_round(project)
    round_.due_date = timezone.localdate() + datetime.timedelta(days=1)
    round_.save()
    run()
    assert deliver_mail() == []
    assert not ReportReminder.objects.exists()
