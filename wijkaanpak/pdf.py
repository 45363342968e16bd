"""The one PDF helper: HTML templates under templates/pdf/ rendered by WeasyPrint.

WeasyPrint is imported lazily (it loads Pango on import), and it may fetch only our own static
and media files: every other URL is refused, so a PDF never makes a request to another host and
user-supplied markup cannot make the server read arbitrary files.
"""

import logging
import mimetypes
from pathlib import Path
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders
from django.core.exceptions import SuspiciousFileOperation
from django.template.loader import render_to_string

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


def render_pdf(template_name, context, *, title, language="nl"):
    """Render `template_name` (a template under templates/pdf/) to the bytes of a tagged PDF.

    The PDF is PDF/UA (tagged, for screen readers) with its title and language set; the
    template must set `<html lang>` and `<title>` to the same values.
    """
    from weasyprint import HTML

    html = render_to_string(
        template_name, {**context, "pdf_title": title, "pdf_language": language}
    )
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=_url_fetcher_class()())
    return document.write_pdf(pdf_variant=PDF_VARIANT, pdf_tags=True)
