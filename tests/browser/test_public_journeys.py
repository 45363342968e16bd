"""Residents in a real browser: from the home page to a wijk to its contract, accessibly."""

import pytest
from django.core.management import call_command

from contracts.models import Contract, Neighbourhood
from tests.conftest import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PILOT_SLUGS = [
    "amsterdamse-buurten",
    "boerhaavewijk",
    "delftwijk-waterbuurt",
    "leidsebuurt",
    "centrum",
]


@pytest.fixture
def pilot(db):
    call_command("load_pilot_data", verbosity=0)


def test_a_resident_finds_the_contract_of_their_wijk(page, pilot):
    contract = Contract.objects.get(neighbourhood__slug="boerhaavewijk")

    page.goto("/")
    assert page.locator("h1").count() == 1
    page.locator('main a[href="/wijken/boerhaavewijk/"]').first.click()
    page.wait_for_url("**/wijken/boerhaavewijk/")
    assert "Boerhaavewijk" in page.locator("h1").inner_text()
    for wish in contract.wishes.all():
        assert page.get_by_text(wish.title, exact=False).first.is_visible()

    page.locator('main a[href="/wijken/boerhaavewijk/contract/"]').first.click()
    page.wait_for_url("**/wijken/boerhaavewijk/contract/")
    body = page.locator("main").inner_text()
    assert contract.title in page.locator("h1").inner_text()
    for section in contract.sections.all():
        assert section.heading in body
    for party in contract.parties.select_related("partner"):
        assert party.partner.name in body
        assert party.signatory_name in body


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_public_page_passes_axe(page, pilot, language):
    paths = ["/", "/wijken/", "/toegankelijkheid/", "/privacy/", "/bestaat-niet/"]
    for slug in PILOT_SLUGS:
        paths += [f"/wijken/{slug}/", f"/wijken/{slug}/contract/"]
    if language == "en":
        page.goto("/")
        page.locator("select[name=language]").select_option("en")
        page.locator("form[action='/taal/'] [type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"

    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)


def test_the_site_works_with_the_keyboard_alone(page, pilot):
    page.goto("/")
    page.keyboard.press("Tab")
    skip = page.evaluate("document.activeElement.getAttribute('href')")
    assert skip == "#main"
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    assert page.evaluate("location.hash") == "#main"

    # Tab through the page until the link to a wijk has the focus, then follow it.
    target = "/wijken/leidsebuurt/"
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == target:
            break
    else:
        pytest.fail(f"no link to {target} reachable with Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**{target}")
    assert "Leidsebuurt" in page.locator("h1").inner_text()


def test_a_narrow_screen_needs_no_sideways_scrolling(page, pilot):
    page.set_viewport_size({"width": 320, "height": 800})
    for path in ["/", "/wijken/", "/wijken/centrum/", "/wijken/centrum/contract/"]:
        page.goto(path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth > document.documentElement.clientWidth"
        )
        assert not overflow, path


def test_drafts_stay_hidden_from_residents(page, pilot):
    neighbourhood = Neighbourhood.objects.get(slug="leidsebuurt")
    assert neighbourhood.contracts.exclude(status="draft").exists()
    from tests.factories import ContractFactory

    ContractFactory(
        neighbourhood=neighbourhood,
        title="Concepttekst tweede periode",
        period_start="2009-10-02",
        period_end="2011-10-02",
    )
    page.goto("/wijken/leidsebuurt/contract/")
    assert "Concepttekst tweede periode" not in page.content()
