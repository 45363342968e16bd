"""Rules of single rows: constraints, the freeze through code, the append-only log."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import (
    Contract,
    ContractParty,
    ContractSection,
    ContractStatusChange,
    ResidentWish,
)
from tests.factories import (
    ContractFactory,
    ContractPartyFactory,
    ContractSectionFactory,
    PartnerFactory,
    ResidentWishFactory,
    complete_contract,
    contract_in_status,
)

pytestmark = pytest.mark.django_db

FROZEN = [ContractStatus.READY_FOR_SIGNING, ContractStatus.SIGNED, ContractStatus.COMPLETED]


def codes(excinfo):
    return {error.code for error in excinfo.value.error_list}


# --- Period ------------------------------------------------------------------------------------


def test_clean_refuses_a_period_that_ends_before_it_starts():
    contract = ContractFactory.build(
        period_start=datetime.date(2009, 10, 2), period_end=datetime.date(2007, 10, 2)
    )
    with pytest.raises(ValidationError) as excinfo:
        contract.full_clean(exclude=["neighbourhood"])
    assert excinfo.value.error_dict["period_end"][0].code == "period_end_before_start"


@pytest.mark.parametrize("days", [0, -1])
def test_the_database_refuses_a_period_that_does_not_end_after_it_starts(days):
    contract = ContractFactory()
    contract.period_end = contract.period_start + datetime.timedelta(days=days)
    with pytest.raises(IntegrityError), transaction.atomic():
        contract.save()


# --- Parties -----------------------------------------------------------------------------------


def test_a_partner_is_a_party_at_most_once():
    party = ContractPartyFactory()
    duplicate = ContractParty(contract=party.contract, partner=party.partner)

    with pytest.raises(ValidationError) as excinfo:
        duplicate.full_clean()
    assert [e.code for e in excinfo.value.error_dict["__all__"]] == ["duplicate_party"]

    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    assert ContractParty.objects.filter(contract=party.contract).count() == 1


def test_the_same_partner_may_sign_several_contracts():
    partner = PartnerFactory()
    ContractPartyFactory(partner=partner)
    ContractPartyFactory(partner=partner)
    assert ContractParty.objects.filter(partner=partner).count() == 2


# --- Status only through the service -----------------------------------------------------------


def test_status_cannot_be_set_directly():
    contract = complete_contract()
    contract.status = ContractStatus.SIGNED
    with pytest.raises(ValidationError) as excinfo:
        contract.save()
    assert codes(excinfo) == {"status_outside_lifecycle"}
    assert Contract.objects.get(pk=contract.pk).status == ContractStatus.DRAFT


def test_a_new_contract_cannot_start_signed():
    contract = ContractFactory.build(
        neighbourhood=ContractFactory().neighbourhood,
        period_start=datetime.date(2011, 1, 1),
        period_end=datetime.date(2012, 1, 1),
        status=ContractStatus.SIGNED,
    )
    with pytest.raises(ValidationError) as excinfo:
        contract.save()
    assert codes(excinfo) == {"new_contract_not_draft"}


# --- The freeze, through code ------------------------------------------------------------------


@pytest.mark.parametrize("status", FROZEN)
@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Andere titel"),
        ("motto", "Ander motto"),
        ("period_end", datetime.date(2010, 1, 1)),
    ],
)
def test_a_frozen_contract_refuses_text_changes(status, field, value):
    contract = contract_in_status(status)
    original = getattr(contract, field)
    setattr(contract, field, value)

    with pytest.raises(ValidationError) as excinfo:
        contract.save()

    assert codes(excinfo) == {"contract_frozen"}
    assert getattr(Contract.objects.get(pk=contract.pk), field) == original


def test_signing_details_stay_editable_until_signed():
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    contract.signing_place = "Stadhuis Haarlem"
    contract.save()
    assert Contract.objects.get(pk=contract.pk).signing_place == "Stadhuis Haarlem"


@pytest.mark.parametrize("status", [ContractStatus.SIGNED, ContractStatus.COMPLETED])
def test_signing_details_are_fixed_once_signed(status):
    contract = contract_in_status(status)
    contract.signed_on = datetime.date(2007, 10, 3)
    with pytest.raises(ValidationError) as excinfo:
        contract.save()
    assert codes(excinfo) == {"contract_frozen"}


def test_a_draft_contract_can_be_edited():
    contract = complete_contract()
    contract.title = "Nieuwe titel"
    contract.save()
    assert Contract.objects.get(pk=contract.pk).title == "Nieuwe titel"


@pytest.mark.parametrize("status", FROZEN)
def test_a_frozen_contract_refuses_new_and_changed_parts(status):
    contract = contract_in_status(status)
    counts = (contract.sections.count(), contract.parties.count(), contract.wishes.count())

    for build in (
        lambda: ContractSectionFactory.build(contract=contract),
        lambda: ContractPartyFactory.build(contract=contract, partner=PartnerFactory()),
        lambda: ResidentWishFactory.build(contract=contract),
    ):
        with pytest.raises(ValidationError) as excinfo:
            build().save()
        assert codes(excinfo) == {"contract_frozen"}

    section = contract.sections.first()
    section.body = "Stiekem gewijzigd"
    with pytest.raises(ValidationError):
        section.save()
    with pytest.raises(ValidationError):
        contract.wishes.first().delete()
    with pytest.raises(ValidationError):
        contract.parties.first().delete()

    assert (contract.sections.count(), contract.parties.count(), contract.wishes.count()) == counts
    assert ContractSection.objects.get(pk=section.pk).body != "Stiekem gewijzigd"


@pytest.mark.parametrize("status", FROZEN)
def test_bulk_writes_cannot_pass_the_freeze(status):
    contract = contract_in_status(status)
    with pytest.raises(ValidationError):
        ContractSection.objects.filter(contract=contract).update(body="x")
    with pytest.raises(ValidationError):
        ResidentWish.objects.filter(contract=contract).delete()
    with pytest.raises(ValidationError):
        Contract.objects.filter(pk=contract.pk).delete()
    with pytest.raises(ValidationError):
        contract.delete()
    assert Contract.objects.filter(pk=contract.pk).exists()
    assert not ContractSection.objects.filter(contract=contract, body="x").exists()


def test_a_part_cannot_escape_a_frozen_contract_by_moving():
    frozen = contract_in_status(ContractStatus.SIGNED)
    draft = ContractFactory()
    wish = frozen.wishes.first()
    wish.contract = draft
    with pytest.raises(ValidationError):
        wish.save()
    assert ResidentWish.objects.get(pk=wish.pk).contract_id == frozen.pk


def test_back_to_draft_unfreezes():
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    services.change_status(contract, ContractStatus.DRAFT)
    contract.refresh_from_db()
    ContractSectionFactory(contract=contract, heading="Aanvulling")
    assert contract.sections.filter(heading="Aanvulling").exists()


def test_a_draft_contract_can_be_deleted_with_its_parts():
    contract = complete_contract()
    contract.delete()
    assert not ContractSection.objects.exists()


# --- History and the log -----------------------------------------------------------------------


def test_every_change_is_kept_in_the_history():
    contract = complete_contract()
    contract.title = "Tweede versie"
    contract.save()
    titles = list(contract.history.order_by("history_date").values_list("title", flat=True))
    assert titles[-1] == "Tweede versie"
    assert len(titles) == 2
    section = contract.sections.first()
    section.body = "Herschreven"
    section.save()
    assert section.history.count() == 2


def test_a_recorded_status_change_cannot_be_altered():
    contract = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    change = ContractStatusChange.objects.get(contract=contract)
    change.note = "achteraf gewijzigd"
    with pytest.raises(ValidationError) as excinfo:
        change.save()
    assert codes(excinfo) == {"status_change_immutable"}
    assert ContractStatusChange.objects.get(pk=change.pk).note == ""


def test_public_and_visible_querysets():
    draft = complete_contract()
    ready = contract_in_status(ContractStatus.READY_FOR_SIGNING)
    signed = contract_in_status(ContractStatus.SIGNED)
    assert set(Contract.objects.public()) == {ready, signed}
    assert draft not in Contract.objects.public()
