"""Uploads that are what they claim to be: the checks every app's uploads go through.

An upload is judged by its content, never by its name or the content type the browser sent,
and what is stored is what was checked:

- **Images** (JPEG, PNG) are decoded and encoded anew with Pillow. Only the pixels survive:
  EXIF (with a GPS position), comments, colour profiles, text chunks and any bytes after the
  image's end are gone, so a JPEG or PNG that also carries HTML or a script (a polyglot) is
  stored as a plain picture. The orientation that EXIF gave is applied to the pixels first,
  so a photo taken upright stays upright. An image of more than MAX_IMAGE_PIXELS pixels is
  refused before it is decoded (a "decompression bomb": a few kilobytes that unpack to
  gigabytes of memory).
- **PDFs** are parsed with pypdf and stored unchanged (a signed scan's fingerprint is that of
  the file the editor chose). Refused: a file that pypdf cannot read or that has no pages; an
  encrypted PDF (it cannot be checked, and the archive must stay readable); anything that can
  act when the PDF is opened: JavaScript (/JS, /JavaScript, in the names tree, /OpenAction or
  any other action), /Launch, /SubmitForm, /ImportData, /GoToE, /RichMedia, XFA forms, and
  embedded files (/EmbeddedFiles, /EmbeddedFile, file attachment annotations). /AA and
  /OpenAction themselves are allowed when the actions they hold are harmless (a "go to page"),
  because the actions are checked wherever they sit.
- **Bytes around a PDF** are refused, not cut off: the file must start with `%PDF-` and end
  with its last `%%EOF` (white space after it is allowed). A PDF with HTML before or after it
  is a polyglot that a browser could read as a web page; cutting it off would store a file
  other than the one chosen, whose fingerprint the uploader could not check.

Every attachment is served with the content type found here, `X-Content-Type-Options:
nosniff` and a Content-Disposition, so no browser guesses HTML.

The size of each file is bounded while the request streams in, by SizeLimitUploadHandler
(settings.FILE_UPLOAD_HANDLERS): past settings.MAX_UPLOAD_FILE_BYTES (the largest upload the
site takes) nothing more of the file is kept, and the form gets a TooLargeUpload in its place,
which the app's own limit refuses with a Dutch message. Each app keeps its own limit.
"""

import io
import re
import warnings
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

JPEG = "image/jpeg"
PNG = "image/png"
PDF = "application/pdf"
IMAGE_TYPES = frozenset({JPEG, PNG})

# 40 megapixels: more than a phone's photo, and about 120 MB of memory once decoded as RGB.
MAX_IMAGE_PIXELS = 40_000_000

EXTENSIONS = {JPEG: ".jpg", PNG: ".png", PDF: ".pdf"}

# The first bytes of each accepted kind of file (its "magic number").
_SIGNATURES = (
    (b"\xff\xd8\xff", JPEG),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"%PDF-", PDF),
)

# A JPEG with more than one picture in it (MPO, from some phones) opens as "MPO"; its first
# picture is kept.
_PILLOW_FORMATS = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG}


@dataclass(frozen=True)
class CheckedFile:
    """The content to store (for an image: the image encoded anew) and its real type."""

    data: bytes
    content_type: str
    page_count: int = 0

    @property
    def extension(self):
        return EXTENSIONS[self.content_type]


# --- Size ---------------------------------------------------------------------------------------


class TooLargeUpload(UploadedFile):
    """What a form gets instead of a file that passed MAX_UPLOAD_FILE_BYTES while it streamed
    in: its name and the bytes seen, and no content (nothing of it was kept)."""

    too_large = True

    def __init__(self, name, content_type, size, charset=None):
        super().__init__(io.BytesIO(), name, content_type, size, charset)


def size_error(uploaded, limit):
    """A ValidationError (code `file_too_large`) when `uploaded` is larger than `limit` bytes,
    or when it was stopped while streaming in; else None."""
    if getattr(uploaded, "too_large", False):
        return ValidationError(
            _("The file is larger than %(seen)s; at most %(limit)s is allowed."),
            code="file_too_large",
            params={"seen": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )
    if uploaded.size > limit:
        return ValidationError(
            _("The file is %(size)s; at most %(limit)s is allowed."),
            code="file_too_large",
            params={"size": filesizeformat(uploaded.size), "limit": filesizeformat(limit)},
        )
    return None


class SizeLimitUploadHandler(FileUploadHandler):
    """Stop keeping a file once it passes settings.MAX_UPLOAD_FILE_BYTES.

    First in FILE_UPLOAD_HANDLERS: while a file is under the limit its chunks go on to
    Django's memory and temporary-file handlers; the chunk that passes the limit and every
    chunk after it are dropped, what the next handlers already hold is closed (a temporary
    file is removed with it), and the form gets a TooLargeUpload. The rest of the request is
    still read, so the other fields arrive and the form can answer with its errors; the
    request body as a whole is bounded before this (RequestBodyLimitMiddleware).
    """

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self.seen = 0
        self.stopped = False

    def receive_data_chunk(self, raw_data, start):
        if self.stopped:
            return None
        self.seen += len(raw_data)
        if self.seen > settings.MAX_UPLOAD_FILE_BYTES:
            self.stopped = True
            self._discard_kept_parts()
            return None
        return raw_data

    def _discard_kept_parts(self):
        # Django's own handlers keep the file as `file` (MultiPartParser._close_files relies
        # on the same name when it stops an upload).
        for handler in self.request.upload_handlers:
            if handler is not self and getattr(handler, "file", None) is not None:
                handler.file.close()

    def file_complete(self, file_size):
        if not self.stopped:
            return None
        return TooLargeUpload(self.file_name, self.content_type, self.seen, self.charset)


# --- Content ------------------------------------------------------------------------------------


def read_all(uploaded):
    """The whole content of an uploaded file."""
    uploaded.seek(0)
    return uploaded.read()


# PDF readers look for the header in the first kilobyte; what stands before it is refused.
_PDF_HEADER_WINDOW = 1024


def sniff_content_type(data):
    """The type `data` claims by its first bytes (JPEG, PNG or PDF), or None.

    A PDF header anywhere in the first kilobyte counts, as it does for PDF readers, so that
    check_pdf can refuse what stands before it with its own message.
    """
    for signature, content_type in _SIGNATURES:
        if data.startswith(signature):
            return content_type
    if b"%PDF-" in data[:_PDF_HEADER_WINDOW]:
        return PDF
    return None


def check_upload(data, allowed):
    """Check `data` as one of the `allowed` content types; return the CheckedFile to store.

    Raises ValidationError with a code: `file_type_not_allowed`, or one of check_image's and
    check_pdf's.
    """
    content_type = sniff_content_type(data)
    if content_type not in allowed:
        raise ValidationError(_("This kind of file cannot be added."), code="file_type_not_allowed")
    if content_type == PDF:
        return check_pdf(data)
    return check_image(data, allowed & IMAGE_TYPES)


def _image_unreadable():
    return ValidationError(
        _("This image is damaged or not a JPEG or PNG, and cannot be read."),
        code="image_unreadable",
    )


def _too_many_pixels():
    return ValidationError(
        _(
            "This image has too many pixels: at most %(megapixels)d megapixels can be added. "
            "Make it smaller and try again."
        ),
        code="image_too_many_pixels",
        params={"megapixels": MAX_IMAGE_PIXELS // 1_000_000},
    )


def check_image(data, allowed=IMAGE_TYPES):
    """Decode a JPEG or PNG and encode it anew: a CheckedFile of only its pixels, upright.

    The pixel count is checked from the header, before anything is decoded. Pillow's own
    guard (Image.MAX_IMAGE_PIXELS, left at its default for WeasyPrint's sake) is higher and
    only warns below twice its limit; here its warning is an error too.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as image:
                content_type = _PILLOW_FORMATS.get(image.format)
                if content_type not in allowed:
                    raise _image_unreadable()
                width, height = image.size
                if width * height > MAX_IMAGE_PIXELS:
                    raise _too_many_pixels()
                image.load()
                upright = ImageOps.exif_transpose(image)
                return CheckedFile(_encode(upright, content_type), content_type)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels() from None
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError) as error:
        raise _image_unreadable() from error


def _encode(image, content_type):
    """The image's pixels in a new file: no EXIF, no profile, no text, nothing after the end."""
    if content_type == JPEG and image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    elif content_type == PNG and (
        (image.mode == "P" and "transparency" in image.info)
        or image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16")
    ):
        image = image.convert("RGBA")
    # What Pillow read besides the pixels (EXIF, ICC profile, comments, text chunks) is in
    # `info`, and some encoders write parts of it back by default: forget it. (The image is
    # our own copy: exif_transpose and convert return new ones.)
    image.info = {}
    output = io.BytesIO()
    if content_type == JPEG:
        image.save(output, format="JPEG", quality=90, optimize=True)
    else:
        image.save(output, format="PNG", optimize=True)
    return output.getvalue()


# --- PDF ----------------------------------------------------------------------------------------

# Bytes after the last %%EOF that are no content: line ends, spaces, NUL padding of scanners.
_TRAILING = re.compile(rb"%%EOF[\x00\t\n\x0c\r ]*\Z")

# Keys of a dictionary that hold or start something active.
_ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/XFA", "/RichMedia"}
)
# Action types (/S) and annotation subtypes that run, open or send something.
_ACTIVE_ACTIONS = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/SubmitForm",
        "/ImportData",
        "/GoToE",
        "/RichMediaExecute",
        "/Rendition",
    }
)
_ACTIVE_SUBTYPES = frozenset({"/FileAttachment", "/RichMedia", "/Movie", "/Sound", "/Screen"})


def _pdf_unreadable():
    return ValidationError(
        _("This PDF is damaged and cannot be read."),
        code="pdf_unreadable",
    )


def check_pdf(data):
    """Check a PDF (see the module's docstring); a CheckedFile of the unchanged bytes."""
    from pypdf import PdfReader

    if not data.startswith(b"%PDF-"):
        raise ValidationError(
            _(
                "This PDF has something else before its start. Save it anew as a PDF (for "
                "example with “Print to PDF”) and try again."
            ),
            code="pdf_extra_data",
        )
    last_eof = data.rfind(b"%%EOF")
    if last_eof < 0:
        raise _pdf_unreadable()
    if not _TRAILING.match(data, last_eof):
        raise ValidationError(
            _(
                "This PDF has something else after its end. Save it anew as a PDF (for "
                "example with “Print to PDF”) and try again."
            ),
            code="pdf_extra_data",
        )
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise ValidationError(
                _(
                    "This PDF is protected with a password or encrypted. Save it without "
                    "protection and try again."
                ),
                code="pdf_encrypted",
            )
        pages = len(reader.pages)
        active = _active_content(reader.trailer)
    except ValidationError:
        raise
    except Exception as error:  # pypdf raises many kinds of error on a broken file
        raise _pdf_unreadable() from error
    if pages < 1:
        raise ValidationError(_("This PDF has no pages."), code="pdf_unreadable")
    if active:
        raise ValidationError(
            _(
                "This PDF contains something that can act by itself when it is opened "
                "(%(what)s). Only a PDF without scripts, actions that start programs, or "
                "embedded files can be added. Save it anew (for example with “Print to PDF”) "
                "and try again."
            ),
            code="pdf_active_content",
            params={"what": active},
        )
    return CheckedFile(data, PDF, page_count=pages)


def _active_content(trailer):
    """The first active thing found in every object reachable from the trailer, or ""."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    seen = set()
    pending = [trailer]
    while pending:
        item = pending.pop()
        if isinstance(item, IndirectObject):
            key = (item.idnum, item.generation)
            if key in seen:
                continue
            seen.add(key)
            item = item.get_object()
        if isinstance(item, DictionaryObject):
            for name in item:
                if name in _ACTIVE_KEYS:
                    return str(name)
            if item.get("/S") in _ACTIVE_ACTIONS:
                return str(item["/S"])
            if item.get("/Subtype") in _ACTIVE_SUBTYPES:
                return str(item["/Subtype"])
            pending.extend(value for name, value in item.items() if name != "/Parent")
        elif isinstance(item, ArrayObject):
            pending.extend(item)
    return ""
