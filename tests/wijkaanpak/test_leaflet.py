"""The residents' leaflet of a wijk: two A4 pages, read back with poppler's pdftotext and pdfinfo.

Marked `pdf`: locally the tests skip without poppler-utils; in CI a missing tool fails them.
They assert on data (names, titles, URLs, amounts), not on Dutch wording.
"""

import datetime
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation

from budget import selectors as budget_selectors
from budget.choices import CategoryKind
from budget.models import Fund
from contracts.choices import ContractStatus, PartnerKind
from contracts.models import Contract, Neighbourhood
from tests import pdf_reading
from tests.conftest import editor_client
from tests.factories import (
    HOSTILE,
    PILOT_PERIOD,
    ContractPartyFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    ProjectFactory,
    ResidentWishFactory,
    complete_contract,
    contract_in_status,
    fund_with_categories,
    move_to,
    open_period,
    project_in_signed_contract,
)
from tests.pdf_reading import flat, page_count, pdf_text
from wijkaanpak import leaflet
from wijkaanpak.common import pdf
from wijkaanpak.common.money import format_euro

pytestmark = [pytest.mark.pdf, pytest.mark.django_db]

LONG = "Buurtbewoners willen graag " + " ".join(["veel"] * 60)
# The `fund` of tests/conftest.py as in the pilot period, with a ceiling for initiatives.
FUND_TERMS = {
    **PILOT_PERIOD,
    "name": "Wijkaanpak 2007-2009",
    "organisation_ceiling": 50000,
    "initiatives_ceiling": 200000,
}


def leaflet_url(neighbourhood):
    return reverse("leaflet_pdf", kwargs={"slug": neighbourhood.slug})


# The bottom of each page's content (pdf-leaflet.css: 14 mm top margin, a 265 mm sheet), in
# points from the top. What the sheet clips is still in the PDF, drawn below that line.
SHEET_BOTTOM = (14 + 265) * 72 / 25.4
WORD = re.compile(r'<word xMin="[\d.]+" yMin="[\d.]+" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)</word>')


def cut_off_words(path, page):
    """The words of `page` drawn below its content area, other than the footer's."""
    html = pdf_text(path, page, options=["-bbox"])
    footer = f"Wijkaanpak {settings.MUNICIPALITY_NAME} pagina {page} van 2".split()
    return [
        word for y, word in WORD.findall(html) if float(y) > SHEET_BOTTOM and word not in footer
    ]


def download(client, neighbourhood, tmp_path):
    path = tmp_path / f"folder-{neighbourhood.slug}.pdf"
    return pdf_reading.download(client, leaflet_url(neighbourhood), path)


def sign(contract):
    move_to(contract, ContractStatus.SIGNED)
    contract.refresh_from_db()
    return contract


@pytest.fixture
def signed_project():
    """A project with its lead partner and a wish, in a signed contract."""
    return project_in_signed_contract(title="Speeltuin opknappen")


@pytest.fixture
def load_pilot():
    with translation.override("en"):
        call_command("load_pilot_data", stdout=StringIO())


# --- The response -------------------------------------------------------------------------------


def test_the_leaflet_is_a_pdf_shown_inline(client, signed_project):
    neighbourhood = signed_project.contract.neighbourhood

    response = client.get(leaflet_url(neighbourhood))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'inline; filename="folder-{neighbourhood.slug}.pdf"'
    )
    assert response.content.startswith(b"%PDF-")


def test_the_leaflet_url_is_the_dutch_path():
    assert reverse("leaflet_pdf", kwargs={"slug": "centrum"}) == "/wijken/centrum/folder.pdf"


def test_a_draft_is_a_404_for_residents_and_shown_to_staff(client):
    contract = contract_in_status(ContractStatus.DRAFT)

    assert client.get(leaflet_url(contract.neighbourhood)).status_code == 404
    assert editor_client().get(leaflet_url(contract.neighbourhood)).status_code == 200


def test_a_wijk_without_a_contract_or_an_unknown_wijk_is_a_404():
    neighbourhood = NeighbourhoodFactory()

    assert editor_client().get(leaflet_url(neighbourhood)).status_code == 404
    assert Client().get(reverse("leaflet_pdf", kwargs={"slug": "bestaat-niet"})).status_code == 404


def test_the_leaflet_only_answers_safe_methods(client, signed_project):
    url = leaflet_url(signed_project.contract.neighbourhood)

    assert client.post(url).status_code == 405
    assert client.head(url).status_code == 200


def test_the_same_leaflet_comes_from_the_cache(signed_project):
    cache.clear()
    contract = Contract.objects.get(pk=signed_project.contract_id)

    first, from_cache_first = leaflet.render_leaflet(contract)
    second, from_cache_second = leaflet.render_leaflet(contract)

    assert second == first
    assert (from_cache_first, from_cache_second) == (False, True)


@pytest.mark.parametrize(
    ("text", "max_chars", "expected"),
    [
        ("Kort.", 80, "Kort."),
        ("Eerste zin.\n\n Tweede zin.", 80, "Eerste zin. Tweede zin."),
        (
            "Eerste zin. Tweede zin. " + "Een heel lange derde zin. " * 5,
            40,
            "Eerste zin. Tweede zin.",
        ),
        # A first sentence that does not fit is left out, never cut off.
        ("Een lange zin zonder einde " * 4, 30, ""),
        ("x" * 100, 30, ""),
    ],
)
def test_whole_sentences_or_nothing(text, max_chars, expected):
    kept = leaflet.whole_sentences(text, max_chars)

    assert kept == expected
    assert len(kept) <= max_chars


def sentence(chars):
    """One sentence of about `chars` characters."""
    words = ("Bewoners en partners maken samen de straat schoner en veiliger " * 10).split()
    text = ""
    while len(text) + len(words[0]) + 2 <= chars:
        text = f"{text} {words.pop(0)}".strip()
    return text + "."


def test_a_text_is_its_whole_sentences_in_two_lines_or_a_first_sentence_in_three():
    line = leaflet.LINE_CHARS
    two, three, longer = sentence(2 * line - 10), sentence(3 * line - 10), sentence(4 * line)

    def choices(*texts):
        return list(leaflet.text_choices(*texts))

    assert choices(f"{two} {two}")[0] == (two, 2)
    assert choices(three) == [(three, 3), ("", 0)]
    # The summary before the description; a shorter text before nothing.
    assert choices(three, "Kort.") == [(three, 3), ("Kort.", 1), ("Kort.", 1), ("", 0)]
    assert choices(longer, "Kort.")[0] == ("Kort.", 1)
    assert choices(longer, "") == [("", 0)]


class Item:
    def __init__(self, *texts, title="Kort"):
        self.texts, self.title = texts, title


def test_a_list_shows_as_many_items_as_fit_then_their_longer_texts_where_room_is_left():
    three = sentence(3 * leaflet.LINE_CHARS - 10)
    items = [Item(three), Item(three, "Kort."), Item(three)]
    title = leaflet.TITLE_LINE_HEIGHT

    def fit(page_lines):
        shown = leaflet.fit_items(items, lambda item: item.texts, 9, page_lines)
        return [item.leaflet_text for item in shown]

    # Every item first, with a text of at most two lines; then the first gets its three.
    assert fit(3 * title + 1 + 3) == [three, "Kort.", ""]
    assert fit(3 * title + 1 + 3 + 3 + 2 + 3) == [three, three, three]
    # Not even a title more: the item is left out (and counted by the caller).
    assert fit(2 * title + 1) == ["", "Kort."]
    # However little room there is, the first item is shown.
    assert fit(1) == [""]


def test_only_a_title_longer_than_two_lines_is_shortened():
    whole = "Een titel van twee regels: " + "x" * (leaflet.TITLE_LINE_CHARS - 10)
    longer = "Een titel " * 30

    shown = leaflet.fit_items(
        [Item("", title=whole), Item("", title=longer)], lambda item: item.texts, 2, 100
    )

    assert shown[0].leaflet_title == whole
    assert len(shown[1].leaflet_title) <= leaflet.TITLE_LINES * leaflet.TITLE_LINE_CHARS


# --- What it says ------------------------------------------------------------------------------


def test_the_leaflet_holds_the_wishes_projects_leads_and_links(
    client, signed_project, tmp_path, poppler
):
    contract = signed_project.contract
    neighbourhood = contract.neighbourhood

    response, path = download(client, neighbourhood, tmp_path)

    assert response.status_code == 200
    assert page_count(path) == 2
    first, second = flat(pdf_text(path, 1)), flat(pdf_text(path, 2))
    assert neighbourhood.name in first
    assert contract.title in first
    assert "2 oktober 2007" in first
    for wish in contract.wishes.all():
        assert wish.title in first
    assert signed_project.title in second
    assert signed_project.lead_partner.name in second
    assert f"{settings.SITE_URL}/initiatieven/aanvragen/" in second.replace(" ", "")
    assert f"{settings.SITE_URL}/wijken/{neighbourhood.slug}/contract/" in second.replace(" ", "")
    assert "CONCEPT" not in (first + second).upper()


def test_the_leaflet_is_dutch_for_an_english_visitor(client, signed_project, tmp_path, poppler):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    response, path = download(client, signed_project.contract.neighbourhood, tmp_path)

    assert response.status_code == 200
    # Dates come from Django's own Dutch catalogue, whatever the state of ours.
    assert "2 oktober 2007" in flat(pdf_text(path, 1))
    assert "October" not in pdf_text(path)


def test_the_leaflet_names_the_municipality_contact(
    client, signed_project, tmp_path, poppler, settings
):
    settings.CONTACT_EMAIL = "wijkaanpak@haarlem.example"

    _response, path = download(client, signed_project.contract.neighbourhood, tmp_path)

    second = flat(pdf_text(path, 2))
    assert settings.MUNICIPALITY_NAME in second
    assert "wijkaanpak@haarlem.example" in second


@pytest.mark.parametrize(
    ("person", "phone"),
    [("Anne de Vries, wijkregisseur", "023 511 5115"), ("", "14 023"), ("Bureau Wijken", "")],
)
def test_questions_name_the_contact_person_and_phone_number(
    client, signed_project, tmp_path, poppler, settings, person, phone
):
    settings.CONTACT_PERSON, settings.CONTACT_PHONE = person, phone
    settings.CONTACT_EMAIL = "wijkaanpak@haarlem.example"

    _response, path = download(client, signed_project.contract.neighbourhood, tmp_path)

    second = flat(pdf_text(path, 2))
    assert person in second
    assert phone in second
    assert settings.MUNICIPALITY_NAME in second
    assert "wijkaanpak@haarlem.example" in second
    assert page_count(path) == 2
    assert cut_off_words(path, 2) == []


@pytest.mark.parametrize(
    ("status", "as_staff"),
    [(ContractStatus.DRAFT, True), (ContractStatus.READY_FOR_SIGNING, False)],
)
def test_an_unsigned_contract_gives_a_leaflet_marked_concept_on_both_pages(
    status, as_staff, tmp_path, poppler
):
    contract = contract_in_status(status)
    client = editor_client() if as_staff else Client()

    response, path = download(client, contract.neighbourhood, tmp_path)

    assert response.status_code == 200
    assert page_count(path) == 2
    assert "CONCEPT" in pdf_text(path, 1)
    assert "CONCEPT" in pdf_text(path, 2)


def test_hostile_text_prints_as_text(client, tmp_path, poppler):
    contract = complete_contract()
    ResidentWishFactory(contract=contract, title=HOSTILE, not_taken_up_reason=HOSTILE)
    sign(contract)

    _response, path = download(client, contract.neighbourhood, tmp_path)

    assert "<script>alert(1)</script>" in flat(pdf_text(path, 1))
    assert "<img src=http://evil.example/x.png>" in flat(pdf_text(path, 1))


def leaflet_html(contract):
    contract = Contract.objects.get(pk=contract.pk)
    return pdf.render_html(
        leaflet.LEAFLET_TEMPLATE,
        leaflet.leaflet_context(contract),
        title=leaflet.leaflet_title(contract.neighbourhood),
    )


def test_illustrative_content_is_flagged_and_real_content_is_not():
    real = complete_contract()
    demo = complete_contract(is_illustrative=True)

    assert 'data-notice="illustrative"' not in leaflet_html(real)
    assert 'data-notice="illustrative"' in leaflet_html(demo)
    ProjectFactory(contract=real, lead_partner=PartnerFactory(is_illustrative=True))
    assert 'data-notice="illustrative"' in leaflet_html(real)


def test_the_fund_of_the_contract_period_is_shown_with_what_initiatives_may_still_get(
    signed_project, fund
):
    html = leaflet_html(signed_project.contract)

    assert f'data-fund="{fund.pk}"' in html
    assert "€ 200.000,00" in html


def test_a_fund_of_another_period_is_not_shown(signed_project, fund):
    Fund.objects.filter(pk=fund.pk).update(
        period_start=datetime.date(2010, 1, 1), period_end=datetime.date(2011, 1, 1)
    )

    html = leaflet_html(signed_project.contract)

    assert 'data-fund="none"' in html
    assert "€" not in html


def test_a_later_fund_period_leaves_the_contracts_own_fund_on_the_leaflet(signed_project, fund):
    later = fund_with_categories(name="Later", **open_period())

    html = leaflet_html(signed_project.contract)

    assert budget_selectors.current_fund() == later
    assert f'data-fund="{fund.pk}"' in html


def test_many_long_wishes_and_projects_still_give_two_pages(client, fund, tmp_path, poppler):
    """The worst case the models allow: long titles and texts, far more items than fit."""
    contract = complete_contract(
        title=("Wijkcontract met een heel lange titel " * 7)[:250],
        is_illustrative=True,
    )
    contract.neighbourhood.name = "Wijk met een lange naam " * 6
    contract.neighbourhood.save()
    for number in range(12):
        ResidentWishFactory(
            contract=contract, title=f"Wens {number} " + ("lang " * 60)[:240], description=LONG * 3
        )
    partner = PartnerFactory(name="Partner met een lange naam " * 7)
    for number in range(1, 13):
        ProjectFactory(
            contract=contract,
            number=number,
            title=f"Project {number} " + ("titel " * 40)[:180],
            summary=(LONG * 2)[:400],
            lead_partner=PartnerFactory(name=f"Trekker {number} " + "x" * 150),
        )
    ProjectFactory(contract=contract, number=13, lead_partner=partner)
    for number in range(3):
        council = PartnerFactory(
            name=f"Wijkraad {number} " + "met een lange naam " * 9,
            kind=PartnerKind.RESIDENTS_COUNCIL,
        )
        ContractPartyFactory(contract=contract, partner=council)
    # A draft shown to staff: the CONCEPT banner takes room too.
    response, path = download(editor_client(), contract.neighbourhood, tmp_path)

    assert response.status_code == 200
    assert page_count(path) == 2
    context = leaflet.leaflet_context(Contract.objects.get(pk=contract.pk))
    assert context["more_wishes"] == 12 + 2 - leaflet.LEAFLET_WISHES
    # Two-line titles and a one-line description each: fewer projects than the cap.
    fitting = int(leaflet.PROJECT_PAGE_LINES // (2 * leaflet.TITLE_LINE_HEIGHT + 1))
    assert fitting < leaflet.LEAFLET_PROJECTS
    assert context["more_projects"] == 13 - fitting
    second = flat(pdf_text(path, 2)).replace(" ", "")
    assert f"{settings.SITE_URL}/initiatieven/aanvragen/" in second
    assert f"{settings.SITE_URL}/wijken/{contract.neighbourhood.slug}/contract/" in second
    # Nothing is cut off at the bottom of a page, however long the texts.
    assert cut_off_words(path, 1) == []
    assert cut_off_words(path, 2) == []


def test_long_first_sentences_give_fewer_items_never_cut_ones(client, fund, tmp_path, poppler):
    """Texts whose first sentence needs three lines: as many items as fit, each text whole,
    the rest counted."""
    contract = complete_contract(title="Wijkcontract met lange zinnen")
    contract.wishes.all().delete()
    three = sentence(3 * leaflet.LINE_CHARS - 5)
    for number in range(8):
        ResidentWishFactory(contract=contract, title=f"Wens {number}", description=three)
    for number in range(1, 9):
        ProjectFactory(
            contract=contract,
            number=number,
            title=f"Project {number} met een titel van twee regels op de folder, heel lang",
            summary=three,
            description=three,
        )
    response, path = download(editor_client(), contract.neighbourhood, tmp_path)

    assert response.status_code == 200
    assert page_count(path) == 2
    context = leaflet.leaflet_context(Contract.objects.get(pk=contract.pk))
    # Five wishes of a title line and three lines of text fit page 1. On page 2, a project
    # with a two-line title and no text first, as many as fit; then three lines of text each
    # for the first ones, as far as the page allows.
    wish_height = leaflet.TITLE_LINE_HEIGHT + 3
    assert leaflet.LEAFLET_WISHES * wish_height <= leaflet.WISH_PAGE_LINES
    assert len(context["wishes"]) == leaflet.LEAFLET_WISHES
    assert all(wish.leaflet_text == three for wish in context["wishes"])
    title_height = 2 * leaflet.TITLE_LINE_HEIGHT
    projects = min(leaflet.LEAFLET_PROJECTS, int(leaflet.PROJECT_PAGE_LINES // title_height))
    with_text = int((leaflet.PROJECT_PAGE_LINES - projects * title_height) // 3)
    assert 0 < with_text < projects
    assert [project.leaflet_text for project in context["projects"]] == (
        [three] * with_text + [""] * (projects - with_text)
    )
    assert context["more_wishes"] == 8 - leaflet.LEAFLET_WISHES
    assert context["more_projects"] == 8 - projects
    text = flat(pdf_text(path))
    assert "…" not in text
    assert text.count(three) == leaflet.LEAFLET_WISHES + with_text
    assert cut_off_words(path, 1) == []
    assert cut_off_words(path, 2) == []


# --- The pilot --------------------------------------------------------------------------------

DUTCH_MONTHS = ["jan", "feb", "mrt", "apr", "mei", "jun", "jul", "aug", "sep", "okt", "nov", "dec"]


def test_every_pilot_wijk_gets_a_two_page_leaflet_with_its_contract(
    client, load_pilot, tmp_path, poppler
):
    fund = budget_selectors.current_fund()
    account = budget_selectors.fund_account(fund)
    initiatives = next(c for c in account.categories if c.slug == CategoryKind.INITIATIVES)
    neighbourhoods = list(Neighbourhood.objects.all())
    assert len(neighbourhoods) == 5

    for neighbourhood in neighbourhoods:
        contract = Contract.objects.get(neighbourhood=neighbourhood)
        response, path = download(client, neighbourhood, tmp_path)

        assert response.status_code == 200, neighbourhood.slug
        assert page_count(path) == 2, neighbourhood.slug
        first, second = flat(pdf_text(path, 1)), flat(pdf_text(path, 2))
        for wish in contract.wishes.all():
            assert wish.title in first, (neighbourhood.slug, wish.title)
        for project in contract.projects.select_related("lead_partner"):
            assert project.title in second, (neighbourhood.slug, project.title)
            assert project.lead_partner.name in second, (neighbourhood.slug, project.title)
            # Dutch month names are written in lower case: "nov 2007 – jun 2009".
            planned = (
                f"{DUTCH_MONTHS[project.planned_start.month - 1]} {project.planned_start.year}"
            )
            assert planned in second, (neighbourhood.slug, project.title)
        assert format_euro(initiatives.remaining) in second
        assert "/initiatieven/aanvragen/" in second.replace(" ", "")
        # Every text whole: no sentence ends in an ellipsis.
        assert "…" not in first + second, neighbourhood.slug
        assert cut_off_words(path, 1) == [], neighbourhood.slug
        assert cut_off_words(path, 2) == [], neighbourhood.slug


# --- The wijk page ---------------------------------------------------------------------------


def test_the_wijk_page_links_to_the_leaflet_and_the_contract_pdf(client, signed_project):
    neighbourhood = signed_project.contract.neighbourhood

    content = client.get(
        reverse("neighbourhood_detail", kwargs={"slug": neighbourhood.slug})
    ).content.decode()

    assert f'href="{leaflet_url(neighbourhood)}"' in content
    assert (
        f'href="{reverse("contracts:contract_pdf", kwargs={"slug": neighbourhood.slug})}"'
        in content
    )
    assert "PDF" in re.search(r'data-document="leaflet-pdf">([^<]*)<', content).group(1)


def test_the_wijk_page_without_a_contract_does_not_link_to_a_leaflet(client):
    contract = contract_in_status(ContractStatus.DRAFT)

    content = client.get(
        reverse("neighbourhood_detail", kwargs={"slug": contract.neighbourhood.slug})
    ).content.decode()

    assert leaflet_url(contract.neighbourhood) not in content
