"""Logins that resist attack: lockout after failed passwords (django-axes) on both login pages,
idle sessions that end, the staff password rule, a reset that never serves staff and says the
same to everyone, reused reset links and tampered session cookies.

The two-factor login of staff is in test_two_factor.py.
"""

import logging
import time

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.conftest import plain_force_login
from tests.factories import UserFactory
from wijkaanpak.common.middleware import IdleSessionMiddleware
from wijkaanpak.common.passwords import StaffMinimumLengthValidator
from wijkaanpak.management.commands.create_demo_accounts import DEMO_PASSWORD

pytestmark = pytest.mark.django_db

PASSWORD = "correct-horse-battery"  # the factories' password
PORTAL_LOGIN = "/team/inloggen/"
ADMIN_LOGIN = "/admin/login/"


def portal_login(client, username, password):
    return client.post(PORTAL_LOGIN, {"username": username, "password": password})


def admin_login(client, username, password):
    """The password step of the admin's login (maykin-2fa's wizard)."""
    return client.post(
        ADMIN_LOGIN,
        {
            "admin_login_view-current_step": "auth",
            "auth-username": username,
            "auth-password": password,
        },
    )


def logged_in(client):
    return SESSION_KEY in client.session


@pytest.fixture
def member(db):
    return UserFactory(username="teamlid")


@pytest.fixture
def staff(db):
    return UserFactory(username="medewerker", is_staff=True)


# --- Lockout ----------------------------------------------------------------------------------


def test_the_settings_lock_a_user_name_and_client_for_15_minutes_after_5_failures():
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 15 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "wijkaanpak.common.client.client_ip"
    assert settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"
    # The failures reach the site's log whatever LOG_LEVEL says.
    assert settings.LOGGING["loggers"]["axes"]["level"] == "INFO"
    assert logging.getLogger("axes.handlers.database").isEnabledFor(logging.INFO)


def test_five_wrong_passwords_in_the_portal_lock_out_even_the_right_one(client, member, caplog):
    caplog.set_level(logging.INFO, logger="axes")
    for _attempt in range(4):
        response = portal_login(client, "teamlid", "fout-wachtwoord")
        assert response.status_code == 200
        assert "data-lockout" not in response.text

    locked = portal_login(client, "teamlid", "fout-wachtwoord")

    assert locked.status_code == 429
    assert "data-lockout" in locked.text
    assert 'class="portal-narrow' in locked.text  # the portal's look
    assert "15" in locked.text
    again = portal_login(client, "teamlid", PASSWORD)
    assert again.status_code == 429
    assert not logged_in(client)
    assert client.get("/team/").status_code == 302
    # Logged: each failure, and the lockout.
    failures = [r for r in caplog.records if "failed" in r.getMessage().lower()]
    assert len(failures) >= 5
    assert any(
        r.levelno == logging.WARNING and "locking out" in r.getMessage().lower()
        for r in caplog.records
    )


def test_the_lockout_holds_one_user_name_from_one_client(client, member):
    UserFactory(username="collega")
    for _attempt in range(5):
        portal_login(client, "teamlid", "fout-wachtwoord")
    assert portal_login(client, "teamlid", PASSWORD).status_code == 429

    # Another user name from the same address logs in.
    assert portal_login(client, "collega", PASSWORD).status_code == 302
    # The same user name from another address logs in.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    assert portal_login(elsewhere, "teamlid", PASSWORD).status_code == 302
    assert logged_in(elsewhere)


def test_behind_a_trusted_proxy_the_lockout_follows_the_forwarded_address(client, member, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    attacker = Client(HTTP_X_FORWARDED_FOR="203.0.113.9")
    for _attempt in range(5):
        portal_login(attacker, "teamlid", "fout-wachtwoord")
    assert portal_login(attacker, "teamlid", PASSWORD).status_code == 429
    assert AccessAttempt.objects.get().ip_address == "203.0.113.9"

    # Another resident behind the same proxy is not locked out.
    resident = Client(HTTP_X_FORWARDED_FOR="203.0.113.10")
    assert portal_login(resident, "teamlid", PASSWORD).status_code == 302


def test_the_lockout_ends_after_the_cool_off(client, member):
    for _attempt in range(5):
        portal_login(client, "teamlid", "fout-wachtwoord")
    assert portal_login(client, "teamlid", PASSWORD).status_code == 429

    AccessAttempt.objects.update(
        attempt_time=AccessAttempt.objects.get().attempt_time - settings.AXES_COOLOFF_TIME
    )

    assert portal_login(client, "teamlid", PASSWORD).status_code == 302
    assert logged_in(client)


def test_five_wrong_passwords_at_the_admin_lock_out_in_the_admins_look(client, staff):
    for _attempt in range(4):
        response = admin_login(client, "medewerker", "fout-wachtwoord")
        assert response.status_code == 200
        assert "data-lockout" not in response.text

    locked = admin_login(client, "medewerker", "fout-wachtwoord")

    assert locked.status_code == 429
    assert "data-lockout" in locked.text
    assert 'id="site-name"' in locked.text or 'id="header"' in locked.text  # the admin's look
    again = admin_login(client, "medewerker", PASSWORD)
    assert again.status_code == 429
    assert not logged_in(client)


def test_a_superuser_unlocks_a_login_in_the_admin(client, member, superuser):
    for _attempt in range(5):
        portal_login(client, "teamlid", "fout-wachtwoord")
    attempt = AccessAttempt.objects.get(username="teamlid")
    admin = Client()
    admin.force_login(superuser)
    changelist = reverse("admin:axes_accessattempt_changelist")

    listing = admin.get(changelist)
    assert listing.status_code == 200
    assert "teamlid" in listing.text
    response = admin.post(
        changelist, {"action": "unlock", "_selected_action": [attempt.pk]}, follow=True
    )

    assert response.status_code == 200
    assert not AccessAttempt.objects.exists()
    assert portal_login(client, "teamlid", PASSWORD).status_code == 302


def test_only_superusers_see_the_lockouts(editor, budget_manager_user):
    changelist = reverse("admin:axes_accessattempt_changelist")
    assert editor.get(changelist).status_code == 403
    budget = Client()
    budget.force_login(budget_manager_user)
    assert budget.get(changelist).status_code == 403
    assert changelist not in editor.get(reverse("admin:index")).text


# --- Idle sessions --------------------------------------------------------------------------


def idle_for(client, seconds):
    """Pretend the session's last request was `seconds` ago."""
    session = client.session
    session[IdleSessionMiddleware.KEY] = int(time.time()) - seconds
    session.save()


def test_a_staff_session_ends_after_30_idle_minutes(editor):
    assert editor.get("/admin/").status_code == 200
    assert editor.session.get_expiry_age() == 30 * 60

    idle_for(editor, 29 * 60)
    assert editor.get("/admin/").status_code == 200

    idle_for(editor, 31 * 60)
    response = editor.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(ADMIN_LOGIN)
    assert not logged_in(editor)


def test_a_portal_session_ends_after_8_idle_hours(client, member):
    client.force_login(member)
    assert client.get("/team/").status_code == 200
    assert client.session.get_expiry_age() == 8 * 3600

    idle_for(client, 7 * 3600 + 59 * 60)
    assert client.get("/team/").status_code == 200

    idle_for(client, 8 * 3600 + 60)
    response = client.get("/team/", follow=True)
    assert response.redirect_chain[0][0].startswith(PORTAL_LOGIN)
    assert not logged_in(client)
    assert 'data-message="info"' in response.text


# --- Passwords --------------------------------------------------------------------------------


def test_a_staff_password_needs_12_characters(staff, member):
    with pytest.raises(ValidationError) as refused:
        validate_password("Kort-wacht1", user=staff)
    assert "staff_password_too_short" in [error.code for error in refused.value.error_list]
    validate_password("Kort-wacht1", user=member)  # 11 characters: enough for a team member
    validate_password(DEMO_PASSWORD, user=staff)  # the demo password has 15


def test_a_common_password_is_refused_for_staff_however_long(staff):
    with pytest.raises(ValidationError) as refused:
        validate_password("password1234", user=staff)
    assert "password_too_common" in [error.code for error in refused.value.error_list]


def test_the_admins_password_form_shows_the_staff_rule(client, superuser, staff):
    client.force_login(superuser)
    page = client.get(reverse("admin:auth_user_password_change", args=[staff.pk])).text
    with translation.override("nl"):
        rule = StaffMinimumLengthValidator().get_help_text()
    assert rule.replace("'", "&#x27;") in page or rule in page

    response = client.post(
        reverse("admin:auth_user_password_change", args=[staff.pk]),
        {"usable_password": "true", "password1": "Kort-wacht1", "password2": "Kort-wacht1"},
    )
    assert response.status_code == 200
    staff.refresh_from_db()
    assert staff.check_password(PASSWORD)


# --- Password reset ---------------------------------------------------------------------------


def test_the_reset_answers_the_same_for_a_member_a_stranger_and_staff(
    client, member, staff, superuser, deliver_mail, caplog
):
    answers = [
        client.post(reverse("projects:password_reset"), {"email": address})
        for address in (member.email, "niemand@example.org", staff.email, superuser.email)
    ]

    assert {(answer.status_code, answer["Location"]) for answer in answers} == {
        (302, reverse("projects:password_reset_done"))
    }
    delivered = deliver_mail()
    assert [message.to for message in delivered] == [[member.email]]
    assert any("staff account" in record.getMessage() for record in caplog.records)


def test_a_used_reset_link_is_refused(client, member, deliver_mail):
    client.post(reverse("projects:password_reset"), {"email": member.email})
    (message,) = deliver_mail()
    link = next(line.strip() for line in message.body.splitlines() if "herstellen" in line)
    path = link.removeprefix(settings.SITE_URL)
    form_page = client.get(path, follow=True)
    client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": "Nieuw-wachtwoord-2008", "new_password2": "Nieuw-wachtwoord-2008"},
    )

    reused = Client().get(path, follow=True)

    assert reused.status_code == 200
    assert reused.context["validlink"] is False
    assert 'data-notice="invalid-link"' in reused.text


# --- Tampered sessions ------------------------------------------------------------------------


@pytest.mark.parametrize("page", ["/team/", "/admin/"])
def test_a_tampered_session_cookie_means_logging_in_again(client, member, editor_user, page):
    client.force_login(editor_user if page == "/admin/" else member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    client.cookies[settings.SESSION_COOKIE_NAME] = key[:-4] + "abcd"

    response = client.get(page)

    assert response.status_code == 302
    assert "login" in response["Location"] or "inloggen" in response["Location"]


def test_corrupted_session_data_means_logging_in_again(client, member):
    client.force_login(member)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    Session.objects.filter(session_key=key).update(session_data="bm90LXNpZ25lZA==:tampered")

    response = client.get("/team/")

    assert response.status_code == 302
    assert response["Location"].startswith(PORTAL_LOGIN)


def test_a_staff_session_without_the_second_factor_is_not_the_admins(client, editor_user):
    plain_force_login(client, editor_user)
    assert client.get("/admin/").status_code == 302
