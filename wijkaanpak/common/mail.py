"""The outbox: every e-mail of the site is queued here, in the caller's transaction.

Apps build Django `EmailMessage` objects as usual and hand them to :func:`queue`, inside the
transaction of the change that causes them: the mail is a row in django-post-office's outbox
(`post_office.Email`, with its attachments), so a rollback leaves no mail and a commit leaves
one that cannot be lost. Once that transaction commits, a task (wijkaanpak.common.tasks) is
enqueued to deliver it, and celery beat runs the same delivery every minute for retries; both,
and `manage.py send_queued_mail` for cron, call :func:`deliver_outbox`, which delivers the queue
through the real backend from `EMAIL_URL` and retries failures with exponential backoff
(:func:`retry_delay`) up to POST_OFFICE's MAX_RETRIES. Django's own mail
(password reset) reaches the same outbox through :class:`OutboxBackend`, the EMAIL_BACKEND.

Subject and body are stored as given: unlike post_office's own `mail.send` and backend, which
render them as Django templates, nothing a resident typed is ever interpreted as a template.

Ground floor: imports no app of the project.
"""

import contextlib
from email.utils import make_msgid

from celery import shared_task
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection, transaction
from django.db.models import Case, CharField, Min, Q, Value, When
from django.utils.translation import gettext_lazy as _

# Delivery states of a queued mail, as a project-wide vocabulary over post_office's numbers.
QUEUED = "queued"
SENT = "sent"
FAILED = "failed"
STATE_LABELS = {QUEUED: _("in the outbox"), SENT: _("delivered"), FAILED: _("failed")}


def _attachment_files(message):
    """post_office's attachment spec ({filename: {file, mimetype}}) for a Django message."""
    files = {}
    for attachment in message.attachments:
        if hasattr(attachment, "get_payload"):  # a MIME part
            filename = attachment.get_filename() or "attachment"
            content = attachment.get_payload(decode=True) or b""
            mimetype = attachment.get_content_type()
        else:
            filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        files[filename] = {
            "file": ContentFile(content),
            "mimetype": mimetype or "application/octet-stream",
        }
    return files


def one_line(text):
    """A mail subject is one line, whatever a title in it contains."""
    return " ".join(str(text).split())


def queue(*messages):
    """Write each Django `EmailMessage` to the outbox; return the `post_office.Email` rows.

    Call it inside the transaction of the change that causes the mail: the rows commit or roll
    back with it. Nothing is sent here: once the transaction commits, a task delivers them.
    """
    from post_office.models import PRIORITY, STATUS, Email
    from post_office.settings import get_message_id_fqdn
    from post_office.utils import create_attachments

    emails = []
    with transaction.atomic():
        for message in messages:
            headers = dict(message.extra_headers)
            if message.reply_to:
                headers.setdefault("Reply-To", ", ".join(str(a) for a in message.reply_to))
            html = next(
                (
                    content
                    for content, mimetype in getattr(message, "alternatives", [])
                    if mimetype == "text/html"
                ),
                "",
            )
            email = Email(
                from_email=message.from_email,
                to=list(message.to),
                cc=list(message.cc),
                bcc=list(message.bcc),
                subject=message.subject,
                message=message.body,
                html_message=html,
                headers=headers or None,
                priority=PRIORITY.medium,
                status=STATUS.queued,
                # One id per mail, kept on every retry: a receiver can tell a mail it has.
                message_id=make_msgid(domain=get_message_id_fqdn()),
            )
            email.save()
            files = _attachment_files(message)
            if files:
                email.attachments.add(*create_attachments(files))
            emails.append(email)
        if emails:
            # Robust: a broker that is down (or, without one, a mail server that fails) must
            # not fail the change that queued the mail; beat or cron delivers it later.
            transaction.on_commit(_enqueue_delivery, robust=True)
    return emails


def _enqueue_delivery():
    """Ask a worker to deliver the outbox (at once, in this process, without a broker)."""
    send_outbox.delay()


def delivery_state(email):
    """QUEUED (waiting or waiting for a retry), SENT or FAILED (retries given up)."""
    from post_office.models import STATUS

    if email.status == STATUS.sent:
        return SENT
    if email.status == STATUS.failed:
        return FAILED
    return QUEUED


def outbox_mails():
    """Every mail of the outbox (`post_office.Email`), as a QuerySet to narrow: for the apps'
    own queries about their mails, e.g. in a subquery."""
    from post_office.models import Email

    return Email.objects.all()


def delivery_state_expression():
    """delivery_state() as a database expression over an outbox mail's fields: QUEUED, SENT
    or FAILED, to annotate a query of outbox_mails() with."""
    from post_office.models import STATUS

    return Case(
        When(status=STATUS.sent, then=Value(SENT)),
        When(status=STATUS.failed, then=Value(FAILED)),
        default=Value(QUEUED),
        output_field=CharField(),
    )


def last_error(email):
    """The error of the latest failed attempt to deliver `email`, or ""."""
    from post_office.models import STATUS

    # In Python, so that a prefetch of the logs (a list in the admin) is used.
    failed = [log for log in email.logs.all() if log.status == STATUS.failed]
    log = max(failed, key=lambda log: (log.date, log.pk), default=None)
    if log is None:
        return ""
    return f"{log.exception_type}: {log.message}" if log.exception_type else log.message


def delivered_at(email):
    """When `email` was delivered (the time of its last change once sent), or None."""
    return email.last_updated if delivery_state(email) == SENT else None


def mails_to(address, *, subject_containing=""):
    """The outbox's mails to exactly `address` (one recipient), oldest first, with their
    attempts: for showing staff what reached an applicant."""
    from post_office.models import Email

    return (
        Email.objects.filter(to=address, subject__contains=subject_containing)
        .prefetch_related("logs")
        .order_by("created", "pk")
    )


def backlog():
    """The state of the outbox for monitoring (/healthz): how many mails wait to be sent
    (`queued`, retries included), how many failed for good (`failed`), and since when the
    oldest waiting mail waits (`oldest_queued`, None when nothing waits)."""
    from post_office.models import STATUS, Email

    waiting = Email.objects.filter(status__in=[STATUS.queued, STATUS.requeued])
    return {
        "queued": waiting.count(),
        "failed": Email.objects.filter(status=STATUS.failed).count(),
        "oldest_queued": waiting.aggregate(oldest=Min("created"))["oldest"],
    }


class OutboxBackend(BaseEmailBackend):
    """EMAIL_BACKEND: whatever Django sends (password reset, ...) goes into the outbox."""

    def send_messages(self, email_messages):
        if not email_messages:
            return 0
        return len(queue(*email_messages))


def retry_delay(retries):
    """How long a mail waits after its `retries`-th failed attempt: exponential backoff from
    settings.MAIL_RETRY_FIRST, doubling, capped at settings.MAIL_RETRY_MAX. A short outage is
    ridden out within minutes; a long one is not hammered every few minutes."""
    first = settings.MAIL_RETRY_FIRST
    cap = settings.MAIL_RETRY_MAX
    # Double until the cap, never past it (2 ** retries overflows a timedelta soon enough).
    delay = first
    for _retry in range(1, retries):
        if delay >= cap:
            break
        delay *= 2
    return min(delay, cap)


def apply_backoff(since):
    """Reschedule the mails that failed and were requeued after `since` (a delivery run) by
    retry_delay() of their number of retries, instead of post_office's fixed interval."""
    from post_office.models import STATUS, Email

    rescheduled = 0
    for email in Email.objects.filter(status=STATUS.requeued, last_updated__gte=since).only(
        "pk", "number_of_retries", "last_updated"
    ):
        when = email.last_updated + retry_delay(email.number_of_retries or 1)
        rescheduled += Email.objects.filter(pk=email.pk, status=STATUS.requeued).update(
            scheduled_time=when
        )
    return rescheduled


def erase_mails_to(addresses):
    """Delete every outbox mail addressed to one of `addresses` (case-insensitive), with its
    attachments: the copies of receipts and decision letters hold an applicant's name and
    address, which the retention rule erases. Call it in the erasure's transaction; attachment
    files no other mail uses are removed from disk once it commits. Returns how many mails."""
    from post_office.models import Attachment, Email

    wanted = {address.strip().lower() for address in addresses if address and address.strip()}
    if not wanted:
        return 0
    query = Q()
    for address in wanted:
        query |= Q(to__icontains=address)
    doomed = [
        email.pk
        for email in Email.objects.filter(query).only("pk", "to")
        if wanted & {str(recipient).strip().lower() for recipient in email.to}
    ]
    if not doomed:
        return 0
    attachments = list(Attachment.objects.filter(emails__in=doomed).distinct())
    Email.objects.filter(pk__in=doomed).delete()
    orphans = [attachment for attachment in attachments if not attachment.emails.exists()]
    names = [attachment.file.name for attachment in orphans if attachment.file]
    Attachment.objects.filter(pk__in=[attachment.pk for attachment in orphans]).delete()
    if names:
        storage = Attachment._meta.get_field("file").storage

        def remove_files():
            for name in names:
                storage.delete(name)

        transaction.on_commit(remove_files)
    return len(doomed)


# --- Delivery ---------------------------------------------------------------------------------

# An arbitrary, fixed key for pg_try_advisory_lock: "one delivery run at a time".
ADVISORY_LOCK_KEY = 7_310_451_127


@contextlib.contextmanager
def delivery_lock(lockfile=None):
    """True when this run may deliver: it holds the site-wide advisory lock (PostgreSQL, held
    by this connection until released), or on SQLite (one machine) post_office's lock file."""
    from post_office.lockfile import FileLock, FileLocked, default_lockfile

    if connection.vendor != "postgresql":
        try:
            with FileLock(lockfile or default_lockfile):
                yield True
        except FileLocked:
            yield False
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [ADVISORY_LOCK_KEY])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [ADVISORY_LOCK_KEY])


def deliver_outbox(*, lockfile=None, processes=1, log_level=None):
    """Deliver every mail of the outbox that is due; False when another run holds the lock.

    The one delivery of the site: the task after each queued mail, beat's every minute and
    `manage.py send_queued_mail` (cron) all call it. post_office's sending, with two additions:
    failed mails are retried with exponential backoff (:func:`retry_delay`) instead of a fixed
    interval, and on PostgreSQL a database advisory lock lets only one run deliver at a time
    across every server and worker (post_office's lock file only excludes runs on the same
    machine), so no mail is sent twice.
    """
    from django.utils import timezone
    from post_office.mail import get_queued, send_queued

    started = timezone.now()
    with delivery_lock(lockfile) as acquired:
        if not acquired:
            return False
        # Batch by batch until nothing is due; a failed mail is rescheduled into the future,
        # so it leaves the queue of this run. (Not post_office's own loop: it closes the
        # database connection, which would drop the advisory lock.)
        while get_queued().exists():
            send_queued(processes, log_level)
        apply_backoff(started)
    return True


@shared_task(name="wijkaanpak.common.tasks.send_outbox")
def send_outbox():
    """The task that delivers the outbox: enqueued when a mail is queued, and by beat every
    minute for the retries. Another run that holds the delivery lock sends this one's mails
    too. (Listed in wijkaanpak.common.tasks, where Celery looks for tasks.)"""
    deliver_outbox()
