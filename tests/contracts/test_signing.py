"""Registering the signing: the archived signed original, its fingerprint, scans, caching.

Marked `pdf`: the PDFs are read back with poppler's pdftotext and pdfinfo; locally the tests
skip without poppler-utils, in CI a missing tool fails them.
"""

import datetime
import hashlib
import io
import re
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from contracts import documents, services
from contracts.choices import ContractStatus
from contracts.models import (
    Contract,
    ContractFrozen,
    ContractParty,
    ContractSection,
    FinalDocument,
    SignedOriginal,
    SigningScan,
)
from tests import pdf_reading
from tests.conftest import editor_client
from tests.factories import (
    ContractPartyFactory,
    UserFactory,
    blank_pdf,
    complete_contract,
    contract_in_status,
)
from tests.pdf_reading import contract_pdf_url, flat
from wijkaanpak.common import pdf

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]

SIGNING_DAY = datetime.date(2007, 10, 2)


def pdf_text(data, tmp_path):
    path = tmp_path / f"read-{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    return flat(pdf_reading.pdf_text(path))


def pdf_info(data, tmp_path):
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    return pdf_reading.pdf_info(path)


def ready_contract(parties=3):
    contract = complete_contract()
    ContractPartyFactory.create_batch(parties - 2, contract=contract)
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    return contract


def media_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return sorted(p.relative_to(root) for p in root.rglob("*") if p.is_file())


def register(contract, **overrides):
    arguments = {
        "signed_on": SIGNING_DAY,
        "place": "Haarlem",
        "signed_party_ids": list(contract.parties.values_list("pk", flat=True)),
        **overrides,
    }
    return services.register_signing(contract, **arguments)


# --- The service ------------------------------------------------------------------------------


def test_registering_signs_and_archives_the_pdf_once(settings):
    contract = ready_contract()
    user = UserFactory(is_staff=True)

    register(contract, user=user)

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert (contract.signed_on, contract.signing_place) == (SIGNING_DAY, "Haarlem")
    original = SignedOriginal.objects.get(contract=contract)
    stored = Path(settings.MEDIA_ROOT, original.file.name).read_bytes()
    assert stored.startswith(b"%PDF-")
    assert original.sha256 == hashlib.sha256(stored).hexdigest()
    assert original.size == len(stored)
    assert original.page_count == pdf.page_count(stored) > 1
    assert original.archived_by == user
    assert contract.status_changes.last().changed_by == user


def test_the_final_pdf_is_frozen_when_ready_and_archived_unchanged(settings, calls_to):
    contract = ready_contract()
    final = FinalDocument.objects.get(contract=contract)
    stored = Path(settings.MEDIA_ROOT, final.file.name).read_bytes()
    # Known and published from the moment it is ready.
    assert final.sha256 == hashlib.sha256(stored).hexdigest()
    assert (final.signed_on, final.signing_place) == (contract.signed_on, contract.signing_place)
    assert final.public_address == settings.SITE_URL
    assert re.fullmatch(r"WK-2007-[0-9A-Z]{6}", final.document_code)
    rendered = calls_to(pdf, "html_to_pdf")

    register(contract)

    original = SignedOriginal.objects.get(contract=contract)
    assert rendered == []  # nothing rendered at the signing
    assert (original.sha256, original.document_code) == (final.sha256, final.document_code)
    assert Path(settings.MEDIA_ROOT, original.file.name).read_bytes() == stored
    assert original.file.name.startswith("contracts/signed/")
    assert documents.contract_pdf(contract)[0] == stored
    assert not FinalDocument.objects.filter(contract=contract).exists()


def pages_of(data, tmp_path):
    path = tmp_path / f"pages-{hashlib.sha256(data).hexdigest()[:8]}.pdf"
    path.write_bytes(data)
    return [pdf_reading.pdf_text(path, page) for page in range(1, pdf_reading.page_count(path) + 1)]


def test_every_page_of_the_final_pdf_carries_its_code_and_none_a_concept_mark(
    tmp_path, poppler, settings
):
    settings.SITE_URL = "https://wijkaanpak.gemeente.example"
    contract = ready_contract()
    final = contract.final_document

    pages = pages_of(documents.read_archived(final), tmp_path)

    assert len(pages) == final.page_count > 1
    assert all(final.document_code in page for page in pages)
    assert not any("CONCEPT" in page.upper() for page in pages)
    assert (
        f"https://wijkaanpak.gemeente.example/wijken/{contract.neighbourhood.slug}/contract/"
        in ("".join(pages[0].split()))
    )
    assert "2 oktober 2007" in flat(pages[0]) and "Haarlem" in pages[0]


def test_the_document_code_follows_the_content():
    assert documents.document_code("<p>a</p>", 2007) == documents.document_code("<p>a</p>", 2007)
    assert documents.document_code("<p>a</p>", 2007) != documents.document_code("<p>b</p>", 2007)
    assert documents.document_code("<p>a</p>", 2008).startswith("WK-2008-")


def test_a_signing_on_another_day_is_refused_until_a_new_print_is_signed(
    tmp_path, poppler, settings, django_capture_on_commit_callbacks
):
    from django.utils import translation

    contract = ready_contract()
    first = contract.final_document
    real_day = SIGNING_DAY + datetime.timedelta(days=1)

    with translation.override("nl"), pytest.raises(ValidationError) as refused:
        register(contract, signed_on=real_day, place="Zandvoort")

    assert {error.code for error in refused.value.error_list} == {"signing_details_differ"}
    message = " ".join(refused.value.messages)
    assert "3 oktober 2007, Zandvoort" in message and "2 oktober 2007, Haarlem" in message
    assert "afdruk" in message  # said in Dutch
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)
    assert contract.final_document.sha256 == first.sha256

    everyone = list(contract.parties.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        new_print = services.make_new_print(
            contract, signed_on=real_day, place="Zandvoort", signed_party_ids=everyone
        )
    assert new_print.is_reprint
    assert new_print.document_code != first.document_code
    assert not Path(settings.MEDIA_ROOT, first.file.name).exists()

    with pytest.raises(ValidationError) as unconfirmed:
        register(contract, signed_on=real_day, place="Zandvoort")
    assert {error.code for error in unconfirmed.value.error_list} == {"new_print_not_confirmed"}
    assert not SignedOriginal.objects.filter(contract=contract).exists()

    register(contract, signed_on=real_day, place="Zandvoort", new_print_signed=True)

    contract.refresh_from_db()
    assert (contract.signed_on, contract.signing_place) == (real_day, "Zandvoort")
    assert contract.signed_original.sha256 == new_print.sha256
    assert "3 oktober 2007" in flat(pdf_text(documents.contract_pdf(contract)[0], tmp_path))


def test_a_new_print_that_changes_nothing_is_refused(settings):
    contract = ready_contract()
    everyone = list(contract.parties.values_list("pk", flat=True))

    with pytest.raises(ValidationError) as refused:
        services.make_new_print(
            contract, signed_on=SIGNING_DAY, place="Haarlem", signed_party_ids=everyone
        )

    assert refused.value.code == "new_print_not_needed"
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)


def test_a_ready_contract_cannot_be_edited_and_back_to_draft_discards_its_final_pdf(
    settings, django_capture_on_commit_callbacks
):
    contract = ready_contract()
    final = contract.final_document
    section = contract.sections.first()
    section.body = "Stiekem gewijzigd"

    with pytest.raises(ContractFrozen):
        section.save()

    with django_capture_on_commit_callbacks(execute=True):
        services.change_status(contract, ContractStatus.DRAFT)
    assert not FinalDocument.objects.filter(contract=contract).exists()
    assert not Path(settings.MEDIA_ROOT, final.file.name).exists()
    assert media_files(settings) == []


def test_a_party_that_did_not_sign_needs_a_new_print_without_it(tmp_path, poppler, settings):
    contract = ready_contract(parties=3)
    parties = list(contract.parties.select_related("partner"))
    absent = parties[2]
    signing = [parties[0].pk, parties[1].pk]

    # The final PDF has a signature block for the absent party: not the paper that was signed.
    with pytest.raises(ValidationError) as refused:
        register(contract, signed_party_ids=signing)
    assert {error.code for error in refused.value.error_list} == {"parties_differ"}
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)

    new_print = services.make_new_print(
        contract, signed_on=SIGNING_DAY, place="Haarlem", signed_party_ids=signing
    )
    register(contract, signed_party_ids=signing, new_print_signed=True)

    assert list(contract.parties.order_by("pk")) == parties[:2]
    data = documents.contract_pdf(contract)[0]
    assert hashlib.sha256(data).hexdigest() == new_print.sha256
    text = pdf_text(data, tmp_path)
    assert parties[0].partner.name in text and parties[1].partner.name in text
    assert absent.partner.name not in text


def assert_nothing_changed(contract, before_status, party_count, settings):
    contract.refresh_from_db()
    assert contract.status == before_status
    assert contract.parties.count() == party_count
    assert not SignedOriginal.objects.filter(contract=contract).exists()
    # Only the final PDF made when it became ready for signing, unchanged.
    final = FinalDocument.objects.get(contract=contract)
    assert media_files(settings) == [Path(final.file.name)]
    assert (
        final.sha256
        == hashlib.sha256(Path(settings.MEDIA_ROOT, final.file.name).read_bytes()).hexdigest()
    )


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"signed_party_ids": []}, "too_few_parties"),
        ({"place": "   "}, "signing_details_missing"),
        ({"signed_on": None}, "signing_details_missing"),
        ({"signed_on": timezone.localdate() + datetime.timedelta(days=1)}, "signed_in_future"),
        ({"signed_party_ids": [999_999]}, "unknown_party"),
    ],
)
def test_bad_signing_details_are_refused_and_change_nothing(overrides, code, settings):
    contract = ready_contract()

    with pytest.raises(ValidationError) as refused:
        register(contract, **overrides)

    assert code in {error.code for error in refused.value.error_list}
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)


@pytest.mark.parametrize("status", [ContractStatus.DRAFT, ContractStatus.SIGNED])
def test_only_a_contract_that_is_ready_can_be_registered(status, settings):
    contract = contract_in_status(status)
    files_before = media_files(settings)
    originals_before = SignedOriginal.objects.count()

    with pytest.raises(ValidationError) as refused:
        register(contract)

    assert refused.value.code == "not_ready_for_signing"
    assert Contract.objects.get(pk=contract.pk).status == status
    assert media_files(settings) == files_before
    assert SignedOriginal.objects.count() == originals_before


def test_a_signing_party_without_signatory_is_refused(settings):
    contract = ready_contract()
    party = contract.parties.first()
    # Data from before the rule that a contract needs signatories to be ready.
    # Django's plain QuerySet.update passes the freeze guard, as a data migration would.
    models.QuerySet.update(ContractParty.objects.filter(pk=party.pk), signatory_name="")

    with pytest.raises(ValidationError) as refused:
        register(contract)

    assert "signatory_missing" in {error.code for error in refused.value.error_list}
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)


def test_a_second_archived_render_is_refused(settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    original = contract.signed_original
    files = media_files(settings)

    with pytest.raises(ValidationError) as refused:
        documents.archive_contract(contract)

    assert refused.value.code == "already_archived"
    assert media_files(settings) == files
    assert SignedOriginal.objects.get(contract=contract).sha256 == original.sha256


def test_the_archived_original_itself_never_changes():
    original = contract_in_status(ContractStatus.SIGNED).signed_original

    original.sha256 = "0" * 64
    with pytest.raises(ValidationError) as changed:
        original.save()
    with pytest.raises(ValidationError) as removed:
        original.delete()
    with pytest.raises(ValidationError) as bulk:
        SignedOriginal.objects.filter(pk=original.pk).delete()

    assert changed.value.code == removed.value.code == bulk.value.code == "archive_immutable"


def test_the_parts_of_a_ready_contract_stay_frozen_outside_the_signing():
    contract = ready_contract()

    with pytest.raises(ContractFrozen):
        contract.parties.first().delete()
    with pytest.raises(ContractFrozen):
        ContractParty.objects.filter(contract=contract).delete()


# --- The published PDF ------------------------------------------------------------------------


def test_a_signed_contract_pdf_is_the_archived_file_byte_for_byte(client, settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    stored = Path(settings.MEDIA_ROOT, contract.signed_original.file.name).read_bytes()

    first = client.get(contract_pdf_url(contract))
    second = Client().get(contract_pdf_url(contract))

    assert first.status_code == second.status_code == 200
    assert first.content == second.content == stored
    assert first["ETag"] == f'"{contract.signed_original.sha256}"'
    assert first["X-Wijkaanpak-Source"] == "archive"


def test_the_bytes_stay_the_same_after_attempts_to_edit(client, tmp_path, poppler):
    contract = contract_in_status(ContractStatus.SIGNED)
    before = client.get(contract_pdf_url(contract)).content
    section = contract.sections.first()
    party = contract.parties.select_related("partner").first()
    old_name = party.partner.name

    section.body = "Een nieuwe tekst"
    with pytest.raises(ContractFrozen):
        section.save()
    with pytest.raises(ContractFrozen):
        ContractSection.objects.filter(contract=contract).update(heading="Anders")
    contract.title = "Een andere titel"
    with pytest.raises(ContractFrozen):
        contract.save()
    # A partner's name is not part of the contract: it may change, the original does not.
    party.partner.name = "Hernoemde Partner"
    party.partner.save()

    after = client.get(contract_pdf_url(contract)).content
    assert after == before
    text = pdf_text(after, tmp_path)
    assert old_name in text and "Hernoemde Partner" not in text


def test_the_published_fingerprint_matches_the_download(client):
    contract = contract_in_status(ContractStatus.SIGNED)

    page = client.get(
        reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})
    )
    download = client.get(contract_pdf_url(contract)).content

    shown = re.search(r'data-fingerprint="([0-9a-f]{64})"', page.content.decode()).group(1)
    assert shown == hashlib.sha256(download).hexdigest()
    assert page.content.decode().count(shown) >= 2


def test_the_contents_come_first_and_list_the_fingerprint_section(client):
    contract = contract_in_status(ContractStatus.SIGNED)

    content = client.get(
        reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})
    ).content.decode()

    contents = content.index('class="toc"')
    assert contents < content.index('class="fingerprint"')
    assert contents < content.index('class="contract-section"')
    assert 'href="#vingerafdruk"' in content[contents : content.index("</nav>", contents)]


def test_an_earlier_contract_keeps_its_own_pdf_and_fingerprint(client):
    earlier = contract_in_status(ContractStatus.SIGNED)
    later = contract_in_status(
        ContractStatus.SIGNED,
        neighbourhood=earlier.neighbourhood,
        title="Wijkcontract, oktober 2009 – oktober 2011",
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
        signed_on=datetime.date(2009, 10, 2),
    )
    slug = earlier.neighbourhood.slug
    version_pdf = reverse("contracts:contract_version_pdf", kwargs={"slug": slug, "pk": earlier.pk})

    page = client.get(earlier.get_absolute_url()).content.decode()
    download = client.get(version_pdf)

    assert f'href="{version_pdf}"' in page
    assert download.content == documents.read_archived(earlier.signed_original)
    assert client.get(contract_pdf_url(earlier)).content == documents.read_archived(
        later.signed_original
    )
    assert earlier.signed_original.sha256 in page
    assert later.signed_original.sha256 not in page


def test_a_draft_version_pdf_is_for_staff_only(client):
    draft = contract_in_status(ContractStatus.DRAFT)
    url = reverse(
        "contracts:contract_version_pdf", kwargs={"slug": draft.neighbourhood.slug, "pk": draft.pk}
    )
    other = contract_in_status(ContractStatus.SIGNED)
    elsewhere = reverse(
        "contracts:contract_version_pdf", kwargs={"slug": draft.neighbourhood.slug, "pk": other.pk}
    )
    staff = editor_client()

    assert client.get(url).status_code == 404
    assert client.get(elsewhere).status_code == 404
    assert staff.get(url)["X-Wijkaanpak-Source"] in {"rendered", "cache"}


def test_a_browser_that_has_the_original_gets_not_modified(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    etag = f'"{contract.signed_original.sha256}"'

    response = client.get(contract_pdf_url(contract), HTTP_IF_NONE_MATCH=etag)

    assert response.status_code == 304
    assert response["ETag"] == etag


def test_the_archived_pdf_is_tagged_with_title_and_language(client, tmp_path, poppler):
    contract = contract_in_status(ContractStatus.SIGNED)

    info = pdf_info(client.get(contract_pdf_url(contract)).content, tmp_path)

    assert re.search(r"^Tagged:\s+yes", info, re.MULTILINE)
    assert re.search(rf"^Title:\s+{re.escape(contract.title)}$", info, re.MULTILINE)


def test_a_ready_contract_is_rendered_once_when_it_becomes_ready_and_served_as_stored(
    client, calls_to
):
    rendered = calls_to(pdf, "html_to_pdf")
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    assert len(rendered) == 1
    final = FinalDocument.objects.get(contract=contract)

    first = client.get(contract_pdf_url(contract))
    second = client.get(contract_pdf_url(contract))
    assert len(rendered) == 1
    assert first.content == second.content
    assert hashlib.sha256(first.content).hexdigest() == final.sha256
    assert first["X-Wijkaanpak-Source"] == "archive"

    # Back to draft discards the final PDF; ready again renders the changed text once.
    services.change_status(contract, ContractStatus.DRAFT)
    assert not FinalDocument.objects.filter(contract=contract).exists()
    section = contract.sections.first()
    section.body = "Een gewijzigde tekst"
    section.save()
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    third = client.get(contract_pdf_url(contract))

    assert len(rendered) == 2
    assert "Een gewijzigde tekst" in rendered[1]
    assert hashlib.sha256(third.content).hexdigest() == contract.final_document.sha256
    assert contract.final_document.sha256 != final.sha256


def signed_before_archiving(contract, user=None):
    """In place of archive_final: a signing as it was before contracts were archived."""
    FinalDocument.objects.filter(contract_id=contract.pk).delete()


def test_a_signed_contract_without_archive_is_rendered_without_concept(
    tmp_path, poppler, monkeypatch
):
    # A contract signed before archiving existed: no SignedOriginal row.
    monkeypatch.setattr(services.documents, "archive_final", signed_before_archiving)
    contract = Contract.objects.get(pk=contract_in_status(ContractStatus.SIGNED).pk)
    monkeypatch.undo()

    data, source = documents.contract_pdf(contract)

    assert source in {"rendered", "cache"}
    assert "CONCEPT" not in pdf_text(data, tmp_path)


# --- Scans ------------------------------------------------------------------------------------


def test_a_pdf_scan_is_stored_with_its_fingerprint(settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    data = blank_pdf(pages=3)

    scan = services.attach_scan(
        contract, SimpleUploadedFile("getekend.pdf", data), description="Handtekeningen"
    )

    assert scan.page_count == 3
    assert scan.sha256 == hashlib.sha256(data).hexdigest()
    assert Path(settings.MEDIA_ROOT, scan.file.name).read_bytes() == data
    assert scan.original_name == "getekend.pdf"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("scan.jpg", b"\xff\xd8\xff\xe0 not a pdf", "scan_not_pdf"),
        ("scan.pdf", b"MZ\x90\x00 an executable", "scan_not_pdf"),
        ("scan.pdf", b"%PDF-1.4\nthis is no PDF structure at all", "pdf_unreadable"),
        ("scan.pdf", b"", "scan_not_pdf"),
    ],
)
def test_a_scan_that_is_not_a_readable_pdf_is_refused(name, content, code, settings):
    contract = contract_in_status(ContractStatus.SIGNED)
    files = media_files(settings)

    with pytest.raises(ValidationError) as refused:
        services.attach_scan(contract, SimpleUploadedFile(name, content))

    assert code in {error.code for error in refused.value.error_list}
    assert not SigningScan.objects.exists()
    assert media_files(settings) == files


def test_a_scan_of_an_unsigned_contract_is_refused(settings):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    files = media_files(settings)

    with pytest.raises(ValidationError) as refused:
        services.attach_scan(contract, SimpleUploadedFile("scan.pdf", blank_pdf(pages=2)))

    assert refused.value.code == "not_signed"
    assert media_files(settings) == files
    assert not SigningScan.objects.exists()


def test_a_too_large_scan_is_refused(monkeypatch):
    contract = contract_in_status(ContractStatus.SIGNED)
    monkeypatch.setattr(services, "MAX_SCAN_BYTES", 100)

    with pytest.raises(ValidationError) as refused:
        services.attach_scan(contract, SimpleUploadedFile("scan.pdf", blank_pdf(pages=2)))

    assert "scan_too_large" in {error.code for error in refused.value.error_list}


# --- The admin --------------------------------------------------------------------------------


def admin_url(name, contract, *args):
    return reverse(f"admin:contracts_contract_{name}", args=[contract.pk, *args])


def messages_of(response):
    return [(m.tags, str(m)) for m in response.context["messages"]] if response.context else []


def test_the_editor_registers_the_signing_in_the_admin(editor, editor_user):
    contract = ready_contract(parties=3)
    final = contract.final_document

    form = editor.get(admin_url("signing", contract))
    assert form.status_code == 200
    assert final.sha256 in form.content.decode()
    assert final.document_code in form.content.decode()
    printed = editor.get(admin_url("final", contract)).content

    response = editor.post(
        admin_url("signing", contract),
        {"signed_on": "2007-10-02", "signing_place": "Haarlem", "parties": all_parties(contract)},
        follow=True,
    )

    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert any("signed" in tags for tags, _text in messages_of(response))
    # The file that was printed is the archived original, its fingerprint unchanged.
    assert contract.signed_original.sha256 == final.sha256 == hashlib.sha256(printed).hexdigest()
    assert contract.signed_original.document_code == final.document_code
    assert contract.signed_original.sha256 in response.content.decode()
    assert editor.get(admin_url("original", contract)).content == printed


def all_parties(contract):
    return list(contract.parties.order_by("pk").values_list("pk", flat=True))


def test_a_party_that_did_not_sign_gets_a_new_print_in_the_admin(
    editor, settings, django_capture_on_commit_callbacks
):
    contract = ready_contract(parties=3)
    parties = list(contract.parties.order_by("pk"))
    first_final = contract.final_document
    data = {
        "signed_on": "2007-10-02",
        "signing_place": "Haarlem",
        "parties": [parties[0].pk, parties[1].pk],
    }

    refused = editor.post(admin_url("signing", contract), data)
    assert refused.status_code == 200
    codes = {error.code for error in refused.context["form"].non_field_errors().as_data()}
    assert codes == {"parties_differ"}
    assert 'value="new_print"' in refused.content.decode()
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)

    with django_capture_on_commit_callbacks(execute=True):
        made = editor.post(
            admin_url("signing", contract), {**data, "action": "new_print"}, follow=True
        )
    assert any("new_print" in tags for tags, _text in messages_of(made))
    new_print = FinalDocument.objects.get(contract=contract)
    assert new_print.is_reprint and new_print.sha256 != first_final.sha256
    assert "new_print_signed" in made.context["form"].fields

    unconfirmed = editor.post(admin_url("signing", contract), data)
    codes = {error.code for error in unconfirmed.context["form"].non_field_errors().as_data()}
    assert codes == {"new_print_not_confirmed"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.READY_FOR_SIGNING

    with django_capture_on_commit_callbacks(execute=True):
        editor.post(admin_url("signing", contract), {**data, "new_print_signed": "on"})
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED
    assert contract.parties.count() == 2
    assert contract.signed_original.sha256 == new_print.sha256
    # Both final PDFs are gone; the new print's bytes are the archived original.
    assert media_files(settings) == [Path(contract.signed_original.file.name)]


def test_a_refused_signing_in_the_admin_shows_the_form_again(editor, settings):
    contract = ready_contract()

    response = editor.post(
        admin_url("signing", contract),
        {"signed_on": "2007-10-02", "signing_place": "Haarlem", "parties": [], "note": ""},
    )

    assert response.status_code == 200
    assert response.context["form"].errors
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)


def test_a_service_refusal_in_the_admin_is_a_form_error(editor, settings):
    contract = ready_contract()
    one = contract.parties.first().pk

    response = editor.post(
        admin_url("signing", contract),
        {"signed_on": "2007-10-02", "signing_place": "Haarlem", "parties": [one], "note": ""},
    )

    assert response.status_code == 200
    codes = {error.code for error in response.context["form"].non_field_errors().as_data()}
    assert codes == {"too_few_parties"}
    assert_nothing_changed(contract, ContractStatus.READY_FOR_SIGNING, 3, settings)


def test_the_signing_page_of_a_draft_sends_the_editor_back(editor):
    contract = contract_in_status(ContractStatus.DRAFT)

    response = editor.get(admin_url("signing", contract), follow=True)

    assert any("not_ready_for_signing" in tags for tags, _text in messages_of(response))
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def test_the_editor_attaches_a_scan_and_reads_it_back(editor):
    contract = contract_in_status(ContractStatus.SIGNED)
    data = blank_pdf(pages=2)

    response = editor.post(
        admin_url("scan_upload", contract),
        {"file": SimpleUploadedFile("ondertekend.pdf", data), "description": "Pagina 11"},
        follow=True,
    )

    scan = SigningScan.objects.get(contract=contract)
    assert any("scan_stored" in tags for tags, _text in messages_of(response))
    assert editor.get(admin_url("scan", contract, scan.pk)).content == data
    assert Client().get(admin_url("scan", contract, scan.pk)).status_code == 302


def test_a_bad_scan_in_the_admin_is_an_error_message(editor):
    contract = contract_in_status(ContractStatus.SIGNED)

    response = editor.post(
        admin_url("scan_upload", contract),
        {"file": SimpleUploadedFile("ondertekend.pdf", b"not a pdf"), "description": ""},
        follow=True,
    )

    assert response.status_code == 200
    assert any("scan_not_pdf" in tags for tags, _text in messages_of(response))
    assert not SigningScan.objects.exists()


# --- The pilot --------------------------------------------------------------------------------


def test_the_pilot_contracts_are_loaded_with_their_archived_original(client, settings):
    from wijkaanpak.common import pilot

    pilot.load_file()
    # Signed, and Centrum since completed after its final evaluation: each has its original.
    signed = Contract.objects.filter(status__in=(ContractStatus.SIGNED, ContractStatus.COMPLETED))

    assert signed.count() == 5
    for contract in signed:
        original = contract.signed_original
        download = client.get(contract_pdf_url(contract)).content
        assert hashlib.sha256(download).hexdigest() == original.sha256
    files = media_files(settings)

    pilot.load_file()

    assert media_files(settings) == files
    assert SignedOriginal.objects.count() == 5


# --- The benchmark command ----------------------------------------------------------------------


def test_the_pdf_benchmark_prints_a_row_per_contract(settings):
    from django.core.management import CommandError, call_command
    from django.utils import translation

    settings.ALLOWED_HOSTS = ["localhost"]
    signed = contract_in_status(ContractStatus.SIGNED)
    ready = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    out = io.StringIO()

    with translation.override("en"):
        call_command("bench_pdf", "--repeat", "1", stdout=out)
        with pytest.raises(CommandError):
            call_command("bench_pdf", "no-such-wijk", stdout=io.StringIO())

    rows = {line.split()[0]: line.split() for line in out.getvalue().splitlines() if line}
    assert rows[signed.neighbourhood.slug][-1] == "archive"
    assert rows[ready.neighbourhood.slug][-1] == "archive"
    assert int(rows[signed.neighbourhood.slug][2]) == signed.signed_original.page_count
    assert int(rows[ready.neighbourhood.slug][2]) == ready.final_document.page_count


def test_the_archive_command_archives_what_is_missing_once(monkeypatch):
    from django.core.management import call_command
    from django.utils import translation

    monkeypatch.setattr(services.documents, "archive_final", signed_before_archiving)
    legacy = contract_in_status(ContractStatus.SIGNED)
    monkeypatch.undo()
    out = io.StringIO()

    with translation.override("en"):
        call_command("archive_signed_contracts", stdout=out)
        call_command("archive_signed_contracts", stdout=out)

    original = SignedOriginal.objects.get(contract=legacy)
    assert original.sha256 in out.getvalue()
    assert SignedOriginal.objects.count() == 1
    assert out.getvalue().rstrip().endswith("already has its archived original.")


def test_hostile_text_in_every_field_is_printed_as_text_in_the_archived_pdf(
    tmp_path, poppler, settings
):
    from tests.factories import ProjectFactory, ProjectPartnerFactory, ResidentWishFactory

    def hostile(field):
        return f"<b>{field}</b><img src=x{field}>"

    contract = complete_contract(title=hostile("titel"), motto=hostile("motto"))
    neighbourhood = contract.neighbourhood
    neighbourhood.name = hostile("wijk")
    neighbourhood.save()
    section = contract.sections.first()
    section.heading, section.body = hostile("kop"), hostile("tekst")
    section.save()
    ResidentWishFactory(
        contract=contract,
        title=hostile("wens"),
        description=hostile("uitleg"),
        not_taken_up_reason=hostile("reden"),
    )
    party = contract.parties.select_related("partner").first()
    party.partner.name = hostile("partner")
    party.partner.save()
    party.signatory_name, party.signatory_function = hostile("naam"), hostile("functie")
    party.save()
    project = ProjectFactory(contract=contract, title=hostile("project"))
    ProjectPartnerFactory(project=project, contribution=hostile("bijdrage"))
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    everyone = list(contract.parties.values_list("pk", flat=True))
    services.make_new_print(
        contract, signed_on=SIGNING_DAY, place=hostile("plaats"), signed_party_ids=everyone
    )

    register(contract, place=hostile("plaats"), new_print_signed=True)

    text = "".join(pdf_text(documents.read_archived(contract.signed_original), tmp_path).split())
    for field in (
        "titel", "motto", "wijk", "kop", "tekst", "wens", "uitleg", "partner", "naam",
        "functie", "project", "bijdrage", "plaats", "reden",
    ):  # fmt: skip
        assert hostile(field).replace(" ", "") in text, field
