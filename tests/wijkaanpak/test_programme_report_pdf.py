"""The council's report on the pilot programme, as a page and as a PDF read back with poppler:
a table of contents whose page numbers are right, numbered sections for each of the five
wijken, the midterm outcomes and the fund's amounts; A4 and tagged.

Marked `pdf`: locally the test skips without poppler-utils; in CI a missing tool fails it.
"""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse

from budget.models import Fund
from contracts.models import Contract, Programme
from projects.choices import RoundKind
from projects.models import ProjectReport
from tests.factories import book_allocation
from tests.pdf_reading import download, flat, page_count, pdf_info, pdf_text

pytestmark = pytest.mark.django_db

PILOT = "wijkaanpak-2007-2009"
WIJKEN = ["Amsterdamse buurten", "Boerhaavewijk", "Centrum", "Delftwijk/Waterbuurt", "Leidsebuurt"]


def report_url(name="programme_report"):
    return reverse(name, kwargs={"slug": PILOT})


def squeezed(text):
    """Without any white space: lines wrap (and words break) wherever the layout puts them."""
    return "".join(text.split()).replace("\u2010", "").replace("-", "")


def midterm_achievements():
    reports = ProjectReport.objects.filter(round__kind=RoundKind.MIDTERM).order_by("pk")
    return [report.achieved[:60] for report in reports]


def test_the_pilot_report_page_covers_the_five_wijken(client, pilot):
    response = client.get(report_url())
    content = response.content.decode()

    assert response.status_code == 200
    for number, name in enumerate(WIJKEN, start=1):
        assert f'<span class="section-number">{number}</span> {name}' in content
    assert content.count('<tr role="row" data-wijk=') == 5
    achievements = midterm_achievements()
    assert len(achievements) >= 5
    for achieved in achievements:
        assert squeezed(achieved) in squeezed(content.replace("&#x27;", "'"))
    assert "€ 250.000,00" in content
    assert "SB/B&amp;C/2007/183714" in content


@pytest.fixture
def pilot_pdf(client, pilot, tmp_path, poppler):
    cache.clear()
    return download(client, report_url("programme_report_pdf"), tmp_path / "rapportage.pdf")


@pytest.mark.pdf
def test_the_pilot_report_is_a_tagged_a4_pdf(pilot_pdf):
    response, path = pilot_pdf
    info = pdf_info(path)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")
    assert f"rapportage-{PILOT}.pdf" in response["Content-Disposition"]
    assert re.search(r"^Tagged:\s+yes", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+595(\.\d+)? x 841\.89 pts \(A4\)", info, re.MULTILINE)
    title = next(line for line in info.splitlines() if line.startswith("Title:"))
    assert "Wijkaanpak 2007–2009" in title
    assert page_count(path) >= 6


@pytest.mark.pdf
def test_the_contents_point_at_the_pages_of_the_numbered_sections(pilot_pdf):
    _response, path = pilot_pdf
    contents = pdf_text(path, 1)

    for number, name in enumerate(WIJKEN, start=1):
        match = re.search(rf"^{number} {re.escape(name)} ?\.+ ?(\d+)$", contents, re.MULTILINE)
        assert match, f"{name} is missing from the contents"
        page = int(match.group(1))
        assert page > 1
        # The section starts on the page the contents name, with its number.
        assert re.search(rf"^{number}\s+{re.escape(name)}$", pdf_text(path, page), re.MULTILINE)
        for sub in range(1, 5):
            assert re.search(rf"^\s*{number}\.{sub} .+ ?\.+ ?\d+$", contents, re.MULTILINE)


@pytest.mark.pdf
def test_the_pdf_gives_the_summary_midterm_outcomes_and_amounts(pilot_pdf):
    _response, path = pilot_pdf
    text = pdf_text(path)
    folded = flat(text)

    summary = flat(pdf_text(path, 2))
    for name in WIJKEN:
        assert name.split("/")[0] in summary
    for achieved in midterm_achievements():
        assert squeezed(achieved) in squeezed(text)
    assert "€ 250.000,00" in folded
    assert re.search(r"€ \d{1,3}(\.\d{3})*,\d{2}", summary)
    assert "pagina 1 van" in folded
    # No e-mail address of anyone: partners' and team members' contact data stay out.
    assert "@" not in text


@pytest.mark.pdf
def test_the_pdf_is_rendered_again_only_when_the_data_change(client, pilot, poppler):
    cache.clear()
    url = report_url("programme_report_pdf")

    first, second = client.get(url), client.get(url)
    fund = Fund.objects.get(programme__slug=PILOT)
    book_allocation(
        fund,
        "10.00",
        neighbourhood=Contract.objects.filter(programme__slug=PILOT).first().neighbourhood,
    )
    third = client.get(url)

    assert (first["X-Wijkaanpak-Source"], second["X-Wijkaanpak-Source"]) == ("rendered", "cache")
    assert third["X-Wijkaanpak-Source"] == "rendered"


def test_the_pilot_programme_page_links_its_report_and_fund(client, pilot):
    programme = Programme.objects.get(slug=PILOT)
    content = client.get(reverse("programme_detail", kwargs={"slug": PILOT})).content.decode()

    assert programme.is_current
    assert "data-current-programme" in content
    for name in WIJKEN:
        assert name in content
    assert f'href="{report_url()}"' in content
    assert f'data-fund-account="{programme.fund.pk}"' in content
