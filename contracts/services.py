"""Writes of the contract domain that touch more than one row."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.choices import CONTRACT_TRANSITIONS, ContractStatus
from contracts.models import (
    Contract,
    ContractSection,
    ContractStatusChange,
    StandardSection,
)

MINIMUM_PARTIES = 2


def allowed_transitions(status):
    """The statuses a contract in `status` may move to."""
    return CONTRACT_TRANSITIONS.get(status, frozenset())


@transaction.atomic
def create_contract(*, neighbourhood, title, period_start, period_end, **fields):
    """Create a draft contract that starts with the standard sections.

    Staff edit, reorder and add to those sections afterwards.
    """
    contract = Contract(
        neighbourhood=neighbourhood,
        title=title,
        period_start=period_start,
        period_end=period_end,
        **fields,
    )
    contract.full_clean()
    contract.save()
    add_standard_sections(contract)
    return contract


def add_standard_sections(contract):
    """Give a contract without sections the municipality's standard sections."""
    if contract.sections.exists():
        return []
    sections = [
        ContractSection(
            contract=contract, order=(index + 1) * 10, heading=standard.heading, body=standard.body
        )
        for index, standard in enumerate(StandardSection.objects.all())
    ]
    for section in sections:
        section.save()
    return sections


def readiness_problems(contract):
    """What stops a contract from going to "ready for signing", as ValidationErrors."""
    problems = []
    parties = list(contract.parties.select_related("partner"))
    if len(parties) < MINIMUM_PARTIES:
        problems.append(
            ValidationError(
                _("A contract needs at least %(minimum)d parties before it can be signed."),
                code="too_few_parties",
                params={"minimum": MINIMUM_PARTIES},
            )
        )
    missing = [str(party.partner) for party in parties if not party.has_signatory]
    if missing:
        problems.append(
            ValidationError(
                _("Fill in the signatory and their function for: %(partners)s."),
                code="signatory_missing",
                params={"partners": ", ".join(missing)},
            )
        )
    if not contract.sections.exists():
        problems.append(ValidationError(_("The contract has no text yet."), code="no_sections"))
    return problems


def signing_problems(contract):
    """What stops a contract that is ready for signing from being registered as signed."""
    problems = []
    if not contract.signed_on or not contract.signing_place.strip():
        problems.append(
            ValidationError(
                _("Fill in the date and place of signing first."),
                code="signing_details_missing",
            )
        )
    return problems


def change_status(contract, to_status, *, user=None, note="", at=None):
    """Move a contract to `to_status` if the lifecycle table allows it; record the step.

    The contract row is locked for the length of the step, so two staff members pressing the
    button at once cannot both move it. `at` backdates the record when history is imported
    (the pilot data); it defaults to now. Raises ValidationError with a code when refused;
    nothing is changed then.
    """
    to_status = ContractStatus(to_status)
    with transaction.atomic():
        locked = Contract.objects.select_for_update().get(pk=contract.pk)
        from_status = ContractStatus(locked.status)
        if to_status not in allowed_transitions(from_status):
            raise ValidationError(
                _("A contract cannot go from “%(from)s” to “%(to)s”."),
                code="transition_not_allowed",
                params={"from": from_status.label, "to": to_status.label},
            )
        if to_status == ContractStatus.READY_FOR_SIGNING:
            problems = readiness_problems(locked)
        elif to_status == ContractStatus.SIGNED:
            problems = signing_problems(locked)
        else:
            problems = []
        if problems:
            raise ValidationError(problems)

        locked.status = to_status
        locked._status_change_allowed = True
        locked.save(update_fields=["status", "updated_at"])
        ContractStatusChange.objects.create(
            contract=locked,
            from_status=from_status,
            to_status=to_status,
            changed_by=user if user is not None and user.is_authenticated else None,
            changed_at=at or timezone.now(),
            note=note,
        )
    contract.status = locked.status
    contract.updated_at = locked.updated_at
    return contract
