from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("projects")

    def ready(self):
        # A contract's projects are part of its text: "ready for signing" checks them too.
        # And a contract ends with its final evaluation: "completed" needs it closed.
        from contracts.services import add_completion_check, add_readiness_check
        from projects.services import contract_completion_problems, contract_readiness_problems

        add_readiness_check(contract_readiness_problems)
        add_completion_check(contract_completion_problems)
