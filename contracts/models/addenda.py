"""Addenda: numbered changes to a signed contract, each signed and archived on its own."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import AddendumKind, AddendumStatus
from contracts.models.archive import (
    DOCUMENT_CODE_LENGTH,
    ArchivedDocumentError,
    ArchivedFileFields,
)
from contracts.models.contract import Contract
from contracts.models.places import Partner
from wijkaanpak.common.text import NAME_VALIDATORS


class AddendumFrozen(ValidationError):
    """Raised when something tries to change an addendum that is ready for signing."""

    def __init__(self):
        super().__init__(
            _(
                "This addendum is ready for signing: its final PDF has been made, so its text, "
                "date, place and signatories no longer change. Move it back to draft first."
            ),
            code="addendum_frozen",
        )


class AddendumQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(status=AddendumStatus.SIGNED)

    def refuse_closed(self):
        """Refuse when one of these addenda is signed (archived) or ready (its final PDF)."""
        if self.filter(status=AddendumStatus.SIGNED).exists():
            raise ArchivedDocumentError()
        if self.filter(status=AddendumStatus.READY_FOR_SIGNING).exists():
            raise AddendumFrozen()

    def delete(self):
        self.refuse_closed()
        return super().delete()

    delete.queryset_only = True


# The fields of an addendum that its final PDF prints: fixed from "ready for signing" on.
ADDENDUM_PRINTED_FIELDS = ("contract_id", "kind", "title", "body", "signed_on", "signing_place")


class Addendum(ArchivedFileFields):
    """A numbered change to a signed contract, with its own text, date and signatories.

    The signed original never changes: what changed after signing is in its addenda. A draft
    addendum is edited by staff. When it goes to "ready for signing" its final PDF is
    rendered once and stored with its fingerprint and document code (the file fields): that
    file is printed, signed and, at the signing, archived unchanged; its text, date, place and
    signatories no longer change. Back to draft discards the file.
    """

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="addenda", verbose_name=_("contract")
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("kind of change"), max_length=30, choices=AddendumKind.choices)
    title = models.CharField(_("title"), max_length=250, validators=NAME_VALIDATORS)
    body = models.TextField(_("text"))
    signed_on = models.DateField(_("date of signing"), null=True, blank=True)
    signing_place = models.CharField(_("place of signing"), max_length=100, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=AddendumStatus.choices,
        default=AddendumStatus.DRAFT,
        editable=False,
    )
    document_code = models.CharField(
        _("document code"), max_length=DOCUMENT_CODE_LENGTH, blank=True, editable=False
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AddendumQuerySet.as_manager()

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["contract", "number"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["status"], name="addendum_status"),
            models.Index(fields=["kind"], name="addendum_kind"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="unique_addendum_number",
                violation_error_code="duplicate_addendum_number",
                violation_error_message=_(
                    "This contract already has an addendum with this number."
                ),
            ),
            models.CheckConstraint(
                condition=Q(status__in=AddendumStatus.values),
                name="addendum_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown addendum status."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AddendumKind.values),
                name="addendum_kind_valid",
                violation_error_code="invalid_addendum_kind",
                violation_error_message=_("Choose one of the listed kinds of change."),
            ),
            models.CheckConstraint(
                condition=Q(status=AddendumStatus.DRAFT)
                | (Q(signed_on__isnull=False) & ~Q(signing_place="") & ~Q(sha256="") & ~Q(file="")),
                name="addendum_signed_is_archived",
                violation_error_code="addendum_not_archived",
                violation_error_message=_(
                    "An addendum that is ready for signing or signed needs a date, a place "
                    "and its final PDF."
                ),
            ),
        ]

    def __str__(self):
        return _("Addendum %(number)s to %(contract)s: %(title)s") % {
            "number": self.number,
            "contract": self.contract,
            "title": self.title,
        }

    def save(self, *args, **kwargs):
        if not self._state.adding:
            # The services save a stored draft or ready addendum with its next status; the
            # check constraint addendum_signed_is_archived makes it carry its final PDF.
            stored = (
                type(self)
                .objects.filter(pk=self.pk)
                .values("status", "sha256", *ADDENDUM_PRINTED_FIELDS)
                .first()
            )
            if stored and stored["status"] == AddendumStatus.SIGNED:
                raise ArchivedDocumentError()
            if (
                stored
                and stored["status"] == AddendumStatus.READY_FOR_SIGNING
                and self.status == AddendumStatus.READY_FOR_SIGNING
                and any(
                    stored[field] != getattr(self, field)
                    for field in (*ADDENDUM_PRINTED_FIELDS, "sha256")
                )
            ):
                raise AddendumFrozen()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk:
            type(self).objects.filter(pk=self.pk).refuse_closed()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self):
        return self.status == AddendumStatus.SIGNED

    @property
    def is_ready(self):
        return self.status == AddendumStatus.READY_FOR_SIGNING

    @property
    def is_open(self):
        """Whether its text, date, place and signatories may still change: only as a draft."""
        return self.status == AddendumStatus.DRAFT


class AddendumSignatory(models.Model):
    """A partner that signs an addendum, with the person who signs for it."""

    addendum = models.ForeignKey(
        Addendum,
        on_delete=models.CASCADE,
        related_name="signatories",
        verbose_name=_("addendum"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    signatory_name = models.CharField(_("signatory"), max_length=150, validators=NAME_VALIDATORS)
    signatory_function = models.CharField(_("function of the signatory"), max_length=150)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("signatory of the addendum")
        verbose_name_plural = _("signatories of the addendum")
        ordering = ["addendum", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["addendum", "partner"],
                name="unique_partner_per_addendum",
                violation_error_code="duplicate_signatory",
                violation_error_message=_("This partner already signs this addendum."),
            )
        ]

    def __str__(self):
        return str(self.partner)

    def save(self, *args, **kwargs):
        self._check_addendum_open()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self._check_addendum_open()
        return super().delete(*args, **kwargs)

    def _check_addendum_open(self):
        ids = {self.addendum_id}
        if self.pk:
            ids |= set(type(self).objects.filter(pk=self.pk).values_list("addendum_id", flat=True))
        if Addendum.objects.filter(pk__in=ids).signed().exists():
            raise ArchivedDocumentError()
        if Addendum.objects.filter(pk__in=ids, status=AddendumStatus.READY_FOR_SIGNING).exists():
            raise AddendumFrozen()
