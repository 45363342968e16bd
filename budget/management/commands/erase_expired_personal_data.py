"""`manage.py erase_expired_personal_data [--dry-run]`: the retention period of the privacy
statement, applied (daily from cron)."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from budget import personal_data


class Command(BaseCommand):
    help = (
        "Erase the contact data (name, e-mail address, telephone) of initiative applications "
        "decided or withdrawn more than two years ago, and record when. Applications erased "
        "before are left alone. --dry-run lists what would be erased and changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="List what would be erased; change nothing."
        )

    def handle(self, *args, dry_run, **options):
        applications = personal_data.erase_expired_personal_data(dry_run=dry_run)
        for application in applications:
            self.stdout.write(
                "  "
                + _("%(reference)s (%(status)s on %(date)s): %(title)s")
                % {
                    "reference": application.reference,
                    "status": application.get_status_display(),
                    "date": f"{application.handled_at:%Y-%m-%d}",
                    "title": application.title,
                }
            )
        count = len(applications)
        if dry_run:
            message = ngettext(
                "Dry run: the contact data of %(count)d application would be erased.",
                "Dry run: the contact data of %(count)d applications would be erased.",
                count,
            )
        else:
            message = ngettext(
                "The contact data of %(count)d application was erased.",
                "The contact data of %(count)d applications was erased.",
                count,
            )
        self.stdout.write(self.style.SUCCESS(message % {"count": count}))
