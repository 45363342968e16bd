"""`manage.py archive_signed_contracts`: give signed contracts without one their archived original.

A contract signed through register_signing is archived at signing. One that was signed
before archiving existed has no original yet; this renders and stores it, once. Running it
again does nothing.
"""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from contracts import documents
from contracts.choices import ContractStatus
from contracts.models import Contract


class Command(BaseCommand):
    help = "Archive the signed original of every signed contract that has none yet."

    def handle(self, *args, **options):
        missing = Contract.objects.filter(
            status__in=[ContractStatus.SIGNED, ContractStatus.COMPLETED],
            signed_original__isnull=True,
        ).order_by("pk")
        archived = 0
        for contract in missing:
            try:
                with transaction.atomic():
                    locked = Contract.objects.select_for_update().get(pk=contract.pk)
                    original = documents.archive_contract(locked)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from error
            archived += 1
            self.stdout.write(f"{contract}: {original.file.name} sha256={original.sha256}")
        self.stdout.write(
            ngettext(
                "%(count)d signed original archived.",
                "%(count)d signed originals archived.",
                archived,
            )
            % {"count": archived}
            if archived
            else _("Every signed contract already has its archived original.")
        )
