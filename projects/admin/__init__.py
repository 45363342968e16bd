"""The staff admin of the projects domain.

Projects are edited on their own page and as rows of their contract's page, together with
the wishes each answers and the partners' contributions, from the contract's first save on;
`contracts.admin.contract.add_contract_part` puts them there (`contracts` never imports
`projects`). Once the contract is frozen, a project's text, wishes and participating partners
are read-only, while its team keeps changing (`project`).

Progress updates and handed-in reports are read-only for everyone; staff hide an update with a
reason through `projects.services.hide_update` (`updates`). Reporting rounds are opened through
`projects.services.open_round` and show how complete they are, with a button that reminds the
teams whose report is late (`rounds`); a round of the kind "final evaluation" is for one
contract and opens its final evaluation, edited and closed on its own page (`evaluations`).
Editors make team accounts by inviting people into a project's team (`invitations`).
"""

from projects.admin.evaluations import ContractEvaluationAdmin
from projects.admin.invitations import TeamInvitationAdmin
from projects.admin.project import ProjectAdmin
from projects.admin.rounds import ProjectReportAdmin, ReportingRoundAdmin, completeness
from projects.admin.updates import ProgressUpdateAdmin

__all__ = [
    "ContractEvaluationAdmin",
    "ProgressUpdateAdmin",
    "ProjectAdmin",
    "ProjectReportAdmin",
    "ReportingRoundAdmin",
    "TeamInvitationAdmin",
    "completeness",
]
