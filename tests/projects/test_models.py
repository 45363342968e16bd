"""Rules of single project rows: constraints, the freeze of the signed promise, the m2m guard."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from contracts.models import ContractFrozen
from projects.models import Project, ProjectPartner
from tests.factories import (
    ContractFactory,
    PartnerFactory,
    ProjectFactory,
    ProjectPartnerFactory,
    ResidentWishFactory,
    complete_contract,
    project_in_signed_contract,
)

pytestmark = pytest.mark.django_db


def codes_of(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


def test_the_lead_partner_must_be_a_party():
    project = ProjectFactory.build(
        contract=complete_contract(), lead_partner=PartnerFactory(), number=1
    )
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert codes_of(excinfo, "lead_partner") == ["lead_not_party"]


@pytest.mark.parametrize(
    ("start", "end", "code"),
    [
        (datetime.date(2008, 5, 1), datetime.date(2008, 4, 1), "planned_end_before_start"),
        (datetime.date(2007, 1, 1), datetime.date(2008, 4, 1), "planning_outside_period"),
        (datetime.date(2008, 1, 1), datetime.date(2010, 1, 1), "planning_outside_period"),
    ],
)
def test_planning_lies_within_the_contract_period(start, end, code):
    contract = complete_contract()
    project = ProjectFactory.build(
        contract=contract,
        lead_partner=contract.parties.first().partner,
        planned_start=start,
        planned_end=end,
        number=1,
    )
    with pytest.raises(ValidationError) as excinfo:
        project.full_clean()
    assert codes_of(excinfo, "planned_end") == [code]


def test_the_database_holds_the_number_and_planning_rules():
    project = ProjectFactory()
    duplicate = ProjectFactory.build(
        contract=project.contract, lead_partner=project.lead_partner, number=project.number
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        duplicate.save()
    project.planned_end = project.planned_start - datetime.timedelta(days=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        project.save()


def test_a_frozen_contract_takes_no_new_project():
    signed = project_in_signed_contract()
    extra = ProjectFactory.build(
        contract=signed.contract, lead_partner=signed.lead_partner, number=99
    )
    with pytest.raises(ValidationError) as excinfo:
        extra.save()
    assert excinfo.value.code == "project_added_to_frozen_contract"
    assert Project.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("title", "Andere titel"),
        ("description", "Herschreven belofte"),
        ("planned_end", datetime.date(2009, 9, 1)),
    ],
)
def test_the_signed_promise_cannot_change(field, value):
    project = project_in_signed_contract()
    setattr(project, field, value)
    with pytest.raises(ContractFrozen):
        project.save()
    assert getattr(Project.objects.get(pk=project.pk), field) != value


def test_status_and_progress_keep_moving_after_signing():
    project = project_in_signed_contract()
    project.status, project.percent_complete = "on_schedule", 40
    project.save(update_fields=["status", "percent_complete"])
    assert Project.objects.get(pk=project.pk).percent_complete == 40


def test_the_parts_of_a_signed_project_are_frozen_too():
    project = project_in_signed_contract()
    with pytest.raises(ContractFrozen):
        ProjectPartnerFactory(project=project)
    # The link table is written inside Django's own atomic block without a savepoint: a
    # refusal there spoils the caller's transaction unless the caller gives it a savepoint.
    with pytest.raises(ContractFrozen), transaction.atomic():
        project.wishes.clear()
    with pytest.raises(ContractFrozen):
        project.delete()
    with pytest.raises(ContractFrozen):
        Project.objects.filter(pk=project.pk).delete()
    assert project.wishes.count() == 1
    assert not ProjectPartner.objects.exists()


def test_a_project_answers_only_wishes_of_its_own_contract():
    project = ProjectFactory()
    foreign = ResidentWishFactory(contract=ContractFactory())
    with pytest.raises(ValidationError) as excinfo, transaction.atomic():
        project.wishes.add(foreign)
    assert excinfo.value.code == "wish_of_other_contract"
    with pytest.raises(ValidationError), transaction.atomic():
        foreign.projects.add(project)
    assert project.wishes.count() == 0
    own = ResidentWishFactory(contract=project.contract)
    project.wishes.add(own)
    assert list(own.projects.all()) == [project]


def test_a_partner_takes_part_once_with_a_non_negative_amount():
    participant = ProjectPartnerFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPartnerFactory(project=participant.project, partner=participant.partner)
    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectPartnerFactory(project=participant.project, amount=-1)
