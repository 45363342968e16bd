"""On a phone, 375 px wide: a resident goes from the wijk page to the form, applies in one
pass, and follows the link of the receipt mail to the status of the application."""

import pytest
from post_office.models import Email

from budget.models import InitiativeApplication
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 812}


def assert_fits(page):
    """Nothing sticks out sideways: the page does not scroll horizontally."""
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_a_resident_applies_from_the_wijk_page_and_follows_the_status(page, fund, project):
    page.set_viewport_size(PHONE)
    wish = project.contract.wishes.first()
    neighbourhood = project.contract.neighbourhood

    page.goto(f"/wijken/{neighbourhood.slug}/")
    assert_accessible(page)
    page.locator("[data-apply-link]").first.click()

    # Step one is skipped: the form knows the wijk and offers its wishes only.
    page.wait_for_selector("form.application-form")
    assert page.locator("[data-chosen-neighbourhood]").inner_text().count(neighbourhood.name) == 1
    assert page.locator("#id_neighbourhood").get_attribute("type") == "hidden"
    wish_options = page.locator("#id_wish option").all_inner_texts()
    assert wish_options[1:] == [
        wish.title for wish in project.contract.wishes.order_by("order", "pk")
    ]
    assert_accessible(page)
    assert_fits(page)

    page.fill("#id_title", "Bankjes bij de speeltuin")
    page.fill("#id_description", "Drie bankjes, door bewoners zelf geplaatst.")
    page.select_option("#id_wish", str(wish.pk))
    page.fill("#id_own_contribution", "Bewoners plaatsen en onderhouden de bankjes.")
    page.check("#id_no_other_budget")
    page.fill("#id_amount_requested", "€ 850,-")
    page.fill("#id_cost_breakdown", "Drie bankjes à 250, tegels 100")
    page.fill("#id_contact_name", "Fictieve Bewoner")
    page.fill("#id_contact_email", "bewoner@example.org")
    page.locator("form.application-form button[type=submit]").click()

    # In one pass: straight to the confirmation.
    page.wait_for_url("**/initiatieven/aanvragen/ontvangen/")
    application = InitiativeApplication.objects.get()
    assert application.reference in page.locator("[data-reference]").inner_text()
    assert_accessible(page)
    assert_fits(page)

    # The receipt mail carries the link; the resident opens it later, in a fresh browser.
    receipt = Email.objects.get(to=application.contact_email)
    link = next(word for word in receipt.message.split() if "/initiatieven/status/" in word)
    path = link[link.index("/initiatieven/status/") :]
    page.context.clear_cookies()
    page.goto(path)

    assert (
        page.locator("[data-application-status]").get_attribute("data-application-status")
        == "submitted"
    )
    assert page.locator("[data-status]").first.inner_text() == "Ingediend"
    assert application.reference in page.locator("[data-reference]").inner_text()
    assert "Fictieve Bewoner" not in page.content()
    assert_accessible(page)
    assert_fits(page)

    # A link with a wrong secret shows nothing of it.
    response = page.goto(path.rstrip("/")[:-3] + "xyz/")
    assert response.status == 404
    assert "Bankjes bij de speeltuin" not in page.content()


def test_the_public_account_reads_on_a_phone(page, fund, project):
    page.set_viewport_size(PHONE)

    page.goto("/budget/")

    assert_accessible(page)
    assert_fits(page)
    # Each row of a table is a block with its figures named, not a cut-off grid.
    row = page.locator("#tabel-categorie tbody tr").first
    assert row.evaluate("element => getComputedStyle(element).display") == "block"
    cell = row.locator("td").first
    label = cell.evaluate("element => getComputedStyle(element, '::before').content")
    assert "Plafond" in label
    box = page.locator("#tabel-categorie").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
