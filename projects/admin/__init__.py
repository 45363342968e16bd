"""The staff admin of the projects domain.

Projects are edited on their own page and inline on their contract; for that the contract
admin of `contracts.admin` is replaced by a subclass with a project inline (`contracts` never
imports `projects`). Once the contract is frozen, a project's text, wishes and participating
partners are read-only, while its team keeps changing (`project`).

Progress updates and handed-in reports are read-only for everyone; staff hide an update with a
reason through `projects.services.hide_update` (`updates`). Reporting rounds are opened through
`projects.services.open_round` and show how complete they are, with a button that reminds the
teams whose report is late (`rounds`).
"""

from projects.admin.project import ContractWithProjectsAdmin, ProjectAdmin
from projects.admin.rounds import ProjectReportAdmin, ReportingRoundAdmin, completeness
from projects.admin.updates import ProgressUpdateAdmin

__all__ = [
    "ContractWithProjectsAdmin",
    "ProgressUpdateAdmin",
    "ProjectAdmin",
    "ProjectReportAdmin",
    "ReportingRoundAdmin",
    "completeness",
]
