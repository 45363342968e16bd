"""Staff in a real browser: log in to the admin and move a draft to ready for signing."""

import pytest

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange
from tests.conftest import log_in
from tests.factories import ContractFactory, complete_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_mark_ready_for_signing(page, contract):
    """In the contract changelist, select `contract` and run "mark ready for signing"."""
    page.goto("/admin/contracts/contract/")
    page.locator(f"input[name=_selected_action][value='{contract.pk}']").check()
    page.locator("select[name=action]").select_option("mark_ready_for_signing")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def test_an_editor_moves_a_draft_to_ready_for_signing(page, editor_user):
    contract = complete_contract(title="Wijkcontract Parkwijk, 2008 – 2010")
    log_in(page, editor_user.username)

    run_mark_ready_for_signing(page, contract)

    assert page.locator(".messagelist .success").count() == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    change = ContractStatusChange.objects.get(contract=contract)
    assert change.changed_by == editor_user


def test_an_editor_is_told_why_a_step_is_refused(page, editor_user):
    contract = ContractFactory(title="Wijkcontract zonder partijen")
    log_in(page, editor_user.username)

    run_mark_ready_for_signing(page, contract)

    assert page.locator(".messagelist .error").count() >= 1
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT
