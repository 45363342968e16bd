"""The public pages of the contract domain: the list of wijken and the contract texts.

Every view for the anonymous visitor, a logged-in user without rights, and staff. Tests look
for stable markers (data attributes, URLs), never for Dutch sentences.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import SubArea
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
