"""`manage.py restore DIR [--force]`: a backup into an empty database and media folder."""

import time
from pathlib import Path

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from wijkaanpak.common import backup


class Command(BaseCommand):
    help = (
        "Restore a backup made by `manage.py backup` into a migrated database without rows and "
        "an empty MEDIA_ROOT. Every file is checked against the manifest first; a backup that "
        "does not match is refused and nothing changes. All or nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("dir", type=Path, help="The backup folder (with manifest.json).")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Replace everything in a database or media folder that is not empty.",
        )

    def handle(self, *args, dir, force, **options):
        started = time.monotonic()
        manifest = backup.restore(dir, force=force)
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored from %(dir)s in %(seconds).1f s: %(what)s.")
                % {
                    "dir": dir,
                    "seconds": time.monotonic() - started,
                    "what": backup.describe(manifest),
                }
            )
        )
