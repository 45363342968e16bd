"""The one PDF helper: HTML templates under templates/pdf/ rendered by WeasyPrint.

WeasyPrint is imported lazily (it loads Pango on import), and it may fetch only our own static
and media files: every other URL is refused, so a PDF never makes a request to another host and
user-supplied markup cannot make the server read arbitrary files.
"""

import hashlib
import io
import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.cache import cache
from django.core.exceptions import SuspiciousFileOperation
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header

from wijkaanpak.common import files, ratelimits

logger = logging.getLogger(__name__)

# Relative URLs in PDF templates resolve against this base; only it is served.
BASE_URL = "https://pdf.wijkaanpak.invalid/"
PDF_VARIANT = "pdf/ua-1"


class PDFResourceRefused(ValueError):
    """A PDF template asked for something that is not one of our own files."""


def _local_path(url):
    """The file on disk behind one of our static or media URLs, or None."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}/" != BASE_URL:
        return None
    path = unquote(parts.path)
    if path.startswith(settings.STATIC_URL):
        try:
            found = finders.find(path.removeprefix(settings.STATIC_URL))
        except SuspiciousFileOperation:
            # A path that climbs out of the static directories ("../"): refused, not an error.
            return None
        return Path(found) if found else None
    if path.startswith(settings.MEDIA_URL):
        media_root = Path(settings.MEDIA_ROOT).resolve()
        candidate = (media_root / path.removeprefix(settings.MEDIA_URL)).resolve()
        if candidate.is_relative_to(media_root) and candidate.is_file():
            return candidate
    return None


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class LocalFilesOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if url.startswith("data:"):
                return super().fetch(url, headers)
            path = _local_path(url)
            if path is None:
                logger.warning("PDF resource refused: %s", url)
                raise PDFResourceRefused(url)
            media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            return URLFetcherResponse(
                url, body=path.read_bytes(), headers={"Content-Type": media_type}
            )

    return LocalFilesOnly


def render_html(template_name, context, *, title, language="nl"):
    """The HTML a PDF template produces: cheap, and what decides the PDF's bytes."""
    return render_to_string(
        template_name, {**context, "pdf_title": title, "pdf_language": language}
    )


def html_to_pdf(html):
    """Render HTML from :func:`render_html` to the bytes of a tagged PDF (the slow part).

    Inside a view that limits PDF renders (wijkaanpak.common.ratelimits.limit_pdf_renders)
    the render counts against the client's limit, and one too many stops here.
    """
    ratelimits.before_render()
    from weasyprint import HTML

    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_url_fetcher_class()())
    return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)


def render_pdf(template_name, context, *, title, language="nl"):
    """Render `template_name` (a template under templates/pdf/) to the bytes of a tagged PDF.

    The PDF is PDF/UA (tagged, for screen readers) with its title and language set; the
    template must set `<html lang>` and `<title>` to the same values.
    """
    return html_to_pdf(render_html(template_name, context, title=title, language=language))


# A rendered PDF is kept for a week after its last use; the key is the hash of its HTML.
CACHE_SECONDS = 7 * 24 * 3600


def _cache_key(html):
    return "pdf:" + hashlib.sha256(html.encode()).hexdigest()


def is_cached(template_name, context, *, title, language="nl"):
    """Whether :func:`render_pdf_cached` would find this PDF in the cache (no render): for a
    request that must not render more than one PDF, to hand the others to a task."""
    html = render_html(template_name, context, title=title, language=language)
    return cache.has_key(_cache_key(html))


def render_pdf_cached(template_name, context, *, title, language="nl"):
    """Like :func:`render_pdf`, but rendered again only when the HTML changed.

    The HTML holds every text, date and name the PDF shows and the name of every resource it
    loads (static files carry their content hash in production), so the same HTML gives the
    same PDF. The cache is Django's default cache: shared between processes and servers when
    it is configured to be (REDIS_URL). Returns (pdf bytes, whether it came from the cache).
    """
    html = render_html(template_name, context, title=title, language=language)
    key = _cache_key(html)
    pdf = cache.get(key)
    if pdf is not None:
        cache.touch(key, CACHE_SECONDS)
        return pdf, True
    pdf = html_to_pdf(html)
    cache.set(key, pdf, CACHE_SECONDS)
    return pdf, False


def sha256_hex(data):
    """The SHA-256 fingerprint of some bytes, as the 64 hex digits `sha256sum` prints."""
    return hashlib.sha256(data).hexdigest()


def page_count(data):
    """The number of pages of a PDF given as bytes (raises pypdf's errors on a broken file)."""
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def pdf_response(data, filename, *, fingerprint=None, cache_control=None):
    """A PDF shown inline by the browser, saved as `filename`.

    `fingerprint` (the SHA-256 of an archived document) becomes its ETag.
    """
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    response["X-Content-Type-Options"] = "nosniff"
    return _with_cache_headers(response, fingerprint, cache_control)


def stored_pdf_response(request, name, data, filename, *, fingerprint=None, cache_control=None):
    """:func:`pdf_response` for a stored file: `data` are the verified bytes of MEDIA_ROOT's
    `name` (an archived document). Behind nginx (SENDFILE_BACKEND, see
    wijkaanpak.common.files) nginx sends the file; else the bytes already read are sent."""
    if not files.offloaded():
        return pdf_response(data, filename, fingerprint=fingerprint, cache_control=cache_control)
    response = files.file_response(request, name, content_type="application/pdf", filename=filename)
    return _with_cache_headers(response, fingerprint, cache_control)


def _with_cache_headers(response, fingerprint, cache_control):
    if fingerprint:
        response["ETag"] = f'"{fingerprint}"'
    if cache_control:
        response["Cache-Control"] = cache_control
    return response


def not_modified(request, fingerprint):
    """A 304 when the browser already holds the archived document with this fingerprint
    (If-None-Match), else None; the document need not be read for it."""
    etag = f'"{fingerprint}"'
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        response["ETag"] = etag
    return response
