"""wijkaanpak.common.uploads: images stored as pixels only, PDFs refused when they can act or
carry something else, and a file's size bounded while it streams in."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.http.multipartparser import MultiPartParser
from django.test import RequestFactory
from PIL import Image

from tests import upload_files
from tests.upload_files import BAD_PDFS, GPS_IFD, HTML
from wijkaanpak.common import uploads


def test_a_photo_loses_its_gps_position_and_stays_upright():
    data = upload_files.jpeg_with_gps(size=(40, 20), orientation=6)
    assert Image.open(io.BytesIO(data)).getexif().get_ifd(GPS_IFD)  # the test file has one

    checked = uploads.check_image(data)

    stored = Image.open(io.BytesIO(checked.data))
    assert checked.content_type == uploads.JPEG
    assert dict(stored.getexif()) == {}
    assert not stored.getexif().get_ifd(GPS_IFD)
    assert b"Exif" not in checked.data
    assert stored.size == (20, 40)  # turned as the orientation said, before EXIF was dropped


@pytest.mark.parametrize(
    ("make", "content_type"),
    [(upload_files.polyglot_jpeg, uploads.JPEG), (upload_files.polyglot_png, uploads.PNG)],
)
def test_an_image_with_html_behind_it_is_stored_as_only_the_image(make, content_type):
    checked = uploads.check_upload(make(), {uploads.JPEG, uploads.PNG})

    assert checked.content_type == content_type
    assert b"<html" not in checked.data and b"script" not in checked.data
    assert Image.open(io.BytesIO(checked.data)).size == (8, 8)


def test_a_phone_photo_with_two_pictures_in_it_is_a_jpeg():
    # Some phones write MPO: a JPEG with a second picture after the first.
    buffer = io.BytesIO()
    first, second = Image.new("RGB", (30, 20), "red"), Image.new("RGB", (30, 20), "blue")
    first.save(buffer, format="MPO", save_all=True, append_images=[second])

    checked = uploads.check_upload(buffer.getvalue(), {uploads.JPEG, uploads.PNG})

    assert checked.content_type == uploads.JPEG
    assert Image.open(io.BytesIO(checked.data)).format == "JPEG"


def test_too_many_pixels_are_refused_before_decoding():
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(upload_files.pixel_bomb_png())
    assert refused.value.code == "image_too_many_pixels"


def test_pillows_own_bomb_guard_is_a_refusal_too(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_IMAGE_PIXELS", 10**12)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValidationError) as refused:
        uploads.check_image(upload_files.image("PNG", size=(40, 40)))
    assert refused.value.code == "image_too_many_pixels"


@pytest.mark.parametrize(
    "data",
    [b"\xff\xd8\xff\xe0 broken", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, HTML],
    ids=["jpeg", "png", "html"],
)
def test_what_is_no_readable_image_is_refused(data):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(data, {uploads.JPEG, uploads.PNG})
    assert refused.value.code in {"image_unreadable", "file_type_not_allowed"}


def test_a_clean_pdf_is_kept_byte_for_byte():
    data = upload_files.clean_pdf()
    checked = uploads.check_pdf(data)
    assert checked.data == data
    assert checked.page_count == 1
    # White space after the last %%EOF is what writers add; it is no content.
    assert uploads.check_pdf(data + b"\r\n\x00\x00").data == data + b"\r\n\x00\x00"


@pytest.mark.parametrize(("make", "code"), [(make, code) for _n, make, code in BAD_PDFS])
def test_a_pdf_that_is_more_than_a_document_is_refused(make, code):
    with pytest.raises(ValidationError) as refused:
        uploads.check_upload(make(), {uploads.PDF})
    assert refused.value.code == code


# --- The size, while the upload streams in -------------------------------------------------------


def parse(request):
    parser = MultiPartParser(
        request.META, request, request.upload_handlers, request.encoding or "utf-8"
    )
    return parser.parse()


def test_a_file_past_the_limit_stops_being_kept(settings):
    settings.MAX_UPLOAD_FILE_BYTES = 200 * 1024
    request = RequestFactory().post(
        "/",
        {"file": _named(b"%PDF-" + b"x" * (400 * 1024), "groot.pdf"), "description": "Pagina 11"},
    )
    kept = []

    class Recording(TemporaryFileUploadHandler):
        def receive_data_chunk(self, raw_data, start):
            kept.append(len(raw_data))
            return super().receive_data_chunk(raw_data, start)

        def file_complete(self, file_size):
            kept.append(("complete", file_size))
            return super().file_complete(file_size)

    request.upload_handlers = [uploads.SizeLimitUploadHandler(request), Recording(request)]
    post, files = parse(request)

    upload = files["file"]
    assert isinstance(upload, uploads.TooLargeUpload)
    assert upload.size > settings.MAX_UPLOAD_FILE_BYTES and upload.read() == b""
    assert post["description"] == "Pagina 11"  # the rest of the form still arrives
    assert sum(n for n in kept if isinstance(n, int)) <= settings.MAX_UPLOAD_FILE_BYTES
    assert request.upload_handlers[1].file.closed  # the partial temporary file is gone
    error = uploads.size_error(upload, 5 * 1024 * 1024)
    assert error is not None and error.code == "file_too_large"


def test_a_file_under_the_limit_passes_untouched(settings):
    settings.MAX_UPLOAD_FILE_BYTES = 200 * 1024
    data = upload_files.clean_pdf()
    request = RequestFactory().post("/", {"file": _named(data, "scan.pdf")})

    _post, files = parse(request)

    assert not getattr(files["file"], "too_large", False)
    assert files["file"].read() == data


def test_the_site_streams_uploads_through_the_limit(settings):
    assert settings.FILE_UPLOAD_HANDLERS[0] == "wijkaanpak.common.uploads.SizeLimitUploadHandler"
    assert settings.MAX_UPLOAD_FILE_BYTES == 25 * 1024 * 1024


def _named(data, name):
    file = io.BytesIO(data)
    file.name = name
    return file
