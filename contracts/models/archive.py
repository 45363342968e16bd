"""Archived documents: the signed original of a contract and the scans of its signed pages.

An archived document never changes and is never removed; its file carries its SHA-256
fingerprint (`wijkaanpak.common.archive` stores and reads it).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from contracts.models.contract import Contract


class ArchivedDocumentError(ValidationError):
    """Raised when something tries to change or remove an archived document."""

    def __init__(self):
        super().__init__(
            _("An archived document never changes and is never removed."),
            code="archive_immutable",
        )


class ArchivedQuerySet(models.QuerySet):
    def delete(self):
        raise ArchivedDocumentError()

    delete.queryset_only = True

    def update(self, **kwargs):
        raise ArchivedDocumentError()


class ArchivedFileFields(models.Model):
    """The stored file of a PDF document with what proves it: its SHA-256 fingerprint."""

    file = models.FileField(_("file"), max_length=255, blank=True)
    sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64, blank=True)
    size = models.PositiveIntegerField(_("size in bytes"), default=0)
    page_count = models.PositiveIntegerField(_("pages"), default=0)

    class Meta:
        abstract = True

    @property
    def filename(self):
        return self.file.name.rsplit("/", 1)[-1] if self.file else ""


class SignedOriginal(ArchivedFileFields):
    """The signed contract as rendered once at signing: the PDF served for ever after."""

    contract = models.OneToOneField(
        Contract,
        on_delete=models.PROTECT,
        related_name="signed_original",
        verbose_name=_("contract"),
    )
    archived_at = models.DateTimeField(_("archived at"), default=timezone.now)
    archived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("archived by"),
    )

    objects = ArchivedQuerySet.as_manager()

    class Meta:
        verbose_name = _("signed original")
        verbose_name_plural = _("signed originals")
        ordering = ["contract"]

    def __str__(self):
        return f"{self.contract} ({self.sha256[:12]})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ArchivedDocumentError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ArchivedDocumentError()


class SigningScan(ArchivedFileFields):
    """A scan of the signed paper pages of a contract (PDF only, checked on upload)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.PROTECT, related_name="scans", verbose_name=_("contract")
    )
    description = models.CharField(_("description"), max_length=200, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("uploaded by"),
    )

    objects = ArchivedQuerySet.as_manager()

    class Meta:
        verbose_name = _("scan of the signed pages")
        verbose_name_plural = _("scans of the signed pages")
        ordering = ["contract", "uploaded_at", "pk"]

    def __str__(self):
        return self.description or self.original_name or self.filename

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ArchivedDocumentError()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ArchivedDocumentError()
