"""`manage.py create_demo_accounts [--password P]`: the demo users of DESIGN.md, with DEBUG only.

The accounts (`redacteur`, `budgetbeheerder`, `team-<wijk-slug>`) share one known password, so
this command refuses to run unless DEBUG is on: a production site must never get them.
It also opens an example fund period (budget.demo), flagged illustrative, so that the
application form can be tried: the pilot's fund ended in 2009 and takes no applications.
"""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from budget.demo import ensure_demo_fund
from contracts.models import Neighbourhood
from projects.choices import TeamRole
from projects.models import Project, TeamMembership
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS, ensure_groups

# The documented demo password (README). Long enough for Django's password validators, which
# are not run here: --password may set a shorter one on a developer's own machine.
DEMO_PASSWORD = "wijkaanpak-demo"  # noqa: S105
# A reserved top-level domain (RFC 2606): password-reset mail to demo users reaches nobody.
DEMO_EMAIL_DOMAIN = "demo.wijkaanpak.example"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    is_staff: bool = False
    groups: tuple[str, ...] = ()
    neighbourhood: Neighbourhood | None = None


def demo_accounts():
    """The demo accounts: two staff roles and one project-team account per wijk."""
    accounts = [
        DemoAccount("redacteur", gettext_lazy("editor (staff)"), is_staff=True, groups=(EDITORS,)),
        DemoAccount(
            "budgetbeheerder",
            gettext_lazy("budget manager (staff)"),
            is_staff=True,
            groups=(BUDGET_MANAGERS,),
        ),
    ]
    for neighbourhood in Neighbourhood.objects.order_by("slug"):
        accounts.append(
            DemoAccount(
                f"team-{neighbourhood.slug}",
                gettext_lazy("member of the project teams of %(neighbourhood)s")
                % {"neighbourhood": neighbourhood.name},
                neighbourhood=neighbourhood,
            )
        )
    return accounts


def ensure_account(account, password, groups):
    """Create the user of `account` or bring it back to its demo state; return (user, created).

    Running the command again resets the password, the staff flag and the groups, so a demo
    account that someone changed while trying things out works as documented again.
    """
    user, created = get_user_model().objects.get_or_create(username=account.username)
    user.email = f"{account.username}@{DEMO_EMAIL_DOMAIN}"
    user.is_active = True
    user.is_staff = account.is_staff
    user.is_superuser = False
    user.set_password(password)
    user.save()
    user.groups.set([groups[name] for name in account.groups])
    return user, created


def link_team_account(user, neighbourhood):
    """Make `user` a member of every project team of `neighbourhood`'s contracts; return the
    number of those teams it is in.

    Only missing memberships are added: a role staff gave the account since (project leader)
    stays, and a second run adds nothing. 0 means the wijk has no projects yet.
    """
    projects = list(Project.objects.filter(contract__neighbourhood=neighbourhood))
    joined = set(
        TeamMembership.objects.filter(user=user, project__in=projects).values_list(
            "project_id", flat=True
        )
    )
    for project in projects:
        if project.pk not in joined:
            TeamMembership.objects.create(project=project, user=user, role=TeamRole.MEMBER)
    return len(projects)


class Command(BaseCommand):
    help = (
        "Create or update the demo accounts (redacteur, budgetbeheerder, team-<wijk>) with a "
        "known password. Refused when DEBUG is off."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help="The password of every demo account (default: %(default)s).",
        )

    def handle(self, *args, password, **options):
        if not settings.DEBUG:
            raise CommandError(
                _(
                    "Demo accounts have a known password, so they are only made when DEBUG is "
                    "on. Nothing was changed."
                )
            )
        if not password:
            raise CommandError(_("The password may not be empty. Nothing was changed."))

        with transaction.atomic():
            groups = ensure_groups()
            accounts = demo_accounts()
            rows = []
            in_any_team = False
            for account in accounts:
                user, created = ensure_account(account, password, groups)
                if account.neighbourhood is not None:
                    in_any_team |= link_team_account(user, account.neighbourhood) > 0
                rows.append((account, created))
            fund, fund_created = ensure_demo_fund(timezone.localdate())

        self._report(rows, password, in_any_team)
        self.stdout.write(
            _(
                "Example fund period for trying the application form: %(name)s, "
                "%(start)s – %(end)s (%(state)s)."
            )
            % {
                "name": fund.name,
                "start": date_format(fund.period_start),
                "end": date_format(fund.period_end),
                "state": _("created") if fund_created else _("exists"),
            }
        )

    def _report(self, rows, password, in_any_team):
        # Columns, so the passwords line up for whoever copies them from the terminal.
        name_width = max(len(account.username) for account, _created in rows)
        role_width = max(len(str(account.role)) for account, _created in rows)
        self.stdout.write(_("Demo accounts:"))
        for account, created in rows:
            self.stdout.write(
                "  "
                + _("%(username)s  %(role)s  password: %(password)s  (%(state)s)")
                % {
                    "username": account.username.ljust(name_width),
                    "role": str(account.role).ljust(role_width),
                    "password": password,
                    "state": _("created") if created else _("updated"),
                }
            )
        if not any(account.neighbourhood for account, _created in rows):
            self.stdout.write(
                self.style.WARNING(
                    _("There are no wijken yet: run load_pilot_data first for the team accounts.")
                )
            )
        elif not in_any_team:
            self.stdout.write(
                _(
                    "The team-<wijk> accounts are not in any project team yet: they are linked "
                    "to the project teams of their wijk once projects exist."
                )
            )
        self.stdout.write(self.style.SUCCESS(_("Log in at /admin/ (staff) or /team/ (teams).")))
        self.stdout.write(
            _(
                "Two-factor login: with DEBUG on, staff may skip the code. To enrol as in "
                "production, log in at /admin/ and open /admin/mfa/setup/: scan the QR code "
                "with an authenticator app (or type the key shown under it), type the 6-digit "
                "code it shows, and keep the backup codes (/admin/mfa/). With DEBUG off the "
                "admin asks for this at the first login. Team accounts may turn it on at "
                "/team/tweestapsverificatie/."
            )
        )
        self.stdout.write(
            _(
                "More team accounts: redacteur invites people by e-mail from a project's page "
                "in /admin/; send_queued_mail prints the invitation with its link."
            )
        )
