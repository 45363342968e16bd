"""Each PDF rendered once per test session: WeasyPrint's output for the same input, remembered.

Loading the pilot signs five contracts, and rendering their PDFs is most of a load; many test
modules load the pilot, and each got the same five PDFs again. A PDF is a pure function of its
HTML and of the files the HTML loads (our static and media files, fetched through
`wijkaanpak.common.pdf._local_path`), so the memo keys a render on the exact HTML and its
options, records the files the real render read with their SHA-256, and gives the remembered
bytes only while each of those files is byte for byte the same. A render that was refused a
resource (hostile markup) is never remembered, so its warning is logged every time.

The page count of a PDF (`pdf.page_count`, pypdf) is remembered by the PDF's bytes, too.

Everything above WeasyPrint runs as before: `html_to_pdf` and its callers (tests count them),
the PDF render limit, the render cache. The bytes are what WeasyPrint made for this HTML.
A test that times WeasyPrint itself asks for the fixture `real_pdf_renders`.
"""

import hashlib
import threading
from dataclasses import dataclass

from wijkaanpak.common import pdf


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass(frozen=True)
class _Render:
    data: bytes
    resources: tuple  # (url, sha256 of the file it read)


class RenderMemo:
    """Stands in for `weasyprint.HTML` while installed (see `install`)."""

    def __init__(self, real_html, real_local_path):
        self.real_html = real_html
        self.real_local_path = real_local_path
        self.renders = {}
        self.enabled = True
        self.rendered = 0
        self.remembered = 0
        self._lock = threading.Lock()
        self._reading = threading.local()

    def local_path(self, url):
        """`pdf._local_path`, noting what the render on this thread reads."""
        path = self.real_local_path(url)
        reads = getattr(self._reading, "reads", None)
        if reads is not None:
            reads.append((url, path))
        return path

    def __call__(self, *args, **kwargs):
        return _MemoHTML(self, args, kwargs)

    def _unchanged(self, render):
        for url, digest in render.resources:
            path = self.real_local_path(url)
            if path is None or _digest(path) != digest:
                return False
        return True

    def write_pdf(self, args, kwargs, target, options):
        string = kwargs.get("string")
        plain = (
            self.enabled
            and not args
            and target is None
            and isinstance(string, str)
            and set(kwargs) <= {"string", "base_url", "url_fetcher"}
        )
        if not plain:
            return self.real_html(*args, **kwargs).write_pdf(target, **options)
        key = hashlib.sha256(
            repr((string, kwargs.get("base_url"), sorted(options.items()))).encode()
        ).hexdigest()
        with self._lock:
            render = self.renders.get(key)
        if render is not None and self._unchanged(render):
            self.remembered += 1
            return render.data
        self._reading.reads = []
        try:
            data = self.real_html(**kwargs).write_pdf(**options)
            reads = self._reading.reads
        finally:
            self._reading.reads = None
        self.rendered += 1
        if all(path is not None for _url, path in reads):
            resources = tuple(sorted({(url, _digest(path)) for url, path in reads}))
            with self._lock:
                self.renders[key] = _Render(data, resources)
        return data


class _MemoHTML:
    """What `HTML(...)` returns under the memo: the real document is built only to render."""

    def __init__(self, memo, args, kwargs):
        self._memo = memo
        self._args = args
        self._kwargs = kwargs

    def write_pdf(self, target=None, **options):
        return self._memo.write_pdf(self._args, self._kwargs, target, options)

    def __getattr__(self, name):
        # Anything else (render, pages…) on a real document, as WeasyPrint has it.
        return getattr(self._memo.real_html(*self._args, **self._kwargs), name)


def _remembered_page_counts(page_count):
    """`pdf.page_count` once per distinct PDF: parsing a PDF again (pypdf) was a fifth of what
    a pilot load cost once its renders were remembered. A broken file raises every time."""
    counts = {}

    def remembered(data):
        key = hashlib.sha256(data).digest()
        if key not in counts:
            counts[key] = page_count(data)
        return counts[key]

    return remembered


def install(patch):
    """Put the memo in place with `patch` (a pytest MonkeyPatch); returns the memo."""
    import weasyprint

    memo = RenderMemo(weasyprint.HTML, pdf._local_path)
    patch.setattr(weasyprint, "HTML", memo)
    patch.setattr(pdf, "_local_path", memo.local_path)
    patch.setattr(pdf, "page_count", _remembered_page_counts(pdf.page_count))
    return memo
