"""`manage.py render_contracts --output DIR [--status STATUS] [slug …]`: the signing set.

Writes the PDF of every matching contract (wijkcontract-<slug>.pdf) and the signing list
(tekenlijst.pdf and tekenlijst.csv) to DIR, one progress line per contract.

Which contracts: every contract that matches, not only the current one per wijk, so an older
contract can be printed again too; narrow it with --status and wijk slugs. When two contracts
of one wijk are written, their file names carry the period start. Unknown slugs or an unknown
status are refused before anything is written, and so is a selection that matches no contract
(exit status 1: a script that prints for a ceremony should notice that nothing came out).
"""

import time
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts import printing
from contracts.choices import ContractStatus
from contracts.models import Neighbourhood
from wijkaanpak.common import archive, pdf


class Command(BaseCommand):
    help = (
        "Render the signing set: the PDF of every contract (or those of the given wijk slugs "
        "and status) and the signing list with, per partner, the contracts it signs and how "
        "many copies, into a directory."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "slugs", nargs="*", metavar="slug", help="Only the contracts of these wijken."
        )
        parser.add_argument(
            "--output",
            "-o",
            type=Path,
            required=True,
            help="The directory to write to (made if it does not exist).",
        )
        parser.add_argument(
            "--status",
            help="Only contracts in this status: {}.".format(", ".join(ContractStatus.values)),
        )

    def handle(self, *args, slugs, output, status, **options):
        contracts = self._select(slugs, status)
        self._make_directory(output)

        total = len(contracts)
        width = max(
            len(name)
            for name in [
                *printing.set_filenames(contracts).values(),
                printing.SIGNING_LIST_FILENAME,
            ]
        )
        started = time.perf_counter()
        printed = []
        try:
            for index, item in enumerate(printing.contract_pdfs(contracts), start=1):
                (output / item.filename).write_bytes(item.data)
                printed.append(item)
                self._progress(
                    f"[{index}/{total}]",
                    item.filename,
                    width,
                    item.pages,
                    item.seconds,
                    printing.source_label(item.source),
                )
        except archive.ArchiveError as error:
            raise CommandError(printing.damaged_archive_message(error)) from error

        signing_started = time.perf_counter()
        signing = printing.signing_list(printed)
        signing_pdf = printing.render_signing_list(signing)
        (output / printing.SIGNING_LIST_FILENAME).write_bytes(signing_pdf)
        (output / printing.SIGNING_LIST_CSV_FILENAME).write_bytes(
            printing.signing_list_csv(signing)
        )
        self._progress(
            " " * len(f"[{total}/{total}]"),
            printing.SIGNING_LIST_FILENAME,
            width,
            pdf.page_count(signing_pdf),
            time.perf_counter() - signing_started,
            _("signing list"),
        )

        for signature in signing.missing_signatories:
            self.stdout.write(
                self.style.WARNING(
                    _("The signatory of %(partner)s for %(contract)s has not been filled in.")
                    % {"partner": signature.party.partner.name, "contract": signature.contract}
                )
            )
        for item in signing.without_parties:
            self.stdout.write(
                self.style.WARNING(
                    _("%(contract)s has no parties: there is nothing to sign.")
                    % {"contract": item.contract}
                )
            )
        self.stdout.write(
            self.style.SUCCESS(
                ngettext(
                    "%(count)d contract and the signing list written to %(dir)s in %(seconds)s s.",
                    "%(count)d contracts and the signing list written to %(dir)s in %(seconds)s s.",
                    total,
                )
                % {
                    "count": total,
                    "dir": output,
                    "seconds": number_format(time.perf_counter() - started, 2),
                }
            )
        )
        self.stdout.write(
            _(
                "To print: %(copies)d copies (%(pages)d pages); to sign: %(signatures)d "
                "signatures by %(partners)d partners."
            )
            % {
                "copies": signing.copies,
                "pages": signing.pages_to_print,
                "signatures": signing.signatures,
                "partners": len(signing.partners),
            }
        )

    def _select(self, slugs, status):
        """The contracts to print, or CommandError when the selection is wrong or empty."""
        contracts = printing.contracts_for_printing()
        if status is not None:
            if status not in ContractStatus.values:
                raise CommandError(
                    _("Unknown status “%(status)s”; choose from: %(choices)s. Nothing was written.")
                    % {"status": status, "choices": ", ".join(ContractStatus.values)}
                )
            contracts = contracts.filter(status=status)
        if slugs:
            known = set(Neighbourhood.objects.filter(slug__in=slugs).values_list("slug", flat=True))
            unknown = [slug for slug in dict.fromkeys(slugs) if slug not in known]
            if unknown:
                raise CommandError(
                    ngettext(
                        "Unknown wijk: %(slugs)s. Nothing was written.",
                        "Unknown wijken: %(slugs)s. Nothing was written.",
                        len(unknown),
                    )
                    % {"slugs": ", ".join(unknown)}
                )
            contracts = contracts.filter(neighbourhood__slug__in=slugs)
        contracts = list(contracts)
        if not contracts:
            raise CommandError(_("No contract matches; nothing was written."))
        if slugs:
            found = {contract.neighbourhood.slug for contract in contracts}
            for slug in dict.fromkeys(slugs):
                if slug not in found:
                    self.stdout.write(
                        self.style.WARNING(
                            _("No contract of the wijk %(slug)s matches.") % {"slug": slug}
                        )
                    )
        return contracts

    def _make_directory(self, output):
        try:
            output.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CommandError(
                _("Cannot write to %(dir)s: %(error)s") % {"dir": output, "error": error}
            ) from error

    def _progress(self, counter, filename, width, pages, seconds, source):
        """One line per file, written and flushed at once, so progress shows as it goes."""
        self.stdout.write(
            "{counter} {name}  {pages:>{pages_width}}  {seconds:>6} s  ({source})".format(
                counter=counter,
                name=filename.ljust(width),
                pages=ngettext("%(count)d page", "%(count)d pages", pages) % {"count": pages},
                pages_width=len(ngettext("%(count)d page", "%(count)d pages", 2) % {"count": 99}),
                seconds=number_format(seconds, 2),
                source=source,
            )
        )
        self.stdout.flush()
