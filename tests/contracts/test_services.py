"""The contract lifecycle service: every pair of states, the preconditions, the record."""

import datetime
import itertools

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from contracts import services
from contracts.choices import CONTRACT_TRANSITIONS, ContractStatus
from contracts.models import Contract, ContractStatusChange, StandardSection
from tests.factories import (
    ContractFactory,
    ContractPartyFactory,
    ContractSectionFactory,
    NeighbourhoodFactory,
    UserFactory,
    close_final_evaluation,
    complete_contract,
    contract_in_status,
    sign_contract,
)

pytestmark = pytest.mark.django_db

ALL_PAIRS = list(itertools.product(ContractStatus, ContractStatus))


def error_codes(excinfo):
    return {error.code for error in excinfo.value.error_list}


@pytest.mark.parametrize(("from_status", "to_status"), ALL_PAIRS)
def test_every_pair_of_states_follows_the_table(from_status, to_status):
    contract = contract_in_status(from_status)
    changes_before = ContractStatusChange.objects.filter(contract=contract).count()

    if to_status == ContractStatus.SIGNED:
        # The one way into "signed" is register_signing; change_status refuses it from anywhere.
        with pytest.raises(ValidationError) as excinfo:
            services.change_status(contract, to_status)
        assert error_codes(excinfo) == {"use_register_signing"}
    elif to_status in CONTRACT_TRANSITIONS[from_status]:
        if to_status == ContractStatus.COMPLETED:
            # Completing needs the final evaluation closed (tests/projects/test_evaluation.py).
            close_final_evaluation(contract)
        services.change_status(contract, to_status)
        contract.refresh_from_db()
        assert contract.status == to_status
        last = ContractStatusChange.objects.filter(contract=contract).latest()
        assert (last.from_status, last.to_status) == (from_status, to_status)
        return
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.change_status(contract, to_status)
        assert error_codes(excinfo) == {"transition_not_allowed"}
        contract.refresh_from_db()
        assert contract.status == from_status
        assert ContractStatusChange.objects.filter(contract=contract).count() == changes_before


def test_the_table_is_the_documented_lifecycle():
    assert CONTRACT_TRANSITIONS == {
        ContractStatus.DRAFT: {ContractStatus.READY_FOR_SIGNING},
        ContractStatus.READY_FOR_SIGNING: {ContractStatus.DRAFT, ContractStatus.SIGNED},
        ContractStatus.SIGNED: {ContractStatus.COMPLETED},
        ContractStatus.COMPLETED: set(),
    }


def test_a_step_records_who_when_and_why():
    user = UserFactory(is_staff=True)
    contract = complete_contract()
    before = timezone.now()

    services.change_status(
        contract, ContractStatus.READY_FOR_SIGNING, user=user, note="Tekst goedgekeurd"
    )

    change = ContractStatusChange.objects.get(contract=contract)
    assert change.changed_by == user
    assert change.changed_at >= before
    assert change.note == "Tekst goedgekeurd"
    assert change.from_status == ContractStatus.DRAFT
    assert change.to_status == ContractStatus.READY_FOR_SIGNING


def test_imported_history_can_be_backdated():
    contract = complete_contract()
    moment = timezone.make_aware(datetime.datetime(2007, 10, 2, 20, 0))
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING, at=moment)
    assert ContractStatusChange.objects.get(contract=contract).changed_at == moment


def test_ready_for_signing_needs_two_parties():
    contract = ContractFactory()
    ContractSectionFactory(contract=contract)
    ContractPartyFactory(contract=contract)

    with pytest.raises(ValidationError) as excinfo:
        services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert "too_few_parties" in error_codes(excinfo)
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT
    assert not ContractStatusChange.objects.exists()


@pytest.mark.parametrize("missing", ["signatory_name", "signatory_function"])
def test_ready_for_signing_needs_every_signatory(missing):
    contract = ContractFactory()
    ContractSectionFactory(contract=contract)
    ContractPartyFactory(contract=contract)
    ContractPartyFactory(contract=contract, **{missing: "  "})

    with pytest.raises(ValidationError) as excinfo:
        services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert error_codes(excinfo) == {"signatory_missing"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def test_ready_for_signing_needs_text():
    contract = ContractFactory()
    ContractPartyFactory.create_batch(2, contract=contract)

    with pytest.raises(ValidationError) as excinfo:
        services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert error_codes(excinfo) == {"no_sections"}


def test_signing_needs_date_and_place():
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)

    with pytest.raises(ValidationError) as excinfo:
        sign_contract(contract, signed_on=None, place="")

    assert error_codes(excinfo) == {"signing_details_missing"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.READY_FOR_SIGNING


def test_ready_for_signing_needs_the_planned_date_and_place():
    contract = contract_in_status(ContractStatus.DRAFT, signed_on=None, signing_place="")

    with pytest.raises(ValidationError) as excinfo:
        services.change_status(contract, ContractStatus.READY_FOR_SIGNING)

    assert error_codes(excinfo) == {"signing_details_missing"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def test_unknown_status_is_refused():
    contract = complete_contract()
    with pytest.raises(ValueError):
        services.change_status(contract, "archived")
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def test_the_service_reads_the_stored_status_not_a_stale_instance():
    contract = complete_contract()
    stale = Contract.objects.get(pk=contract.pk)
    services.change_status(contract, ContractStatus.READY_FOR_SIGNING)
    sign_contract(contract)

    # The stale copy still says draft; the step from draft is not what the database allows.
    with pytest.raises(ValidationError) as excinfo:
        services.change_status(stale, ContractStatus.READY_FOR_SIGNING)
    assert error_codes(excinfo) == {"transition_not_allowed"}


def test_create_contract_starts_with_the_standard_sections():
    neighbourhood = NeighbourhoodFactory()
    contract = services.create_contract(
        neighbourhood=neighbourhood,
        title="Wijkcontract Testwijk",
        period_start=datetime.date(2008, 9, 22),
        period_end=datetime.date(2010, 9, 22),
    )
    headings = list(contract.sections.values_list("heading", flat=True))
    assert headings == list(StandardSection.objects.values_list("heading", flat=True))
    assert len(headings) == 8
    assert contract.status == ContractStatus.DRAFT


def test_create_contract_refuses_a_period_that_ends_before_it_starts():
    with pytest.raises(ValidationError) as excinfo:
        services.create_contract(
            neighbourhood=NeighbourhoodFactory(),
            title="Verkeerd om",
            period_start=datetime.date(2009, 10, 2),
            period_end=datetime.date(2007, 10, 2),
        )
    assert "period_end" in excinfo.value.error_dict
    assert not Contract.objects.exists()


def test_add_standard_sections_leaves_a_written_contract_alone():
    contract = ContractFactory()
    ContractSectionFactory(contract=contract, heading="Eigen tekst")
    assert services.add_standard_sections(contract) == []
    assert list(contract.sections.values_list("heading", flat=True)) == ["Eigen tekst"]
