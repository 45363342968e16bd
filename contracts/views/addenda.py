"""The public PDF of an addendum to a signed contract."""

from django.http import Http404
from django.views.decorators.http import require_safe

from contracts import documents, selectors
from contracts.models import Addendum
from wijkaanpak.common import archive, pdf
from wijkaanpak.common.ratelimits import limit_pdf_renders


@require_safe
@limit_pdf_renders
def addendum_pdf(request, slug, pk, number):
    """Addendum `number` of one contract of the wijk `slug`, as a PDF shown inline.

    The contract must be one the visitor may see (the same rule as its page). A signed
    addendum is its archived PDF, byte for byte, with its SHA-256 fingerprint as ETag; one
    that is ready for signing is its final PDF, the file to be signed, and a draft a preview
    marked CONCEPT: both only for who may view addenda (`contracts.view_addendum`); a 404
    for everyone else.
    """
    contract = selectors.contract_version_or_404(slug, pk, request.user)
    addendum = (
        Addendum.objects.filter(contract=contract, number=number)
        .select_related("contract__neighbourhood")
        .first()
    )
    if addendum is None or not (
        addendum.is_signed or request.user.has_perm("contracts.view_addendum")
    ):
        raise Http404("No such addendum")
    # The contract with its prefetched text, so the render needs no further queries for it.
    addendum.contract = contract
    fingerprint = addendum.sha256 if not addendum.is_open else None
    if fingerprint and (unchanged := pdf.not_modified(request, fingerprint)):
        return unchanged
    try:
        data, source = documents.addendum_pdf(addendum)
    except archive.ArchiveError as error:
        return archive.unavailable_response(request, error)
    headers = {
        "fingerprint": fingerprint,
        # Until it is signed it can still change, and only staff see it.
        "cache_control": "public, max-age=3600" if addendum.is_signed else "private, no-store",
    }
    filename = documents.addendum_filename(addendum)
    if source == "archive":
        response = pdf.stored_pdf_response(request, addendum.file.name, data, filename, **headers)
    else:
        response = pdf.pdf_response(data, filename, **headers)
    response["X-Wijkaanpak-Source"] = source
    return response
