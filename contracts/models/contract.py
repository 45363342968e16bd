"""Contracts, their text (sections, parties, wishes), the lifecycle log and the freeze rule.

The freeze rule, written once (:func:`refuse_if_frozen`, :func:`refuse_frozen_rows`): from
"ready for signing" on, a contract's text is fixed: its own text fields, its sections, parties
and wishes, and what the apps above add to its text (projects, their partners, the wishes a
project answers). Every guard asks these two functions: save() and delete() of the rows, their
QuerySets' update() and delete(), the link table of a project's wishes. No flag opens them. The
lifecycle service changes a contract's status only together with the log row of the step (see
:meth:`Contract.save`); the signing removes the parties that did not sign in the transaction
that signs, with Django's plain QuerySet.delete, named in `contracts.services` itself.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import FROZEN_STATUSES, PUBLIC_STATUSES, ContractStatus, WishSource
from contracts.models.places import Neighbourhood, Partner
from wijkaanpak.common.text import NAME_VALIDATORS

# Fields of a contract that are part of its text: fixed from "ready for signing" on.
CONTRACT_TEXT_FIELDS = ("neighbourhood_id", "title", "motto", "period_start", "period_end")
# Fields that record the signing itself: fixed once the contract is signed.
CONTRACT_SIGNING_FIELDS = ("signed_on", "signing_place")


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


# --- The freeze rule --------------------------------------------------------------------------


def refuse_if_frozen(contract_ids, error=None):
    """Raise ContractFrozen (or `error`) when one of these contracts is frozen, as stored."""
    ids = {pk for pk in contract_ids if pk is not None}
    if not ids:
        return
    frozen = Contract.objects.filter(pk__in=ids, status__in=FROZEN_STATUSES)
    title = frozen.values_list("title", flat=True).first()
    if title is not None:
        raise error if error is not None else ContractFrozen(title)


def refuse_frozen_rows(queryset, contract_lookup):
    """Raise ContractFrozen when a row of `queryset` belongs to a frozen contract.

    `contract_lookup` is the path from the row to its contract ("contract", "project__contract"),
    or "" for contracts themselves.
    """
    lookup = f"{contract_lookup}__status__in" if contract_lookup else "status__in"
    if queryset.filter(**{lookup: FROZEN_STATUSES}).exists():
        raise ContractFrozen()


class StandardSection(models.Model):
    """A section with which every new contract starts (chapter 1 of the 2007 contracts)."""

    heading = models.CharField(_("heading"), max_length=200, validators=NAME_VALIDATORS)
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
        """What a visitor may see: who may view contracts (`contracts.view_contract`) sees
        drafts too (as a marked preview)."""
        if user.has_perm("contracts.view_contract"):
            return self.all()
        return self.public()

    def delete(self):
        refuse_frozen_rows(self, "")
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
    programme = models.ForeignKey(
        "contracts.Programme",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("programme"),
        help_text=_("The programme period this contract belongs to, with its fund."),
    )
    title = models.CharField(_("title"), max_length=250, validators=NAME_VALIDATORS)
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
        help_text=_(
            "The planned day of signing: required before the contract is ready for signing, "
            "whose final PDF prints it."
        ),
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
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(
                fields=["neighbourhood", "-period_start", "-id"], name="contract_list_order"
            ),
            models.Index(fields=["status"], name="contract_status"),
            models.Index(fields=["is_illustrative"], name="contract_illustrative"),
        ]
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
        refuse_if_frozen({self.pk})
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
        if self._state.adding:
            if self.status != ContractStatus.DRAFT:
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
        if stored["status"] != self.status and not self._step_logged(stored["status"]):
            raise ValidationError(
                _("The status of a contract changes only through its lifecycle steps."),
                code="status_outside_lifecycle",
            )

    def _step_logged(self, from_status):
        """Whether the newest row of the lifecycle log leads from `from_status` to the status
        this instance has: the lifecycle service writes that row first, in the same
        transaction, so a status changes only as a logged step."""
        newest = self.status_changes.order_by("-pk").values("from_status", "to_status").first()
        return newest is not None and (newest["from_status"], newest["to_status"]) == (
            from_status,
            self.status,
        )


class ContractPartQuerySet(models.QuerySet):
    def delete(self):
        refuse_frozen_rows(self, self.model.contract_lookup)
        return super().delete()

    delete.queryset_only = True

    def update(self, **kwargs):
        refuse_frozen_rows(self, self.model.contract_lookup)
        return super().update(**kwargs)


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
        refuse_if_frozen(contract_ids)

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
    heading = models.CharField(_("heading"), max_length=200, validators=NAME_VALIDATORS)
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
    signatory_name = models.CharField(
        _("signatory"), max_length=150, blank=True, validators=NAME_VALIDATORS
    )
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
    title = models.CharField(_("wish"), max_length=250, validators=NAME_VALIDATORS)
    description = models.TextField(_("explanation"), blank=True)
    source = models.CharField(_("source"), max_length=30, choices=WishSource.choices)
    not_taken_up_reason = models.TextField(
        _("not taken up, because"),
        blank=True,
        help_text=_(
            "Only for a wish that no project of this contract answers: why the partners do not "
            "take it up. Residents read it on the contract."
        ),
    )
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
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-changed_at", "-id"], name="status_change_list_order"),
            models.Index(fields=["to_status"], name="status_change_to"),
            models.Index(fields=["from_status"], name="status_change_from"),
        ]
        get_latest_by = "changed_at"

    def __str__(self):
        return f"{self.contract}: {self.get_from_status_display()} → {self.get_to_status_display()}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError(
                _("A recorded status change cannot be altered."), code="status_change_immutable"
            )
        super().save(*args, **kwargs)
