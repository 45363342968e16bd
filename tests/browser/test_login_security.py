"""Logins in Chromium: `redacteur` enrols a TOTP app in the admin and logs in with its code; a
team member turns two-step login on in the portal; wrong passwords lock a login out on both
login pages. The codes are computed in the test from the key the page shows, as an app would.
"""

import os
import time
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django_otp.oath import TOTP

from tests.conftest import assert_accessible
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


def app_code(secret, steps_ahead=0):
    """The code an authenticator app shows for the base32 `secret` (`steps_ahead` × 30 s
    later: a code is accepted once, and one step either side)."""
    secret = secret.replace(" ", "").upper()
    key = b32decode(secret + "=" * (-len(secret) % 8))
    totp = TOTP(key)
    totp.time = time.time() + steps_ahead * totp.step
    return f"{totp.token():06d}"


def snap(page, name):
    """A screenshot for a person to look at, when SCREENSHOTS_DIR names a folder."""
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)


def submit(page):
    page.locator("form [type=submit]:visible").last.click()
    page.wait_for_load_state()


def admin_password(page, username, password=PASSWORD):
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_auth-username", username)
    page.fill("#id_auth-password", password)
    page.locator("#login-form input[type=submit]:visible").click()
    page.wait_for_load_state()


def test_redacteur_enrols_in_totp_and_logs_in_with_it(page, editor_user):
    page.goto("/admin/login/?next=/admin/")
    assert page.locator("h1").count() >= 1
    assert_accessible(page)
    admin_password(page, "redacteur")
    # No app yet: the admin asks to set one up before anything else.
    assert "/admin/mfa/setup/" in page.url
    assert_accessible(page)
    snap(page, "2fa-1-welcome")
    submit(page)  # past the welcome step
    if page.locator("#id_method-method_0").count():  # a choice of methods, if offered
        page.locator("input[value=generator]").check()
        submit(page)
    secret = page.locator("a[href^='otpauth://']").inner_text()
    assert page.locator("img.totp-qr-code").count() == 1
    assert_accessible(page)
    snap(page, "2fa-2-qr-code")
    page.fill("#id_generator-token", app_code(secret))
    submit(page)
    assert "/admin/mfa/setup/complete/" in page.url
    snap(page, "2fa-3-complete")

    # Backup codes, made and shown in the admin.
    page.goto("/admin/mfa/backup/tokens/")
    submit(page)
    assert page.locator(".backup-tokens-list li").count() == 10
    assert_accessible(page)
    snap(page, "2fa-4-backup-codes")
    page.goto("/admin/")
    assert page.locator("#site-name").count() == 1

    # Log out, and in again: the password alone does not open the admin.
    page.context.clear_cookies()
    admin_password(page, "redacteur")
    assert page.locator("#id_token-otp_token").count() == 1
    assert_accessible(page)
    snap(page, "2fa-5-code-asked")
    page.goto("/admin/")
    assert "/admin/login/" in page.url

    admin_password(page, "redacteur")
    page.fill("#id_token-otp_token", app_code(secret, steps_ahead=1))
    submit(page)
    assert urlsplit(page.url).path == "/admin/"
    assert page.locator("#user-tools").count() == 1
    snap(page, "2fa-6-in-the-admin")


def test_a_team_member_turns_two_step_login_on_in_the_portal(page):
    UserFactory(username="teamlid")
    page.goto("/team/inloggen/")
    page.fill("#id_username", "teamlid")
    page.fill("#id_password", PASSWORD)
    submit(page)
    page.get_by_role("link", name="Tweestapsverificatie").or_(
        page.get_by_role("link", name="Two-step login")
    ).first.click()
    assert page.locator("[data-two-factor=off]").count() == 1
    assert_accessible(page)
    snap(page, "portal-2fa-1-off")
    secret = page.locator("[data-secret]").inner_text()
    page.fill("#id_code", app_code(secret))
    submit(page)
    assert page.locator("[data-backup-codes] li").count() == 10
    assert_accessible(page)
    snap(page, "portal-2fa-2-backup-codes")

    page.context.clear_cookies()
    page.goto("/team/inloggen/")
    page.fill("#id_username", "teamlid")
    page.fill("#id_password", PASSWORD)
    submit(page)
    assert "/team/inloggen/code/" in page.url
    assert_accessible(page)
    snap(page, "portal-2fa-3-code-asked")
    page.fill("#id_code", app_code(secret, steps_ahead=1))
    submit(page)
    assert page.url.endswith("/team/")


def test_wrong_passwords_lock_out_both_logins(page):
    UserFactory(username="teamlid")
    UserFactory(username="medewerker", is_staff=True)
    for _attempt in range(5):
        page.goto("/team/inloggen/")
        page.fill("#id_username", "teamlid")
        page.fill("#id_password", "fout-wachtwoord")
        submit(page)
    assert page.locator("[data-lockout]").count() == 1
    assert_accessible(page)
    snap(page, "lockout-portal")
    # The right password now is refused too.
    page.goto("/team/inloggen/")
    page.fill("#id_username", "teamlid")
    page.fill("#id_password", PASSWORD)
    submit(page)
    assert page.locator("[data-lockout]").count() == 1

    for _attempt in range(5):
        admin_password(page, "medewerker", "fout-wachtwoord")
    assert page.locator("[data-lockout]").count() == 1
    assert page.locator("#header").count() == 1
    assert_accessible(page)
    snap(page, "lockout-admin")
