"""The contract domain: wijken, partners, contracts with their text, parties and wishes."""

import contextlib
import contextvars

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import (
    FROZEN_STATUSES,
    PUBLIC_STATUSES,
    AddendumKind,
    AddendumStatus,
    ContractStatus,
    DistributionStatus,
    PartnerKind,
    WishSource,
)
from wijkaanpak.common import mail

# Fields of a contract that are part of its text: fixed from "ready for signing" on.
CONTRACT_TEXT_FIELDS = ("neighbourhood_id", "title", "motto", "period_start", "period_end")
# Fields that record the signing itself: fixed once the contract is signed.
CONTRACT_SIGNING_FIELDS = ("signed_on", "signing_place")

# Contracts whose parties the signing service may still change although they are frozen:
# registering a signing removes the parties that did not sign, in the same transaction.
_UNLOCKED_CONTRACTS = contextvars.ContextVar("unlocked_contracts", default=frozenset())


@contextlib.contextmanager
def parts_unlocked(contract_id):
    """Let the signing service change the parts of one frozen contract; no one else uses it."""
    token = _UNLOCKED_CONTRACTS.set(_UNLOCKED_CONTRACTS.get() | {contract_id})
    try:
        yield
    finally:
        _UNLOCKED_CONTRACTS.reset(token)


class ContractFrozen(ValidationError):
    """Raised when something tries to change a contract whose text is fixed."""

    def __init__(self, contract_title=""):
        super().__init__(
            _(
                "The contract “%(contract)s” is ready for signing or signed: its text, "
                "parties and wishes can no longer be changed. Move it back to draft first, "
                "if it has not been signed yet."
            ),
            code="contract_frozen",
            params={"contract": contract_title},
        )


class District(models.Model):
    """A district of the municipality (stadsdeel)."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        ordering = ["name"]

    def __str__(self):
        return self.name


class NeighbourhoodQuerySet(models.QuerySet):
    def with_public_contracts(self):
        """Wijken that have at least one contract residents may read."""
        return self.filter(contracts__status__in=PUBLIC_STATUSES).distinct()


class Neighbourhood(models.Model):
    """A wijk: the area one contract is about."""

    name = models.CharField(_("name"), max_length=150, unique=True)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    district = models.ForeignKey(
        District,
        on_delete=models.PROTECT,
        related_name="neighbourhoods",
        verbose_name=_("district"),
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()
    objects = NeighbourhoodQuerySet.as_manager()

    class Meta:
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("neighbourhood_detail", kwargs={"slug": self.slug})


class SubArea(models.Model):
    """A part of a wijk (buurt); Centrum, for one, consists of two areas."""

    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.CASCADE,
        related_name="sub_areas",
        verbose_name=_("neighbourhood"),
    )
    name = models.CharField(_("name"), max_length=150)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("sub-area")
        verbose_name_plural = _("sub-areas")
        ordering = ["neighbourhood", "order", "name"]
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "name"],
                name="unique_sub_area_name",
                violation_error_code="duplicate_sub_area",
                violation_error_message=_("This neighbourhood already has an area with this name."),
            )
        ]

    def __str__(self):
        return self.name


class Partner(models.Model):
    """An organisation that takes part in contracts: municipality, corporation, police, …"""

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=30, choices=PartnerKind.choices)
    email = models.EmailField(_("contact e-mail"), blank=True)
    website = models.URLField(_("website"), blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo data that is not sourced; shown with a notice on public pages."),
    )
    source_note = models.TextField(_("source or remark"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=PartnerKind.values),
                name="partner_kind_valid",
                violation_error_code="invalid_partner_kind",
                violation_error_message=_("Choose one of the listed kinds of partner."),
            )
        ]

    def __str__(self):
        return self.name


class StandardSection(models.Model):
    """A section with which every new contract starts (chapter 1 of the 2007 contracts)."""

    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("starting text"), blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("standard section")
        verbose_name_plural = _("standard sections")
        ordering = ["order", "pk"]

    def __str__(self):
        return self.heading


class ContractQuerySet(models.QuerySet):
    def public(self):
        """Contracts residents may read: from ready for signing on."""
        return self.filter(status__in=PUBLIC_STATUSES)

    def visible_to(self, user):
        """What a visitor may see: staff see drafts too (as a marked preview)."""
        if user.is_authenticated and user.is_staff:
            return self.all()
        return self.public()

    def delete(self):
        if self.filter(status__in=FROZEN_STATUSES).exists():
            raise ContractFrozen()
        return super().delete()

    delete.queryset_only = True


class Contract(models.Model):
    """A wijkcontract: what the partners promise the residents of one wijk, for a period."""

    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        related_name="contracts",
        verbose_name=_("neighbourhood"),
    )
    title = models.CharField(_("title"), max_length=250)
    motto = models.CharField(_("motto"), max_length=250, blank=True)
    period_start = models.DateField(_("start of period"))
    period_end = models.DateField(_("end of period"))
    status = models.CharField(
        _("status"),
        max_length=30,
        choices=ContractStatus.choices,
        default=ContractStatus.DRAFT,
        editable=False,
    )
    signed_on = models.DateField(
        _("date of signing"),
        null=True,
        blank=True,
        help_text=_("The (planned) day of signing; required before the contract is signed."),
    )
    signing_place = models.CharField(_("place of signing"), max_length=100, blank=True)
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo content that is not sourced; residents see a notice."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at"])
    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contract")
        verbose_name_plural = _("contracts")
        ordering = ["neighbourhood__name", "-period_start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="contract_period_end_after_start",
                violation_error_code="period_end_before_start",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ContractStatus.values),
                name="contract_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown contract status."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=[ContractStatus.DRAFT, ContractStatus.READY_FOR_SIGNING])
                | (Q(signed_on__isnull=False) & ~Q(signing_place="")),
                name="contract_signed_has_date_and_place",
                violation_error_code="signing_details_missing",
                violation_error_message=_("A signed contract needs a date and place of signing."),
            ),
            models.UniqueConstraint(
                fields=["neighbourhood", "period_start"],
                name="unique_contract_per_neighbourhood_period",
                violation_error_code="duplicate_contract_period",
                violation_error_message=_(
                    "This neighbourhood already has a contract starting on this date."
                ),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        # Guards, not business logic: the lifecycle service is the only way to change the
        # status, and a frozen contract refuses every other change, whoever calls save().
        self._check_change_allowed()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse(
            "contracts:contract_version",
            kwargs={"slug": self.neighbourhood.slug, "pk": self.pk},
        )

    def delete(self, *args, **kwargs):
        if self.pk and self.stored_status() in FROZEN_STATUSES:
            raise ContractFrozen(self.title)
        return super().delete(*args, **kwargs)

    @property
    def is_frozen(self):
        return self.status in FROZEN_STATUSES

    @property
    def is_public(self):
        return self.status in PUBLIC_STATUSES

    @property
    def is_signed(self):
        return self.status in (ContractStatus.SIGNED, ContractStatus.COMPLETED)

    def stored_status(self):
        """The status as the database has it now (not as this instance may say)."""
        return type(self).objects.filter(pk=self.pk).values_list("status", flat=True).first()

    def clean(self):
        super().clean()
        if self.period_start and self.period_end and self.period_end <= self.period_start:
            raise ValidationError(
                {
                    "period_end": ValidationError(
                        _("The period must end after it starts (%(start)s)."),
                        code="period_end_before_start",
                        params={"start": self.period_start},
                    )
                }
            )

    def _check_change_allowed(self):
        status_change_allowed = getattr(self, "_status_change_allowed", False)
        if self._state.adding:
            if self.status != ContractStatus.DRAFT and not status_change_allowed:
                raise ValidationError(
                    _("A new contract starts as a draft."), code="new_contract_not_draft"
                )
            return
        stored = (
            type(self)
            .objects.filter(pk=self.pk)
            .values("status", *CONTRACT_TEXT_FIELDS, *CONTRACT_SIGNING_FIELDS)
            .first()
        )
        if stored is None:
            return
        frozen_fields = ()
        if stored["status"] in FROZEN_STATUSES:
            frozen_fields = CONTRACT_TEXT_FIELDS
        if stored["status"] in (ContractStatus.SIGNED, ContractStatus.COMPLETED):
            frozen_fields += CONTRACT_SIGNING_FIELDS
        if any(stored[field] != getattr(self, field) for field in frozen_fields):
            raise ContractFrozen(stored["title"])
        if stored["status"] != self.status and not status_change_allowed:
            raise ValidationError(
                _("The status of a contract changes only through its lifecycle steps."),
                code="status_outside_lifecycle",
            )


class ContractPartQuerySet(models.QuerySet):
    def delete(self):
        self._check_contracts_editable()
        return super().delete()

    delete.queryset_only = True

    def update(self, **kwargs):
        self._check_contracts_editable()
        return super().update(**kwargs)

    def _check_contracts_editable(self):
        lookup = f"{self.model.contract_lookup}__status__in"
        unlocked = {f"{self.model.contract_lookup}__in": _UNLOCKED_CONTRACTS.get()}
        if self.filter(**{lookup: FROZEN_STATUSES}).exclude(**unlocked).exists():
            raise ContractFrozen()


class ContractPart(models.Model):
    """Base of rows that are part of a contract's signed text; they follow its freeze.

    `contract_lookup` is the path from the row to its contract ("contract" for a section,
    "project__contract" for a project's partner).
    """

    contract_lookup = "contract"

    objects = ContractPartQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.check_contract_editable()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        self.check_contract_editable()
        return super().delete(*args, **kwargs)

    def check_contract_editable(self):
        """Refuse with ContractFrozen if this row's contract (or former contract) is frozen."""
        contract_ids = {self._contract_id()}
        if not self._state.adding and self.pk:
            # A row moved from one contract to another must be free to leave the first one.
            contract_ids.update(
                type(self).objects.filter(pk=self.pk).values_list(self.contract_lookup, flat=True)
            )
        frozen = Contract.objects.filter(pk__in=contract_ids, status__in=FROZEN_STATUSES).exclude(
            pk__in=_UNLOCKED_CONTRACTS.get()
        )
        title = frozen.values_list("title", flat=True).first()
        if title is not None:
            raise ContractFrozen(title)

    def _contract_id(self):
        first, _sep, rest = self.contract_lookup.partition("__")
        related_id = getattr(self, f"{first}_id")
        if not rest:
            return related_id
        related_model = self._meta.get_field(first).related_model
        return related_model.objects.filter(pk=related_id).values_list(rest, flat=True).first()


class ContractSection(ContractPart):
    """A numbered section of a contract's first chapter (Inleiding, Projectteam, …)."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="sections", verbose_name=_("contract")
    )
    order = models.PositiveIntegerField(_("order"), default=0)
    heading = models.CharField(_("heading"), max_length=200)
    body = models.TextField(_("text"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["contract", "order", "pk"]

    def __str__(self):
        return self.heading


class ContractParty(ContractPart):
    """A partner that signs a contract, with the person who signs for it."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="parties", verbose_name=_("contract")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="contract_parties",
        verbose_name=_("partner"),
    )
    signatory_name = models.CharField(_("signatory"), max_length=150, blank=True)
    signatory_function = models.CharField(
        _("function of the signatory"), max_length=150, blank=True
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        ordering = ["contract", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "partner"],
                name="unique_partner_per_contract",
                violation_error_code="duplicate_party",
                violation_error_message=_("This partner is already a party to this contract."),
            )
        ]

    def __str__(self):
        return str(self.partner)

    @property
    def has_signatory(self):
        return bool(self.signatory_name.strip() and self.signatory_function.strip())


class ResidentWish(ContractPart):
    """A bewonerswens: what residents asked for, and where they said it."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="wishes", verbose_name=_("contract")
    )
    title = models.CharField(_("wish"), max_length=250)
    description = models.TextField(_("explanation"), blank=True)
    source = models.CharField(_("source"), max_length=30, choices=WishSource.choices)
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("resident wish")
        verbose_name_plural = _("resident wishes")
        ordering = ["contract", "order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(source__in=WishSource.values),
                name="wish_source_valid",
                violation_error_code="invalid_wish_source",
                violation_error_message=_("Choose one of the listed sources."),
            )
        ]

    def __str__(self):
        return self.title


class ContractStatusChange(models.Model):
    """One step in a contract's lifecycle: who, when, from, to, and why. Never changed."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.CASCADE,
        related_name="status_changes",
        verbose_name=_("contract"),
    )
    from_status = models.CharField(_("from"), max_length=30, choices=ContractStatus.choices)
    to_status = models.CharField(_("to"), max_length=30, choices=ContractStatus.choices)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["contract", "changed_at", "pk"]
        get_latest_by = "changed_at"

    def __str__(self):
        return f"{self.contract}: {self.get_from_status_display()} → {self.get_to_status_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(
                _("A recorded status change cannot be altered."), code="status_change_immutable"
            )
        super().save(*args, **kwargs)


# --- The signing: archived originals, scans, addenda and their distribution -------------------


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
        if not self._state.adding and not getattr(self, "_signing", False):
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


class DistributionQuerySet(models.QuerySet):
    def with_delivery_status(self):
        """Annotate `delivery` (a DistributionStatus value) from the outbox, for filtering."""
        from post_office.models import STATUS

        return self.annotate(
            delivery=models.Case(
                models.When(outbox_email__status=STATUS.sent, then=models.Value("sent")),
                models.When(outbox_email__status=STATUS.failed, then=models.Value("failed")),
                models.When(outbox_email__isnull=False, then=models.Value("queued")),
                default=models.F("status"),
                output_field=models.CharField(),
            )
        )


class Distribution(models.Model):
    """One e-mail with a signed PDF to one party's contact address: who got what, and when."""

    contract = models.ForeignKey(
        Contract,
        on_delete=models.PROTECT,
        related_name="distributions",
        verbose_name=_("contract"),
    )
    addendum = models.ForeignKey(
        Addendum,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="distributions",
        verbose_name=_("addendum"),
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="+", verbose_name=_("partner")
    )
    email = models.EmailField(_("sent to"))
    document_name = models.CharField(_("document"), max_length=255)
    document_sha256 = models.CharField(_("SHA-256 fingerprint"), max_length=64)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=DistributionStatus.choices,
        default=DistributionStatus.QUEUED,
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Rows written before the outbox existed keep their outcome in these three fields;
    # every later row follows its mail in the outbox (`delivery_status` and friends).
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    error = models.TextField(_("error"), blank=True)
    outbox_email = models.OneToOneField(
        "post_office.Email",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="distribution",
        verbose_name=_("e-mail in the outbox"),
    )

    objects = DistributionQuerySet.as_manager()

    class Meta:
        verbose_name = _("distribution")
        verbose_name_plural = _("distributions")
        ordering = ["-requested_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=DistributionStatus.values),
                name="distribution_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown distribution status."),
            )
        ]

    def __str__(self):
        return f"{self.document_name} → {self.email}"

    @property
    def delivery_status(self):
        """Queued (also while a failed attempt waits for its retry), sent or failed: the state
        of the mail in the outbox, so "sent" means delivered to the mail server."""
        if self.outbox_email is None:
            return DistributionStatus(self.status)
        return DistributionStatus(mail.delivery_state(self.outbox_email))

    @property
    def delivered_at(self):
        if self.outbox_email is None:
            return self.sent_at
        return mail.delivered_at(self.outbox_email)

    @property
    def delivery_error(self):
        """The error of the last failed attempt, also while a retry is pending."""
        if self.outbox_email is None:
            return self.error
        return mail.last_error(self.outbox_email)


def _keep_delivery_of_deleted_mail(sender, instance, **kwargs):
    """When the outbox drops an old mail (`cleanup_mail`), its distribution row keeps the
    outcome: status, time of delivery and last error are copied onto the row first."""
    Distribution.objects.filter(outbox_email=instance).update(
        status=mail.delivery_state(instance),
        sent_at=mail.delivered_at(instance),
        error=mail.last_error(instance),
    )


models.signals.pre_delete.connect(
    _keep_delivery_of_deleted_mail,
    sender="post_office.Email",
    dispatch_uid="contracts.keep_delivery_of_deleted_mail",
)
