"""A resident reads the final evaluation of Centrum in a real browser, accessibly."""

import pytest

from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pilot(pilot_committed):
    """The pilot, committed for the live server (tests/conftest.py)."""


def test_a_resident_goes_from_the_wijk_to_its_final_evaluation(page, pilot):
    page.goto("/wijken/centrum/")
    page.locator('main a[href="/wijken/centrum/eindevaluatie/"]').first.click()
    page.wait_for_url("**/wijken/centrum/eindevaluatie/")

    assert page.locator("h1").count() == 1
    assert "Centrum" in page.locator("h1").inner_text()
    assert page.locator("[data-wish]").count() == 4
    assert page.locator("table caption").count() == 3
    assert page.locator('[data-notice="illustrative"]').is_visible()
    assert_accessible(page)

    page.goto("/wijken/leidsebuurt/eindevaluatie/")
    assert page.locator("[data-empty-state]").is_visible()
    assert_accessible(page)
