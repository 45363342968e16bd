"""The second factor: the admin asks every staff account for a TOTP code (maykin-2fa), with
backup codes; team members may turn it on in the portal.

These tests log in without tests/otp.py's shortcut (plain_force_login, or the login pages
themselves), to prove that the code is asked for.
"""

import datetime
import subprocess
import sys
from base64 import b32decode

import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.conftest import plain_force_login
from tests.factories import UserFactory
from tests.otp import totp_code, totp_device

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"
WIZARD = "admin_login_view-current_step"


def admin_password_step(client, username, password=PASSWORD):
    return client.post(
        "/admin/login/",
        {WIZARD: "auth", "auth-username": username, "auth-password": password},
    )


def unthrottle(user):
    """django-otp makes each device wait longer after every wrong code; a test that types a
    wrong code on purpose lets the next one through at once."""
    TOTPDevice.objects.filter(user=user).update(throttling_failure_count=0)
    StaticDevice.objects.filter(user=user).update(throttling_failure_count=0)


def admin_token_step(client, code):
    return client.post("/admin/login/", {WIZARD: "token", "token-otp_token": code})


@pytest.fixture
def staff(db):
    return UserFactory(username="medewerker", is_staff=True)


def test_a_staff_session_with_only_a_password_does_not_reach_the_admin(client, editor_user):
    plain_force_login(client, editor_user)

    response = client.get("/admin/contracts/contract/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_a_staff_member_without_an_app_is_sent_to_enrol(client, staff):
    response = admin_password_step(client, "medewerker")

    assert response.status_code == 302
    assert response["Location"] == reverse("maykin_2fa:setup")
    assert client.get("/admin/").status_code == 302
    setup = client.get(reverse("maykin_2fa:setup"))
    assert setup.status_code == 200
    assert 'id="header"' in setup.text  # the admin's look
    assert 'name="generator-token"' in setup.text or "wizard" in setup.text


def test_an_enrolled_staff_member_logs_in_with_the_apps_code(client, staff):
    device = totp_device(staff)

    token_page = admin_password_step(client, "medewerker")
    assert token_page.status_code == 200
    assert 'name="token-otp_token"' in token_page.text
    assert client.get("/admin/").status_code == 302  # not in yet

    wrong = admin_token_step(client, "000000" if totp_code(device) != "000000" else "111111")
    assert wrong.status_code == 200
    assert client.get("/admin/").status_code == 302
    unthrottle(staff)

    response = admin_token_step(client, totp_code(device))
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_backup_code_logs_in_once(client, staff):
    totp_device(staff)
    backup = StaticDevice.objects.create(user=staff, name="backup")
    backup.token_set.create(token="reserve1")

    admin_password_step(client, "medewerker")
    client.get(reverse("maykin_2fa:recovery"))
    response = client.post(
        reverse("maykin_2fa:recovery"), {WIZARD: "backup", "backup-otp_token": "reserve1"}
    )

    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
    assert not StaticToken.objects.filter(token="reserve1").exists()


def test_debug_lets_staff_skip_the_code_and_production_does_not():
    """The setting as the settings module computes it from DEBUG (tests run with DEBUG off)."""
    assert settings.DEBUG is False
    assert settings.MAYKIN_2FA_ALLOW_MFA_BYPASS_BACKENDS == []
    code = "from django.conf import settings; print(settings.MAYKIN_2FA_ALLOW_MFA_BYPASS_BACKENDS)"
    result = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"],
        env={"DJANGO_SETTINGS_MODULE": "wijkaanpak.settings", "DEBUG": "true", "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
        cwd=settings.BASE_DIR,
    )
    assert "django.contrib.auth.backends.ModelBackend" in result.stdout


def test_with_the_debug_bypass_a_password_login_reaches_the_admin(client, staff, settings):
    settings.MAYKIN_2FA_ALLOW_MFA_BYPASS_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
    plain_force_login(client, staff)

    assert client.get("/admin/").status_code == 200


def test_superusers_reset_a_second_factor_and_others_cannot(client, superuser, editor, staff):
    device = totp_device(staff)
    StaticDevice.objects.create(user=staff, name="backup").token_set.create(token="reserve1")
    changelist = reverse("admin:otp_totp_totpdevice_changelist")
    assert editor.get(changelist).status_code == 403

    client.force_login(superuser)
    listing = client.get(changelist)
    assert listing.status_code == 200
    assert "medewerker" in listing.text
    assert device.key not in listing.text
    client.post(changelist, {"action": "reset_second_factor", "_selected_action": [device.pk]})

    assert not TOTPDevice.objects.filter(user=staff).exists()
    assert not StaticDevice.objects.filter(user=staff).exists()


# --- The portal -------------------------------------------------------------------------------


@pytest.fixture
def member(db):
    return UserFactory(username="teamlid")


def enrol_in_portal(client):
    """Turn two-step login on through the portal's page; returns the device and backup codes."""
    page = client.get(reverse("projects:two_factor"))
    assert page.status_code == 200
    assert 'data-two-factor="off"' in page.text
    key = client.session["portal_otp_setup_key"]
    response = client.post(
        reverse("projects:two_factor"), {"action": "enable", "code": totp_code(key)}
    )
    assert response.status_code == 200
    codes = response.context["backup_codes"]
    return TOTPDevice.objects.get(user=response.context["user"]), codes


def test_a_team_member_turns_two_step_login_on_and_logs_in_with_a_code(client, member):
    client.force_login(member)
    wrong = client.post(reverse("projects:two_factor"), {"action": "enable", "code": "12345x"})
    assert wrong.status_code == 200
    assert not TOTPDevice.objects.exists()
    device, codes = enrol_in_portal(client)
    assert len(codes) == 10
    assert 'data-two-factor="on"' in client.get(reverse("projects:two_factor")).text

    fresh = Client()
    response = fresh.post("/team/inloggen/", {"username": "teamlid", "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:login_code")
    assert SESSION_KEY not in fresh.session
    assert fresh.get("/team/").status_code == 302

    refused = fresh.post(reverse("projects:login_code"), {"code": "000000x"})
    assert refused.status_code == 200
    assert SESSION_KEY not in fresh.session
    unthrottle(member)
    response = fresh.post(reverse("projects:login_code"), {"code": totp_code(device, offset=1)})
    assert response.status_code == 302
    assert fresh.get("/team/").status_code == 200

    # A backup code works once.
    other = Client()
    other.post("/team/inloggen/", {"username": "teamlid", "password": PASSWORD})
    assert other.post(reverse("projects:login_code"), {"code": codes[0]}).status_code == 302
    third = Client()
    third.post("/team/inloggen/", {"username": "teamlid", "password": PASSWORD})
    assert third.post(reverse("projects:login_code"), {"code": codes[0]}).status_code == 200


def test_a_team_member_turns_two_step_login_off(client, member):
    client.force_login(member)
    enrol_in_portal(client)

    client.post(reverse("projects:two_factor"), {"action": "disable"})

    assert not TOTPDevice.objects.exists()
    response = Client().post("/team/inloggen/", {"username": "teamlid", "password": PASSWORD})
    assert response["Location"] == reverse("projects:portal")


def test_staff_cannot_turn_it_off_in_the_portal(editor, editor_user):
    page = editor.get(reverse("projects:two_factor"))
    assert page.status_code == 200
    assert reverse("maykin_2fa:account_security") in page.text

    editor.post(reverse("projects:two_factor"), {"action": "disable"})

    assert TOTPDevice.objects.filter(user=editor_user).exists()


def test_the_code_step_without_a_password_goes_back_to_the_login(client):
    response = client.get(reverse("projects:login_code"))
    assert response.status_code == 302
    assert response["Location"] == reverse("projects:login")


def test_enrolling_on_the_way_to_an_admin_page_ends_on_the_complete_page(client, staff):
    """Without the repair in wijkaanpak.logins the "complete" page sent back to the set-up."""
    client.post(
        "/admin/login/?next=/admin/",
        {WIZARD: "auth", "auth-username": "medewerker", "auth-password": PASSWORD},
    )
    client.post(reverse("maykin_2fa:setup"), {"admin_setup_view-current_step": "welcome"})
    key = client.session["django_two_factor-qr_secret_key"]
    response = client.post(
        reverse("maykin_2fa:setup"),
        {
            "admin_setup_view-current_step": "generator",
            "generator-token": totp_code(b32decode(key + "=" * (-len(key) % 8))),
        },
    )

    assert response["Location"] == reverse("maykin_2fa:setup_complete")
    assert client.get(response["Location"]).status_code == 200
    assert client.get("/admin/").status_code == 200


def test_a_team_member_who_finds_the_admins_enrolment_is_sent_to_the_portals(client, member):
    client.force_login(member)

    for url in ("/admin/mfa/setup/", reverse("maykin_2fa:setup"), reverse("two_factor:setup")):
        response = client.get(url)

        assert response.status_code == 302
        assert response["Location"] == reverse("projects:two_factor")
    assert not TOTPDevice.objects.filter(user=member).exists()


def test_an_apps_page_in_the_admin_writes_its_moments_in_dutch(client, superuser, staff):
    device = totp_device(staff)
    device.created_at = datetime.datetime(2026, 12, 6, 7, 42, tzinfo=datetime.UTC)
    device.last_used_at = None
    device.save()
    client.force_login(superuser)

    page = client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "6 december 2026 08:42" in text
    assert "2026-12-06" not in text
    assert ">None<" not in text
