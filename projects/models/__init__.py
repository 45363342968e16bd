"""The projects domain's models, one module per part; import them from here."""

from projects.models.evaluations import ContractEvaluation, WishVerdictRecord
from projects.models.invitations import TeamInvitation, TeamInvitationQuerySet
from projects.models.project import (
    PROJECT_TEXT_FIELDS,
    Project,
    ProjectPartner,
    ProjectQuerySet,
    TeamMembership,
)
from projects.models.rounds import ProjectReport, ReportingRound, ReportReminder
from projects.models.updates import ProgressUpdate, ProgressUpdateQuerySet, update_attachment_path
from wijkaanpak.common.history import historical_models_in_their_modules

historical_models_in_their_modules(
    ContractEvaluation,
    ProgressUpdate,
    Project,
    ProjectPartner,
    ProjectReport,
    ReportingRound,
    TeamInvitation,
    TeamMembership,
    WishVerdictRecord,
)

__all__ = [
    "PROJECT_TEXT_FIELDS",
    "ContractEvaluation",
    "ProgressUpdate",
    "ProgressUpdateQuerySet",
    "Project",
    "ProjectPartner",
    "ProjectQuerySet",
    "ProjectReport",
    "ReportReminder",
    "ReportingRound",
    "TeamInvitation",
    "TeamInvitationQuerySet",
    "TeamMembership",
    "WishVerdictRecord",
    "update_attachment_path",
]
