"""`create_demo_accounts`: only with DEBUG on, the right roles, working passwords, rerunnable."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from contracts.models import Neighbourhood
from projects.choices import TeamRole
from projects.models import Project, TeamMembership
from projects.services import can_report_on
from tests.factories import NeighbourhoodFactory, ProjectFactory
from wijkaanpak.common.groups import BUDGET_MANAGERS, EDITORS
from wijkaanpak.management.commands.create_demo_accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

User = get_user_model()
TEAM_ACCOUNTS = {"team-boerhaavewijk", "team-centrum"}
ALL_ACCOUNTS = {"redacteur", "budgetbeheerder", *TEAM_ACCOUNTS}


def create_demo_accounts(*args):
    out = StringIO()
    call_command("create_demo_accounts", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Seven accounts hashed per run; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def debug_on(settings):
    settings.DEBUG = True


@pytest.fixture
def wijken(db):
    return [NeighbourhoodFactory(slug="boerhaavewijk"), NeighbourhoodFactory(slug="centrum")]


def group_names(username):
    return set(User.objects.get(username=username).groups.values_list("name", flat=True))


def test_refused_when_debug_is_off(settings, wijken):
    settings.DEBUG = False

    with pytest.raises(CommandError):
        create_demo_accounts()

    assert not User.objects.exists()


def test_makes_the_staff_roles_and_a_team_account_per_wijk(debug_on, wijken):
    output = create_demo_accounts()

    assert set(User.objects.values_list("username", flat=True)) == ALL_ACCOUNTS
    assert set(User.objects.filter(is_staff=True).values_list("username", flat=True)) == {
        "redacteur",
        "budgetbeheerder",
    }
    assert not User.objects.filter(is_superuser=True).exists()
    assert group_names("redacteur") == {EDITORS}
    assert group_names("budgetbeheerder") == {BUDGET_MANAGERS}
    for username in TEAM_ACCOUNTS:
        assert group_names(username) == set()
    for username in ALL_ACCOUNTS:
        assert username in output
    assert DEMO_PASSWORD in output


@pytest.mark.parametrize("username", sorted(ALL_ACCOUNTS))
def test_the_printed_password_works(debug_on, wijken, client, username):
    create_demo_accounts()

    assert client.login(username=username, password=DEMO_PASSWORD)


def test_staff_reach_the_admin_and_team_accounts_do_not(debug_on, wijken, client):
    create_demo_accounts()

    client.login(username="redacteur", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 200
    client.logout()
    client.login(username="team-centrum", password=DEMO_PASSWORD)
    assert client.get("/admin/").status_code == 302


def test_a_second_run_updates_without_duplicates(debug_on, wijken, client):
    create_demo_accounts()
    redacteur = User.objects.get(username="redacteur")
    redacteur.is_staff = False
    redacteur.set_password("iets-anders-123")
    redacteur.save()

    output = create_demo_accounts("--password", "nieuw-demo-wachtwoord")

    assert User.objects.count() == len(ALL_ACCOUNTS)
    assert User.objects.get(username="redacteur").is_staff
    assert group_names("redacteur") == {EDITORS}
    assert client.login(username="redacteur", password="nieuw-demo-wachtwoord")
    assert not client.login(username="team-centrum", password=DEMO_PASSWORD)
    assert "nieuw-demo-wachtwoord" in output


def test_an_empty_password_is_refused(debug_on, wijken):
    with pytest.raises(CommandError):
        create_demo_accounts("--password", "")

    assert not User.objects.exists()


def test_without_wijken_only_the_staff_accounts_are_made(debug_on):
    create_demo_accounts()

    assert set(User.objects.values_list("username", flat=True)) == {"redacteur", "budgetbeheerder"}


# --- Project teams ----------------------------------------------------------------------------


def projects_of(username):
    return set(Project.objects.of_member(User.objects.get(username=username)))


def test_a_team_account_is_a_member_of_every_project_of_its_wijk_and_only_those(debug_on, pilot):
    create_demo_accounts()

    neighbourhoods = list(Neighbourhood.objects.all())
    assert len(neighbourhoods) == 5
    for neighbourhood in neighbourhoods:
        username = f"team-{neighbourhood.slug}"
        own = set(Project.objects.filter(contract__neighbourhood=neighbourhood))
        assert own, neighbourhood
        assert projects_of(username) == own
        roles = TeamMembership.objects.filter(user__username=username).values_list("role")
        assert set(roles) == {(TeamRole.MEMBER,)}
    assert not TeamMembership.objects.exclude(user__username__startswith="team-").exists()


def test_a_team_account_may_report_on_its_own_projects_only(debug_on, pilot):
    create_demo_accounts()
    user = User.objects.get(username="team-leidsebuurt")

    for project in Project.objects.select_related("contract__neighbourhood"):
        own = project.contract.neighbourhood.slug == "leidsebuurt"
        assert can_report_on(user, project) == own, project


def test_a_second_run_adds_no_memberships_and_keeps_a_role_staff_gave(debug_on, pilot):
    create_demo_accounts()
    memberships = TeamMembership.objects.count()
    lead = TeamMembership.objects.filter(user__username="team-centrum").first()
    lead.role = TeamRole.LEAD
    lead.save()

    create_demo_accounts()

    assert TeamMembership.objects.count() == memberships
    lead.refresh_from_db()
    assert lead.role == TeamRole.LEAD


def test_a_project_added_later_is_joined_on_the_next_run(debug_on):
    centrum = NeighbourhoodFactory(slug="centrum")
    first = ProjectFactory(contract__neighbourhood=centrum)
    elsewhere = ProjectFactory()
    output = create_demo_accounts()
    assert projects_of("team-centrum") == {first}
    assert "team-centrum" in output

    second = ProjectFactory(contract=first.contract)
    create_demo_accounts()

    assert projects_of("team-centrum") == {first, second}
    assert elsewhere not in projects_of("team-centrum")
    assert TeamMembership.objects.filter(user__username="team-centrum").count() == 2


def test_the_editor_invites_team_members_and_the_command_says_so(debug_on, wijken):
    output = create_demo_accounts()

    assert User.objects.get(username="redacteur").has_perm("projects.add_teaminvitation")
    assert not User.objects.get(username="budgetbeheerder").has_perm("projects.add_teaminvitation")
    assert "send_queued_mail" in output


def test_the_output_says_how_to_enrol_in_two_factor_login(debug_on, wijken):
    output = create_demo_accounts()

    assert "/admin/mfa/setup/" in output
    assert "/team/tweestapsverificatie/" in output


def test_the_demo_password_meets_the_staff_password_rules(debug_on, wijken):
    """At least 12 characters and not a common password (the command runs no validators: its
    password resembles the demo addresses, which the similarity check would refuse)."""
    from django.contrib.auth.password_validation import CommonPasswordValidator, validate_password

    from wijkaanpak.common.passwords import StaffMinimumLengthValidator

    create_demo_accounts()

    validate_password(
        DEMO_PASSWORD,
        user=User.objects.get(username="redacteur"),
        password_validators=[StaffMinimumLengthValidator(), CommonPasswordValidator()],
    )
