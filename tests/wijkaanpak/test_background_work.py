"""Background work on Celery: eager without a broker, the outbox sent by a task once the mail's
transaction commits, the periodic jobs of beat, and a real worker against Redis that delivers a
queued mail exactly once."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management import CommandError
from django.db import transaction
from post_office.models import STATUS, Email

from contracts import documents
from contracts.choices import ContractStatus
from projects.models import ReportReminder
from tests.conftest import require
from tests.factories import TeamMembershipFactory, contract_in_status, project_in_signed_contract
from tests.projects.test_commands import late_round
from wijkaanpak import celery_app
from wijkaanpak.common import mail, tasks

BROKER = "redis://127.0.0.1:6379/4"


@pytest.fixture(autouse=True)
def own_lockfile(monkeypatch, tmp_path):
    """On SQLite the delivery lock is a file: this test's own, not one other runs share."""
    monkeypatch.setattr("post_office.lockfile.default_lockfile", str(tmp_path / "outbox"))


def a_mail(to="bewoner@example.org"):
    return EmailMessage("Onderwerp", "Tekst", "wijkaanpak@example.org", [to])


def settings_under(**env):
    """The Celery settings a fresh process derives from these environment variables."""
    names = ("CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER", "REDIS_URL")
    clean = {key: value for key, value in os.environ.items() if key not in names}
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CELERY_BROKER_URL, s.CELERY_TASK_ALWAYS_EAGER, s.CELERY_RESULT_BACKEND, sep='|')"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={**clean, "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return result.stdout.strip().split("|")


# --- Settings ---------------------------------------------------------------------------------


def test_without_a_broker_every_task_runs_at_once():
    assert settings_under() == ["", "True", "None"]
    assert celery_app.conf.task_always_eager


def test_the_broker_is_redis_url_unless_named_and_then_tasks_go_to_workers():
    assert settings_under(REDIS_URL=BROKER) == [BROKER, "False", "None"]
    assert settings_under(REDIS_URL=BROKER, CELERY_BROKER_URL="redis://127.0.0.1:6379/9") == [
        "redis://127.0.0.1:6379/9",
        "False",
        "None",
    ]


def test_beat_runs_the_periodic_jobs_and_each_is_a_task():
    celery_app.loader.import_default_modules()
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}

    assert scheduled == {
        "wijkaanpak.common.tasks.send_outbox",
        "projects.tasks.send_report_reminders",
        "budget.tasks.erase_expired_personal_data",
        "contracts.tasks.verify_archive",
    }
    assert scheduled <= set(celery_app.tasks)
    assert settings.CELERY_BEAT_SCHEDULE["outbox"]["schedule"] <= 60


# --- The outbox -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_queued_mail_is_delivered_by_a_task_once_its_transaction_commits(
    mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        [queued] = mail.queue(a_mail())
    assert mailoutbox == []  # nothing is sent inside the transaction

    for callback in callbacks:
        callback()

    assert [message.to for message in mailoutbox] == [["bewoner@example.org"]]
    queued.refresh_from_db()
    assert mail.delivery_state(queued) == mail.SENT


@pytest.mark.django_db
def test_a_mail_rolled_back_enqueues_nothing(mailoutbox, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        mail.queue(a_mail())
        raise RuntimeError("the change fails")

    assert callbacks == []
    assert not Email.objects.exists()
    assert mailoutbox == []


@pytest.mark.django_db
def test_the_task_and_the_command_deliver_the_same_way(mailoutbox):
    from django.core.management import call_command

    mail.queue(a_mail("een@example.org"), a_mail("twee@example.org"))
    tasks.send_outbox.delay()
    call_command("send_queued_mail")  # cron after the task: nothing left, nothing twice

    assert sorted(message.to[0] for message in mailoutbox) == [
        "een@example.org",
        "twee@example.org",
    ]
    assert set(Email.objects.values_list("status", flat=True)) == {STATUS.sent}


@pytest.mark.django_db
def test_another_delivery_run_holding_the_lock_is_left_to_deliver(monkeypatch, mailoutbox):
    import contextlib

    monkeypatch.setattr(mail, "delivery_lock", lambda lockfile=None: contextlib.nullcontext(False))
    mail.queue(a_mail())

    assert mail.deliver_outbox() is False
    assert mailoutbox == []


# --- The periodic jobs, run eagerly -----------------------------------------------------------


@pytest.mark.django_db
def test_the_reminder_task_reminds_late_teams(deliver_mail):
    project = project_in_signed_contract()
    member = TeamMembershipFactory(project=project).user
    late_round(project)

    from projects.tasks import send_report_reminders

    send_report_reminders.delay()

    assert ReportReminder.objects.get().project == project
    assert [message.to for message in deliver_mail()] == [[member.email]]


@pytest.mark.django_db
def test_the_archive_task_fails_loudly_on_a_missing_file():
    from contracts.tasks import verify_archive

    contract = contract_in_status(ContractStatus.SIGNED)
    verify_archive.delay()  # every file matches

    original = documents.archived_original(contract)
    original.file.storage.delete(original.file.name)
    with pytest.raises(CommandError):
        verify_archive.delay()


@pytest.mark.django_db
def test_the_retention_task_runs_the_retention_rule(monkeypatch):
    from budget import personal_data
    from budget.tasks import erase_expired_personal_data

    runs = []
    monkeypatch.setattr(
        personal_data, "erase_expired_personal_data", lambda **kw: runs.append(kw) or []
    )

    erase_expired_personal_data.delay()

    assert len(runs) == 1


# --- A real worker ----------------------------------------------------------------------------


def redis_reachable():
    try:
        import redis

        return redis.Redis.from_url(BROKER, socket_connect_timeout=2).ping()
    except Exception:
        return False


@pytest.fixture
def worker():
    """A Celery worker (celery.contrib.testing, in a thread of this process) on Redis DB 4;
    tasks are sent to it instead of running at once."""
    require(redis_reachable(), f"needs Redis at {BROKER}")
    import redis
    from celery.contrib.testing.worker import start_worker

    redis.Redis.from_url(BROKER).flushdb()
    saved = {key: celery_app.conf[key] for key in ("broker_url", "task_always_eager")}
    celery_app.conf.update(broker_url=BROKER, task_always_eager=False)
    reset_connections()
    celery_app.loader.import_default_modules()
    try:
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=30):
            yield
    finally:
        celery_app.conf.update(saved)
        reset_connections()


def reset_connections():
    """Drop the app's broker connections, so that the next task uses the broker_url now set."""
    if celery_app._pool is not None:
        celery_app._pool.force_close_all()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_a_worker_delivers_a_queued_mail_exactly_once(worker, mailoutbox, monkeypatch):
    import threading

    import redis

    runs, deliver = [], mail.deliver_outbox

    def delivery_in_worker(**options):
        runs.append(threading.get_ident())
        return deliver(**options)

    monkeypatch.setattr(mail, "deliver_outbox", delivery_in_worker)
    [queued] = mail.queue(a_mail())  # commits: its task goes to the broker
    tasks.send_outbox.delay()  # and beat's run on top: the mail is still sent once

    assert wait_for(lambda: Email.objects.get(pk=queued.pk).status == STATUS.sent)
    broker = redis.Redis.from_url(BROKER)
    assert wait_for(lambda: broker.llen("celery") == 0)
    time.sleep(1)  # a second delivery, were there one, would land now

    assert [message.to for message in mailoutbox] == [["bewoner@example.org"]]
    # Both tasks ran in the worker, not in this (the web) thread.
    assert wait_for(lambda: len(runs) == 2)
    assert threading.get_ident() not in runs
    assert queued.logs.filter(status=STATUS.sent).count() == 1
