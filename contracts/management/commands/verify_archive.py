"""`manage.py verify_archive`: check every archived file against its SHA-256 fingerprint.

Checks the signed original of every contract, the final PDF of every contract that is ready for
signing, every addendum with its final or signed PDF and every scan of signed pages: one line
per file (ok, missing or changed), then a summary. Exits with status 1 and lists every missing
or changed file when there is one, so a cron job or monitor notices. The files are hashed in
full; run it daily (and after a restore).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from contracts import documents
from wijkaanpak.common import archive


class Command(BaseCommand):
    help = (
        "Check every archived file (signed originals, signed addenda and scans of signed "
        "pages) against its SHA-256 fingerprint; exit status 1 when one is missing or changed."
    )

    def handle(self, *args, **options):
        labels = {
            archive.OK: pgettext("archive state", "ok"),
            archive.MISSING: pgettext("archive state", "missing"),
            archive.CHANGED: pgettext("archive state", "changed"),
        }
        kinds = {
            "original": _("signed original"),
            "final": _("final PDF"),
            "addendum": _("addendum"),
            "scan": _("scan"),
        }
        checked, damaged = 0, []
        for kind, document in documents.archived_documents():
            state = archive.check(document.file.name, document.sha256, document.size)
            checked += 1
            name, fingerprint = document.file.name, document.sha256
            line = f"{labels[state]:<10} {kinds[kind]}: {name} sha256={fingerprint}"
            if state == archive.OK:
                self.stdout.write(line)
            else:
                self.stdout.write(self.style.ERROR(line))
                damaged.append(line)
        if not damaged:
            self.stdout.write(
                ngettext(
                    "%(count)d archived file checked: all match their fingerprint.",
                    "%(count)d archived files checked: all match their fingerprint.",
                    checked,
                )
                % {"count": checked}
            )
            return
        self.stdout.write(
            ngettext(
                "%(count)d archived file checked.",
                "%(count)d archived files checked.",
                checked,
            )
            % {"count": checked}
        )
        raise CommandError(
            ngettext(
                "%(count)d archived file is missing or changed:",
                "%(count)d archived files are missing or changed:",
                len(damaged),
            )
            % {"count": len(damaged)}
            + "\n"
            + "\n".join(damaged),
            returncode=1,
        )
