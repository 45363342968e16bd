"""A mail-server outage: nothing fails, nothing is lost, and each mail arrives exactly once.

A real SMTP server (aiosmtpd) on a free loopback port. While nothing listens there, a
resident applies through the form, a budget manager refuses an application in the admin, a
reporting round is opened, reminders run, a team member asks for a password reset and the
signed contract is distributed: every page answers, every mail is queued. `send_queued_mail`
while the server is down keeps each mail for a retry. Once the server is up, it delivers each
mail exactly once (run twice), the decision letter with its PDF, the contract with its
archived bytes. A server that is up but refusing ("451 try again later") is a failed attempt
too: the mail waits for its retry and is delivered once the server accepts.
"""

import datetime
import email
import hashlib
import socket
from collections import Counter
from email import policy
from io import StringIO

import pytest
from aiosmtpd.controller import Controller
from django.core.cache import cache
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import connections
from django.urls import reverse
from django.utils import timezone
from post_office.models import STATUS, Email

from budget.choices import ApplicationStatus
from budget.models import InitiativeApplication
from contracts import documents
from contracts.choices import ContractStatus, DistributionStatus
from contracts.distribution import distribute_contract
from contracts.models import Distribution
from projects import services as project_services
from projects.models import ReportingRound, ReportReminder
from tests.conftest import require_postgres
from tests.factories import (
    TeamMembershipFactory,
    application_form_data,
    contract_in_status,
    fund_with_categories,
    group_member,
    open_period,
    project_in_signed_contract,
)
from wijkaanpak.common import mail
from wijkaanpak.common.groups import BUDGET_MANAGERS

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def no_worker(monkeypatch):
    """The worker is down as well: no task delivers a mail when it is queued (in the tests'
    eager mode it would try at once), so only `send_queued_mail`, as cron runs it, delivers."""
    monkeypatch.setattr("wijkaanpak.common.mail._enqueue_delivery", lambda: None)


class Recorder:
    """aiosmtpd handler: keeps every message it accepts, with its envelope recipients."""

    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((tuple(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_port(settings):
    """Deliver through real SMTP on a loopback port where (for now) nothing listens."""
    port = free_port()
    settings.POST_OFFICE = {
        **settings.POST_OFFICE,
        "BACKENDS": {"default": "django.core.mail.backends.smtp.EmailBackend"},
    }
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return port


def send_queued_mail(tmp_path):
    out = StringIO()
    call_command("send_queued_mail", lockfile=str(tmp_path / "outbox"), stdout=out, stderr=out)
    return out.getvalue()


def subject(message):
    # A long subject is folded over lines in transit; compare its words.
    return " ".join(str(message["Subject"]).split())


def statuses():
    return Counter(Email.objects.values_list("status", flat=True))


def test_an_outage_loses_nothing_and_each_mail_arrives_once(client, superuser, smtp_port, tmp_path):
    cache.clear()  # the application form's rate limit counts in the cache
    # --- The world: a fund, a signed contract with a project and its team, a manager.
    fund_with_categories(**open_period())
    project = project_in_signed_contract()
    wish = project.contract.wishes.first()
    member = TeamMembershipFactory(project=project).user
    manager = group_member(
        BUDGET_MANAGERS, username="budgetbeheerder", email="beheer@example.org", is_staff=True
    )
    signed = contract_in_status(ContractStatus.SIGNED)

    # --- While the mail server is down: a resident applies through the form.
    response = client.post(
        reverse("budget:apply"), application_form_data(wish, other_budgets_tried="")
    )
    assert response.status_code == 302, response.content[:500]
    assert response.url == reverse("budget:apply_received")
    application = InitiativeApplication.objects.get()

    # ... a budget manager refuses it in the admin.
    client.force_login(manager)
    response = client.post(
        reverse("admin:budget_initiativeapplication_decide", args=[application.pk]),
        {
            "action": "decide",
            "fits_contract_met": "no",
            "no_other_budget_met": "yes",
            "own_initiative_met": "yes",
            "decision": ApplicationStatus.REFUSED,
            "reason": "Past niet in het wijkcontract.",
        },
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.REFUSED
    client.logout()

    # ... a reporting round is opened, and the daily reminders run for a late one.
    project_services.open_round(
        title="Voortgang voorjaar",
        due_date=timezone.localdate() + datetime.timedelta(days=14),
        contracts=[project.contract],
        user=superuser,
    )
    late = ReportingRound.objects.create(
        title="Tussenevaluatie",
        due_date=timezone.localdate() - datetime.timedelta(days=3),
        opened_at=timezone.now() - datetime.timedelta(days=30),
    )
    late.contracts.add(project.contract)
    call_command("send_report_reminders", stdout=StringIO())

    # ... a team member asks for a new password; the signed contract is distributed.
    response = client.post(reverse("projects:password_reset"), {"email": member.email})
    assert response.status_code == 302
    distribute_contract(signed, user=superuser)

    # Everything is queued: the receipt, the managers' notice, the decision letter, the round
    # opening, the reminder, the reset link and one signed PDF per party.
    queued = Email.objects.count()
    parties = Distribution.objects.count()
    assert parties == 2
    assert queued == 6 + parties
    assert statuses() == {STATUS.queued: queued}

    # --- send_queued_mail while the server is down: every mail waits for its retry.
    send_queued_mail(tmp_path)
    assert statuses() == {STATUS.requeued: queued}
    for outbox_email in Email.objects.all():
        assert outbox_email.number_of_retries == 1
        assert outbox_email.scheduled_time > timezone.now()
        assert "ConnectionRefusedError" in mail.last_error(outbox_email)
    reminder = ReportReminder.objects.get()
    assert reminder.delivery_state == mail.QUEUED  # not "sent": it did not arrive
    call_command("send_report_reminders", stdout=StringIO())
    assert ReportReminder.objects.count() == 1  # still queued: never queued twice
    assert {row.delivery_status for row in Distribution.objects.all()} == {
        DistributionStatus.QUEUED
    }
    # Staff see the queue and the error in the admin.
    client.force_login(superuser)
    listing = client.get(reverse("admin:post_office_email_changelist"))
    assert listing.status_code == 200
    assert len(listing.context["cl"].result_list) == queued
    a_mail = Email.objects.first()
    detail = client.get(reverse("admin:post_office_email_change", args=[a_mail.pk]))
    assert detail.status_code == 200
    assert "ConnectionRefusedError" in detail.content.decode()

    # --- The server is up, and the retry interval has passed.
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        Email.objects.update(scheduled_time=timezone.now() - datetime.timedelta(seconds=1))
        send_queued_mail(tmp_path)
        send_queued_mail(tmp_path)  # a second run sends nothing again
    finally:
        controller.stop()

    assert statuses() == {STATUS.sent: queued}
    received = [
        (recipients, email.message_from_bytes(content, policy=policy.default))
        for recipients, content in recorder.received
    ]
    assert len(received) == queued
    per_mail = Counter((recipients, subject(message)) for recipients, message in received)
    assert set(per_mail.values()) == {1}
    expected = Counter(
        (tuple(outbox_email.to), " ".join(outbox_email.subject.split()))
        for outbox_email in Email.objects.all()
    )
    assert per_mail == expected
    assert len({str(message["Message-ID"]) for _recipients, message in received}) == queued

    # The decision letter arrived with its PDF, byte for byte the letter that was queued.
    [letter_mail] = [
        outbox_email
        for outbox_email in Email.objects.filter(to="anna@example.org")
        if outbox_email.attachments.exists()
    ]
    queued_letter = letter_mail.attachments.get()
    with queued_letter.file.open("rb") as handle:
        letter = handle.read()
    [letter_message] = [m for r, m in received if subject(m) == letter_mail.subject]
    [attachment] = letter_message.iter_attachments()
    assert attachment.get_content_type() == "application/pdf"
    assert attachment.get_filename() == queued_letter.name
    assert application.reference in attachment.get_filename()
    content = attachment.get_content()
    assert content.startswith(b"%PDF-")
    assert content == letter

    # Each party got the archived signed original, under its fingerprint.
    original = signed.signed_original
    archived = documents.read_archived(original)
    for row in Distribution.objects.select_related("outbox_email"):
        assert row.delivery_status == DistributionStatus.SENT
        [message] = [m for r, m in received if r == (row.email,)]
        [pdf] = message.iter_attachments()
        assert pdf.get_content() == archived
        assert hashlib.sha256(pdf.get_content()).hexdigest() == original.sha256

    # The reminder counts as sent now, so the next daily run leaves that team alone.
    assert ReportReminder.objects.get().delivery_state == mail.SENT
    call_command("send_report_reminders", stdout=StringIO())
    assert ReportReminder.objects.count() == 1
    print(f"outage: {queued} mails queued, {len(received)} delivered")


class Refusing(Recorder):
    """A server that is up but answers "try again later" until told to accept."""

    def __init__(self):
        super().__init__()
        self.refusing = True

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refusing:
            return "451 4.3.0 Mailbox temporarily unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def test_a_refusing_server_keeps_the_mail_for_a_retry(smtp_port, tmp_path):
    mail.queue(
        *(
            EmailMessage(subject=f"Bericht {number}", body="Tekst", to=[f"{number}@example.org"])
            for number in range(3)
        )
    )
    handler = Refusing()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        send_queued_mail(tmp_path)
        assert statuses() == {STATUS.requeued: 3}
        assert all(
            "SMTPRecipientsRefused" in mail.last_error(outbox_email)
            for outbox_email in Email.objects.all()
        )
        assert handler.received == []

        handler.refusing = False
        Email.objects.update(scheduled_time=timezone.now() - datetime.timedelta(seconds=1))
        send_queued_mail(tmp_path)
        send_queued_mail(tmp_path)
    finally:
        controller.stop()

    assert statuses() == {STATUS.sent: 3}
    assert sorted(recipients for recipients, _content in handler.received) == [
        ("0@example.org",),
        ("1@example.org",),
        ("2@example.org",),
    ]


def test_failed_mail_waits_longer_after_each_attempt(smtp_port, tmp_path, settings):
    """Backoff: 5, 10, 20, ... minutes after the 1st, 2nd, 3rd failed attempt, capped."""
    [email] = mail.queue(EmailMessage(subject="S", body="B", to=["anna@example.org"]))
    waits = []
    for _attempt in range(3):
        before = timezone.now()
        send_queued_mail(tmp_path)  # nothing listens: the attempt fails
        email.refresh_from_db()
        waits.append(round((email.scheduled_time - before).total_seconds() / 60))
        Email.objects.update(scheduled_time=timezone.now() - datetime.timedelta(seconds=1))

    assert email.status == STATUS.requeued and email.number_of_retries == 3
    assert waits == [5, 10, 20]
    assert mail.retry_delay(50) == settings.MAIL_RETRY_MAX


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_only_one_delivery_run_at_a_time_across_servers(tmp_path):
    """Another server's run holds the advisory lock: this run delivers nothing."""
    require_postgres()
    from wijkaanpak.common.management.commands.send_queued_mail import ADVISORY_LOCK_KEY

    mail.queue(EmailMessage(subject="S", body="B", to=["anna@example.org"]))
    other = connections.create_connection("default")  # another server's connection
    try:
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
            assert cursor.fetchone()[0] is True
        output = send_queued_mail(tmp_path)
        assert statuses() == {STATUS.queued: 1}
        assert "Another run" in output
    finally:
        # The other server's run ends: it releases the lock itself. (Closing its connection
        # would release it too, but the server does so only once that backend has exited, which
        # may be after this test's next run has asked.)
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])
        other.close()
    send_queued_mail(tmp_path)
    assert statuses() == {STATUS.sent: 1}
