"""The contracts' background work: signing sets (the task lives beside them, in
contracts.printing), contracts made ready in bulk, the archive's daily check. Run by a worker
(wijkaanpak/celery.py), or at once without a broker."""

import logging

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management import call_command

from contracts import services
from contracts.choices import ContractStatus
from contracts.models import Contract
from contracts.printing import prepare_signing_set

__all__ = ["mark_ready_for_signing", "prepare_signing_set", "verify_archive"]

logger = logging.getLogger(__name__)


@shared_task
def mark_ready_for_signing(contract_ids, user_id=None):
    """Take the step "ready for signing" for each contract: each renders its final PDF. A
    contract that is refused (changed since it was chosen) is logged and keeps its status."""
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    for contract in Contract.objects.filter(pk__in=contract_ids).order_by("pk"):
        try:
            services.change_status(contract, ContractStatus.READY_FOR_SIGNING, user=user)
        except ValidationError as error:
            logger.warning(
                "Contract %s not marked as ready for signing: %s", contract.pk, error.messages
            )


@shared_task
def verify_archive():
    """Check every archived document against its fingerprint (daily, from beat)."""
    call_command("verify_archive")
