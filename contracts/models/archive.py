"""Archived documents: the final PDF of a contract, its signed original and the scans.

The final PDF is rendered once, when the contract goes to "ready for signing": that file is
printed for the signing and becomes the signed original, unchanged, when the signing is
registered. An archived document never changes and is never removed; its file carries its
SHA-256 fingerprint (`wijkaanpak.common.archive` stores and reads it).

Every page of a final PDF carries its document code (WK-<year>-<six characters>), so a paper
copy can be matched to its file. A fingerprint cannot be printed in the file it is the
fingerprint of, so the code is fixed before the PDF is rendered: it is derived from the
SHA-256 of the document's HTML without the code (contracts.documents.document_code). The same
text, date, place and address always get the same code, and any change gives another one.
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


DOCUMENT_CODE_LENGTH = 20


class FinalDocument(ArchivedFileFields):
    """The final PDF of a contract that is ready for signing: what is printed and signed.

    Rendered once when the contract went to "ready for signing" (or again, as a new print,
    when the real date or place of signing differ from the planned ones), without the CONCEPT
    mark and with the date and place of signing it prints. Going back to draft discards it;
    registering the signing archives this very file as the signed original.
    """

    contract = models.OneToOneField(
        Contract,
        on_delete=models.CASCADE,
        related_name="final_document",
        verbose_name=_("contract"),
    )
    document_code = models.CharField(_("document code"), max_length=DOCUMENT_CODE_LENGTH)
    signed_on = models.DateField(_("date of signing printed"))
    signing_place = models.CharField(_("place of signing printed"), max_length=100)
    public_address = models.CharField(_("public address printed"), max_length=200)
    is_reprint = models.BooleanField(
        _("new print"),
        default=False,
        help_text=_("Made when registering the signing, with the real date and place."),
    )
    rendered_at = models.DateTimeField(_("rendered at"), default=timezone.now)
    rendered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rendered by"),
    )

    class Meta:
        verbose_name = _("final PDF")
        verbose_name_plural = _("final PDFs")
        ordering = ["contract"]

    def __str__(self):
        return f"{self.contract} ({self.document_code})"

    def save(self, *args, **kwargs):
        # A final PDF is replaced by a new one, never changed: its file is what was printed.
        if not self._state.adding:
            raise ArchivedDocumentError()
        super().save(*args, **kwargs)


class SignedOriginal(ArchivedFileFields):
    """The signed contract: the final PDF that was printed and signed, served for ever after."""

    contract = models.OneToOneField(
        Contract,
        on_delete=models.PROTECT,
        related_name="signed_original",
        verbose_name=_("contract"),
    )
    document_code = models.CharField(
        _("document code"), max_length=DOCUMENT_CODE_LENGTH, blank=True
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
