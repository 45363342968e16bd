"""The signing in a real browser: staff register it, residents check the fingerprint."""

import hashlib

import pytest

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Contract
from tests.conftest import assert_accessible, log_in
from tests.factories import (
    ContractPartyFactory,
    complete_contract,
    draft_addendum,
    move_to,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_editor_registers_the_signing_and_a_resident_checks_the_fingerprint(page, editor_user):
    contract = complete_contract(title="Wijkcontract Parkwijk, oktober 2007 – oktober 2009")
    absent = ContractPartyFactory(contract=contract)
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    log_in(page, editor_user.username)

    page.goto(f"/admin/contracts/contract/{contract.pk}/change/")
    page.get_by_role("link", name="Ondertekening registreren…").click()
    page.wait_for_url("**/signing/")
    assert_accessible(page)
    page.fill("#id_signed_on", "2007-10-02")
    page.fill("#id_signing_place", "Haarlem")
    checkbox = page.locator(f"input[name=parties][value='{absent.pk}']")
    # With the keyboard alone: focus the box of the absent party and untick it with space.
    checkbox.focus()
    page.keyboard.press("Space")
    assert not checkbox.is_checked()
    page.locator("input[type=submit]").click()
    page.wait_for_url(f"**/admin/contracts/contract/{contract.pk}/change/")

    contract = Contract.objects.get(pk=contract.pk)
    assert contract.status == ContractStatus.SIGNED
    assert not contract.parties.filter(pk=absent.pk).exists()
    fingerprint = contract.signed_original.sha256
    assert page.locator(".messagelist .success").count() == 1
    assert fingerprint in page.locator("[data-fingerprint]").first.inner_text()

    page.context.clear_cookies()
    page.goto(f"/wijken/{contract.neighbourhood.slug}/contract/")
    shown = page.locator(".fingerprint__value").inner_text().strip()
    download = page.request.get(f"/wijken/{contract.neighbourhood.slug}/contract.pdf")
    assert shown == fingerprint == hashlib.sha256(download.body()).hexdigest()
    assert_accessible(page)


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
