"""A resident applies, a budget manager grants part of it, the public account shows it."""

from decimal import Decimal

import pytest

from budget.choices import ApplicationStatus
from budget.models import InitiativeApplication
from tests.conftest import assert_accessible, log_in
from tests.factories import contract_in_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The `fund` of tests/conftest.py (open today), with a ceiling for each category.
FUND_TERMS = {
    "name": "Wijkaanpak",
    "organisation_ceiling": 50000,
    "initiatives_ceiling": 200000,
}


def test_an_application_from_form_to_public_account(page, fund, budget_manager_user):
    contract = contract_in_status("signed")
    wish = contract.wishes.first()

    # The resident applies.
    page.goto("/initiatieven/aanvragen/")
    page.select_option("#id_wijk", contract.neighbourhood.slug)
    page.locator("form.neighbourhood-choice-form button[type=submit]").click()
    page.fill("#id_title", "Buurtmoestuin aan de Ringvaart")
    page.fill("#id_description", "Een moestuin op het braakliggende stuk.")
    page.select_option("#id_wish", str(wish.pk))
    page.fill("#id_own_contribution", "Tien bewoners leggen de tuin zelf aan.")
    page.check("#id_no_other_budget")
    page.fill("#id_amount_requested", "2.400,00")
    page.fill("#id_cost_breakdown", "Hout, aarde en gereedschap")
    page.fill("#id_contact_name", "Fictieve Aanvrager")
    page.fill("#id_contact_email", "aanvrager@example.org")
    page.locator("form.application-form button[type=submit]").click()
    page.wait_for_url("**/initiatieven/aanvragen/ontvangen/")
    application = InitiativeApplication.objects.get()
    assert application.reference in page.locator("main").inner_text()

    # The budget manager reviews and grants part of it.
    page.context.clear_cookies()
    log_in(page, budget_manager_user.username)
    page.goto(f"/admin/budget/initiativeapplication/{application.pk}/change/")
    page.get_by_role("button", name="In behandeling nemen").click()
    page.wait_for_load_state()
    page.check("input[name=decision][value=partly_granted]")
    page.fill("form.ledger-form input[name=amount]", "1500")
    page.fill("form.ledger-form textarea[name=reason]", "Het gereedschap kan worden geleend.")
    page.get_by_role("button", name="Besluit nemen").click()
    page.wait_for_load_state()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PARTLY_GRANTED
    assert application.allocation.amount == Decimal("1500.00")

    # Anyone sees the new figures, and not who applied.
    page.context.clear_cookies()
    page.goto("/budget/")
    text = page.locator("main").inner_text()
    assert "Buurtmoestuin aan de Ringvaart" in text
    assert "€ 1.500,00" in text
    assert "€ 248.500,00" in text
    assert "Fictieve Aanvrager" not in page.content()
    assert "aanvrager@example.org" not in page.content()
    assert_accessible(page)
