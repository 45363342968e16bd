"""The signing in a real browser: staff register it, residents check the fingerprint."""

import hashlib
import zipfile

import pytest

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Contract, FinalDocument
from tests.conftest import assert_accessible, log_in
from tests.factories import (
    ContractPartyFactory,
    complete_contract,
    draft_addendum,
    move_to,
)
from tests.pdf_reading import page_count, pdf_text

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def pages_of(data, tmp_path):
    """The text of each page of the PDF `data`, as pdftotext reads it."""
    path = tmp_path / f"{hashlib.sha256(data).hexdigest()[:12]}.pdf"
    path.write_bytes(data)
    return [pdf_text(path, number) for number in range(1, page_count(path) + 1)]


def ready_in_the_admin(page, contract):
    """The editor makes `contract` ready for signing with the lifecycle box's button."""
    page.goto(f"/admin/contracts/contract/{contract.pk}/change/")
    page.get_by_role("button", name="Markeren als klaar voor ondertekening").click()
    page.wait_for_url(f"**/admin/contracts/contract/{contract.pk}/change/")
    assert page.locator(".messagelist .success").count() == 1


def print_the_signing_set(page, contract, tmp_path):
    """The editor downloads the signing set of `contract` from the contract list: the ZIP's
    contract PDF, as printed."""
    page.goto("/admin/contracts/contract/")
    page.locator(f"input[name=_selected_action][value='{contract.pk}']").check()
    page.select_option("select[name=action]", "download_signing_set")
    with page.expect_download() as download:
        page.locator("button[name=index]").click()
    zipped = tmp_path / "tekenset.zip"
    download.value.save_as(zipped)
    with zipfile.ZipFile(zipped) as archive:
        names = archive.namelist()
        assert {"tekenlijst.pdf", "tekenlijst.csv"} <= set(names)
        return archive.read(f"wijkcontract-{contract.neighbourhood.slug}.pdf")


def test_the_printed_signing_set_is_the_archived_original(page, editor_user, tmp_path, poppler):
    contract = complete_contract(title="Wijkcontract Parkwijk, oktober 2007 – oktober 2009")
    ContractPartyFactory(contract=contract)
    log_in(page, editor_user.username)

    ready_in_the_admin(page, contract)
    final = FinalDocument.objects.get(contract=contract)
    assert final.sha256 in page.locator(".signing-box [data-fingerprint]").inner_text()
    assert final.document_code in page.locator(".signing-box [data-document-code]").inner_text()
    assert_accessible(page)

    printed = print_the_signing_set(page, contract, tmp_path)
    assert hashlib.sha256(printed).hexdigest() == final.sha256
    pages = pages_of(printed, tmp_path)
    assert len(pages) == final.page_count
    assert all(final.document_code in text for text in pages)
    assert not any("CONCEPT" in text.upper() for text in pages)

    # Published from the moment it is ready: residents see the fingerprint of that file.
    resident = page.context.browser.new_context(base_url=page.url.split("/admin")[0])
    public = resident.new_page()
    public.goto(f"/wijken/{contract.neighbourhood.slug}/contract/")
    assert public.locator(".fingerprint__value").inner_text().strip() == final.sha256
    assert_accessible(public)

    page.goto(f"/admin/contracts/contract/{contract.pk}/change/")
    page.get_by_role("link", name="Ondertekening registreren…").click()
    page.wait_for_url("**/signing/")
    assert_accessible(page)
    page.fill("#id_signed_on", "2007-10-02")
    page.fill("#id_signing_place", "Haarlem")
    # With the keyboard alone: the register button is the form's default.
    page.locator("#id_signing_place").press("Enter")
    page.wait_for_url(f"**/admin/contracts/contract/{contract.pk}/change/")

    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.SIGNED
    archived = contract.signed_original
    assert archived.sha256 == hashlib.sha256(printed).hexdigest() == final.sha256
    assert archived.document_code == final.document_code
    assert page.locator(".messagelist .success").count() == 1
    assert archived.sha256 in page.locator("[data-fingerprint]").first.inner_text()

    public.goto(f"/wijken/{contract.neighbourhood.slug}/contract/")
    download = public.request.get(f"/wijken/{contract.neighbourhood.slug}/contract.pdf")
    assert download.body() == printed
    assert public.locator(".fingerprint__value").inner_text().strip() == archived.sha256
    resident.close()


def test_a_signing_on_another_day_asks_for_a_new_print_that_is_then_archived(
    page, editor_user, tmp_path, poppler
):
    contract = complete_contract(title="Wijkcontract Rozenprieel, oktober 2007 – oktober 2009")
    absent = ContractPartyFactory(contract=contract)
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    first = FinalDocument.objects.get(contract=contract)
    log_in(page, editor_user.username)

    page.goto(f"/admin/contracts/contract/{contract.pk}/signing/")
    page.fill("#id_signed_on", "2007-10-03")
    page.fill("#id_signing_place", "Zandvoort")
    checkbox = page.locator(f"input[name=parties][value='{absent.pk}']")
    # With the keyboard alone: focus the box of the absent party and untick it with space.
    checkbox.focus()
    page.keyboard.press("Space")
    assert not checkbox.is_checked()
    page.get_by_role("button", name="Ondertekening registreren").click()

    # Refused, in Dutch, and nothing changed.
    assert "nieuwe afdruk" in page.locator(".errorlist").inner_text()
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.READY_FOR_SIGNING
    assert FinalDocument.objects.get(contract=contract).sha256 == first.sha256
    assert_accessible(page)

    page.get_by_role("button", name="Maak een nieuwe afdruk met deze datum en plaats").click()
    page.wait_for_url("**/signing/")
    new_print = FinalDocument.objects.get(contract=contract)
    assert new_print.is_reprint and new_print.sha256 != first.sha256
    assert new_print.document_code in page.locator("[data-document-code]").inner_text()
    printed = page.request.get(page.locator("[data-action=final-pdf]").get_attribute("href"))
    assert hashlib.sha256(printed.body()).hexdigest() == new_print.sha256
    pages = pages_of(printed.body(), tmp_path)
    assert all(new_print.document_code in text for text in pages)
    assert "3 oktober 2007" in " ".join(" ".join(text.split()) for text in pages)
    assert_accessible(page)

    page.locator("#id_new_print_signed").check()
    # The form keeps the real date and place of the new print (an ISO date for the browser).
    assert page.locator("#id_signed_on").input_value() == "2007-10-03"
    page.get_by_role("button", name="Ondertekening registreren").click()
    page.wait_for_url(f"**/admin/contracts/contract/{contract.pk}/change/")

    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.SIGNED
    assert not contract.parties.filter(pk=absent.pk).exists()
    assert contract.signed_original.sha256 == new_print.sha256


def test_the_contract_page_with_addenda_passes_axe(page):
    contract = complete_contract()
    move_to(contract, ContractStatus.SIGNED)
    party = contract.parties.select_related("partner").first()
    addendum = draft_addendum(
        contract,
        [party.partner],
        title="De bibliotheek sluit aan",
        body="De bibliotheek doet vanaf 1 maart 2008 mee.",
        signatory_name="A. Jansen",
    )
    services.mark_addendum_ready(addendum)
    services.sign_addendum(addendum)

    page.goto(f"/wijken/{contract.neighbourhood.slug}/contract/")

    link = page.locator("[data-action=addendum-pdf]")
    assert link.count() == 1
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF-")
    assert_accessible(page)
