"""The contract's documents: the contract PDF, its archived signed original and addenda PDFs.

An unsigned contract's PDF is rendered on request and cached by its HTML, so it is rendered
again only when something it shows changed. A signed contract's PDF is rendered exactly once,
when it is signed, and stored in MEDIA_ROOT with its SHA-256 fingerprint; from then on that
file is the contract PDF, byte for byte.
"""

import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from contracts import selectors
from contracts.models import Addendum, SignedOriginal, SigningScan
from wijkaanpak.common import archive, pdf

logger = logging.getLogger(__name__)

CONTRACT_TEMPLATE = "pdf/contract.html"
ADDENDUM_TEMPLATE = "pdf/addendum.html"


def contract_filename(contract):
    return f"wijkcontract-{contract.neighbourhood.slug}.pdf"


def addendum_filename(addendum):
    return f"wijkcontract-{addendum.contract.neighbourhood.slug}-addendum-{addendum.number}.pdf"


def _common_context():
    return {
        "municipality_name": settings.MUNICIPALITY_NAME,
        "fund_url": f"{settings.SITE_URL}/initiatieven/aanvragen/",
    }


def _contract_render_args(contract):
    return (
        CONTRACT_TEMPLATE,
        {
            **_common_context(),
            "contract": contract,
            "neighbourhood": contract.neighbourhood,
            "is_concept": not contract.is_signed,
        },
    )


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


def read_archived(document):
    """The bytes of an archived document (SignedOriginal, signed Addendum or SigningScan).

    Only bytes that still have the document's fingerprint: raises archive.ArchiveError (and
    logs an error) when the file is missing or changed. Views answer that with
    archive.unavailable_response (a 503 page), never with other bytes.
    """
    return archive.read_verified(document.file.name, document.sha256)


def archived_documents():
    """Every archived document, as (kind, document): originals, signed addenda and scans."""
    for original in SignedOriginal.objects.select_related("contract").order_by("pk"):
        yield "original", original
    for addendum in Addendum.objects.signed().select_related("contract").order_by("pk"):
        yield "addendum", addendum
    for scan in SigningScan.objects.select_related("contract").order_by("pk"):
        yield "scan", scan


def contract_pdf(contract):
    """The PDF of a contract as published: (bytes, source).

    source is "archive" (the signed original, byte for byte), "cache" or "rendered". A signed
    contract without an archived original (signed before archiving existed) is rendered
    without the CONCEPT mark and logged; `manage.py archive_signed_contracts` archives it.
    """
    original = archived_original(contract)
    if original is not None:
        return read_archived(original), "archive"
    if contract.is_signed:
        logger.warning("Signed contract %s has no archived original", contract.pk)
    return _published(render_contract, contract)


def archive_contract(contract, *, user=None):
    """Render the signed contract once and store it with its fingerprint: the SignedOriginal.

    Called by services.register_signing inside the signing's transaction, with the contract row
    locked. Refuses a contract that is not signed or that already has its original.
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
    data, _from_cache = render_contract(fresh, cached=False)
    return store_archived(
        SignedOriginal(contract=fresh, archived_by=user_or_none(user)),
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


def _addendum_render_args(addendum):
    return (
        ADDENDUM_TEMPLATE,
        {
            **_common_context(),
            "addendum": addendum,
            "contract": addendum.contract,
            "neighbourhood": addendum.contract.neighbourhood,
            "original": archived_original(addendum.contract),
            "signatories": list(addendum.signatories.select_related("partner")),
            "is_concept": not addendum.is_signed,
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
    """The PDF of an addendum: the archived file once signed, else a marked concept."""
    if addendum.is_signed:
        return read_archived(addendum), "archive"
    return _published(render_addendum, addendum)


def archive_addendum(addendum):
    """Render an addendum that is being signed once, store it and save the addendum.

    The caller (services.sign_addendum) has set its status to signed, under a lock.
    """
    if addendum.file:
        raise ValidationError(
            _("This addendum has already been archived; it is never rendered again."),
            code="already_archived",
        )
    data, _from_cache = render_addendum(addendum, cached=False)
    addendum.archived_at = timezone.now()
    return store_archived(
        addendum, f"contracts/addenda/{addendum_filename(addendum).removesuffix('.pdf')}", data
    )
