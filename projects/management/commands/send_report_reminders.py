"""`manage.py send_report_reminders`: remind the teams whose round report is late.

Meant to run once a day (cron or a systemd timer). A team is reminded at most once a week
per round, whether by this command or by staff from the admin; a reminder counts once it was
delivered or while it is still in the outbox, so a team whose reminder failed is reminded
again on the next run. The mails are queued; `manage.py send_queued_mail` delivers them.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from projects.models import ReportingRound
from projects.services import send_reminders


class Command(BaseCommand):
    help = "E-mail the project teams whose report for a reporting round is late."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=7,
            help="Skip teams reminded in the last DAYS days (default: %(default)s).",
        )

    def handle(self, *args, days, **options):
        today = timezone.localdate()
        total = 0
        for round_ in ReportingRound.objects.filter(due_date__lt=today):
            reminded = send_reminders(round_, today=today, not_reminded_for_days=days)
            if reminded:
                self.stdout.write(
                    ngettext(
                        "%(round)s: %(count)d team reminded",
                        "%(round)s: %(count)d teams reminded",
                        reminded,
                    )
                    % {"round": round_, "count": reminded}
                )
            total += reminded
        self.stdout.write(_("Reminders queued: %(count)d") % {"count": total})
