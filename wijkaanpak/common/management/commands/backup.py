"""`manage.py backup DIR`: the database and every media file, with a manifest of SHA-256 sums."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wijkaanpak.common import backup


class Command(BaseCommand):
    help = (
        "Write the database (as portable JSON) and every file in MEDIA_ROOT to DIR, a new or "
        "empty folder, with manifest.json listing each file's size and SHA-256. "
        "Restore it with `manage.py restore DIR`."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path, help="A new or empty folder.")

    def handle(self, *args, dir, **options):
        started = time.monotonic()
        manifest = backup.backup(dir)
        self.stdout.write(
            self.style.SUCCESS(
                _("Backup written to %(dir)s in %(seconds).1f s: %(what)s.")
                % {
                    "dir": dir,
                    "seconds": time.monotonic() - started,
                    "what": backup.describe(manifest),
                }
            )
        )
