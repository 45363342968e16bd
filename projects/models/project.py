"""Projects of a contract: the project, the partners taking part and its team.

A project as described is part of its contract's signed text: it follows the contract's freeze
(`contracts.models.refuse_if_frozen`), its link table of wishes included.
"""

import weakref

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_save
from django.dispatch import receiver
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from contracts.choices import PUBLIC_STATUSES
from contracts.models import (
    Contract,
    ContractPart,
    Partner,
    ResidentWish,
    refuse_frozen_rows,
    refuse_if_frozen,
)
from projects.choices import CLOSED_STATUSES, ProjectStatus, TeamRole
from wijkaanpak.common.text import NAME_VALIDATORS

# The parts of a project that are the signed promise: fixed once the contract is frozen.
PROJECT_TEXT_FIELDS = (
    "contract_id",
    "number",
    "title",
    "summary",
    "description",
    "expected_result",
    "lead_partner_id",
    "planned_start",
    "planned_end",
)
PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]


def percent_constraint(field, name):
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gte": 0, f"{field}__lte": 100}),
        name=name,
        violation_error_code="percent_out_of_range",
        violation_error_message=_("The percentage lies between 0 and 100."),
    )


class ProjectQuerySet(models.QuerySet):
    def public(self):
        """Projects of contracts residents may read."""
        return self.filter(contract__status__in=PUBLIC_STATUSES)

    def visible_to(self, user):
        """Projects of public contracts; all, drafts included, for who may view projects."""
        if user.has_perm("projects.view_project"):
            return self.all()
        return self.public()

    def of_member(self, user):
        """The projects in whose team `user` is."""
        return self.filter(memberships__user=user)

    def delete(self):
        refuse_frozen_rows(self, "contract")
        return super().delete()

    delete.queryset_only = True


class Project(models.Model):
    """A project in a contract: led by one partner, paid from the partners' own budgets."""

    contract = models.ForeignKey(
        Contract, on_delete=models.CASCADE, related_name="projects", verbose_name=_("contract")
    )
    number = models.PositiveSmallIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=200, validators=NAME_VALIDATORS)
    summary = models.CharField(_("summary"), max_length=400)
    description = models.TextField(_("description"))
    expected_result = models.TextField(_("expected result"), blank=True)
    lead_partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="led_projects",
        verbose_name=_("lead partner"),
        help_text=_("The partner that leads the project (trekker); a party to the contract."),
    )
    wishes = models.ManyToManyField(
        ResidentWish,
        related_name="projects",
        blank=True,
        verbose_name=_("resident wishes it answers"),
    )
    planned_start = models.DateField(_("planned start"))
    planned_end = models.DateField(_("planned end"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ProjectStatus.choices,
        default=ProjectStatus.PLANNED,
        editable=False,
    )
    percent_complete = models.PositiveSmallIntegerField(
        _("percent complete"), default=0, editable=False, validators=PERCENT_VALIDATORS
    )
    is_illustrative = models.BooleanField(
        _("illustrative"),
        default=False,
        help_text=_("Demo content that is not sourced; residents see a notice."),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    history = HistoricalRecords()
    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["contract", "number"]
        # The admin's list: its default ordering and its filters (README, Speed).
        indexes = [
            models.Index(fields=["status"], name="project_status"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "number"],
                name="unique_project_number_per_contract",
                violation_error_code="duplicate_project_number",
                violation_error_message=_("This contract already has a project with this number."),
            ),
            models.CheckConstraint(
                condition=Q(planned_end__gte=models.F("planned_start")),
                name="project_planned_end_after_start",
                violation_error_code="planned_end_before_start",
                violation_error_message=_("The planned end lies before the planned start."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=ProjectStatus.values),
                name="project_status_valid",
                violation_error_code="invalid_status",
                violation_error_message=_("Unknown project status."),
            ),
            percent_constraint("percent_complete", "project_percent_in_range"),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def save(self, *args, **kwargs):
        # A guard, not business logic: the project as described is part of the signed text.
        self._check_text_editable()
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("projects:project_detail", kwargs={"pk": self.pk})

    def delete(self, *args, **kwargs):
        refuse_if_frozen({self.contract_id})
        return super().delete(*args, **kwargs)

    @property
    def is_closed(self):
        return self.status in CLOSED_STATUSES

    def clean(self):
        super().clean()
        errors = {}
        contract = self.contract if self.contract_id else None
        lead_is_party = (
            contract is None
            or not self.lead_partner_id
            or contract.parties.filter(partner_id=self.lead_partner_id).exists()
        )
        if not lead_is_party:
            errors["lead_partner"] = ValidationError(
                _("The lead partner must be a party to the contract."),
                code="lead_not_party",
            )
        planned = bool(self.planned_start and self.planned_end)
        if planned and self.planned_end < self.planned_start:
            errors["planned_end"] = ValidationError(
                _("The planned end lies before the planned start."),
                code="planned_end_before_start",
            )
        elif (
            planned
            and contract is not None
            and (
                self.planned_start < contract.period_start or self.planned_end > contract.period_end
            )
        ):
            errors["planned_end"] = ValidationError(
                _("The planning must lie within the contract period (%(start)s – %(end)s)."),
                code="planning_outside_period",
                params={"start": contract.period_start, "end": contract.period_end},
            )
        if errors:
            raise ValidationError(errors)

    def _check_text_editable(self):
        if self._state.adding:
            refuse_if_frozen(
                {self.contract_id},
                error=ValidationError(
                    _(
                        "The contract is ready for signing or signed: a new project comes by "
                        "addendum after signing, not as a change of the contract."
                    ),
                    code="project_added_to_frozen_contract",
                ),
            )
            return
        stored = type(self).objects.filter(pk=self.pk).values(*PROJECT_TEXT_FIELDS).first()
        if stored is None:
            return
        if any(stored[field] != getattr(self, field) for field in PROJECT_TEXT_FIELDS):
            refuse_if_frozen({stored["contract_id"], self.contract_id})

    def latest_public_update(self):
        """The newest update residents may see (uses prefetched `public_updates` if there)."""
        updates = getattr(self, "public_updates", None)
        if updates is not None:
            return updates[0] if updates else None
        return self.updates.public().first()


class ProjectPartner(ContractPart):
    """A partner taking part in a project, with what it contributes from its own budget."""

    contract_lookup = "project__contract"

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="participants", verbose_name=_("project")
    )
    partner = models.ForeignKey(
        Partner,
        on_delete=models.PROTECT,
        related_name="project_participations",
        verbose_name=_("partner"),
    )
    contribution = models.TextField(
        _("contribution"),
        help_text=_(
            "What the partner contributes from its own regular budget: hours, money, "
            "in kind. Never paid from the fund."
        ),
    )
    amount = models.DecimalField(
        _("amount (euro)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    order = models.PositiveIntegerField(_("order"), default=0)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("participating partner")
        verbose_name_plural = _("participating partners")
        ordering = ["project", "order", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "partner"],
                name="unique_partner_per_project",
                violation_error_code="duplicate_project_partner",
                violation_error_message=_("This partner already takes part in this project."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="project_partner_amount_not_negative",
                violation_error_code="negative_amount",
                violation_error_message=_("The amount cannot be negative."),
            ),
        ]

    def __str__(self):
        return str(self.partner)


class TeamMembership(models.Model):
    """A user in a project's team. Partner staff need no admin access to be in a team."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("project")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="team_memberships",
        verbose_name=_("user"),
    )
    role = models.CharField(
        _("role"), max_length=20, choices=TeamRole.choices, default=TeamRole.MEMBER
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("team membership")
        verbose_name_plural = _("team memberships")
        ordering = ["project", "role", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "user"],
                name="unique_team_member",
                violation_error_code="duplicate_member",
                violation_error_message=_("This user is already in this project's team."),
            ),
            models.CheckConstraint(
                condition=Q(role__in=TeamRole.values),
                name="team_role_valid",
                violation_error_code="invalid_role",
                violation_error_message=_("Unknown team role."),
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_role_display()})"


# Projects written as they are stored (raw=True): the fixture loader's own instances, by
# identity, for as long as they live. Only Model.save_base(raw=True) puts one here.
_RAW_LOADED_PROJECTS = weakref.WeakValueDictionary()


@receiver(post_save, sender=Project, dispatch_uid="projects_raw_loaded")
def _note_raw_loaded_project(sender, instance, raw, **kwargs):
    """Remember a project that the deserializer (loaddata, restore) has just written raw.

    Right after saving a row raw, the deserializer sets its many-to-many links with set(); for
    a signed contract those are the signed links being restored, not a change to them.
    """
    if raw:
        _RAW_LOADED_PROJECTS[id(instance)] = instance


def _is_raw_loaded(project):
    return _RAW_LOADED_PROJECTS.get(id(project)) is project


@receiver(m2m_changed, sender=Project.wishes.through)
def _guard_project_wishes(sender, instance, action, reverse, pk_set, **kwargs):
    """The wishes a project answers are part of the signed text and lie in its own contract.

    A guard on the link table, which no save() of ours sees: add(), remove() and clear()
    write it directly. They do so in an atomic block without a savepoint, so a caller that
    wants to carry on after a refusal wraps the call in transaction.atomic().

    Fixture loading (loaddata, restore) passes the freeze, as raw saves pass save(): the
    deserializer sets the links of the very project instance it has just saved with raw=True.
    Links must still lie within the project's own contract.
    """
    if action not in ("pre_add", "pre_remove", "pre_clear"):
        return
    loading = not reverse and _is_raw_loaded(instance)
    if reverse:
        projects = Project.objects.filter(pk__in=pk_set or ()) if pk_set else instance.projects
        pairs = [(project, [instance]) for project in projects.select_related("contract")]
    else:
        wishes = list(ResidentWish.objects.filter(pk__in=pk_set or ()))
        pairs = [(instance, wishes)]
    for project, wishes in pairs:
        if not loading:
            refuse_if_frozen({project.contract_id})
        if action == "pre_add" and any(w.contract_id != project.contract_id for w in wishes):
            raise ValidationError(
                _("A project answers only wishes of its own contract."),
                code="wish_of_other_contract",
            )
