"""The contract's documents: the contract PDF, its final PDF, signed original and addenda.

A draft's PDF is rendered on request and cached by its HTML, so it is rendered again only
when something it shows changed; it carries a CONCEPT mark. When a contract goes to "ready for
signing" its final PDF is rendered exactly once, without the mark, with the planned date and
place of signing, the site's public address and its document code on every page, and stored
in MEDIA_ROOT with its SHA-256 fingerprint (a FinalDocument). That file is the contract PDF
from then on, byte for byte: it is what the signing set prints, and registering the signing
archives it unchanged as the signed original. Addenda follow the same course.

The document code (see contracts.models.archive) is derived from the document's HTML without
the code, before the PDF is rendered: a PDF cannot print its own fingerprint.
"""

import hashlib
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from contracts import selectors
from contracts.choices import AddendumStatus
from contracts.models import Addendum, FinalDocument, SignedOriginal, SigningScan
from wijkaanpak.common import archive, pdf

logger = logging.getLogger(__name__)

CONTRACT_TEMPLATE = "pdf/contract.html"
ADDENDUM_TEMPLATE = "pdf/addendum.html"


def contract_filename(contract):
    return f"wijkcontract-{contract.neighbourhood.slug}.pdf"


def addendum_filename(addendum):
    return f"wijkcontract-{addendum.contract.neighbourhood.slug}-addendum-{addendum.number}.pdf"


def _address(public_address=None):
    """The public address a PDF prints: `public_address` (the pilot's) or SITE_URL."""
    return (public_address or settings.SITE_URL).rstrip("/")


def _common_context(public_address=None):
    address = _address(public_address)
    return {
        "municipality_name": settings.MUNICIPALITY_NAME,
        "public_address": address,
        "fund_url": f"{address}/initiatieven/aanvragen/",
    }


def _contract_render_args(contract, *, is_concept=None, public_address=None):
    """The template and context of a contract's PDF; `is_concept` defaults to "not signed"."""
    address = _address(public_address)
    return (
        CONTRACT_TEMPLATE,
        {
            **_common_context(public_address),
            "contract": contract,
            "neighbourhood": contract.neighbourhood,
            "contract_url": address
            + reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug}),
            "is_concept": not contract.is_signed if is_concept is None else is_concept,
        },
    )


# Crockford's base32: no I, L, O or U, which read as digits (or words) off paper.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_CHARACTERS = 6


def document_code(html, year):
    """The document code of a final PDF: WK-<year>-<six characters>, from its HTML.

    `html` is the document rendered without a code. The code is printed on every page, so it
    must be known before the PDF exists (the PDF's own fingerprint cannot be printed in it);
    derived from the content, the same text always gets the same code and another text
    (another date, place or address too) another one.
    """
    digest = int.from_bytes(hashlib.sha256(html.encode()).digest()[:8], "big")
    characters = []
    for _position in range(CODE_CHARACTERS):
        digest, index = divmod(digest, len(_CODE_ALPHABET))
        characters.append(_CODE_ALPHABET[index])
    return f"WK-{year}-{''.join(characters)}"


def _render_final(template, context, title, year):
    """Render a final PDF with its document code on every page: (bytes, code)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(title)  # a lazy title, in Dutch
        bare = pdf.render_html(
            template, {**context, "document_code": ""}, title=title, language=settings.LANGUAGE_CODE
        )
        code = document_code(bare, year)
        html = pdf.render_html(
            template,
            {**context, "document_code": code},
            title=title,
            language=settings.LANGUAGE_CODE,
        )
        return pdf.html_to_pdf(html), code


def _render(template, context, title, *, cached):
    """Render a PDF in Dutch, whatever the request's language: (bytes, from cache)."""
    with translation.override(settings.LANGUAGE_CODE):
        title = str(title)
        if cached:
            return pdf.render_pdf_cached(
                template, context, title=title, language=settings.LANGUAGE_CODE
            )
        return pdf.render_pdf(
            template, context, title=title, language=settings.LANGUAGE_CODE
        ), False


def _published(render, *args):
    """Render for a visitor: (bytes, "cache" or "rendered")."""
    data, from_cache = render(*args)
    return data, "cache" if from_cache else "rendered"


def render_contract(contract, *, cached=True):
    """Render a contract's PDF from its data: (bytes, from cache).

    `contract` should come from selectors.contracts_with_text(). This always renders from the
    data; use :func:`contract_pdf` to get the PDF a visitor downloads.
    """
    template, context = _contract_render_args(contract)
    return _render(template, context, contract.title, cached=cached)


def archived_original(contract):
    """The contract's SignedOriginal, or None."""
    try:
        return contract.signed_original
    except SignedOriginal.DoesNotExist:
        return None


def final_document(contract):
    """The final PDF of a contract that is ready for signing (a FinalDocument), or None."""
    try:
        return contract.final_document
    except FinalDocument.DoesNotExist:
        return None


def published_document(contract):
    """The stored PDF a contract is published as: its signed original, else its final PDF
    (ready for signing), else None (a draft, rendered on request)."""
    return archived_original(contract) or final_document(contract)


def check_stored(document):
    """The bytes of a stored final PDF; refuses (ValidationError "archive_damaged") when it is
    missing or changed: a signing never archives other bytes than the ones printed."""
    try:
        return read_archived(document)
    except archive.ArchiveError as error:
        raise ValidationError(
            _(
                "The final PDF %(file)s is missing or no longer matches its fingerprint, so "
                "the signing was not registered. Restore the file from the backup."
            ),
            code="archive_damaged",
            params={"file": error.name},
        ) from error


def read_archived(document):
    """The bytes of an archived document (SignedOriginal, signed Addendum or SigningScan).

    Only bytes that still have the document's fingerprint: raises archive.ArchiveError (and
    logs an error) when the file is missing or changed. Views answer that with
    archive.unavailable_response (a 503 page), never with other bytes.
    """
    return archive.read_verified(document.file.name, document.sha256)


def archived_documents():
    """Every archived document, as (kind, document): originals, the final PDFs of contracts
    still to be signed, addenda with their final or signed PDF, and scans."""
    for original in SignedOriginal.objects.select_related("contract").order_by("pk"):
        yield "original", original
    finals = FinalDocument.objects.filter(contract__signed_original__isnull=True)
    for final in finals.select_related("contract").order_by("pk"):
        yield "final", final
    addenda = Addendum.objects.exclude(status=AddendumStatus.DRAFT).exclude(file="")
    for addendum in addenda.select_related("contract").order_by("pk"):
        yield "addendum", addendum
    for scan in SigningScan.objects.select_related("contract").order_by("pk"):
        yield "scan", scan


def contract_pdf(contract):
    """The PDF of a contract as published: (bytes, source).

    source is "archive" (the signed original or, while the contract is ready for signing, its
    final PDF: the stored file, byte for byte), "cache" or "rendered" (a draft, marked
    CONCEPT). A signed contract without an archived original (signed before archiving
    existed) is rendered without the CONCEPT mark and logged; `manage.py
    archive_signed_contracts` archives it.
    """
    document = published_document(contract)
    if document is not None:
        return read_archived(document), "archive"
    if contract.is_signed:
        logger.warning("Signed contract %s has no archived original", contract.pk)
    return _published(render_contract, contract)


def contract_pdf_is_ready(contract):
    """Whether :func:`contract_pdf` gives this contract's PDF without rendering it: stored
    (final or signed original) or in the cache."""
    if published_document(contract) is not None:
        return True
    template, context = _contract_render_args(contract)
    with translation.override(settings.LANGUAGE_CODE):
        return pdf.is_cached(
            template, context, title=str(contract.title), language=settings.LANGUAGE_CODE
        )


def freeze_final(contract, *, user=None, public_address=None, is_reprint=False):
    """Render a contract's final PDF once and store it with its fingerprint and code.

    Called by the services inside the transaction that makes the contract ready for signing
    (or that makes a new print with the real date and place), with the contract row locked;
    the contract's date and place of signing are the ones printed. No CONCEPT mark; the
    site's public address (SITE_URL, or `public_address`) is printed. The file is removed
    again if the transaction rolls back.
    """
    fresh = selectors.contracts_with_text().get(pk=contract.pk)
    address = _address(public_address)
    template, context = _contract_render_args(fresh, is_concept=False, public_address=address)
    data, code = _render_final(template, context, fresh.title, fresh.signed_on.year)
    final = FinalDocument(
        contract=fresh,
        document_code=code,
        signed_on=fresh.signed_on,
        signing_place=fresh.signing_place,
        public_address=address,
        is_reprint=is_reprint,
        rendered_by=user_or_none(user),
    )
    return store_archived(
        final, f"contracts/final/{contract_filename(fresh).removesuffix('.pdf')}", data
    )


def discard_final(contract):
    """Remove a contract's final PDF (back to draft, or replaced by a new print).

    The row goes now and the file when the transaction commits; nothing was signed yet.
    """
    final = FinalDocument.objects.filter(contract_id=contract.pk).first()
    if final is None:
        return
    name = final.file.name
    FinalDocument.objects.filter(pk=final.pk).delete()
    if name and not SignedOriginal.objects.filter(file=name).exists():
        archive.discard(name)


def archive_final(contract, *, user=None):
    """Archive the final PDF that was printed and signed as the contract's signed original.

    Its very bytes, unchanged (checked against its fingerprint first; nothing is rendered),
    stored with the signed originals in `contracts/signed/`; the final PDF's own file is
    removed when the signing commits. Called by services.register_signing inside the
    signing's transaction, with the contract row locked.
    """
    final = FinalDocument.objects.select_related("contract__neighbourhood").get(
        contract_id=contract.pk
    )
    data = check_stored(final)
    original = store_archived(
        SignedOriginal(
            contract_id=contract.pk,
            document_code=final.document_code,
            archived_by=user_or_none(user),
        ),
        f"contracts/signed/{contract_filename(final.contract).removesuffix('.pdf')}",
        data,
    )
    discard_final(contract)
    return original


def archive_contract(contract, *, user=None, public_address=None):
    """Render a contract that was signed without a final PDF once and store it: its
    SignedOriginal.

    Only for contracts signed before final PDFs existed (`manage.py archive_signed_contracts`,
    the pilot loader for such data); a contract signed since then has its final PDF archived
    by :func:`archive_final`. Refuses a contract that is not signed or that already has its
    original.
    """
    if not contract.is_signed:
        raise ValidationError(
            _("Only a signed contract gets an archived original."), code="not_signed"
        )
    if SignedOriginal.objects.filter(contract_id=contract.pk).exists():
        raise ValidationError(
            _(
                "The signed original of “%(contract)s” has already been archived; "
                "it is never rendered again."
            ),
            code="already_archived",
            params={"contract": contract.title},
        )
    fresh = selectors.contracts_with_text().get(pk=contract.pk)
    template, context = _contract_render_args(fresh, public_address=public_address)
    data, code = _render_final(template, context, fresh.title, fresh.signed_on.year)
    return store_archived(
        SignedOriginal(contract=fresh, archived_by=user_or_none(user), document_code=code),
        f"contracts/signed/{contract_filename(fresh).removesuffix('.pdf')}",
        data,
    )


def store_archived(document, stem, data):
    """Store `data` as the document's file and save the document with its fingerprint, size
    and page count.

    The file is named after the fingerprint (`<stem>-<first 12 hex digits>.pdf`), so the same
    bytes always get the same name, and archive.store removes it again when the transaction
    rolls back (a refused save here, or a failure later in a caller's transaction): a signing
    or upload that rolls back leaves no file, and doing it again makes no second copy.
    """
    fingerprint = pdf.sha256_hex(data)
    with transaction.atomic():
        document.file.name = archive.store(f"{stem}-{fingerprint[:12]}.pdf", data)
        document.sha256 = fingerprint
        document.size = len(data)
        document.page_count = pdf.page_count(data)
        document.save()
    return document


def user_or_none(user):
    return user if user is not None and user.is_authenticated else None


# --- Addenda ----------------------------------------------------------------------------------


def _addendum_render_args(addendum, *, is_concept=None):
    return (
        ADDENDUM_TEMPLATE,
        {
            **_common_context(),
            "addendum": addendum,
            "contract": addendum.contract,
            "neighbourhood": addendum.contract.neighbourhood,
            "original": archived_original(addendum.contract),
            "signatories": list(addendum.signatories.select_related("partner")),
            "is_concept": not addendum.is_signed if is_concept is None else is_concept,
        },
    )


def addendum_title(addendum):
    return str(
        _("Addendum %(number)s to the %(contract)s")
        % {"number": addendum.number, "contract": addendum.contract.title}
    )


def render_addendum(addendum, *, cached=True):
    """Render an addendum's PDF from its data: (bytes, from cache)."""
    template, context = _addendum_render_args(addendum)
    with translation.override(settings.LANGUAGE_CODE):
        title = addendum_title(addendum)
    return _render(template, context, title, cached=cached)


def addendum_pdf(addendum):
    """The PDF of an addendum: its stored final PDF from "ready for signing" on (the archived
    file once signed), else a concept marked as such."""
    if not addendum.is_open and addendum.file:
        return read_archived(addendum), "archive"
    return _published(render_addendum, addendum)


def freeze_addendum(addendum):
    """Render the final PDF of an addendum going to "ready for signing" once and store it.

    The caller (services.mark_addendum_ready) has set its status, under a lock. No CONCEPT
    mark; its date and place of signing and its document code are printed.
    """
    if addendum.file:
        raise ValidationError(
            _("This addendum already has its final PDF; it is never rendered again."),
            code="already_archived",
        )
    template, context = _addendum_render_args(addendum, is_concept=False)
    with translation.override(settings.LANGUAGE_CODE):
        title = addendum_title(addendum)
    data, code = _render_final(template, context, title, addendum.signed_on.year)
    addendum.document_code = code
    return store_archived(
        addendum, f"contracts/addenda/{addendum_filename(addendum).removesuffix('.pdf')}", data
    )


def discard_addendum_final(addendum):
    """Clear the final PDF of an addendum going back to draft; its file goes on commit."""
    name = addendum.file.name
    addendum.file = ""
    addendum.sha256 = ""
    addendum.size = addendum.page_count = 0
    addendum.document_code = ""
    addendum.save()
    if name:
        archive.discard(name)
