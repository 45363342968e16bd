"""The college's decision on the contract pages, and the college memo (nota): a staff download
from the decision's admin page, printed from the data (wijkaanpak.college). Pilot data:
decision SB/B&C/2007/183714 of 2 October 2007 on the five contracts."""

import datetime
import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from contracts.choices import PartnerKind
from contracts.models import CollegeDecision, Contract, Programme
from projects.models import ProjectPartner
from tests.access.personas import log_in
from tests.conftest import editor_client, staff_client
from tests.factories import TeamMembershipFactory, UserFactory
from tests.pdf_reading import download, flat, pdf_info, pdf_text
from wijkaanpak import college
from wijkaanpak.common.money import format_euro

REFERENCE = "SB/B&C/2007/183714"
MEMO_HEADINGS = (
    "Subject",
    "Administrative context",
    "The neighbourhood contracts",
    "Financing",
    "Communication",
    "Decision",
)


@pytest.fixture
def decision(pilot):
    return CollegeDecision.objects.get(reference=REFERENCE)


def memo_url(decision):
    return reverse("admin:contracts_collegedecision_memo", args=[decision.pk])


def municipal_amount(contracts):
    """The sum of the municipality's amounts in `contracts`, straight from the rows."""
    return ProjectPartner.objects.filter(
        project__contract__in=contracts, partner__kind=PartnerKind.MUNICIPALITY
    ).aggregate(total=Sum("amount"))["total"]


def dutch(msgid):
    with translation.override("nl"):
        return gettext(msgid)


# --- The contract page ------------------------------------------------------------------------


def section(html, element_id):
    """The HTML of the <section> labelled by `element_id`."""
    match = re.search(rf'<section[^>]*aria-labelledby="{element_id}".*?</section>', html, re.DOTALL)
    assert match, element_id
    return match.group(0)


def test_the_contract_page_shows_the_college_decision(client, decision):
    html = client.get("/wijken/centrum/contract/").content.decode()

    decided = section(html, "collegebesluit")
    assert escape(REFERENCE) in decided
    assert "2 oktober 2007" in decided
    for point in decision.decision_points():
        assert point in decided


def test_the_contract_page_shows_the_contributions_municipality_first(client, pilot):
    contract = Contract.objects.public().get(neighbourhood__slug="centrum")

    html = client.get("/wijken/centrum/contract/").content.decode()

    contributions = section(html, "bijdragen")
    first_row = re.search(r"<tbody[^>]*>\s*<tr([^>]*)>", contributions).group(1)
    assert "data-municipality" in first_row
    total = municipal_amount([contract])
    assert f'data-municipal-total="{total:.2f}"' in contributions
    assert format_euro(total) in contributions
    for partner in {p.partner.name for p in contract.parties.select_related("partner")}:
        if ProjectPartner.objects.filter(
            project__contract=contract, partner__name=partner
        ).exists():
            assert partner in contributions


def test_an_earlier_version_page_shows_its_decision_too(client, decision):
    contract = decision.contracts.get(neighbourhood__slug="boerhaavewijk")
    url = reverse("contracts:contract_version", kwargs={"slug": "boerhaavewijk", "pk": contract.pk})

    html = client.get(url).content.decode()

    assert "2 oktober 2007" in section(html, "collegebesluit")
    assert 'id="bijdragen"' in html


def test_a_contract_without_a_decision_shows_no_decision_section(client, decision):
    decision.contracts.remove(decision.contracts.get(neighbourhood__slug="centrum"))

    html = client.get("/wijken/centrum/contract/").content.decode()

    assert 'id="collegebesluit"' not in html
    assert 'id="bijdragen"' in html


# --- Who gets the memo ------------------------------------------------------------------------


def test_anonymous_visitors_are_sent_to_the_login(client, decision):
    response = client.get(memo_url(decision))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_a_team_member_does_not_get_the_memo(decision):
    member = UserFactory(username="teamlid")
    TeamMembershipFactory(user=member, project=decision.contracts.first().projects.first())

    response = log_in(Client(), member).get(memo_url(decision))

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_without_the_right_get_a_403(decision):
    assert staff_client().get(memo_url(decision)).status_code == 403


def test_staff_with_the_right_to_view_decisions_get_it(decision):
    user = UserFactory(username="griffier", is_staff=True)
    user.user_permissions.add(Permission.objects.get(codename="view_collegedecision"))

    response = log_in(Client(), user).get(memo_url(decision))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_an_unknown_decision_is_a_404(decision):
    url = reverse("admin:contracts_collegedecision_memo", args=[decision.pk + 1000])

    assert editor_client().get(url).status_code == 404


# --- The admin pages ----------------------------------------------------------------------------


def test_the_decision_admin_lists_and_links_the_memo(decision):
    client = editor_client()

    listing = client.get(reverse("admin:contracts_collegedecision_changelist"))
    change = client.get(reverse("admin:contracts_collegedecision_change", args=[decision.pk]))
    history = client.get(reverse("admin:contracts_collegedecision_history", args=[decision.pk]))

    assert listing.status_code == 200
    assert escape(REFERENCE) in listing.content.decode()
    assert change.status_code == 200
    assert f'href="{memo_url(decision)}"' in change.content.decode()
    assert "selectfilter" in change.content.decode()  # the contracts' filter_horizontal
    assert history.status_code == 200


def test_the_editor_changes_a_decision_and_its_contracts(decision):
    client = editor_client()
    url = reverse("admin:contracts_collegedecision_change", args=[decision.pk])
    kept = list(decision.contracts.order_by("pk").values_list("pk", flat=True))[:2]

    response = client.post(
        url,
        {
            "programme": decision.programme_id,
            "reference": decision.reference,
            "meeting_date": "2007-10-02",
            "subject": decision.subject,
            "portfolio_holder": decision.portfolio_holder,
            "author": decision.author,
            "context": decision.context,
            "approved": decision.approved,
            "communication": decision.communication,
            "committee": decision.committee,
            "contracts": kept,
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    assert sorted(decision.contracts.values_list("pk", flat=True)) == kept
    assert decision.history.count() >= 1


# --- The memo as PDF ------------------------------------------------------------------------


@pytest.fixture
def memo(decision, tmp_path, poppler):
    response, path = download(editor_client(), memo_url(decision), tmp_path / "nota.pdf")
    assert response.status_code == 200
    return path


@pytest.mark.pdf
def test_the_memo_has_its_six_numbered_sections_in_order(memo):
    text = flat(pdf_text(memo))

    positions = []
    for number, heading in enumerate(MEMO_HEADINGS, start=1):
        found = text.find(f"{number} {dutch(heading)}")
        assert found >= 0, heading
        positions.append(found)
    assert positions == sorted(positions)


@pytest.mark.pdf
def test_the_memo_carries_the_decision_from_the_data(memo, decision):
    text = flat(pdf_text(memo))

    assert REFERENCE in text
    assert "2 oktober 2007" in text
    assert decision.portfolio_holder in text
    assert decision.author in text
    assert decision.committee in text
    for point in decision.decision_points():
        assert flat(point) in text
    for paragraph in decision.communication.split("\n\n"):
        assert flat(paragraph) in text


@pytest.mark.pdf
def test_the_memo_names_each_contract_with_its_counts(memo, decision):
    text = flat(pdf_text(memo))

    for contract in decision.contracts.select_related("neighbourhood"):
        assert contract.neighbourhood.name in text
        assert f"{contract.wishes.count()} " in text
        assert contract.signing_place in text
    assert "Amsterdamse buurten" in text and "Leidsebuurt" in text


@pytest.mark.pdf
def test_the_memo_sums_the_contributions_and_the_fund(memo, decision):
    text = flat(pdf_text(memo))
    contracts = decision.contracts.all()

    assert format_euro(municipal_amount(contracts)) in text
    all_amounts = ProjectPartner.objects.filter(project__contract__in=contracts).aggregate(
        total=Sum("amount")
    )["total"]
    assert format_euro(all_amounts) in text
    fund = decision.programme.fund
    assert format_euro(fund.total) in text
    for category in fund.categories.all():
        assert format_euro(category.ceiling) in text
    assert dutch("in kind") in text
    assert format_euro(Decimal("150000")) in text  # one partner's amount as the pilot gives it


@pytest.mark.pdf
def test_the_memo_is_a_tagged_a4_pdf(memo):
    info = flat(pdf_info(memo))

    assert "Tagged: yes" in info
    assert "(A4)" in info
    assert REFERENCE in info


@pytest.mark.pdf
def test_a_decision_without_contracts_or_fund_prints_honest_empty_states(db, tmp_path, poppler):
    programme = Programme.objects.create(
        name="Tweede ronde",
        slug="tweede-ronde",
        period_start=datetime.date(2008, 9, 22),
        period_end=datetime.date(2010, 9, 22),
    )
    decision = CollegeDecision.objects.create(
        programme=programme,
        reference="TEST/2008/1",
        meeting_date=datetime.date(2008, 9, 16),
        subject="Wijkcontracten tweede ronde",
        approved="Het college neemt kennis van de wijkcontracten.",
    )
    path = tmp_path / "nota.pdf"
    path.write_bytes(college.render_memo(decision))

    text = flat(pdf_text(path))

    assert "TEST/2008/1" in text
    assert "16 september 2008" in text
    assert dutch("No contracts have been linked to this decision yet.") in text
    assert dutch("The municipality contributes to none of the projects.") in text
    assert dutch("No fund has been linked to this programme.") in text
    assert "Het college neemt kennis van de wijkcontracten." in text
