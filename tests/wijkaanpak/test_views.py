"""The pages of the wijkaanpak package: home, the wijk page, statements, health, errors.

Tests look for stable markers (data attributes, URLs, template names, the lang attribute),
never for Dutch sentences.
"""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path
from unittest import mock
from urllib.parse import quote

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import escape
from django.utils.text import slugify

from contracts import services
from contracts.choices import ContractStatus, WishSource
from contracts.models import Contract, Neighbourhood, SubArea
from tests.conftest import count_queries, editor_client
from tests.factories import (
    ContractFactory,
    ContractPartyFactory,
    ContractSectionFactory,
    DistrictFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    ProgrammeFactory,
    ResidentWishFactory,
    complete_contract,
    contract_in_status,
    signed_contract_and_next_draft,
    signed_contract_with_rows,
)
from wijkaanpak import views

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
ILLUSTRATIVE = 'data-notice="illustrative"'
CONCEPT = 'data-notice="concept"'
READY = 'data-notice="ready-for-signing"'


def wijk_url(neighbourhood):
    return reverse("neighbourhood_detail", kwargs={"slug": neighbourhood.slug})


def html(response):
    return response.content.decode()


# --- Home ---------------------------------------------------------------------------------


def test_home_shows_every_wijk_with_a_link(client):
    signed = contract_in_status(ContractStatus.SIGNED)
    without_contract = NeighbourhoodFactory()

    response = client.get(reverse("home"))

    assert response.status_code == 200
    assert f'href="{wijk_url(signed.neighbourhood)}"' in html(response)
    assert f'href="{wijk_url(without_contract)}"' in html(response)
    assert 'data-status="signed"' in html(response)
    assert 'data-status="none"' in html(response)


def signed_for(start, end, signed_on=None):
    """A contract for the period from `start` to `end`, signed on `signed_on` or on its start."""
    return contract_in_status(
        ContractStatus.SIGNED, period_start=start, period_end=end, signed_on=signed_on or start
    )


def test_home_derives_the_key_dates_from_the_contracts(client):
    signed_for(datetime.date(2011, 3, 1), datetime.date(2013, 3, 1), datetime.date(2011, 2, 15))

    content = html(client.get(reverse("home")))

    assert 'datetime="2011-02-15"' in content  # signing
    assert 'datetime="2011-03-01"' in content  # start
    assert 'datetime="2012-02"' in content  # midterm: the middle of the period, as a month
    assert 'datetime="2013-03-01"' in content  # end
    assert 'datetime="2007' not in content  # no pilot date written into the page


def test_home_key_dates_leave_out_drafts_even_for_staff():
    ContractFactory(period_start=datetime.date(2015, 1, 1), period_end=datetime.date(2017, 1, 1))

    content = html(editor_client().get(reverse("home")))

    assert 'data-status="draft"' in content
    assert "data-round=" not in content
    assert 'datetime="2016-01"' not in content


def test_home_groups_contracts_of_one_round_and_separates_later_rounds(client):
    contract_in_status(ContractStatus.SIGNED)
    contract_in_status(ContractStatus.SIGNED)
    signed_for(datetime.date(2008, 9, 22), datetime.date(2010, 9, 22))

    content = html(client.get(reverse("home")))

    assert content.count("data-round=") == 2


def test_home_takes_a_fixed_number_of_queries(client):
    def queries_for(wijken):
        for _ in range(wijken):
            contract = contract_in_status(ContractStatus.SIGNED)
            SubArea.objects.create(neighbourhood=contract.neighbourhood, name="Buurt")
        return count_queries(client, reverse("home"))

    assert queries_for(2) == queries_for(8)


def _wijken_with_signed_contracts(count, programme=None, prefix="Wijk"):
    """`count` wijken, each with a signed contract of `programme` (bulk: a read-only view)."""
    district = DistrictFactory()
    wijken = Neighbourhood.objects.bulk_create(
        Neighbourhood(
            name=f"{prefix} {index:03}", slug=f"{slugify(prefix)}-{index:03}", district=district
        )
        for index in range(count)
    )
    Contract.objects.bulk_create(
        ContractFactory.build(neighbourhood=wijk, programme=programme, status=ContractStatus.SIGNED)
        for wijk in wijken
    )
    return wijken


def test_home_shows_at_most_24_of_the_programmes_wijken_and_counts_the_rest(client):
    programme = ProgrammeFactory(is_current=True)
    _wijken_with_signed_contracts(30, programme)
    _wijken_with_signed_contracts(3, ProgrammeFactory(), prefix="Elders")

    content = html(client.get(reverse("home")))

    assert content.count("data-neighbourhood=") == 24
    assert 'data-neighbourhood="wijk-000"' in content
    assert 'data-neighbourhood="wijk-024"' not in content
    assert 'data-neighbourhood="elders-000"' not in content
    assert 'data-neighbourhoods-total="30"' in content
    assert f'href="{reverse("contracts:neighbourhood_list")}"' in content
    # The round is told by its size: its 30 names would not fit.
    assert content.count("data-round=") == 1
    assert 'data-round-size="30"' in content


def test_home_without_a_programme_shows_a_bounded_list(client):
    _wijken_with_signed_contracts(30)

    content = html(client.get(reverse("home")))

    assert content.count("data-neighbourhood=") == 24
    assert 'data-neighbourhoods-total="30"' in content
    assert 'data-round-size="30"' in content


def test_home_takes_the_same_queries_for_a_few_or_many_wijken(client):
    programme = ProgrammeFactory(is_current=True)
    _wijken_with_signed_contracts(3, programme)
    few = count_queries(client, reverse("home"))
    _wijken_with_signed_contracts(60, programme, prefix="Meer")

    assert count_queries(client, reverse("home")) == few


def test_home_says_when_there_is_no_fund(client):
    assert 'data-fund="none"' in html(client.get(reverse("home")))


def test_home_works_without_any_data(client):
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "data-round=" not in html(response)


def test_drafts_on_the_home_page_are_hidden_from_residents(client, other_user):
    draft = ContractFactory()

    for visitor in (client, _logged_in(other_user)):
        content = html(visitor.get(reverse("home")))
        assert 'data-status="draft"' not in content
        assert draft.title not in content


def _logged_in(user):
    client = Client()
    client.force_login(user)
    return client


# --- The wijk page ------------------------------------------------------------------------


def test_wijk_page_shows_the_contract_summary_and_the_wishes(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    SubArea.objects.create(neighbourhood=contract.neighbourhood, name="Vijfhoek")
    neighbourhood = contract.neighbourhood

    response = client.get(wijk_url(neighbourhood))

    content = html(response)
    assert response.status_code == 200
    assert neighbourhood.district.name in content
    assert "Vijfhoek" in content
    assert f'data-contract="{contract.pk}"' in content
    assert contract.motto in content
    assert reverse("contracts:contract_detail", kwargs={"slug": neighbourhood.slug}) in content
    for wish in contract.wishes.all():
        assert wish.title in content
        assert escape(str(wish.get_source_display())) in content
    for party in contract.parties.select_related("partner"):
        assert party.partner.name in content
    assert CONCEPT not in content
    assert READY not in content


def test_wijk_page_has_its_projects_and_its_fund_block(client):
    contract = contract_in_status(ContractStatus.SIGNED)

    content = html(client.get(wijk_url(contract.neighbourhood)))

    assert 'data-region="projects"' in content
    assert 'data-wijk-fund="none"' in content
    assert 'id="projecten"' in content
    assert 'id="wijkbudget"' in content


def test_wijk_without_a_contract_still_has_its_page(client):
    neighbourhood = NeighbourhoodFactory()

    response = client.get(wijk_url(neighbourhood))

    assert response.status_code == 200
    assert 'data-contract="none"' in html(response)


def test_a_draft_is_not_shown_to_residents_on_the_wijk_page(client, other_user):
    draft = complete_contract()

    for visitor in (client, _logged_in(other_user)):
        response = visitor.get(wijk_url(draft.neighbourhood))
        content = html(response)
        assert response.status_code == 200
        assert 'data-contract="none"' in content
        assert draft.title not in content
        assert CONCEPT not in content


def test_staff_see_a_draft_on_the_wijk_page_marked_as_concept(editor):
    draft = complete_contract()

    content = html(editor.get(wijk_url(draft.neighbourhood)))

    assert f'data-contract="{draft.pk}"' in content
    assert CONCEPT in content


def test_residents_see_the_signed_contract_while_staff_preview_the_next_draft(client):
    signed, draft = signed_contract_and_next_draft()

    assert f'data-contract="{signed.pk}"' in html(client.get(wijk_url(signed.neighbourhood)))
    staff_view = html(editor_client().get(wijk_url(signed.neighbourhood)))
    assert f'data-contract="{draft.pk}"' in staff_view
    assert CONCEPT in staff_view


def test_a_contract_ready_for_signing_is_public_and_marked(client):
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    content = html(client.get(wijk_url(contract.neighbourhood)))

    assert f'data-contract="{contract.pk}"' in content
    assert READY in content
    assert 'data-status="ready_for_signing"' in content


def test_unknown_wijk_is_a_404_with_our_page(client):
    response = client.get(reverse("neighbourhood_detail", kwargs={"slug": "bestaat-niet"}))

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert 'data-error="404"' in html(response)


def test_the_wijk_page_takes_a_fixed_number_of_queries(client):
    def queries_for(items):
        contract = signed_contract_with_rows(items)
        return count_queries(client, wijk_url(contract.neighbourhood))

    assert queries_for(2) == queries_for(10)


# --- Demo data notice ---------------------------------------------------------------------


def _overview_urls(contract):
    return [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        wijk_url(contract.neighbourhood),
    ]


def test_the_illustrative_notice_shows_exactly_when_an_illustrative_record_is_shown(client):
    sourced = contract_in_status(ContractStatus.SIGNED)
    pages = [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        wijk_url(sourced.neighbourhood),
    ]
    for url in pages:
        assert ILLUSTRATIVE not in html(client.get(url)), url

    demo = contract_in_status(ContractStatus.SIGNED, is_illustrative=True)
    for url in [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        wijk_url(demo.neighbourhood),
    ]:
        assert html(client.get(url)).count(ILLUSTRATIVE) == 1, url
    assert ILLUSTRATIVE not in html(client.get(wijk_url(sourced.neighbourhood)))


def test_an_illustrative_partner_brings_the_notice_to_the_wijk_page(client):
    contract = ContractFactory()
    ContractSectionFactory(contract=contract)
    ContractPartyFactory(contract=contract, partner=PartnerFactory(is_illustrative=True))
    ContractPartyFactory(contract=contract)
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert ILLUSTRATIVE in html(client.get(wijk_url(contract.neighbourhood)))


def test_a_hidden_illustrative_draft_brings_no_notice(client):
    draft = ContractFactory(is_illustrative=True)

    for url in [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        wijk_url(draft.neighbourhood),
    ]:
        assert ILLUSTRATIVE not in html(client.get(url)), url
    assert ILLUSTRATIVE in html(editor_client().get(wijk_url(draft.neighbourhood)))


# --- Statements ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["accessibility", "privacy"])
def test_statements_are_written_per_language(client, name):
    dutch = client.get(reverse(name))
    assert dutch.status_code == 200
    assert f"pages/nl/{name}.html" in [template.name for template in dutch.templates]

    client.post(reverse("set_language"), {"language": "en", "next": reverse(name)})
    english = client.get(reverse(name))
    assert f"pages/en/{name}.html" in [template.name for template in english.templates]
    assert '<html lang="en">' in html(english)


def test_the_accessibility_statement_does_not_claim_more_than_the_evidence(client):
    # Without an audit by an independent expert the model statement allows status C at most.
    content = html(client.get(reverse("accessibility")))
    assert re.search(r'data-compliance-status="C"', content)


@pytest.mark.parametrize("language", ["nl", "en"])
def test_the_accessibility_statement_covers_the_whole_site_as_it_is(client, language):
    client.post(reverse("set_language"), {"language": language, "next": "/"})
    content = html(client.get(reverse("accessibility")))

    for path in ("/projecten/", "/budget/", "/initiatieven/aanvragen/", "/team/", "/admin/"):
        assert path in content, path
    assert "in ontwikkeling" not in content and "still being developed" not in content


def test_statements_show_a_contact_address_when_one_is_configured(client, settings):
    settings.CONTACT_EMAIL = "wijkaanpak@gemeente.example"
    for name in ("accessibility", "privacy"):
        assert 'href="mailto:wijkaanpak@gemeente.example"' in html(client.get(reverse(name)))


# --- Health check (its parts: tests/wijkaanpak/test_health.py) ----------------------------


def test_healthz_is_not_cached(client):
    assert "no-cache" in client.get(reverse("healthz"))["Cache-Control"]


# --- Error pages --------------------------------------------------------------------------


def test_an_unknown_path_gets_our_404_page(client):
    response = client.get("/bestaat-niet/")

    assert response.status_code == 404
    assert "404.html" in [template.name for template in response.templates]
    assert 'id="main"' in html(response)


def test_the_500_page_renders_without_request_context_or_database():
    request = RequestFactory().get("/")
    with mock.patch("django.db.backends.utils.CursorWrapper.execute") as execute:
        response = views.server_error(request)

    assert response.status_code == 500
    assert 'data-error="500"' in response.content.decode()
    assert '<html lang="nl">' in response.content.decode()
    execute.assert_not_called()


def test_the_500_handler_never_raises_even_when_its_template_fails():
    with mock.patch.object(views.loader, "get_template", side_effect=RuntimeError("broken")):
        response = views.server_error(RequestFactory().get("/"))

    assert response.status_code == 500
    assert b"<h1>" in response.content


def test_a_crashing_view_gets_our_500_page(client, settings):
    client.raise_request_exception = False
    with mock.patch.object(views.HomeView, "get_context_data", side_effect=RuntimeError):
        response = client.get(reverse("home"))

    assert response.status_code == 500
    assert 'data-error="500"' in html(response)


# --- Language -----------------------------------------------------------------------------


def test_pages_are_dutch_by_default(client):
    response = client.get(reverse("home"))
    assert '<html lang="nl">' in html(response)


def test_the_language_switch_changes_the_language_of_the_pages(client):
    response = client.get(reverse("set_language"), {"language": "en", "next": "/wijken/"})

    assert response.status_code == 302
    assert response["Location"] == "/wijken/"
    page = client.get(reverse("home"))
    assert '<html lang="en">' in html(page)
    assert page["Content-Language"] == "en"


def test_every_page_has_the_language_switch_back_to_itself(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    for url in [*_public_urls(contract), "/bestaat-niet/"]:
        content = html(client.get(url))
        target = f"{reverse('set_language')}?language=en&amp;next={quote(url, safe='')}"
        assert f'href="{target}"' in content, url
        # A link, not a form: the page needs no CSRF token for it.
        assert 'name="csrfmiddlewaretoken"' not in content, url


# --- Layout, accessibility and security of every page -------------------------------------


def _public_urls(contract):
    slug = contract.neighbourhood.slug
    return [
        reverse("home"),
        reverse("contracts:neighbourhood_list"),
        reverse("neighbourhood_detail", kwargs={"slug": slug}),
        reverse("contracts:contract_detail", kwargs={"slug": slug}),
        reverse("contracts:contract_version", kwargs={"slug": slug, "pk": contract.pk}),
        reverse("accessibility"),
        reverse("privacy"),
    ]


class Outline(HTMLParser):
    """Collects what the layout tests need: focusables in order, headings, landmarks."""

    FOCUSABLE = {"a", "button", "select", "textarea", "input"}

    def __init__(self):
        super().__init__()
        self.focusables = []
        self.headings = []
        self.tags = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        is_link = tag == "a" and "href" in attrs
        is_control = tag in self.FOCUSABLE - {"a"} and attrs.get("type") != "hidden"
        if is_link or is_control:
            self.focusables.append((tag, attrs))
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))


def outline(content):
    parser = Outline()
    parser.feed(content)
    return parser


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_page_has_the_accessible_base_layout(client, language):
    contract = contract_in_status(ContractStatus.SIGNED)
    client.post(reverse("set_language"), {"language": language, "next": "/"})

    for url in [*_public_urls(contract), "/bestaat-niet/"]:
        content = html(client.get(url))
        page = outline(content)
        assert f'<html lang="{language}">' in content, url
        # The skip link to the main content is the first focusable element.
        first_tag, first = page.focusables[0]
        assert (first_tag, first.get("href")) == ("a", "#main"), url
        assert ("main", {"id": "main"}) in page.tags, url
        assert any(tag == "header" for tag, _ in page.tags), url
        assert any(tag == "footer" for tag, _ in page.tags), url
        assert any(tag == "nav" and attrs.get("aria-label") for tag, attrs in page.tags), url
        # One h1, and no heading level skipped on the way down.
        assert page.headings.count(1) == 1, url
        assert page.headings[0] == 1, url
        for previous, current in zip(page.headings, page.headings[1:], strict=False):
            assert current <= previous + 1, (url, page.headings)
        # The footer links to both statements.
        assert f'href="{reverse("accessibility")}"' in content, url
        assert f'href="{reverse("privacy")}"' in content, url


def test_pages_below_home_have_breadcrumbs_ending_in_the_current_page(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    for url in _public_urls(contract)[1:]:
        page = outline(html(client.get(url)))
        navs = [attrs for tag, attrs in page.tags if tag == "nav"]
        assert len(navs) >= 2, url  # the main menu and the breadcrumb trail
        current = [attrs for tag, attrs in page.tags if attrs.get("aria-current") == "page"]
        assert current, url


def test_responses_carry_a_strict_content_security_policy(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    for url in _public_urls(contract):
        policy = client.get(url)["Content-Security-Policy"]
        assert "default-src 'self'" in policy
        assert "unsafe-inline" not in policy
        assert "unsafe-eval" not in policy


def test_pages_load_nothing_from_another_host(client):
    contract = contract_in_status(ContractStatus.SIGNED)
    for url in _public_urls(contract):
        content = html(client.get(url))
        assert not re.search(r'<(link|script|img)[^>]+(href|src)="(https?:)?//', content), url


def test_templates_have_no_inline_styles_or_scripts():
    offenders = []
    for path in sorted((ROOT / "templates").rglob("*.html")):
        text = path.read_text()
        for pattern in (r"\sstyle\s*=", r"<style[\s>]", r"<script(?![^>]*\ssrc=)[^>]*>"):
            if re.search(pattern, text, re.IGNORECASE):
                offenders.append(f"{path.relative_to(ROOT)}: {pattern}")
    assert offenders == []


def test_the_wish_source_is_shown_in_words(client):
    contract = ContractFactory()
    ContractPartyFactory.create_batch(2, contract=contract)
    ContractSectionFactory(contract=contract)
    ResidentWishFactory(
        contract=contract, source=WishSource.RESIDENTS_EVENING, not_taken_up_reason="Later."
    )
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    content = html(client.get(wijk_url(contract.neighbourhood)))

    assert escape(str(WishSource.RESIDENTS_EVENING.label)) in content
    assert WishSource.RESIDENTS_EVENING.value not in content


def test_a_page_not_for_your_role_is_a_dutch_403_with_a_way_on(client, editor_user):
    """The editor has no right to the payments: the refusal is our own page, in Dutch,
    with a link to the desk, not Django's bare English "403 Forbidden"."""
    client.force_login(editor_user)

    response = client.get(reverse("admin:budget_payment_changelist"), HTTP_ACCEPT_LANGUAGE="nl")

    assert response.status_code == 403
    content = html(response)
    assert 'data-error="403"' in content
    assert "Geen toegang" in content and "Forbidden" not in content
    assert f'href="{reverse("admin:index")}"' in content


def test_admin_page_titles_start_with_a_capital(client, editor_user):
    """Django's Dutch titles read "contract toevoegen"; ours put the action first."""
    client.force_login(editor_user)

    content = client.get(
        reverse("admin:contracts_contract_add"), HTTP_ACCEPT_LANGUAGE="nl"
    ).content.decode()

    assert "<h1>Toevoegen: contract</h1>" in content
