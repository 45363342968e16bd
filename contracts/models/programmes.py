"""Programme periods, the college's decision on them and the press releases of their milestones.

A programme (the pilot "Wijkaanpak 2007–2009", a second round) groups the contracts of one period
with its fund (budget.Fund.programme). One programme is the current one: the home page and the
fund's account show it and link to the others. The college of B&W records its decision on a
programme's contracts (date, reference, what it approved) as a CollegeDecision, from which the
college memo (nota) is printed. Press releases are drafted from the data at each milestone and
published by staff once their text is written.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import Milestone, PressReleaseStatus
from wijkaanpak.common.text import NAME_VALIDATORS


class ProgrammeQuerySet(models.QuerySet):
    def current(self):
        """The current programme: the one marked current, else the one that started last."""
        return self.order_by("-is_current", "-period_start", "pk").first()


class Programme(models.Model):
    """A programme period: the contracts of several wijken over one period, with one fund."""

    name = models.CharField(_("name"), max_length=200, unique=True, validators=NAME_VALIDATORS)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    period_start = models.DateField(_("start of period"))
    period_end = models.DateField(_("end of period"))
    description = models.TextField(_("description"), blank=True)
    is_current = models.BooleanField(
        _("current programme"),
        default=False,
        help_text=_(
            "The home page and the fund's account show the current programme and link to the "
            "others. Only one programme can be current."
        ),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords()
    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-period_start", "name"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-period_start", "name"], name="programme_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(period_end__gt=models.F("period_start")),
                name="programme_period_end_after_start",
                violation_error_code="period_end_before_start",
                violation_error_message=_("The period must end after it starts."),
            ),
            models.UniqueConstraint(
                fields=["is_current"],
                condition=Q(is_current=True),
                name="one_current_programme",
                violation_error_code="two_current_programmes",
                violation_error_message=_(
                    "Another programme is already the current one: unmark it first."
                ),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("programme_detail", kwargs={"slug": self.slug})


class CollegeDecision(models.Model):
    """The college of B&W's decision on a programme's contracts: the source of the memo (nota)."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="college_decisions",
        verbose_name=_("programme"),
    )
    reference = models.CharField(
        _("reference number"), max_length=100, unique=True, validators=NAME_VALIDATORS
    )
    meeting_date = models.DateField(_("date of the college meeting"))
    subject = models.CharField(_("subject"), max_length=250, validators=NAME_VALIDATORS)
    portfolio_holder = models.CharField(
        _("portfolio holder"), max_length=150, blank=True, validators=NAME_VALIDATORS
    )
    author = models.CharField(_("author"), max_length=150, blank=True, validators=NAME_VALIDATORS)
    context = models.TextField(
        _("administrative context"),
        blank=True,
        help_text=_("Earlier decisions and policy this decision builds on."),
    )
    approved = models.TextField(
        _("what the college decided"),
        help_text=_("One point of the decision per paragraph, e.g. “takes note of the contracts”."),
    )
    communication = models.TextField(
        _("communication"),
        blank=True,
        help_text=_(
            "Press release, press briefing, leaflet, sending the contracts: what was agreed."
        ),
    )
    committee = models.CharField(
        _("council committee"),
        max_length=200,
        blank=True,
        help_text=_("The committee that receives the decision for information."),
    )
    contracts = models.ManyToManyField(
        "contracts.Contract",
        blank=True,
        related_name="college_decisions",
        verbose_name=_("contracts"),
        help_text=_("The contracts the decision is about."),
    )
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("college decision")
        verbose_name_plural = _("college decisions")
        ordering = ["-meeting_date", "reference"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-meeting_date", "reference"], name="decision_list_order"),
        ]

    def __str__(self):
        return self.reference

    def decision_points(self):
        """The points of the decision, one per paragraph."""
        return [point.strip() for point in self.approved.split("\n\n") if point.strip()]


class PressRelease(models.Model):
    """A press release of a programme milestone: drafted from the data, published by staff."""

    programme = models.ForeignKey(
        Programme,
        on_delete=models.PROTECT,
        related_name="press_releases",
        verbose_name=_("programme"),
    )
    milestone = models.CharField(_("milestone"), max_length=20, choices=Milestone.choices)
    title = models.CharField(_("title"), max_length=250, validators=NAME_VALIDATORS)
    lead = models.TextField(_("lead"), blank=True)
    body = models.TextField(_("text"), blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=PressReleaseStatus.choices,
        default=PressReleaseStatus.DRAFT,
        editable=False,
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name=_("published by"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    is_illustrative = models.BooleanField(_("illustrative"), default=False)

    history = HistoricalRecords(excluded_fields=["updated_at"])

    class Meta:
        verbose_name = _("press release")
        verbose_name_plural = _("press releases")
        ordering = ["-published_at", "-created_at", "-pk"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["-published_at", "-created_at", "-id"], name="press_list_order"),
            models.Index(fields=["status"], name="press_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(milestone__in=Milestone.values),
                name="press_release_milestone_valid",
                violation_error_code="invalid_milestone",
                violation_error_message=_("Choose one of the listed milestones."),
            ),
            models.CheckConstraint(
                condition=Q(status=PressReleaseStatus.DRAFT)
                | (Q(published_at__isnull=False) & ~Q(body="")),
                name="press_release_published_has_text",
                violation_error_code="published_without_text",
                violation_error_message=_("A published press release needs its text."),
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return (
            reverse("programme_news", kwargs={"slug": self.programme.slug}) + f"#bericht-{self.pk}"
        )

    @property
    def is_published(self):
        return self.status == PressReleaseStatus.PUBLISHED

    def clean(self):
        """A published release may be corrected, never emptied: to take it off the news page,
        it goes back to draft (contracts.services.unpublish_press_release)."""
        super().clean()
        if self.is_published and not self.body.strip():
            raise ValidationError(
                {
                    "body": ValidationError(
                        _("A published press release needs its text."),
                        code="published_without_text",
                    )
                }
            )


# The mark of a passage of a drafted press release that staff write themselves (the portfolio
# holder's quote); a text that still holds it is not published.
QUOTE_PLACEHOLDER = _("[quote of the portfolio holder]")


def placeholders_left(release):
    """The placeholders in `release` that staff have not replaced yet."""
    with translation.override(settings.LANGUAGE_CODE):
        placeholder = str(QUOTE_PLACEHOLDER)
    text = f"{release.title}\n{release.lead}\n{release.body}"
    return [placeholder] if placeholder in text else []


def refuse_unpublishable(release):
    """A ValidationError when this press release cannot be published as it stands."""
    if not release.body.strip() or not release.title.strip():
        raise ValidationError(
            _("A press release is published only with a title and a text: write them first."),
            code="published_without_text",
        )
