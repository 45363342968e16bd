"""Residents in a real browser: from the home page to a wijk to its contract, accessibly."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from contracts.models import Contract, Neighbourhood
from projects import services
from projects.models import Project, ReportingRound
from tests.conftest import assert_accessible
from tests.factories import (
    ProjectFactory,
    ProjectPartnerFactory,
    complete_contract,
    group_member,
    move_to,
)
from wijkaanpak.common.groups import EDITORS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PILOT_SLUGS = [
    "amsterdamse-buurten",
    "boerhaavewijk",
    "delftwijk-waterbuurt",
    "leidsebuurt",
    "centrum",
]


@pytest.fixture
def pilot(pilot_committed):
    """The pilot, committed for the live server (tests/conftest.py)."""


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

    # The college's decision on the contract, and what each partner contributes: the
    # municipality's row first.
    decision = page.locator("section.college-decisions")
    assert "SB/B&C/2007/183714" in decision.inner_text()
    assert "2 oktober 2007" in decision.inner_text()
    first_row = page.locator("section.contributions tbody tr").first
    assert first_row.get_attribute("data-municipality") is not None
    assert page.locator("[data-municipal-total]").is_visible()


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_public_page_passes_axe(page, pilot, language):
    paths = ["/", "/wijken/", "/toegankelijkheid/", "/privacy/", "/begrippen/", "/bestaat-niet/"]
    for slug in PILOT_SLUGS:
        paths += [f"/wijken/{slug}/", f"/wijken/{slug}/contract/"]
    paths += _project_paths()
    if language == "en":
        page.goto("/")
        page.locator(".language-switch a[lang=en]").click()
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"

    for path in paths:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)


def _project_paths():
    """One project page per pilot wijk and every wijk's public round review (pilot data)."""
    paths = []
    for slug in PILOT_SLUGS:
        project = Project.objects.public().filter(contract__neighbourhood__slug=slug).first()
        if project is not None:
            paths.append(project.get_absolute_url())
    for round_ in ReportingRound.objects.prefetch_related("contracts__neighbourhood"):
        for contract in round_.contracts.all():
            if contract.is_public:
                slug = contract.neighbourhood.slug
                paths.append(f"/wijken/{slug}/tussenevaluaties/{round_.pk}/")
    return paths


@pytest.fixture
def project_pages(db):
    """A signed contract with a project that has a photo, an internal and a hidden update,
    participating partners with amounts, and a past-due round with one report handed in and
    one missing: every element the public project pages can show."""
    # Who posts to any project: an editor (staff status alone gives no right to post).
    staff = group_member(EDITORS, username="medewerker", is_staff=True)
    contract = complete_contract(is_illustrative=True)
    first = ProjectFactory(contract=contract, number=1, title="Pleinen en tuinen")
    second = ProjectFactory(contract=contract, number=2, title="Jongerenproject")
    first.wishes.add(contract.wishes.first())
    ProjectPartnerFactory(project=first, amount=Decimal("12500"))
    ProjectPartnerFactory(project=first, amount=None)
    move_to(contract, "signed")
    image = io.BytesIO()
    Image.new("RGB", (240, 160), (90, 140, 100)).save(image, "PNG")
    common = {"author": staff, "status": "on_schedule", "percent_complete": 40}
    services.log_update(
        first,
        date=datetime.date(2008, 6, 3),
        happened="Het ontwerp is klaar. <script>alert(1)</script>",
        attachment=SimpleUploadedFile("plein.png", image.getvalue()),
        **common,
    )
    services.log_update(
        first,
        date=datetime.date(2008, 7, 1),
        happened="GEHEIM-INTERN",
        visibility="internal",
        **common,
    )
    round_ = ReportingRound.objects.create(
        title="Tussenevaluatie oktober 2008",
        due_date=datetime.date(2008, 10, 31),
        opened_at=timezone.now(),
    )
    round_.contracts.set([contract])
    services.submit_report(
        round_,
        first,
        user=staff,
        achieved="Drie pleinen ontworpen.",
        deviations="Het tweede plein later.",
        status="on_schedule",
        percent_complete=55,
    )
    slug = contract.neighbourhood.slug
    return {
        "paths": [
            f"/wijken/{slug}/",
            f"/wijken/{slug}/contract/",
            first.get_absolute_url(),
            second.get_absolute_url(),
            f"/wijken/{slug}/tussenevaluaties/{round_.pk}/",
        ],
        "photo": f"/projecten/{first.pk}/bijlagen/",
    }


def test_the_project_pages_pass_axe(page, project_pages):
    for path in project_pages["paths"]:
        page.goto(path)
        assert page.locator("h1").count() == 1, path
        assert "GEHEIM-INTERN" not in page.content(), path
        assert_accessible(page)
    # The photo loads under the strict CSP, with its alt text.
    page.goto(project_pages["paths"][2])
    photo = page.locator(f'main img[src^="{project_pages["photo"]}"]')
    assert photo.get_attribute("alt")
    photo.scroll_into_view_if_needed()  # the photo loads lazily
    page.wait_for_function(
        "image => image.complete && image.naturalWidth > 0", arg=photo.element_handle()
    )
    # The progress bar is a real progress bar with a name, and its number is visible text.
    bar = page.get_by_role("progressbar").first
    assert bar.get_attribute("aria-label")
    assert "%" in page.locator(".project-progress__value").first.inner_text()


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


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_fund_pages_pass_axe(page, pilot, language):
    """The public account of the fund, and the fund on the home and wijk pages."""
    if language == "en":
        page.goto("/")
        page.locator(".language-switch a[lang=en]").click()
        page.wait_for_load_state()
    for path in ["/budget/", "/", "/wijken/boerhaavewijk/"]:
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").count() == 1, path
        assert_accessible(page)


def test_the_fund_account_fits_a_narrow_screen(page, pilot):
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/budget/")
    overflow = page.evaluate(
        "document.documentElement.scrollWidth > document.documentElement.clientWidth"
    )
    assert not overflow
