"""Printing for the signing ceremony: the signing set and the signing list (tekenlijst).

The signing set is the contract PDFs as published (:func:`contracts.documents.contract_pdf`:
for a contract that is ready for signing its final PDF, byte for byte, the very file that is
archived as the signed original when the signing is registered; the archived original of a
signed contract; the cached concept of a draft) plus the signing list: per partner, the
contracts it signs, who signs them and how many copies.

The copies rule: every party keeps a signed original, so every party signs one original for
each party. A contract with N parties is printed N times, and each partner signs N copies of
every contract it is a party to. A contract without parties is listed with no copies.

Used by `manage.py render_contracts` (files in a directory, with progress) and by the staff
action "Download the signing set (ZIP)" in the contract admin.
"""

import io
import logging
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field

from celery import shared_task
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header
from django.utils.translation import gettext, ngettext, pgettext
from django.utils.translation import gettext_lazy as _

from contracts import documents, selectors
from wijkaanpak.common import archive, csvexport, pdf

logger = logging.getLogger(__name__)

SIGNING_LIST_TEMPLATE = "pdf/signing_list.html"
SIGNING_LIST_FILENAME = "tekenlijst.pdf"
SIGNING_LIST_CSV_FILENAME = "tekenlijst.csv"


def contracts_for_printing():
    """Every contract with what its PDF and the signing list show, by wijk and period."""
    return selectors.contracts_with_text().order_by("neighbourhood__name", "period_start", "pk")


def copies_of(contract):
    """How many times a contract is printed, and how often each party signs it: its parties."""
    return len(contract.parties.all())


def set_filenames(contracts):
    """The file name of each contract in a set, by pk: wijkcontract-<slug>.pdf.

    The name the website serves, so a signed original in the set reads the same as the one
    downloaded. When the set holds more than one contract of a wijk, each of those carries
    its period start (wijkcontract-<slug>-2007-10-02.pdf), so no file overwrites another.
    """
    per_wijk = Counter(contract.neighbourhood_id for contract in contracts)
    names = {}
    for contract in contracts:
        if per_wijk[contract.neighbourhood_id] > 1:
            stem = documents.contract_filename(contract).removesuffix(".pdf")
            names[contract.pk] = f"{stem}-{contract.period_start:%Y-%m-%d}.pdf"
        else:
            names[contract.pk] = documents.contract_filename(contract)
    return names


@dataclass(frozen=True)
class PrintedContract:
    """One contract's PDF in the signing set."""

    contract: object
    filename: str
    data: bytes
    source: str  # "archive", "cache" or "rendered", as documents.contract_pdf says
    pages: int
    seconds: float

    @property
    def copies(self):
        return copies_of(self.contract)

    @property
    def pages_to_print(self):
        return self.pages * self.copies


def contract_pdfs(contracts):
    """Yield a :class:`PrintedContract` per contract, in order, fetching each PDF as it goes.

    A generator, so a caller can show progress; `contracts` should come from
    :func:`contracts_for_printing`.
    """
    contracts = list(contracts)
    names = set_filenames(contracts)
    for contract in contracts:
        started = time.perf_counter()
        data, source = documents.contract_pdf(contract)
        pages = pdf.page_count(data)
        yield PrintedContract(
            contract=contract,
            filename=names[contract.pk],
            data=data,
            source=source,
            pages=pages,
            seconds=time.perf_counter() - started,
        )


@dataclass(frozen=True)
class Signature:
    """One contract a partner signs: who signs it for the partner, and how many copies."""

    printed: PrintedContract
    party: object  # the ContractParty

    @property
    def contract(self):
        return self.printed.contract

    @property
    def copies(self):
        return self.printed.copies

    @property
    def copy_numbers(self):
        return range(1, self.copies + 1)


@dataclass
class PartnerSignatures:
    """What one partner signs at the ceremony."""

    partner: object
    signatures: list[Signature] = field(default_factory=list)

    @property
    def copies(self):
        return sum(signature.copies for signature in self.signatures)

    @property
    def missing_signatories(self):
        return [s for s in self.signatures if not s.party.has_signatory]


@dataclass(frozen=True)
class SigningList:
    """The tekenlijst: the contracts to print and, per partner, what it signs."""

    printed: list[PrintedContract]
    partners: list[PartnerSignatures]

    @property
    def copies(self):
        """Copies to print, all contracts together."""
        return sum(item.copies for item in self.printed)

    @property
    def pages_to_print(self):
        return sum(item.pages_to_print for item in self.printed)

    @property
    def signatures(self):
        """Signatures to set, all partners together."""
        return sum(partner.copies for partner in self.partners)

    @property
    def missing_signatories(self):
        return [s for partner in self.partners for s in partner.missing_signatories]

    @property
    def without_parties(self):
        return [item for item in self.printed if not item.copies]


def signing_list(printed):
    """The signing list of printed contracts (from :func:`contract_pdfs`), partners by name."""
    printed = list(printed)
    partners = {}
    for item in printed:
        for party in item.contract.parties.all():
            entry = partners.setdefault(party.partner_id, PartnerSignatures(party.partner))
            entry.signatures.append(Signature(printed=item, party=party))
    return SigningList(
        printed=printed,
        partners=sorted(partners.values(), key=lambda entry: entry.partner.name.casefold()),
    )


def render_signing_list(signing, *, drawn_up_on=None):
    """The signing list as an A4 PDF, in Dutch whatever the request's language: bytes."""
    with translation.override(settings.LANGUAGE_CODE):
        title = gettext("Signing list")
        data, _from_cache = pdf.render_pdf_cached(
            SIGNING_LIST_TEMPLATE,
            {
                "municipality_name": settings.MUNICIPALITY_NAME,
                "signing": signing,
                "signing_days": _signing_days(signing.printed),
                "drawn_up_on": drawn_up_on or timezone.localdate(),
            },
            title=title,
            language=settings.LANGUAGE_CODE,
        )
    return data


def _signing_days(printed):
    """The distinct (date, place) pairs of signing the contracts name, in date order."""
    days = {
        (item.contract.signed_on, item.contract.signing_place)
        for item in printed
        if item.contract.signed_on
    }
    return sorted(days, key=lambda day: (day[0], day[1]))


def signing_list_csv(signing):
    """The signing list as CSV for a spreadsheet (Dutch, `;`-separated, with a BOM): bytes.

    Partner, signatory and contract names are typed by staff, so the cells are guarded
    against formulas like every CSV of the site.
    """
    with translation.override(settings.LANGUAGE_CODE):
        header = [
            gettext("Partner"),
            gettext("Neighbourhood"),
            gettext("Contract"),
            gettext("File"),
            gettext("Signatory"),
            gettext("Function"),
            gettext("Copies"),
        ]
        rows = [
            [
                partner.partner.name,
                signature.contract.neighbourhood.name,
                signature.contract.title,
                signature.printed.filename,
                signature.party.signatory_name,
                signature.party.signatory_function,
                signature.copies,
            ]
            for partner in signing.partners
            for signature in partner.signatures
        ]
    return csvexport.csv_bytes(header, rows)


def signing_set_zip(contracts):
    """The signing set as the bytes of a ZIP: the contract PDFs and the signing list.

    Built in memory: a pilot's handful of contracts is a few megabytes.
    """
    printed = list(contract_pdfs(contracts))
    signing = signing_list(printed)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for item in printed:
            zipped.writestr(item.filename, item.data)
        zipped.writestr(SIGNING_LIST_FILENAME, render_signing_list(signing))
        zipped.writestr(SIGNING_LIST_CSV_FILENAME, signing_list_csv(signing))
    return buffer.getvalue()


@admin.action(description=_("Download the signing set (ZIP)"), permissions=["view"])
def download_signing_set(modeladmin, request, queryset):
    """Contract admin action: the selected contracts' PDFs and their signing list as a ZIP.

    A request renders at most one PDF (the signing list): when contract PDFs of the selection
    still have to be rendered (drafts not in the cache), a task renders them and the whole set
    into the cache, and staff are told to choose the action again; then the ZIP comes at once.
    Without a broker the task runs right here, and the ZIP comes straight away.
    """
    contracts = contracts_for_printing().filter(pk__in=queryset.values("pk"))
    pending = unrendered(contracts)
    if pending:
        # Nothing is written here: the task may start at once (without a broker it runs here,
        # and the set is then ready).
        prepare_signing_set.delay([contract.pk for contract in contracts])
        pending = unrendered(contracts)
    if pending:
        messages.info(
            request,
            ngettext(
                "The PDF of %(count)d contract is being made in the background. Choose "
                "“Download the signing set” again in a minute to download the set.",
                "The PDFs of %(count)d contracts are being made in the background. Choose "
                "“Download the signing set” again in a minute to download the set.",
                len(pending),
            )
            % {"count": len(pending)},
            extra_tags="signing_set_pending",
        )
        return None
    try:
        data = signing_set_zip(contracts)
    except archive.ArchiveError as error:
        messages.error(request, damaged_archive_message(error), extra_tags="archive_damaged")
        return None
    response = HttpResponse(data, content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(
        True, f"tekenset-{timezone.localdate():%Y-%m-%d}.zip"
    )
    return response


@shared_task(name="contracts.tasks.prepare_signing_set")
def prepare_signing_set(contract_ids):
    """Render the signing set of these contracts into the cache (every contract PDF and the
    signing list), so that the admin action that asked for it returns the ZIP at once."""
    contracts = contracts_for_printing().filter(pk__in=contract_ids)
    try:
        signing_set_zip(contracts)
    except archive.ArchiveError as error:
        # The action reports a damaged archive itself when it is chosen again.
        logger.warning("Signing set not made: %s", error)


def unrendered(contracts):
    """The contracts whose PDF is neither stored nor in the cache: each would be rendered."""
    return [contract for contract in contracts if not documents.contract_pdf_is_ready(contract)]


def damaged_archive_message(error):
    """Why no signing set was made: an archived original is missing or changed."""
    return gettext(
        "The archived PDF %(file)s is missing or no longer matches its fingerprint, so the "
        "signing set was not made. Restore the file from the backup; manage.py verify_archive "
        "lists every such file."
    ) % {"file": error.name}


def source_label(source):
    """The word for where a PDF came from, for progress lines."""
    labels = {
        "archive": pgettext("source of a contract PDF", "archive"),
        "cache": pgettext("source of a contract PDF", "cache"),
        "rendered": pgettext("source of a contract PDF", "rendered"),
    }
    return labels.get(source, source)
