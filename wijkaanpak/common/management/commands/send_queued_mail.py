"""`manage.py send_queued_mail`: deliver the outbox (for cron every minute, beside or instead of
celery beat).

The same delivery as the outbox's task (wijkaanpak.common.mail.deliver_outbox): failed mails
are retried with exponential backoff, and only one run delivers at a time across every server
and worker, so no mail is sent twice.
"""

from django.core.management.base import BaseCommand
from post_office.lockfile import default_lockfile

from wijkaanpak.common import mail
from wijkaanpak.common.mail import ADVISORY_LOCK_KEY  # noqa: F401  (where tests look for it)


class Command(BaseCommand):
    help = "Deliver the mails in the outbox; failed ones are retried later with backoff."

    def add_arguments(self, parser):
        parser.add_argument("-p", "--processes", type=int, default=1)
        parser.add_argument("-L", "--lockfile", default=default_lockfile)
        parser.add_argument("-l", "--log-level", type=int)

    def handle(self, *args, **options):
        delivered = mail.deliver_outbox(
            lockfile=options["lockfile"],
            processes=options["processes"],
            log_level=options.get("log_level"),
        )
        if not delivered:
            self.stdout.write("Another run is delivering the outbox; nothing to do.")
