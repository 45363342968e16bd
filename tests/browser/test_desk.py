"""The desk on the admin's home page in a real browser, as each role: axe finds nothing, and
the numbers lead to the lists they count."""

import pytest

from budget import services as budget_services
from contracts.choices import ContractStatus
from tests.conftest import assert_accessible, log_in
from tests.factories import (
    application_fields,
    contract_in_status,
    fund_with_categories,
    open_period,
    project_in_signed_contract,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def work():
    """Something on each desk: a contract to sign, a signed one not sent, an application."""
    contract_in_status(ContractStatus.READY_FOR_SIGNING)
    contract = project_in_signed_contract().contract
    fund = fund_with_categories(initiatives_ceiling="200000.00", **open_period())
    budget_services.submit_application(fund, **application_fields(contract))


@pytest.mark.parametrize(
    ("persona", "heading", "items"),
    [
        ("editor_user", "Bureau van de redacteur", ["ready_for_signing"]),
        ("budget_manager_user", "Bureau van de budgetbeheerder", ["waiting_applications"]),
        (
            "superuser",
            "Bureau van de redacteur en de budgetbeheerder",
            ["ready_for_signing", "waiting_applications"],
        ),
    ],
)
def test_each_role_opens_its_desk(page, request, work, persona, heading, items):
    user = request.getfixturevalue(persona)
    log_in(page, user.username)

    assert page.locator("h1").inner_text() == heading
    assert_accessible(page)
    for key in items:
        link = page.locator(f"[data-item='{key}'] a.desk-link")
        count = int(page.locator(f"[data-item='{key}']").get_attribute("data-count"))
        link.click()
        page.wait_for_load_state()
        assert page.locator("#result_list tbody tr").count() == count
        page.go_back()
