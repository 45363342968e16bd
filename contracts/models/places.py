"""Where contracts are made and who makes them: districts, wijken, sub-areas, partners."""

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import PUBLIC_STATUSES, PartnerKind
from wijkaanpak.common.text import NAME_VALIDATORS


class District(models.Model):
    """A district of the municipality (stadsdeel)."""

    name = models.CharField(_("name"), max_length=100, unique=True, validators=NAME_VALIDATORS)
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

    name = models.CharField(_("name"), max_length=150, unique=True, validators=NAME_VALIDATORS)
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
    name = models.CharField(_("name"), max_length=150, validators=NAME_VALIDATORS)
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

    name = models.CharField(_("name"), max_length=200, unique=True, validators=NAME_VALIDATORS)
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        blank=True,
        help_text=_(
            "The last part of the address of the partner's public page, e.g. “ymere” for "
            "/partners/ymere/. Made from the name when empty."
        ),
    )
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
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["kind"], name="partner_kind"),
        ]
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

    def save(self, *args, **kwargs):
        if not self.slug:
            self.slug = unique_slug(Partner, self.name, exclude_pk=self.pk)
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("partner_detail", kwargs={"slug": self.slug})


def unique_slug(model, name, *, exclude_pk=None, max_length=100):
    """A slug of `name` that no other row of `model` has: "ymere", "ymere-2", …"""
    base = slugify(name)[: max_length - 4] or "partner"
    others = model.objects.exclude(pk=exclude_pk) if exclude_pk else model.objects.all()
    candidate, number = base, 1
    while others.filter(slug=candidate).exists():
        number += 1
        candidate = f"{base}-{number}"
    return candidate
