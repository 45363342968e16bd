"""The partner pages in a real browser, on the pilot: reachable from the main menu, keyboard
usable, zero axe violations, and the main menu fits a 375 px phone."""

import pytest

from contracts.models import Partner
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pilot(pilot_committed):
    """The pilot, committed for the live server (tests/conftest.py)."""


def test_a_visitor_goes_from_the_menu_to_a_partner_accessibly(page, pilot):
    page.goto("/")
    page.locator('nav.site-nav a[href="/partners/"]').click()
    page.wait_for_url("**/partners/")
    assert page.locator("h1").count() == 1
    assert_accessible(page)

    page.locator('main a[href="/partners/ymere/"]').click()
    page.wait_for_url("**/partners/ymere/")
    assert "Ymere" in page.locator("h1").inner_text()
    body = page.locator("main").inner_text()
    for party in Partner.objects.get(slug="ymere").contract_parties.all():
        assert party.signatory_name in body
    assert "@" not in page.content()
    assert_accessible(page)


@pytest.mark.parametrize("path", ["/partners/", "/partners/gemeente-haarlem/"])
def test_the_partner_pages_fit_a_phone(page, pilot, path):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(path)

    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    nav = page.locator("nav.site-nav")
    assert nav.locator('a[href="/partners/"]').is_visible()
    assert nav.evaluate("element => element.scrollWidth <= element.clientWidth")
    assert_accessible(page)


def test_the_partner_page_is_usable_by_keyboard(page, pilot):
    page.goto("/partners/gemeente-haarlem/")
    page.locator("a[data-pdf-link]").focus()
    assert page.evaluate("document.activeElement.dataset.pdfLink") == ""
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused and focused.startswith("/wijken/")
