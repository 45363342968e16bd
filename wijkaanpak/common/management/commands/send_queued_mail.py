"""`manage.py send_queued_mail`: deliver the outbox (for cron every minute, or a worker loop).

post_office's own command, with two additions: failed mails are retried with exponential
backoff (wijkaanpak.common.mail.retry_delay) instead of a fixed interval, and on PostgreSQL a
database advisory lock lets only one run deliver at a time across every server (post_office's
lock file only excludes runs on the same machine), so no mail is sent twice.
"""

import contextlib

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone
from post_office.lockfile import FileLock, FileLocked, default_lockfile
from post_office.mail import get_queued, send_queued

from wijkaanpak.common import mail

# An arbitrary, fixed key for pg_try_advisory_lock: "one delivery run at a time".
ADVISORY_LOCK_KEY = 7_310_451_127


@contextlib.contextmanager
def delivery_lock(lockfile):
    """True when this run may deliver: it holds the site-wide advisory lock (PostgreSQL, held
    by this connection until released), or on SQLite (one machine) post_office's lock file."""
    if connection.vendor != "postgresql":
        try:
            with FileLock(lockfile):
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


class Command(BaseCommand):
    help = "Deliver the mails in the outbox; failed ones are retried later with backoff."

    def add_arguments(self, parser):
        parser.add_argument("-p", "--processes", type=int, default=1)
        parser.add_argument("-L", "--lockfile", default=default_lockfile)
        parser.add_argument("-l", "--log-level", type=int)

    def handle(self, *args, **options):
        started = timezone.now()
        with delivery_lock(options["lockfile"]) as acquired:
            if not acquired:
                self.stdout.write("Another run is delivering the outbox; nothing to do.")
                return
            # Batch by batch until nothing is due; a failed mail is rescheduled into the
            # future, so it leaves the queue of this run. (Not post_office's own loop: it
            # closes the database connection, which would drop the advisory lock.)
            while get_queued().exists():
                send_queued(options["processes"], options.get("log_level"))
            mail.apply_backoff(started)
