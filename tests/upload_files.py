"""Files made in the test that try to be more than they claim: photos with a GPS position,
polyglots (an image or PDF that also carries HTML), encrypted and active PDFs, pixel bombs."""

import io

from PIL import Image
from pypdf import PdfWriter
from pypdf.actions import JavaScript
from pypdf.generic import DictionaryObject, NameObject, TextStringObject

HTML = b"<html><body><script>alert(document.cookie)</script></body></html>"

# Where the test photo was taken: the Grote Markt in Haarlem.
LATITUDE = (52.0, 22.0, 51.0)
LONGITUDE = (4.0, 38.0, 12.0)
GPS_IFD = 0x8825
ORIENTATION = 0x0112


def jpeg_with_gps(size=(40, 20), orientation=6):
    """A JPEG whose EXIF holds a GPS position and an orientation (6: turn 90° to stand up)."""
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: "N", 2: LATITUDE, 3: "E", 4: LONGITUDE})
    buffer = io.BytesIO()
    Image.new("RGB", size, "red").save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def image(kind, size=(8, 8)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "blue").save(buffer, format=kind)
    return buffer.getvalue()


def polyglot_jpeg():
    return image("JPEG") + HTML


def polyglot_png():
    return image("PNG") + HTML


def pixel_bomb_png(size=(10_000, 5_000)):
    """Fifty million pixels in a few dozen kilobytes."""
    buffer = io.BytesIO()
    Image.new("1", size).save(buffer, format="PNG")
    return buffer.getvalue()


def _pdf(change=None):
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    if change:
        change(writer)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def clean_pdf():
    return _pdf()


def pdf_with_html_before():
    return HTML + b"\n" + _pdf()


def pdf_with_html_after():
    return _pdf() + HTML


def encrypted_pdf():
    return _pdf(lambda writer: writer.encrypt(user_password="", owner_password="geheim"))


def pdf_with_javascript():
    return _pdf(lambda writer: writer.add_open_action(JavaScript("app.alert('hallo');")))


def pdf_with_launch_action():
    def launch(writer):
        writer.root_object[NameObject("/OpenAction")] = DictionaryObject(
            {
                NameObject("/S"): NameObject("/Launch"),
                NameObject("/F"): TextStringObject("cmd.exe"),
            }
        )

    return _pdf(launch)


def pdf_with_embedded_file():
    return _pdf(lambda writer: writer.add_attachment("factuur.exe", b"MZ\x90\x00"))


# Each refused PDF with the code of its refusal.
BAD_PDFS = [
    ("html_before", pdf_with_html_before, "pdf_extra_data"),
    ("html_after", pdf_with_html_after, "pdf_extra_data"),
    ("encrypted", encrypted_pdf, "pdf_encrypted"),
    ("javascript", pdf_with_javascript, "pdf_active_content"),
    ("launch", pdf_with_launch_action, "pdf_active_content"),
    ("embedded_file", pdf_with_embedded_file, "pdf_active_content"),
]
