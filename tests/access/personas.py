"""The personas of the access policy (tests/access_policy.md), and the one way tests log in.

Every test that logs a persona in calls `log_in`: when staff need a second factor, this is
the one place that also marks the session as verified.
"""

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from tests.otp import verify_otp

# Wijk A and wijk B: a team member of A works on every project of A and none of B.
WIJK_A = "leidsebuurt"
WIJK_B = "centrum"

ANONYMOUS = "anonymous"
TEAM_A = "team-A"
TEAM_B = "team-B"
EDITOR = "redacteur"
BUDGET_MANAGER = "budgetbeheerder"
SUPERUSER = "superuser"
PERSONAS = (ANONYMOUS, TEAM_A, TEAM_B, EDITOR, BUDGET_MANAGER, SUPERUSER)

SUPERUSER_NAME = "beheerder"


def log_in(client, user):
    """Log `user` in on the test `client` (a session as after a complete login: for staff, one
    that passed the second factor, through tests.otp.verify_otp)."""
    client.force_login(user)
    if user.is_staff:
        verify_otp(client, user)
    return client


def create_personas():
    """The demo accounts (`create_demo_accounts`: `redacteur`, `budgetbeheerder` and a
    `team-<wijk>` per wijk, in every project team of it) and a superuser; returns the user of
    each persona by its name in PERSONAS (None for anonymous)."""
    # Refused without DEBUG: the demo accounts share a known password.
    with override_settings(DEBUG=True):
        call_command("create_demo_accounts", stdout=StringIO())
    User = get_user_model()
    superuser = User.objects.create_superuser(SUPERUSER_NAME, "beheerder@example.org", "-")
    return {
        ANONYMOUS: None,
        TEAM_A: User.objects.get(username=f"team-{WIJK_A}"),
        TEAM_B: User.objects.get(username=f"team-{WIJK_B}"),
        EDITOR: User.objects.get(username="redacteur"),
        BUDGET_MANAGER: User.objects.get(username="budgetbeheerder"),
        SUPERUSER: superuser,
    }
