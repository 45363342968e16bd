"""What each partner contributes to contracts (projects.selectors, "Contributions"): the
projects it leads and joins, its amounts summed, its contributions in kind listed, the
municipality first and summed apart; only public contracts for the public pages."""

from decimal import Decimal

import pytest

from contracts.choices import ContractStatus, PartnerKind
from contracts.models import Programme
from projects import selectors
from tests.factories import (
    ContractPartyFactory,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    complete_contract,
    move_to,
)

pytestmark = pytest.mark.django_db


def contract_with_contributions(status=ContractStatus.SIGNED, *, programme=None, suffix=""):
    """A contract in `status` with two projects: one led by a housing corporation (named so
    that it sorts before the municipality), one by the municipality, each joined by the other;
    amounts and a contribution in kind. Returns (contract, municipality, corporation)."""
    contract = complete_contract(programme=programme)
    municipality = PartnerFactory(name="Gemeente Teststad", kind=PartnerKind.MUNICIPALITY)
    corporation = PartnerFactory(name="Aardewoning", kind=PartnerKind.HOUSING_CORPORATION)
    ContractPartyFactory(contract=contract, partner=municipality)
    ContractPartyFactory(contract=contract, partner=corporation)
    wish = contract.wishes.first()
    housing = ProjectFactory(
        contract=contract, lead_partner=corporation, wishes=[wish], title=f"Gevels{suffix}"
    )
    square = ProjectFactory(
        contract=contract, lead_partner=municipality, wishes=[wish], title=f"Plein{suffix}"
    )
    ProjectPartnerFactory(project=housing, partner=corporation, amount=Decimal("95000"))
    ProjectPartnerFactory(
        project=housing, partner=municipality, amount=Decimal("18000"), contribution="Subsidie"
    )
    ProjectPartnerFactory(project=square, partner=municipality, amount=Decimal("150000.50"))
    ProjectPartnerFactory(
        project=square, partner=corporation, contribution="Een ruimte voor de inloop (in natura)"
    )
    if status != ContractStatus.DRAFT:
        move_to(contract, status)
    return contract, municipality, corporation


def row_of(rows, partner):
    return next(row for row in rows if row.partner == partner)


def test_amounts_are_summed_per_partner_and_in_kind_is_listed():
    contract, municipality, corporation = contract_with_contributions()

    rows = selectors.partner_contributions([contract])

    gemeente, aardewoning = row_of(rows, municipality), row_of(rows, corporation)
    assert gemeente.amount_total == Decimal("168000.50")
    assert gemeente.in_kind == []
    assert aardewoning.amount_total == Decimal("95000")
    assert [item.contribution for item in aardewoning.in_kind] == [
        "Een ruimte voor de inloop (in natura)"
    ]
    assert [item.contribution for item in aardewoning.with_amount] == ["40 uur projectleiding"]


def test_led_and_joined_projects_are_told_apart():
    contract, municipality, corporation = contract_with_contributions()

    rows = selectors.partner_contributions([contract])

    gemeente, aardewoning = row_of(rows, municipality), row_of(rows, corporation)
    assert [p.title for p in gemeente.led_projects] == ["Plein"]
    assert [p.title for p in gemeente.joined_projects] == ["Gevels"]
    assert [p.title for p in aardewoning.led_projects] == ["Gevels"]
    assert [p.title for p in aardewoning.joined_projects] == ["Plein"]


def test_a_lead_partner_without_a_contribution_row_still_leads():
    contract, _municipality, _corporation = contract_with_contributions(ContractStatus.DRAFT)
    police = PartnerFactory(name="Politie Teststad", kind=PartnerKind.POLICE)
    ContractPartyFactory(contract=contract, partner=police)
    ProjectFactory(contract=contract, lead_partner=police, wishes=[contract.wishes.first()])
    move_to(contract, ContractStatus.SIGNED)

    row = row_of(selectors.partner_contributions([contract]), police)

    assert len(row.led_projects) == 1
    assert row.amount_total == 0
    assert row.contributions == []


def test_the_municipality_comes_first_and_is_summed_apart():
    contract, municipality, corporation = contract_with_contributions()

    contributions = selectors.contributions([contract])

    assert [row.partner for row in contributions.rows] == [municipality, corporation]
    assert contributions.municipal.amount_total == Decimal("168000.50")
    assert selectors.municipal_contribution([contract]).amount_total == Decimal("168000.50")
    assert len(contributions.municipal.led_projects) == 1
    assert len(contributions.municipal.joined_projects) == 1
    assert contributions.total == Decimal("263000.50")


def test_without_a_municipal_partner_the_municipal_contribution_is_empty():
    contract = complete_contract()
    ProjectFactory(contract=contract, wishes=[contract.wishes.first()])
    move_to(contract, ContractStatus.SIGNED)

    municipal = selectors.municipal_contribution([contract])

    assert not municipal
    assert municipal.amount_total == 0


def test_only_public_contracts_count_unless_asked_otherwise():
    draft, _municipality, _corporation = contract_with_contributions(ContractStatus.DRAFT)

    assert selectors.partner_contributions([draft]) == []
    assert not selectors.contributions([draft])
    assert selectors.contributions([draft], public_only=False).total == Decimal("263000.50")


def test_a_contract_ready_for_signing_is_public():
    contract, municipality, _corporation = contract_with_contributions(
        ContractStatus.READY_FOR_SIGNING
    )

    rows = selectors.partner_contributions([contract])

    assert rows[0].partner == municipality


def test_a_programme_counts_its_public_contracts_only():
    programme = Programme.objects.create(
        name="Ronde twee",
        slug="ronde-twee",
        period_start="2008-09-22",
        period_end="2010-09-22",
    )
    contract_with_contributions(programme=programme, suffix=" (getekend)")
    contract_with_contributions(ContractStatus.DRAFT, programme=programme, suffix=" (concept)")
    contract_with_contributions(suffix=" (ander programma)")

    contributions = selectors.programme_contributions(programme)

    titles = {p.title for row in contributions.rows for p in row.led_projects}
    assert titles == {"Gevels (getekend)", "Plein (getekend)"}
    assert contributions.municipal.amount_total == Decimal("168000.50")


def test_the_query_count_does_not_grow_with_the_contracts(django_assert_num_queries):
    few = [contract_with_contributions()[0]]
    many = few + [contract_with_contributions(suffix=f" {n}")[0] for n in range(3)]

    for contracts in (few, many):
        with django_assert_num_queries(2):
            contributions = selectors.contributions(contracts)
            for row in contributions.rows:
                for item in row.contributions:
                    assert item.project.contract.neighbourhood.name
                for project in row.led_projects + row.joined_projects:
                    assert project.lead_partner.name
            assert contributions.total
