"""Addenda: numbered changes to a signed contract, each signed and archived on its own."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import AddendumKind, AddendumStatus
from contracts.models.archive import ArchivedDocumentError, ArchivedFileFields
from contracts.models.contract import Contract
from contracts.models.places import Partner


class AddendumQuerySet(models.QuerySet):
    def signed(self):
        return self.filter(status=AddendumStatus.SIGNED)

    def delete(self):
        if self.filter(status=AddendumStatus.SIGNED).exists():
            raise ArchivedDocumentError()
        return super().delete()

    delete.queryset_only = True


class Addendum(ArchivedFileFields):
    """A numbered change to a signed contract, with its own text, date and signatories.

    The signed original never changes: what changed after signing is in its addenda. A draft
    addendum is edited by staff; once signed its PDF is archived with its fingerprint and it
    never changes either.
    """

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="addenda", verbose_name=_("contract")
    )
    number = models.PositiveIntegerField(_("number"), editable=False)
    kind = models.CharField(_("kind of change"), max_length=30, choices=AddendumKind.choices)
    title = models.CharField(_("title"), max_length=250)
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
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = AddendumQuerySet.as_manager()

    class Meta:
        verbose_name = _("addendum")
        verbose_name_plural = _("addenda")
        ordering = ["contract", "number"]
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
                    "A signed addendum needs a date, a place and its archived PDF."
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
            # The signing itself saves a stored draft; the check constraint
            # addendum_signed_is_archived makes it carry its archived PDF.
            stored = type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()
            if stored == AddendumStatus.SIGNED:
                raise ArchivedDocumentError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.pk and type(self).objects.filter(pk=self.pk).signed().exists():
            raise ArchivedDocumentError()
        return super().delete(*args, **kwargs)

    @property
    def is_signed(self):
        return self.status == AddendumStatus.SIGNED


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
    signatory_name = models.CharField(_("signatory"), max_length=150)
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
