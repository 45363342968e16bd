"""The attachment of a progress update, sent through the team portal: what is stored is what
was checked, and a refusal stores nothing (no row, no file)."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from projects.models import ProgressUpdate
from tests import upload_files
from tests.factories import project_in_signed_contract, team_member
from tests.projects.test_portal import client_for, error_codes, media_files, update_data, work_url
from tests.upload_files import BAD_PDFS, GPS_IFD

pytestmark = pytest.mark.django_db


@pytest.fixture
def project(db):
    return project_in_signed_contract(title="Speelplekken opknappen")


@pytest.fixture
def member(project):
    return team_member(project, username="teamlid")


def post(member, project, name, data):
    upload = SimpleUploadedFile(name, data, content_type="image/jpeg")
    return client_for(member).post(work_url(project), update_data(attachment=upload))


def test_a_photo_is_stored_without_its_gps_position(member, project):
    response = post(member, project, "plein.jpg", upload_files.jpeg_with_gps())

    assert response.status_code == 302
    [stored] = media_files()
    image = Image.open(io.BytesIO(stored.read_bytes()))
    assert not image.getexif().get_ifd(GPS_IFD)
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40)
    assert ProgressUpdate.objects.get().attachment_type == "image/jpeg"


@pytest.mark.parametrize(
    ("name", "make", "content_type"),
    [
        ("plein.jpg", upload_files.polyglot_jpeg, "image/jpeg"),
        ("plein.png", upload_files.polyglot_png, "image/png"),
    ],
)
def test_an_image_with_html_behind_it_is_served_as_only_the_image(
    member, project, name, make, content_type
):
    post(member, project, name, make())

    update = ProgressUpdate.objects.get()
    [stored] = media_files()
    assert b"<html" not in stored.read_bytes()
    response = client_for(member).get(update_attachment_url(update))
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline;")
    assert b"<html" not in response.getvalue()


def update_attachment_url(update):
    return reverse(
        "projects:update_attachment", kwargs={"pk": update.project_id, "update_pk": update.pk}
    )


@pytest.mark.parametrize(
    ("make", "code"),
    [(make, code) for _name, make, code in BAD_PDFS]
    + [(upload_files.pixel_bomb_png, "image_too_many_pixels")],
    ids=[name for name, _make, _code in BAD_PDFS] + ["pixel_bomb"],
)
def test_a_file_that_is_more_than_it_claims_is_refused_and_nothing_is_stored(
    member, project, make, code
):
    response = post(member, project, "verslag.pdf", make())

    assert response.status_code == 200
    assert error_codes(response, "attachment") == [code]
    assert not ProgressUpdate.objects.exists()
    assert media_files() == []


def test_a_file_past_the_streaming_limit_is_a_form_error(member, project, settings):
    settings.MAX_UPLOAD_FILE_BYTES = 100 * 1024
    response = post(member, project, "groot.jpg", b"\xff\xd8\xff" + b"\x00" * (300 * 1024))

    assert response.status_code == 200
    assert error_codes(response, "attachment") == ["file_too_large"]
    assert not ProgressUpdate.objects.exists()
    assert media_files() == []
