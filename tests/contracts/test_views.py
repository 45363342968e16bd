"""The public pages of the contract domain: the list of wijken and the contract texts.

Every view for the anonymous visitor, a logged-in user without rights, and staff. Tests look
for stable markers (data attributes, URLs), never for Dutch sentences.
"""

import datetime
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Neighbourhood, SubArea
from tests.conftest import assert_signatories_in, count_queries, editor_client
from tests.factories import (
    ContractFactory,
    DistrictFactory,
    NeighbourhoodFactory,
    UserFactory,
    complete_contract,
    contract_in_status,
    signed_contract_and_next_draft,
    signed_contract_with_rows,
)

pytestmark = pytest.mark.django_db

CONCEPT = 'data-notice="concept"'
READY = 'data-notice="ready-for-signing"'
NOT_CURRENT = 'data-notice="not-current"'


def html(response):
    return response.content.decode()


def current_url(contract):
    return reverse("contracts:contract_detail", kwargs={"slug": contract.neighbourhood.slug})


def version_url(contract, slug=None):
    return reverse(
        "contracts:contract_version",
        kwargs={"slug": slug or contract.neighbourhood.slug, "pk": contract.pk},
    )


@pytest.fixture
def logged_in_without_rights(other_user):
    client = Client()
    client.force_login(other_user)
    return client


# --- The list of wijken -------------------------------------------------------------------


def test_the_list_groups_the_wijken_by_district_with_their_areas(client):
    north = DistrictFactory(name="Noord", slug="noord")
    south = DistrictFactory(name="Zuid", slug="zuid")
    first = NeighbourhoodFactory(district=north)
    SubArea.objects.create(neighbourhood=first, name="Waterbuurt")
    second = NeighbourhoodFactory(district=south)

    response = client.get(reverse("contracts:neighbourhood_list"))

    content = html(response)
    assert response.status_code == 200
    assert 'data-district="noord"' in content
    assert 'data-district="zuid"' in content
    assert content.index('data-district="noord"') < content.index(first.get_absolute_url())
    assert content.index(first.get_absolute_url()) < content.index('data-district="zuid"')
    assert content.index('data-district="zuid"') < content.index(second.get_absolute_url())
    assert "Waterbuurt" in content


def test_the_list_shows_the_status_of_each_current_contract(client):
    contract_in_status(ContractStatus.SIGNED)
    contract_in_status(ContractStatus.READY_FOR_SIGNING)
    contract_in_status(ContractStatus.COMPLETED)
    NeighbourhoodFactory()

    content = html(client.get(reverse("contracts:neighbourhood_list")))

    for status in ("signed", "ready_for_signing", "completed", "none"):
        assert f'data-status="{status}"' in content


def test_the_list_hides_drafts_from_residents_and_shows_them_to_staff(
    client, logged_in_without_rights
):
    ContractFactory()

    for visitor in (client, logged_in_without_rights):
        content = html(visitor.get(reverse("contracts:neighbourhood_list")))
        assert 'data-status="draft"' not in content
        assert 'data-status="none"' in content
    assert 'data-status="draft"' in html(
        editor_client().get(reverse("contracts:neighbourhood_list"))
    )


def test_the_list_takes_a_fixed_number_of_queries(client):
    def queries_for(wijken):
        for _ in range(wijken):
            contract_in_status(ContractStatus.SIGNED)
        return count_queries(client, reverse("contracts:neighbourhood_list"))

    assert queries_for(2) == queries_for(8)


# --- The current contract -----------------------------------------------------------------


def test_the_contract_page_shows_the_full_text(client):
    contract = contract_in_status(ContractStatus.SIGNED)

    response = client.get(current_url(contract))

    content = html(response)
    assert response.status_code == 200
    assert contract.title in content
    assert contract.motto in content
    sections = list(contract.sections.order_by("order", "pk"))
    for number, section in enumerate(sections, start=1):
        assert f'data-section="1.{number}"' in content
        assert section.heading in content
    assert content.index(sections[0].heading) < content.index(sections[1].heading)
    for wish in contract.wishes.all():
        assert wish.title in content
    assert_signatories_in(content, contract.parties.select_related("partner"))
    assert 'data-status="signed"' in content
    assert 'data-status-change="ready_for_signing"' in content
    assert 'data-status-change="signed"' in content
    assert CONCEPT not in content
    assert NOT_CURRENT not in content


def test_the_contract_page_never_shows_who_changed_the_status_or_their_notes(client):
    contract = complete_contract()
    editor = UserFactory(username="geheime-redacteur", first_name="Geheim")
    services.change_status(
        contract, ContractStatus.READY_FOR_SIGNING, user=editor, note="interne opmerking"
    )

    content = html(client.get(current_url(contract)))

    assert "geheime-redacteur" not in content
    assert "interne opmerking" not in content


def test_a_draft_contract_is_a_404_for_residents(client, logged_in_without_rights):
    draft = complete_contract()

    for visitor in (client, logged_in_without_rights):
        assert visitor.get(current_url(draft)).status_code == 404
        assert visitor.get(version_url(draft)).status_code == 404


def test_staff_preview_a_draft_marked_as_concept(editor):
    draft = complete_contract()

    for url in (current_url(draft), version_url(draft)):
        response = editor.get(url)
        assert response.status_code == 200
        assert CONCEPT in html(response)
        assert 'data-status="draft"' in html(response)


def test_a_contract_ready_for_signing_is_public_and_marked(client):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    response = client.get(current_url(contract))

    assert response.status_code == 200
    assert READY in html(response)
    assert CONCEPT not in html(response)


def test_a_completed_contract_is_public(client):
    contract = contract_in_status(ContractStatus.COMPLETED)

    response = client.get(current_url(contract))

    assert response.status_code == 200
    assert 'data-status="completed"' in html(response)


def test_the_current_contract_of_an_unknown_wijk_is_a_404(client):
    response = client.get(reverse("contracts:contract_detail", kwargs={"slug": "bestaat-niet"}))
    assert response.status_code == 404
    assert 'data-error="404"' in html(response)


def test_a_wijk_without_a_visible_contract_has_no_contract_page(client):
    neighbourhood = NeighbourhoodFactory()
    response = client.get(reverse("contracts:contract_detail", kwargs={"slug": neighbourhood.slug}))
    assert response.status_code == 404


def test_residents_read_the_signed_contract_while_staff_preview_the_next_draft(client):
    signed, draft = signed_contract_and_next_draft()

    resident_view = html(client.get(current_url(signed)))
    assert signed.title in resident_view
    assert draft.title not in resident_view
    # The draft is not even listed among the other contracts of the wijk.
    assert version_url(draft) not in resident_view

    staff_view = html(editor_client().get(current_url(signed)))
    assert draft.title in staff_view
    assert CONCEPT in staff_view
    assert version_url(signed) in staff_view


# --- A particular contract ----------------------------------------------------------------


def test_an_earlier_contract_is_readable_and_marked_as_not_current(client):
    earlier = contract_in_status(ContractStatus.COMPLETED)
    later = contract_in_status(
        ContractStatus.SIGNED,
        neighbourhood=earlier.neighbourhood,
        period_start=datetime.date(2009, 10, 2),
        period_end=datetime.date(2011, 10, 2),
        signed_on=datetime.date(2009, 10, 2),
    )

    response = client.get(version_url(earlier))

    content = html(response)
    assert response.status_code == 200
    assert earlier.title in content
    assert NOT_CURRENT in content
    assert current_url(later) in content
    assert NOT_CURRENT not in html(client.get(version_url(later)))


def test_a_contract_under_another_wijks_address_is_a_404(client, editor):
    contract = contract_in_status(ContractStatus.SIGNED)
    other = NeighbourhoodFactory()

    assert client.get(version_url(contract, slug=other.slug)).status_code == 404
    assert editor.get(version_url(contract, slug=other.slug)).status_code == 404


def test_an_unknown_contract_number_is_a_404(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    url = reverse(
        "contracts:contract_version",
        kwargs={"slug": contract.neighbourhood.slug, "pk": contract.pk + 1000},
    )
    assert client.get(url).status_code == 404


def test_the_contract_page_takes_a_fixed_number_of_queries(client):
    def queries_for(items):
        contract = signed_contract_with_rows(items)
        return [
            count_queries(client, url) for url in (current_url(contract), version_url(contract))
        ]

    assert queries_for(2) == queries_for(10)


# --- The list of wijken at volume: pages and a search ---------------------------------------


def list_url(**params):
    url = reverse("contracts:neighbourhood_list")
    return f"{url}?{urlencode(params)}" if params else url


def _many_wijken(count, district=None):
    """`count` wijken named Wijk 000, Wijk 001, … in one district (bulk: no history needed)."""
    district = district or DistrictFactory(name="Oost", slug="oost")
    Neighbourhood.objects.bulk_create(
        Neighbourhood(name=f"Wijk {index:03}", slug=f"wijk-{index:03}", district=district)
        for index in range(count)
    )
    return district


def cards(content):
    return content.count("data-neighbourhood=")


def test_the_list_never_shows_more_than_a_page_of_wijken(client):
    _many_wijken(120)

    first = html(client.get(list_url()))
    last = html(client.get(list_url(page=4)))

    assert cards(first) == 30
    assert 'data-neighbourhood="wijk-000"' in first
    assert 'data-neighbourhood="wijk-030"' not in first
    assert 'data-pages="4"' in first
    assert cards(last) == 30
    assert 'data-neighbourhood="wijk-119"' in last


def test_the_pages_link_to_each_other_and_mark_the_current_one(client):
    _many_wijken(70)

    content = html(client.get(list_url(page=2)))

    nav = content.split('class="pages"', 1)[1].split("</nav>", 1)[0]
    assert 'href="?page=1"' in nav
    assert 'href="?page=3"' in nav
    assert 'rel="prev"' in nav
    assert 'rel="next"' in nav
    assert nav.count('aria-current="page"') == 1
    assert 'aria-current="page" data-page-link="2"' in nav
    assert "aria-label=" in content.split('class="pages"', 1)[1].split(">", 1)[0]


def test_one_page_of_wijken_has_no_page_links(client):
    _many_wijken(5)

    assert 'class="pages"' not in html(client.get(list_url()))


@pytest.mark.parametrize(
    ("page", "shown"),
    [("abc", "wijk-000"), ("0", "wijk-059"), ("9999", "wijk-059"), ("-1", "wijk-059")],
)
def test_a_bad_page_number_shows_the_first_or_last_page(client, page, shown):
    _many_wijken(60)

    response = client.get(list_url(page=page))

    assert response.status_code == 200
    assert f'data-neighbourhood="{shown}"' in html(response)


def test_the_search_finds_wijken_by_name_district_or_area(client):
    north = DistrictFactory(name="Noord", slug="noord")
    south = DistrictFactory(name="Schalkwijk", slug="schalkwijk")
    delftwijk = NeighbourhoodFactory(name="Delftwijk", slug="delftwijk", district=north)
    SubArea.objects.create(neighbourhood=delftwijk, name="Waterbuurt")
    NeighbourhoodFactory(name="Boerhaavewijk", slug="boerhaavewijk", district=south)
    NeighbourhoodFactory(name="Leidsebuurt", slug="leidsebuurt", district=north)

    def found(query):
        content = html(client.get(list_url(q=query)))
        return {
            slug
            for slug in ("delftwijk", "boerhaavewijk", "leidsebuurt")
            if f'data-neighbourhood="{slug}"' in content
        }

    assert found("delft") == {"delftwijk"}
    assert found("WATERBUURT") == {"delftwijk"}
    assert found("schalkwijk") == {"boerhaavewijk"}
    assert found("wijk") == {"delftwijk", "boerhaavewijk"}
    assert found("  ") == {"delftwijk", "boerhaavewijk", "leidsebuurt"}


def test_the_search_keeps_its_query_in_the_page_links(client):
    _many_wijken(70)

    content = html(client.get(list_url(q="wijk", page=2)))

    assert 'data-search-result="70"' in content
    assert 'href="?q=wijk&amp;page=3"' in content
    assert 'value="wijk"' in content


def test_a_search_without_results_says_so(client):
    _many_wijken(3)

    response = client.get(list_url(q="Atlantis"))

    content = html(response)
    assert response.status_code == 200
    assert 'data-search-result="none"' in content
    assert cards(content) == 0
    assert f'href="{list_url()}"' in content


@pytest.mark.parametrize("query", ["nul\x00teken", "x" * 101])
def test_a_bad_search_gets_a_message_and_shows_every_wijk(client, query):
    _many_wijken(3)

    response = client.get(list_url(q=query))

    content = html(response)
    assert response.status_code == 200
    assert "data-search-error" in content
    assert 'aria-invalid="true"' in content
    assert cards(content) == 3


def test_the_search_label_belongs_to_its_field(client):
    content = html(client.get(list_url()))

    assert '<label class="form-label" for="id_q">' in content
    assert 'type="search" name="q" id="id_q"' in content
    assert 'role="search"' in content


def test_the_list_groups_each_page_by_district():
    _many_wijken(20)
    noord = DistrictFactory(name="Noord", slug="noord")
    Neighbourhood.objects.bulk_create(
        Neighbourhood(name=f"Noordwijk {index:02}", slug=f"noordwijk-{index:02}", district=noord)
        for index in range(20)
    )

    first = html(Client().get(list_url()))
    second = html(Client().get(list_url(page=2)))

    # Noord comes first; its 20 wijken and 10 of Oost fill the first page.
    assert first.count('data-district="noord"') == 1
    assert first.count('data-district="oost"') == 1
    assert first.index('data-district="noord"') < first.index('data-district="oost"')
    assert second.count('data-district="oost"') == 1
    assert 'data-district="noord"' not in second


def test_the_list_takes_the_same_queries_for_a_page_of_a_few_or_many_wijken(client):
    _many_wijken(3)
    few = count_queries(client, list_url())
    Neighbourhood.objects.all().delete()
    _many_wijken(150, DistrictFactory(name="Zuid", slug="zuid"))

    assert count_queries(client, list_url()) == few
    assert count_queries(client, list_url(q="wijk", page=3)) == few
