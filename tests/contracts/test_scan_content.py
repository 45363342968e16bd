"""A scan of the signed pages is a PDF and nothing more: refused when it is encrypted, can act
by itself or carries other bytes, with nothing stored; a scan too large for the site stops
being kept while it streams in."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import SigningScan
from tests import upload_files
from tests.contracts.test_signing import admin_url, media_files, messages_of
from tests.factories import contract_in_status
from tests.upload_files import BAD_PDFS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("make", "code"),
    [(make, code) for _name, make, code in BAD_PDFS],
    ids=[name for name, _make, _code in BAD_PDFS],
)
def test_a_scan_that_is_more_than_a_pdf_is_refused_and_nothing_is_stored(settings, make, code):
    contract = contract_in_status(ContractStatus.SIGNED)
    files = media_files(settings)

    with pytest.raises(ValidationError) as refused:
        services.attach_scan(contract, SimpleUploadedFile("getekend.pdf", make()))

    assert code in {error.code for error in refused.value.error_list}
    assert not SigningScan.objects.exists()
    assert media_files(settings) == files


def test_the_name_of_a_scan_loses_its_direction_characters():
    contract = contract_in_status(ContractStatus.SIGNED)
    name = "getekend\u202efdp.exe.pdf"

    scan = services.attach_scan(contract, SimpleUploadedFile(name, upload_files.clean_pdf()))

    assert scan.original_name == "getekendfdp.exe.pdf"


def test_a_scan_past_the_streaming_limit_is_an_error_message(editor, settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    settings.MAX_UPLOAD_FILE_BYTES = 100 * 1024
    files = media_files(settings)
    data = upload_files.clean_pdf() + b" " * (300 * 1024)

    response = editor.post(
        admin_url("scan_upload", contract),
        {"file": SimpleUploadedFile("groot.pdf", data), "description": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert any("scan_too_large" in tags for tags, _text in messages_of(response))
    assert not SigningScan.objects.exists()
    assert media_files(settings) == files
