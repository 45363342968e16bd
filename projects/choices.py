"""Status enums of the projects domain, with the project lifecycle table."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProjectStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    ON_SCHEDULE = "on_schedule", _("on schedule")
    DELAYED = "delayed", _("delayed")
    DONE = "done", _("done")
    CANCELLED = "cancelled", _("cancelled")


# The status a progress update may give a project, from the status it has. An update may also
# keep the status as it is. Done and cancelled are final: no update is taken any more.
PROJECT_TRANSITIONS: dict[str, frozenset[str]] = {
    ProjectStatus.PLANNED: frozenset(
        {
            ProjectStatus.ON_SCHEDULE,
            ProjectStatus.DELAYED,
            ProjectStatus.DONE,
            ProjectStatus.CANCELLED,
        }
    ),
    ProjectStatus.ON_SCHEDULE: frozenset(
        {ProjectStatus.DELAYED, ProjectStatus.DONE, ProjectStatus.CANCELLED}
    ),
    ProjectStatus.DELAYED: frozenset(
        {ProjectStatus.ON_SCHEDULE, ProjectStatus.DONE, ProjectStatus.CANCELLED}
    ),
    ProjectStatus.DONE: frozenset(),
    ProjectStatus.CANCELLED: frozenset(),
}

CLOSED_STATUSES = frozenset({ProjectStatus.DONE, ProjectStatus.CANCELLED})


class TeamRole(models.TextChoices):
    LEAD = "lead", _("project leader")
    MEMBER = "member", _("member")
    RESIDENT_MEMBER = "resident_member", _("resident member")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("public")
    INTERNAL = "internal", _("internal (team and staff only)")


class InvitationStatus(models.TextChoices):
    """Where an invitation to a project team stands; follows from its dates (not stored)."""

    OPEN = "open", _("open")
    ACCEPTED = "accepted", _("accepted")
    EXPIRED = "expired", _("expired")
    WITHDRAWN = "withdrawn", _("withdrawn")


class RoundKind(models.TextChoices):
    """A reporting round is a midterm review or a contract's final evaluation (eindevaluatie)."""

    MIDTERM = "midterm", _("midterm review")
    FINAL = "final", _("final evaluation")


class WishVerdict(models.TextChoices):
    """The final evaluation's verdict on a resident wish."""

    FULFILLED = "fulfilled", _("fulfilled")
    PARTLY_FULFILLED = "partly_fulfilled", _("partly fulfilled")
    NOT_FULFILLED = "not_fulfilled", _("not fulfilled")


class ContractFuture(models.TextChoices):
    """What the partners decide, at the final evaluation, about the contract's future."""

    CONTINUE = "continue", _("continue")
    CONTINUE_CHANGED = "continue_changed", _("continue, changed")
    STOP = "stop", _("stop")
