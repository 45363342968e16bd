"""Partner accountability: /partners/, /partners/<slug>/ and /partners/<slug>.pdf.

What one partner promised in the public contracts (its signatory, the projects it leads or
joins, its contributions) beside what it delivered (status, progress); never a draft's
content, never anyone's contact data. The selector costs a fixed number of queries.
"""

import re
import time
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from contracts.choices import ContractStatus, PartnerKind
from contracts.models import Partner
from projects import selectors
from projects.choices import ProjectStatus
from projects.models import Project
from tests import pdf_reading
from tests.conftest import count_queries
from tests.factories import (
    ContractPartyFactory,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    complete_contract,
    move_to,
)

pytestmark = pytest.mark.django_db

EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
PHONE = re.compile(r"\b0\d{1,3}[- ]?\d{6,8}\b")
EMPTY_STATE_MSGID = (
    "%(name)s has not (yet) signed a neighbourhood contract and does not take part in a "
    "project of a public neighbourhood contract. As soon as it does, its promises and their "
    "progress are shown here."
)


def empty_state(partner):
    """The Dutch sentence of the empty state, as the catalogue has it."""
    with translation.override("nl"):
        return gettext(EMPTY_STATE_MSGID) % {"name": partner.name}


def detail_url(partner):
    return reverse("partner_detail", kwargs={"slug": partner.slug})


def pdf_url(partner):
    return reverse("partner_pdf", kwargs={"slug": partner.slug})


def with_status(project, status, percent):
    """Set what progress updates would have set (status and percentage are not text)."""
    Project.objects.filter(pk=project.pk).update(status=status, percent_complete=percent)


def accountable_partner(projects=2, contracts=1, status=ContractStatus.SIGNED):
    """A housing corporation that signs `contracts` contracts (each then moved to `status`),
    leads `projects` projects in each with a contribution of € 1.000, and joins one project
    led by another party in each with a contribution in kind. Project statuses cycle through
    done, on schedule, delayed, cancelled, planned."""
    partner = PartnerFactory(
        name="Woonstichting Voorbeeld",
        kind=PartnerKind.HOUSING_CORPORATION,
        email="bestuur@woonstichting.example",
    )
    statuses = [
        ProjectStatus.DONE,
        ProjectStatus.ON_SCHEDULE,
        ProjectStatus.DELAYED,
        ProjectStatus.CANCELLED,
        ProjectStatus.PLANNED,
    ]
    made = []
    for _ in range(contracts):
        contract = complete_contract()
        ContractPartyFactory(
            contract=contract,
            partner=partner,
            signatory_name="B. Bestuurder",
            signatory_function="directeur-bestuurder",
        )
        joined = ProjectFactory(contract=contract, title="Samen met anderen")
        ProjectPartnerFactory(
            project=joined, partner=partner, contribution="Een ruimte, in natura", amount=None
        )
        for index in range(projects):
            project = ProjectFactory(
                contract=contract, lead_partner=partner, title=f"Eigen project {index}"
            )
            ProjectPartnerFactory(
                project=project,
                partner=partner,
                contribution="Projectleiding en materiaal",
                amount=Decimal("1000"),
            )
        move_to(contract, status)
        made.append(contract)
    for index, project in enumerate(
        Project.objects.filter(contract__in=made).order_by("contract", "number")
    ):
        with_status(project, statuses[index % len(statuses)], 20 * (index % 6))
    return partner, made


# --- The selector -------------------------------------------------------------------------------


def test_the_accountability_holds_contracts_signatory_projects_and_contributions():
    partner, (contract,) = accountable_partner(projects=2)

    data = selectors.partner_accountability(partner.slug)

    assert data["partner"] == partner
    assert data["contracts"] == [contract]
    shown = data["contracts"][0]
    assert shown.party.signatory_name == "B. Bestuurder"
    assert shown.party.signatory_function == "directeur-bestuurder"
    roles = {project.title: project.role for project in shown.partner_projects}
    assert roles == {
        "Samen met anderen": "participant",
        "Eigen project 0": "lead",
        "Eigen project 1": "lead",
    }
    joined = next(p for p in shown.partner_projects if p.role == "participant")
    assert joined.contribution.contribution == "Een ruimte, in natura"
    assert joined.contribution.amount is None


def test_the_summary_counts_done_running_delayed_cancelled_and_the_amounts():
    partner, _contracts = accountable_partner(projects=4)  # five projects, five statuses

    summary = selectors.partner_accountability(partner.slug)["summary"]

    assert (summary.done, summary.running, summary.delayed, summary.cancelled) == (1, 2, 1, 1)
    assert summary.total == 5
    assert summary.amount == Decimal("4000")
    assert (summary.amounts, summary.in_kind) == (4, 1)


def test_each_contract_has_its_own_summary():
    partner, contracts = accountable_partner(projects=1, contracts=2)

    shown = selectors.partner_accountability(partner.slug)["contracts"]

    assert {contract.pk for contract in shown} == {contract.pk for contract in contracts}
    assert [contract.summary.total for contract in shown] == [2, 2]
    assert [contract.summary.amount for contract in shown] == [Decimal("1000")] * 2


def test_a_partner_that_only_joins_a_project_has_no_signatory():
    other = PartnerFactory(name="Buurthuis zonder handtekening")
    contract = complete_contract()
    ProjectPartnerFactory(project=ProjectFactory(contract=contract), partner=other)
    move_to(contract, ContractStatus.SIGNED)

    shown = selectors.partner_accountability(other.slug)["contracts"]

    assert [c.pk for c in shown] == [contract.pk]
    assert shown[0].party is None
    assert [p.role for p in shown[0].partner_projects] == ["participant"]


def test_the_query_count_does_not_grow_with_more_projects_and_contracts():
    small, _ = accountable_partner(projects=1, contracts=1)
    Partner.objects.filter(pk=small.pk).update(name="Klein", slug="klein")
    large, _ = accountable_partner(projects=4, contracts=3)

    def queries(slug):
        with CaptureQueriesContext(connection) as captured:
            data = selectors.partner_accountability(slug)
            for contract in data["contracts"]:
                for project in contract.partner_projects:
                    str(project.lead_partner), project.contribution, project.contract.title
        return len(captured)

    assert queries("klein") == queries(large.slug) == 5


def test_the_pages_take_as_many_queries_for_one_project_as_for_many(client):
    small, _ = accountable_partner(projects=1, contracts=1)
    Partner.objects.filter(pk=small.pk).update(name="Klein", slug="klein")
    large, _ = accountable_partner(projects=4, contracts=3)

    assert count_queries(client, "/partners/klein/") == count_queries(client, detail_url(large))
    few = count_queries(client, reverse("partner_list"))
    accountable_partner(projects=3, contracts=2)  # same name: the same partner, more rows
    assert count_queries(client, reverse("partner_list")) == few


def test_the_list_groups_partners_by_kind_with_their_counts():
    partner, _contracts = accountable_partner(projects=2, contracts=2)

    _page, groups, _kinds = selectors.public_partner_page(
        lambda partners, per_page: Paginator(partners, per_page).page(1), 60
    )

    kinds = [kind for kind, _label, _partners in groups]
    assert kinds == [kind for kind in PartnerKind.values if kind in kinds]
    housing = next(partners for kind, _l, partners in groups if kind == "housing_corporation")
    assert housing == [partner]
    assert (housing[0].contract_count, housing[0].project_count) == (2, 6)


# --- The pages ----------------------------------------------------------------------------------


def test_the_page_shows_promised_beside_delivered(client):
    partner, (contract,) = accountable_partner(projects=2)

    response = client.get(detail_url(partner))
    html = response.content.decode()

    assert response.status_code == 200
    assert "B. Bestuurder" in html and "directeur-bestuurder" in html
    assert contract.title in html
    assert f'href="/wijken/{contract.neighbourhood.slug}/"' in html
    for project in contract.projects.all():
        assert f'href="/projecten/{project.pk}/"' in html
        assert f'data-project-status="{project.status}"' in html
    assert "Projectleiding en materiaal" in html
    assert "€ 2.000,00" in html  # the sum of its two amounts
    assert f'href="{pdf_url(partner)}"' in html


def test_the_page_never_shows_the_partners_email_address(client):
    partner, _contracts = accountable_partner()

    for url in (detail_url(partner), reverse("partner_list")):
        html = client.get(url).content.decode()
        assert partner.email not in html
        assert not EMAIL.search(html), EMAIL.search(html)


def test_a_contract_ready_for_signing_is_public_and_shown_with_its_status(client):
    partner, (contract,) = accountable_partner(status=ContractStatus.READY_FOR_SIGNING)

    html = client.get(detail_url(partner)).content.decode()

    assert contract.title in html
    assert 'data-status="ready_for_signing"' in html


def test_a_partner_that_signed_nothing_gets_an_honest_empty_page(client):
    partner = PartnerFactory(name="Nieuwe Stichting")

    response = client.get(detail_url(partner))
    html = response.content.decode()

    assert response.status_code == 200
    assert 'data-partner-state="empty"' in html
    assert empty_state(partner) in html
    assert f'href="{pdf_url(partner)}"' not in html
    assert partner.slug not in client.get(reverse("partner_list")).content.decode()


def draft_only_partner():
    """A partner that is a party to a draft contract only, leads a project in it and
    contributes to it: all of it secret until the contract is ready for signing."""
    partner = PartnerFactory(name="Stichting Concept")
    contract = complete_contract(title="Geheim conceptcontract Zuidwest")
    ContractPartyFactory(
        contract=contract,
        partner=partner,
        signatory_name="C. Geheim",
        signatory_function="voorzitter",
    )
    project = ProjectFactory(contract=contract, lead_partner=partner, title="Geheim conceptproject")
    ProjectPartnerFactory(project=project, partner=partner, contribution="Geheime bijdrage")
    return partner, contract


DRAFT_SECRETS = ("Geheim conceptcontract", "C. Geheim", "Geheim conceptproject", "Geheime bijdrage")


def test_a_draft_contract_does_not_leak_to_anonymous_visitors(client):
    partner, contract = draft_only_partner()

    html = client.get(detail_url(partner)).content.decode()
    listing = client.get(reverse("partner_list")).content.decode()

    assert empty_state(partner) in html
    for secret in DRAFT_SECRETS:
        assert secret not in html
    assert contract.neighbourhood.name not in html
    assert "Stichting Concept" not in listing
    assert selectors.partner_accountability(partner.slug)["contracts"] == []


def test_a_draft_beside_a_signed_contract_stays_hidden(client):
    partner, (signed,) = accountable_partner()
    draft = complete_contract(title="Geheim conceptcontract Zuidwest")
    ContractPartyFactory(contract=draft, partner=partner, signatory_name="C. Geheim")
    ProjectFactory(contract=draft, lead_partner=partner, title="Geheim conceptproject")

    html = client.get(detail_url(partner)).content.decode()

    assert signed.title in html
    for secret in DRAFT_SECRETS[:3]:
        assert secret not in html


@pytest.mark.parametrize("path", ["/partners/bestaat-niet/", "/partners/bestaat-niet.pdf"])
def test_an_unknown_partner_is_a_404(client, path):
    response = client.get(path)

    assert response.status_code == 404
    if not path.endswith(".pdf"):
        assert "Pagina niet gevonden" in response.content.decode()


def test_the_main_menu_links_to_the_partners(client):
    partner, _contracts = accountable_partner()

    home = client.get("/").content.decode()
    listing = client.get(reverse("partner_list")).content.decode()
    detail = client.get(detail_url(partner)).content.decode()

    assert 'href="/partners/"' in home
    assert re.search(r'href="/partners/"\s+aria-current="page"', listing)
    assert re.search(r'is-active" href="/partners/"', detail)


def test_illustrative_records_show_the_notice(client):
    partner, _contracts = accountable_partner()
    plain = client.get(detail_url(partner)).content.decode()
    Partner.objects.filter(pk=partner.pk).update(is_illustrative=True)

    marked = client.get(detail_url(partner)).content.decode()

    assert 'data-notice="illustrative"' not in plain
    assert 'data-notice="illustrative"' in marked
    assert 'data-notice="illustrative"' in client.get(reverse("partner_list")).content.decode()


# --- The admin ----------------------------------------------------------------------------------


def test_the_partner_admin_shows_the_slug_prepopulated_and_a_view_on_site_link(editor):
    partner, _contracts = accountable_partner()
    change = reverse("admin:contracts_partner_change", args=[partner.pk])

    html = editor.get(change).content.decode()
    add = editor.get(reverse("admin:contracts_partner_add")).content.decode()
    view_on_site = reverse(
        "admin:view_on_site", args=[ContentType.objects.get_for_model(Partner).pk, partner.pk]
    )

    assert 'name="slug"' in html and partner.slug in html
    assert "#id_slug" in add and "#id_name" in add  # the prepopulated field's wiring
    assert f'href="{view_on_site}"' in html
    redirect = editor.get(view_on_site)
    assert redirect.status_code == 302
    assert redirect["Location"].endswith(detail_url(partner))


# --- The pilot ----------------------------------------------------------------------------------

PILOT_PARTNERS = ["ymere", "gemeente-haarlem", "politie-kennemerland"]


@pytest.mark.parametrize("slug", PILOT_PARTNERS)
def test_pilot_partners_show_their_contracts_projects_and_signatories(client, pilot, slug):
    partner = Partner.objects.get(slug=slug)
    html = client.get(f"/partners/{slug}/").content.decode()

    parties = partner.contract_parties.filter(contract__status__in=["signed", "completed"])
    assert parties.exists()
    for party in parties.select_related("contract__neighbourhood"):
        assert party.contract.title in html
        assert party.signatory_name in html
        assert f'href="/wijken/{party.contract.neighbourhood.slug}/"' in html
    projects = Project.objects.filter(lead_partner=partner) | Project.objects.filter(
        participants__partner=partner
    )
    for project in projects.distinct():
        assert f'href="/projecten/{project.pk}/"' in html
    assert partner.email not in html
    assert not EMAIL.search(html), EMAIL.search(html)
    assert not PHONE.search(html), PHONE.search(html)
    assert 'data-notice="illustrative"' in html  # the pilot's contracts are illustrative


def test_the_pilot_partner_list_groups_every_partner_by_kind(client, pilot):
    html = client.get(reverse("partner_list")).content.decode()

    for partner in Partner.objects.all():
        assert f'href="/partners/{partner.slug}/"' in html
    assert not EMAIL.search(html)
    assert html.index('data-kind="municipality"') < html.index('data-kind="housing_corporation"')


# --- The PDF ------------------------------------------------------------------------------------


@pytest.mark.pdf
def test_the_pilot_pdf_of_gemeente_haarlem_is_tagged_a4_and_complete(
    client, pilot, poppler, tmp_path, real_pdf_renders
):
    partner = Partner.objects.get(slug="gemeente-haarlem")
    started = time.monotonic()
    response, path = pdf_reading.download(client, pdf_url(partner), tmp_path / "partner.pdf")
    seconds = time.monotonic() - started

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "verantwoording-gemeente-haarlem.pdf" in response["Content-Disposition"]
    info = pdf_reading.pdf_info(path)
    assert re.search(r"^Tagged:\s+yes", info, re.MULTILINE)
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)", info, re.MULTILINE)
    assert "Gemeente Haarlem" in next(
        line for line in info.splitlines() if line.startswith("Title:")
    )
    text = pdf_reading.flat(pdf_reading.pdf_text(path))
    for party in partner.contract_parties.select_related("contract"):
        assert party.contract.title in text
        assert party.signatory_name in text
    for project in Project.objects.filter(lead_partner=partner):
        # A title wraps in its narrow column and its lines mix with the next cells': its
        # number and first word stay together.
        assert f"{project.number}. {project.title.split()[0]}" in text
    assert "Opgesteld op" in text
    assert "@" not in text
    assert not PHONE.search(text)
    assert seconds < 30


@pytest.mark.pdf
def test_the_pdf_of_a_partner_that_signed_nothing_says_so(client, poppler, tmp_path):
    partner, _contract = draft_only_partner()

    response, path = pdf_reading.download(client, pdf_url(partner), tmp_path / "leeg.pdf")
    text = pdf_reading.flat(pdf_reading.pdf_text(path))

    assert response.status_code == 200
    assert "Stichting Concept" in text
    assert empty_state(partner) in text
    for secret in DRAFT_SECRETS:
        assert secret not in text
    assert pdf_reading.page_count(path) == 1
