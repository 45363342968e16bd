"""Pages that grow with the number of wijken: a programme of hundreds of wijken and a partner
in hundreds of contracts. Their pages show a page of contracts at a time, their figures are
counts from the database, and they take as many queries for sixty contracts as for two."""

import datetime
import re

import pytest
from django.urls import reverse

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractParty, Neighbourhood
from projects.models import Project, ProjectPartner
from projects.selectors import PARTNER_CONTRACTS_PER_PAGE
from tests.conftest import count_queries
from tests.factories import (
    DistrictFactory,
    PartnerFactory,
    ProgrammeFactory,
    fund_with_categories,
)
from wijkaanpak.partners import PARTNERS_PER_PAGE
from wijkaanpak.programmes import WIJKEN_PER_PAGE

pytestmark = pytest.mark.django_db


def add_wijken(programme, count, start=0, partner=None):
    """`count` signed contracts of `programme` in new wijken, in bulk, each signed by
    `partner` (a new one by default) and with a project it leads and pays € 100 for."""
    district = DistrictFactory()
    neighbourhoods = Neighbourhood.objects.bulk_create(
        Neighbourhood(
            name=f"Volume {start + n:03}", slug=f"volume-{start + n:03}", district=district
        )
        for n in range(count)
    )
    contracts = Contract.objects.bulk_create(
        Contract(
            neighbourhood=neighbourhood,
            programme=programme,
            title=f"Wijkcontract {neighbourhood.name}",
            status=ContractStatus.SIGNED,
            period_start=datetime.date(2007, 10, 2),
            period_end=datetime.date(2009, 10, 2),
            signed_on=datetime.date(2007, 10, 2),
            signing_place="Haarlem",
        )
        for neighbourhood in neighbourhoods
    )
    partner = partner or PartnerFactory()
    ContractParty.objects.bulk_create(
        ContractParty(contract=contract, partner=partner, signatory_name="A. Bestuurder")
        for contract in contracts
    )
    projects = Project.objects.bulk_create(
        Project(
            contract=contract,
            number=1,
            title="Speelplek",
            summary="Een speelplek",
            description="Een speelplek voor de buurt.",
            planned_start=datetime.date(2008, 1, 1),
            planned_end=datetime.date(2009, 1, 1),
            lead_partner=partner,
        )
        for contract in contracts
    )
    ProjectPartner.objects.bulk_create(
        ProjectPartner(project=project, partner=partner, contribution="Uren", amount=100)
        for project in projects
    )


@pytest.fixture
def programme():
    programme = ProgrammeFactory()
    fund_with_categories(programme=programme)
    add_wijken(programme, 2)
    return programme


def url(programme, name="programme_detail"):
    return reverse(name, kwargs={"slug": programme.slug})


def wijk_rows(response):
    return re.findall(r'data-wijk="([^"]+)"', response.content.decode())


@pytest.mark.parametrize("name", ["programme_detail", "programme_report"])
def test_the_programme_pages_take_as_many_queries_for_sixty_wijken_as_for_two(
    client, programme, name
):
    two = count_queries(client, url(programme, name))
    add_wijken(programme, 60, start=100)
    assert Contract.objects.filter(programme=programme).count() == 62
    assert count_queries(client, url(programme, name)) == two


def test_the_page_shows_a_page_of_wijken_with_links_to_the_others(client, programme):
    add_wijken(programme, 60, start=100)
    first = client.get(url(programme))
    assert len(wijk_rows(first)) == WIJKEN_PER_PAGE
    html = first.content.decode()
    assert 'data-pages="3"' in html
    assert 'href="?page=2#wijken"' in html
    assert 'data-wijk-count="62"' in html
    last = client.get(url(programme) + "?page=3")
    assert len(wijk_rows(last)) == 2
    # Every wijk is on exactly one page.
    second = client.get(url(programme) + "?page=2")
    shown = wijk_rows(first) + wijk_rows(second) + wijk_rows(last)
    assert len(set(shown)) == 62
    # The programme-wide figures count all 62, not the page.
    assert "62 wijken" in html or "62 neighbourhoods" in html


@pytest.mark.parametrize(("page", "expected"), [("abc", 1), ("0", 3), ("999", 3), ("-1", 3)])
def test_a_bad_page_number_shows_the_first_or_last_page(client, programme, page, expected):
    add_wijken(programme, 60, start=100)
    response = client.get(url(programme) + f"?page={page}")
    assert response.status_code == 200
    assert f'aria-current="page" data-page-link="{expected}"' in response.content.decode()


def test_the_contributions_count_every_wijk_of_the_programme(client, programme):
    add_wijken(programme, 40, start=100)
    html = client.get(url(programme)).content.decode()
    assert re.search(r"\b40 (projects|projecten)\b", html)
    assert 'data-amount="4000.00"' in html


def test_the_contributions_table_sums_the_smaller_partners_in_one_row(client, programme):
    # The fixture's partner with two projects, then 22 partners with one each: 23 in all.
    for index in range(22):
        add_wijken(programme, 1, start=300 + index)
    html = client.get(url(programme)).content.decode()
    table = html.split("data-contributions")[1].split("</table>")[0]
    assert len(re.findall(r'<tr role="row" data-partner=', table)) == 20
    assert 'data-other-partners="3"' in table
    assert 'data-amount="2400.00"' in table  # the total still counts every partner


# --- A partner in many contracts ----------------------------------------------------------------


def partner_url(partner):
    return reverse("partner_detail", kwargs={"slug": partner.slug})


def contract_sections(response):
    return re.findall(r'class="partner-contract"', response.content.decode())


def test_the_partner_pages_take_as_many_queries_for_sixty_contracts_as_for_two(client):
    programme = ProgrammeFactory()
    partner = PartnerFactory()
    add_wijken(programme, 2, partner=partner)
    two = count_queries(client, partner_url(partner))
    listed = count_queries(client, reverse("partner_list"))
    add_wijken(programme, 60, start=100, partner=partner)
    add_wijken(programme, 5, start=200)
    assert count_queries(client, partner_url(partner)) == two
    assert count_queries(client, reverse("partner_list")) == listed


def test_the_partner_page_shows_a_page_of_contracts_and_sums_them_all(client):
    programme = ProgrammeFactory()
    partner = PartnerFactory()
    add_wijken(programme, 40, partner=partner)
    first = client.get(partner_url(partner))
    html = first.content.decode()
    assert len(contract_sections(first)) == PARTNER_CONTRACTS_PER_PAGE == 10
    assert 'data-contract-count="40"' in html
    assert 'href="?page=2#contracten"' in html
    # The summary counts all forty projects and amounts, not the page's thirty.
    assert "<dd data-total>40</dd>" in html
    assert re.findall(r"data-amount-total=\"[^\"]*\"", html) == ['data-amount-total="4000,00"']
    second = client.get(partner_url(partner) + "?page=2")
    assert len(contract_sections(second)) == 10
    assert len(contract_sections(client.get(partner_url(partner) + "?page=4"))) == 10
    assert "<dd data-total>40</dd>" in second.content.decode()
    for bad, expected in (("x", 1), ("99", 4)):
        answer = client.get(partner_url(partner) + f"?page={bad}")
        assert answer.status_code == 200
        assert f'aria-current="page" data-page-link="{expected}"' in answer.content.decode()


def test_the_partner_list_counts_contracts_and_projects_once(client):
    programme = ProgrammeFactory()
    partner = PartnerFactory()
    add_wijken(programme, 12, partner=partner)
    html = client.get(reverse("partner_list")).content.decode()
    item = html.split(f'data-partner="{partner.slug}"')[1].split("</li>")[0]
    # It leads and joins each project: twelve projects, not twenty-four.
    assert re.search(r"\b12 (neighbourhood contracts|wijkcontracten)\b", item)
    assert re.search(r"\b12 (projects|projecten)\b", item)


def test_the_partner_list_shows_a_page_of_partners_in_kind_and_name_order(client):
    programme = ProgrammeFactory()
    for n in range(PARTNERS_PER_PAGE + 5):
        add_wijken(programme, 1, start=n, partner=PartnerFactory(name=f"Partner {n:03}"))
    url = reverse("partner_list")

    first = client.get(url).content.decode()
    listed = re.findall(r'data-partner="([^"]+)"', first)
    assert len(listed) == PARTNERS_PER_PAGE
    names = re.findall(r'data-partner="[^"]+">\s*<a href="[^"]+">([^<]+)</a>', first)
    assert names == sorted(names)
    assert f'data-partner-count="{PARTNERS_PER_PAGE + 5}"' in first
    # The kind's heading counts every partner of the kind, on all pages.
    assert f"({PARTNERS_PER_PAGE + 5})" in first
    assert 'href="?page=2"' in first

    second = client.get(url, {"page": 2}).content.decode()
    assert len(re.findall(r'data-partner="([^"]+)"', second)) == 5
    assert not set(re.findall(r'data-partner="([^"]+)"', second)) & set(listed)
    for bad, expected in (("x", 1), ("99", 2)):
        answer = client.get(url, {"page": bad})
        assert answer.status_code == 200
        assert f'aria-current="page" data-page-link="{expected}"' in answer.content.decode()


def test_the_partner_list_takes_as_many_queries_for_one_page_as_for_many(client):
    programme = ProgrammeFactory()
    add_wijken(programme, 2)
    few = count_queries(client, reverse("partner_list"))
    for n in range(PARTNERS_PER_PAGE + 5):
        add_wijken(programme, 1, start=10 + n)

    assert count_queries(client, reverse("partner_list")) == few
    assert count_queries(client, reverse("partner_list") + "?page=2") == few
