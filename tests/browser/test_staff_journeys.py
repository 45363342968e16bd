"""Staff in a real browser: log in to the admin, write a contract on one screen and move a
draft to ready for signing."""

import pytest

from contracts.choices import ContractStatus
from contracts.models import Contract, ContractStatusChange, StandardSection
from tests.conftest import assert_accessible, log_in
from tests.factories import ContractFactory, NeighbourhoodFactory, PartnerFactory, complete_contract

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_mark_ready_for_signing(page, contract):
    """In the contract changelist, select `contract` and run "mark ready for signing"."""
    page.goto("/admin/contracts/contract/")
    page.locator(f"input[name=_selected_action][value='{contract.pk}']").check()
    page.locator("select[name=action]").select_option("mark_ready_for_signing")
    page.locator("button[name=index]").click()
    page.wait_for_load_state()


def test_an_editor_moves_a_draft_to_ready_for_signing(page, editor_user):
    contract = complete_contract(title="Wijkcontract Parkwijk, 2008 – 2010")
    log_in(page, editor_user.username)

    run_mark_ready_for_signing(page, contract)

    assert page.locator(".messagelist .success").count() == 1
    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    change = ContractStatusChange.objects.get(contract=contract)
    assert change.changed_by == editor_user


def test_an_editor_is_told_why_a_step_is_refused(page, editor_user):
    contract = ContractFactory(title="Wijkcontract zonder partijen")
    log_in(page, editor_user.username)

    run_mark_ready_for_signing(page, contract)

    assert page.locator(".messagelist .error").count() >= 1
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def choose_in_autocomplete(page, row, text):
    """Pick `text` in the partner autocomplete of `row` (e.g. "#parties-0")."""
    page.locator(f"{row} .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(text)
    page.locator(".select2-results__option", has_text=text).first.click()


def test_an_editor_builds_a_contract_on_one_screen_and_marks_it_ready(page, editor_user):
    """A contract with its parties, sections, one wish and one project (lead, planning, the
    wish it answers, a partner's contribution) is written on the add page and saved once.

    Counted are the full page loads (the tab's "load" events) from opening the add page on:
    the add page, then the contract's page the save leads to. Marking it as ready for signing
    there is one click more.
    """
    StandardSection.objects.all().delete()
    StandardSection.objects.create(heading="Inleiding", body="Waarom dit contract.", order=1)
    StandardSection.objects.create(heading="Projectteam", body="Wie in het team zit.", order=2)
    neighbourhood = NeighbourhoodFactory(name="Zuiderpolder")
    lead = PartnerFactory(name="Woonstichting Noord")
    contributor = PartnerFactory(name="Welzijn Haarlem")
    log_in(page, editor_user.username)
    loads = []
    page.on("load", lambda: loads.append(page.url))

    page.goto("/admin/contracts/contract/add/")
    page.select_option("#id_neighbourhood", str(neighbourhood.pk))
    page.fill("#id_title", "Wijkcontract Zuiderpolder, 2007 – 2009")
    page.fill("#id_period_start", "02-10-2007")
    page.fill("#id_period_end", "02-10-2009")
    page.fill("#id_signed_on", "02-10-2007")
    page.fill("#id_signing_place", "Haarlem")
    page.fill("#id_sections-0-body", "Bewoners en partners maken samen de wijk beter.")
    page.fill("#id_sections-1-body", "Het team komt elke maand samen.")
    choose_in_autocomplete(page, "#parties-0", lead.name)
    page.fill("#id_parties-0-signatory_name", "A. de Vries")
    page.fill("#id_parties-0-signatory_function", "directeur")
    page.locator("#parties-group .add-row a").click()
    choose_in_autocomplete(page, "#parties-1", contributor.name)
    page.fill("#id_parties-1-signatory_name", "B. Jansen")
    page.fill("#id_parties-1-signatory_function", "wethouder")
    assert page.input_value("#id_wishes-0-order") == "1"
    page.fill("#id_wishes-0-title", "Een veilige speelplek")
    page.select_option("#id_wishes-0-source", "survey")
    assert page.input_value("#id_projects-0-number") == "1"
    page.fill("#id_projects-0-title", "Speelveld Zuiderpolder")
    page.fill("#id_projects-0-summary", "Een nieuw speelveld voor de buurt.")
    page.fill("#id_projects-0-description", "Samen met de kinderen ontworpen en aangelegd.")
    page.select_option("#id_projects-0-lead_partner", str(lead.pk))
    page.fill("#id_projects-0-wish_numbers", "1")
    # The page names the wish the number stands for before anything is saved.
    assert page.inner_text("#id_projects-0-wish_numbers-titles") == "1. Een veilige speelplek"
    page.fill("#id_projects-0-planned_start", "01-01-2008")
    page.fill("#id_projects-0-planned_end", "31-12-2008")
    assert page.input_value("#id_contributions-0-project_number") == "1"
    page.select_option("#id_contributions-0-partner", str(contributor.pk))
    page.fill("#id_contributions-0-contribution", "Twee jongerenwerkers")
    page.fill("#id_contributions-0-amount", "95000")
    assert_accessible(page)
    page.locator("input[name=_save]").click()
    page.wait_for_load_state()

    contract = Contract.objects.get()
    assert page.url.endswith(f"/admin/contracts/contract/{contract.pk}/change/")
    assert len(loads) == 2, loads  # the add page and the contract's page after the save
    project = contract.projects.get()
    assert list(project.wishes.all()) == list(contract.wishes.all())
    assert project.participants.get().partner == contributor
    assert page.locator(".lifecycle-problems li").count() == 0
    assert_accessible(page)

    page.locator("button[name=to_status][value=ready_for_signing]").click()
    page.wait_for_load_state()

    contract.refresh_from_db()
    assert contract.status == ContractStatus.READY_FOR_SIGNING
    assert len(loads) == 3
