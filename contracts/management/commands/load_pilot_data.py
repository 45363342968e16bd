"""`manage.py load_pilot_data [--file PATH]`: load the pilot data; a second run changes nothing."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from wijkaanpak.common import pilot


class Command(BaseCommand):
    help = (
        "Load the pilot data (districts, wijken, partners and signed contracts) from a JSON "
        "file. Records that already exist are left as they are, so running it twice changes "
        "nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--file",
            type=Path,
            default=pilot.DEFAULT_PILOT_FILE,
            help="The pilot data file (default: %(default)s).",
        )

    def handle(self, *args, file, **options):
        try:
            report = pilot.load_file(file)
        except pilot.PilotDataError as error:
            # Every problem on its own line, so a long file's mistakes can all be fixed at once.
            raise CommandError(
                _("The pilot data in %(file)s was not loaded; nothing was changed.\n%(problems)s")
                % {
                    "file": _display(file),
                    "problems": "\n".join(f"  - {problem}" for problem in error.problems),
                }
            ) from error

        self.stdout.write(_("Pilot data from %(file)s:") % {"file": _display(file)})
        for model, created, existing in report.rows:
            self.stdout.write(
                "  "
                + _("%(records)s: %(created)d created, %(existing)d already present")
                % {
                    "records": model._meta.verbose_name_plural,
                    "created": created,
                    "existing": existing,
                }
            )
        if report.created_anything:
            self.stdout.write(self.style.SUCCESS(_("Pilot data loaded.")))
        else:
            self.stdout.write(
                self.style.SUCCESS(_("Nothing to do: everything in the file was already present."))
            )


def _display(path):
    """The path relative to the project when it lies inside it: shorter, and the same anywhere."""
    path = Path(path).resolve()
    try:
        return path.relative_to(Path(settings.BASE_DIR).resolve())
    except ValueError:
        return path
