"""A resident applies, a budget manager reviews and grants part of it in one form and opens
the decision letter, the public account shows it."""

from decimal import Decimal

import pytest

from budget.choices import ApplicationStatus
from budget.models import InitiativeApplication
from tests import pdf_reading
from tests.conftest import assert_accessible, log_in
from tests.factories import contract_in_status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
# The `fund` of tests/conftest.py (open today), with a ceiling for each category.
FUND_TERMS = {
    "name": "Wijkaanpak",
    "organisation_ceiling": 50000,
    "initiatives_ceiling": 200000,
}


def test_an_application_from_form_to_public_account(
    page, fund, budget_manager_user, tmp_path, poppler
):
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

    # The budget manager reviews the three criteria and decides in one form at the top of
    # the page. Deciding before every criterion is assessed is refused, and what was typed
    # stays, at the form.
    page.context.clear_cookies()
    log_in(page, budget_manager_user.username)
    page.goto(f"/admin/budget/initiativeapplication/{application.pk}/change/")
    form = page.locator("form.review-form")
    assert form.is_visible()
    assert_accessible(page)
    page.get_by_role("radio", name="voldaan", exact=True).first.check()
    page.get_by_label("Toelichting bij criterium 1").fill("Past bij de wens voor groen.")
    page.get_by_role("radio", name="gedeeltelijk toegekend").check()
    page.get_by_label("Toegekend bedrag (bij gedeeltelijke toekenning)").fill("€ 1.500,-")
    page.get_by_label("Reden", exact=True).fill("Het gereedschap kan worden geleend.")
    page.get_by_role("button", name="Besluit nemen").click()
    page.wait_for_load_state()
    summary = page.locator("[data-error-summary]")
    assert "Nog niet beoordeeld" in summary.inner_text()
    # The focus is on the summary, in view: not at the top of a long page.
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.evaluate("window.scrollY") > 0
    assert (
        page.get_by_label("Reden", exact=True).input_value()
        == "Het gereedschap kan worden geleend."
    )
    assert page.get_by_label("Toelichting bij criterium 1").input_value() == (
        "Past bij de wens voor groen."
    )
    assert_accessible(page)
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert not application.reviews.exists()

    for number in (2, 3):
        page.locator(f"fieldset.review-criterion:nth-of-type({number})").get_by_role(
            "radio", name="voldaan", exact=True
        ).check()
    page.get_by_role("button", name="Besluit nemen").click()
    page.wait_for_load_state()
    assert page.url.endswith("#review")
    assert "gedeeltelijk toegekend" in page.locator("#review [role=status]").inner_text()
    application.refresh_from_db()
    assert application.status == ApplicationStatus.PARTLY_GRANTED
    assert application.reviews.filter(met=True).count() == 3
    assert application.allocation.amount == Decimal("1500.00")
    assert_accessible(page)

    # The decision letter opens from the application, with the objection clause.
    link = page.get_by_role("link", name="Besluitbrief openen (PDF)")
    # Chromium shows a PDF in its viewer: fetch what the link opens, with the same session.
    response = page.context.request.get(link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    letter_path = tmp_path / "besluit.pdf"
    letter_path.write_bytes(response.body())
    text = " ".join(pdf_reading.pdf_text(letter_path).split())
    assert "bezwaar" in text and "zes weken" in text
    assert "Algemene wet bestuursrecht" in text

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
