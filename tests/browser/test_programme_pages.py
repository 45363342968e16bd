"""The council's report and the programme's page in a real browser, on the pilot: no axe
violation, one h1, reachable from the home page, and the contents lead to each wijk."""

import pytest

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROGRAMME = "/programmas/wijkaanpak-2007-2009/"


@pytest.fixture
def pilot(pilot_committed):
    """The pilot, committed for the live server (tests/conftest.py)."""


def test_from_the_home_page_to_the_programme_and_its_report(page, pilot):
    page.goto("/")
    page.locator(f'main a[href="{PROGRAMME}"]').first.click()
    page.wait_for_url(f"**{PROGRAMME}")

    assert page.locator("h1").count() == 1
    assert page.locator("[data-programme-wijken] tbody tr").count() == 5
    assert_accessible(page)

    page.locator("[data-report-link]").click()
    page.wait_for_url(f"**{PROGRAMME}rapportage/")
    assert page.locator("h1").count() == 1
    assert page.locator("[data-summary] tbody tr").count() == 5
    assert page.locator("[data-wijk-section]").count() == 5
    assert_accessible(page)

    page.locator('.report-toc a[href="#wijk-3"]').click()
    assert page.locator("#wijk-3").is_visible()
    assert "Centrum" in page.locator("#wijk-3").inner_text()


def test_the_report_page_is_accessible_on_a_phone(page, pilot):
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(f"{PROGRAMME}rapportage/")

    assert_accessible(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
