"""Archive integrity: archived files are checked when served, verified by verify_archive, and a
signing that rolls back leaves no file, while signing again makes no second copy."""

import hashlib
import logging
import os
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Contract, FinalDocument, SignedOriginal, SigningScan
from tests import factories
from tests.factories import (
    blank_pdf,
    complete_contract,
    contract_in_status,
    draft_addendum,
    sign_contract,
)
from tests.pdf_reading import addendum_pdf_url, contract_pdf_url
from wijkaanpak.common import archive

pytestmark = pytest.mark.django_db


class Boom(Exception):
    """Something later in the caller's transaction fails."""


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    if not root.exists():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def verify_archive():
    # The command speaks the site's language; the tests read its English source strings.
    with translation.override("en"):
        call_command("verify_archive")


def stored_path(settings, document):
    return Path(settings.MEDIA_ROOT, document.file.name)


def tamper(settings, document):
    path = stored_path(settings, document)
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01  # One bit, same size: only the hash notices.
    path.write_bytes(bytes(data))


@pytest.fixture
def signed():
    contract = contract_in_status(ContractStatus.SIGNED)
    return Contract.objects.get(pk=contract.pk)


@pytest.fixture
def signed_addendum(signed):
    partners = [party.partner for party in signed.parties.select_related("partner")]
    return factories.sign_addendum(draft_addendum(signed, partners))


# --- Served only as signed --------------------------------------------------------------------


def test_an_intact_original_is_served_with_its_fingerprint_and_a_304(client, signed):
    original = signed.signed_original

    response = client.get(contract_pdf_url(signed))
    again = client.get(contract_pdf_url(signed), HTTP_IF_NONE_MATCH=f'"{original.sha256}"')

    assert response.status_code == 200
    assert hashlib.sha256(response.content).hexdigest() == original.sha256
    assert response["ETag"] == f'"{original.sha256}"'
    assert again.status_code == 304


@pytest.mark.parametrize("damage", [archive.CHANGED, archive.MISSING])
def test_a_damaged_original_is_a_503_page_and_an_error_in_the_log(
    client, signed, settings, caplog, damage
):
    original = signed.signed_original
    if damage == archive.CHANGED:
        tamper(settings, original)
    else:
        stored_path(settings, original).unlink()

    with caplog.at_level(logging.ERROR, logger="wijkaanpak.common.archive"):
        response = client.get(contract_pdf_url(signed))
        version = client.get(
            reverse(
                "contracts:contract_version_pdf",
                kwargs={"slug": signed.neighbourhood.slug, "pk": signed.pk},
            )
        )

    for answer in (response, version):
        assert answer.status_code == 503
        assert answer["Content-Type"].startswith("text/html")
        assert "ETag" not in answer
        content = answer.content.decode()
        assert f'data-archive-state="{damage}"' in content
        assert original.sha256 in content
        assert "%PDF" not in content
    logged = [r for r in caplog.records if r.name == "wijkaanpak.common.archive"]
    assert [r.levelno for r in logged] == [logging.ERROR, logging.ERROR]
    assert original.file.name in logged[0].getMessage()
    assert original.sha256 in logged[0].getMessage()


def test_a_changed_addendum_is_a_503_page(client, signed_addendum, settings, caplog):
    tamper(settings, signed_addendum)

    with caplog.at_level(logging.ERROR, logger="wijkaanpak.common.archive"):
        response = client.get(addendum_pdf_url(signed_addendum))

    assert response.status_code == 503
    assert 'data-archive-state="changed"' in response.content.decode()
    assert signed_addendum.file.name in caplog.text


def test_the_admin_serves_no_changed_original_or_scan(editor, signed, settings):
    scan = services.attach_scan(signed, SimpleUploadedFile("getekend.pdf", blank_pdf()))
    tamper(settings, signed.signed_original)
    stored_path(settings, scan).unlink()

    original = editor.get(reverse("admin:contracts_contract_original", args=[signed.pk]))
    scan_page = editor.get(reverse("admin:contracts_contract_scan", args=[signed.pk, scan.pk]))

    assert original.status_code == 503
    assert 'data-archive-state="changed"' in original.content.decode()
    assert scan_page.status_code == 503
    assert 'data-archive-state="missing"' in scan_page.content.decode()


# --- verify_archive ---------------------------------------------------------------------------


def test_verify_archive_reports_every_file_and_exits_zero_when_all_match(
    signed, signed_addendum, capsys
):
    services.attach_scan(signed, SimpleUploadedFile("getekend.pdf", blank_pdf()))

    verify_archive()

    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 4  # original, addendum, scan, summary
    for document in (signed.signed_original, signed_addendum, SigningScan.objects.get()):
        assert any(document.file.name in line and line.startswith("ok") for line in lines)


def test_verify_archive_lists_every_missing_and_changed_file_and_fails(
    signed, signed_addendum, settings, capsys
):
    scan = services.attach_scan(signed, SimpleUploadedFile("getekend.pdf", blank_pdf()))
    tamper(settings, signed.signed_original)
    stored_path(settings, scan).unlink()

    with pytest.raises(CommandError) as excinfo:
        verify_archive()

    assert excinfo.value.returncode == 1
    out = capsys.readouterr().out
    listed = str(excinfo.value)
    for name, state in (
        (signed.signed_original.file.name, "changed"),
        (scan.file.name, "missing"),
    ):
        line = next(line for line in out.splitlines() if name in line)
        assert line.startswith(state)
        assert name in listed
    assert signed_addendum.file.name not in listed


# --- Rollback and retry -----------------------------------------------------------------------


def test_a_final_pdf_whose_outer_transaction_fails_leaves_no_file_and_a_retry_one(
    settings, django_capture_on_commit_callbacks
):
    contract = complete_contract()

    with pytest.raises(Boom), transaction.atomic():
        with transaction.atomic():  # as the pilot loader's transaction around the lifecycle
            services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
        assert len(media_files(settings)) == 1
        raise Boom

    assert media_files(settings) == []
    assert not FinalDocument.objects.exists()
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT

    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    with django_capture_on_commit_callbacks(execute=True):
        sign_contract(contract)

    # The final PDF's bytes moved to the signed originals; its own file went at the commit.
    original = SignedOriginal.objects.get()
    assert media_files(settings) == [original.file.name]
    assert stored_path(settings, original).read_bytes()[:5] == b"%PDF-"
    assert original.file.name.endswith(f"-{original.sha256[:12]}.pdf")


def test_a_committed_signing_keeps_its_file(settings, django_capture_on_commit_callbacks):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    with django_capture_on_commit_callbacks(execute=True):
        sign_contract(contract)
    # A later failure elsewhere in the transaction does not touch a committed file.
    with pytest.raises(Boom), transaction.atomic():
        raise Boom

    assert media_files(settings) == [SignedOriginal.objects.get().file.name]


def test_the_same_scan_twice_is_one_file_and_a_failed_upload_removes_none(settings, signed):
    data = blank_pdf(pages=2)
    first = services.attach_scan(signed, SimpleUploadedFile("a.pdf", data))

    with pytest.raises(Boom), transaction.atomic():
        services.attach_scan(signed, SimpleUploadedFile("b.pdf", data))
        raise Boom
    second = services.attach_scan(signed, SimpleUploadedFile("c.pdf", data))

    scans = [name for name in media_files(settings) if "/scans/" in name]
    assert scans == [first.file.name] == [second.file.name]
    assert SigningScan.objects.count() == 2
    assert stored_path(settings, first).read_bytes() == data


def test_an_unwritable_archive_refuses_the_final_pdf_and_changes_nothing(settings):
    if os.geteuid() == 0:
        # root writes through file permissions; a file where the folder should be stops anyone.
        Path(settings.MEDIA_ROOT).mkdir(parents=True)
        Path(settings.MEDIA_ROOT, "contracts").write_text("not a folder")
    else:
        Path(settings.MEDIA_ROOT).mkdir(parents=True)
        Path(settings.MEDIA_ROOT).chmod(0o500)
    contract = complete_contract()

    # The final PDF is stored when the contract becomes ready for signing.
    try:
        with pytest.raises(ValidationError) as excinfo:
            services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    finally:
        Path(settings.MEDIA_ROOT).chmod(0o700)

    assert {e.code for e in excinfo.value.error_list} == {"archive_not_writable"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT
    assert not FinalDocument.objects.exists()
    assert not contract.status_changes.exists()


# --- Other readers of archived bytes: the signing set -----------------------------------------


def test_the_signing_set_is_refused_with_a_damaged_original(editor, signed, settings, tmp_path):
    tamper(settings, signed.signed_original)

    response = editor.post(
        reverse("admin:contracts_contract_changelist"),
        {"action": "download_signing_set", "_selected_action": [signed.pk]},
        follow=True,
    )
    with pytest.raises(CommandError) as excinfo, translation.override("en"):
        call_command("render_contracts", "--output", str(tmp_path / "set"))

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    tags = [m.extra_tags for m in response.context["messages"]]
    assert tags == ["archive_damaged"]
    assert signed.signed_original.file.name in str(excinfo.value)
