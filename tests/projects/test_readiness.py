"""A contract cannot go to "ready for signing" unfinished: what the check finds, and where."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import ContractSection, ContractStatusChange, ResidentWish, StandardSection
from tests.admin_pages import error_tags, messages_of
from tests.factories import (
    ContractFactory,
    ContractPartyFactory,
    PartnerFactory,
    ProjectFactory,
    ResidentWishFactory,
    complete_contract,
)

pytestmark = pytest.mark.django_db


def codes(problems):
    return {problem.code for problem in problems}


@pytest.fixture(autouse=True)
def standard_sections():
    """Two standard sections whose bodies are writing prompts, as staff keep them."""
    StandardSection.objects.create(
        order=10, heading="Inleiding", body="Waarom dit wijkcontract er is en wat het regelt."
    )
    StandardSection.objects.create(
        order=20, heading="Projectteam", body="Wie in het projectteam zitten en wat het team doet."
    )


def contract_with_every_gap():
    """A draft with one party without signatory, standard sections never written, a wish no
    project answers, a project that answers none, and one led by a partner that is no party."""
    contract = ContractFactory()
    ContractPartyFactory(contract=contract, signatory_name="")
    services.add_standard_sections(contract)
    ResidentWishFactory(contract=contract, title="Meer groen")
    speelplek = ResidentWishFactory(contract=contract, title="Een speelplek")
    project = ProjectFactory(contract=contract, title="Schoon", wishes=[])
    outsider = PartnerFactory(name="Buitenstaander")
    ProjectFactory(contract=contract, title="Veilig", lead_partner=outsider, wishes=[speelplek])
    return contract, project


def test_every_gap_is_named_with_where_it_is_fixed(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    contract, _project = contract_with_every_gap()

    problems = services.readiness_problems(contract)

    assert codes(problems) == {
        "too_few_parties",
        "signatory_missing",
        "placeholder_text",
        "site_url_not_public",
        "wish_not_answered",
        "project_without_wish",
        "lead_not_party",
    }
    where = {problem.code: problem.params["where"] for problem in problems}
    assert where["placeholder_text"] == "sections"
    assert where["signatory_missing"] == "parties"
    assert where["wish_not_answered"] == "wishes"
    assert where["project_without_wish"] == "projects"  # its row on the contract's page
    messages = " ".join(message for problem in problems for message in problem.messages)
    assert "Meer groen" in messages and "Inleiding" in messages


def test_the_step_is_refused_with_every_gap_and_nothing_changes(settings):
    settings.SITE_URL = "http://localhost:8000"
    contract, _project = contract_with_every_gap()

    with pytest.raises(ValidationError) as refused:
        services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert len(refused.value.error_list) >= 7
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
    assert not ContractStatusChange.objects.filter(contract=contract).exists()


def test_a_wish_not_taken_up_with_a_reason_counts_as_answered():
    contract = complete_contract()
    assert services.readiness_problems(contract) == []

    ResidentWish.objects.filter(contract=contract).update(not_taken_up_reason=" ")

    assert codes(services.readiness_problems(contract)) == {"wish_not_answered"}


def test_a_section_counts_as_written_once_its_prompt_is_replaced():
    contract = complete_contract()
    ContractSection.objects.filter(contract=contract).delete()
    services.add_standard_sections(contract)
    assert codes(services.readiness_problems(contract)) == {"placeholder_text"}

    for section in ContractSection.objects.filter(contract=contract):
        section.body = f"{section.body} Voor deze wijk: afspraken over {section.heading}."
        section.save()

    assert services.readiness_problems(contract) == []


@pytest.mark.parametrize(
    ("debug", "address", "refused"),
    [
        (False, "http://127.0.0.1:8000", True),
        (False, "http://[::1]:8000", True),
        (False, "http://0.0.0.0:8000", True),
        (False, "http://wijkaanpak.localhost", True),
        (False, "https://wijkaanpak.haarlem.nl", False),
        (True, "http://127.0.0.1:8000", False),
    ],
)
def test_the_printed_address_must_be_public_when_debug_is_off(settings, debug, address, refused):
    settings.DEBUG, settings.SITE_URL = debug, address

    assert bool(services.site_url_problems()) is refused


def test_the_lifecycle_box_links_each_gap_to_where_it_is_fixed(editor, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    contract, _project = contract_with_every_gap()

    response = editor.get(reverse("admin:contracts_contract_change", args=[contract.pk]))

    problems = response.context["lifecycle"]["problems"]
    urls = {problem["url"] for problem in problems}
    assert {"#sections-group", "#parties-group", "#wishes-group", "#projects-group"} <= urls
    assert None in urls  # the address is fixed in the settings, not on a page
    content = response.content.decode()
    assert 'href="#projects-group"' in content


def test_the_admin_refuses_the_step_and_says_what_is_missing(editor, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    contract, _project = contract_with_every_gap()

    response = editor.post(
        reverse("admin:contracts_contract_change_status", args=[contract.pk]),
        {"to_status": ContractStatus.READY_FOR_SIGNING},
    )

    assert response.status_code == 302
    assert {"placeholder_text", "wish_not_answered", "project_without_wish"} <= error_tags(
        response
    )[0]
    assert "Meer groen" in messages_of(response)[0][2]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT


def test_residents_read_why_a_wish_is_not_taken_up(client):
    contract = complete_contract()
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    reason = ResidentWish.objects.filter(contract=contract).first().not_taken_up_reason
    slug = contract.neighbourhood.slug

    contract_page = client.get(reverse("contracts:contract_detail", kwargs={"slug": slug}))
    wijk_page = client.get(reverse("neighbourhood_detail", kwargs={"slug": slug}))

    assert reason in contract_page.content.decode()
    assert reason in wijk_page.content.decode()
