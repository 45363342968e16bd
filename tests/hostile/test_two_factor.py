"""Hostile input to the portal's two-step login: the code step after the password, and the
page where a team member turns it on. Any code is a form error or (only the app's own code)
success; a refusal writes nothing (no device, no backup code, no row elsewhere), and nothing
gives a 500."""

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from hypothesis import event, given
from hypothesis import strategies as st

from tests.factories import UserFactory
from tests.hostile.strategies import (
    assert_nothing_written,
    example,
    examples,
    hostile_text,
    no_rate_limits,
    post_form,
    state,
)
from tests.otp import totp_code, totp_device

# Examples per property in CI (the "dev" profile runs DEV_FACTOR times as many).
CODE_STEP_EXAMPLES = 30
ENABLE_EXAMPLES = 30

PASSWORD = "correct-horse-battery"  # the factories' password
LOGIN = reverse("projects:login")
CODE_STEP = reverse("projects:login_code")
TWO_FACTOR = reverse("projects:two_factor")

codes = st.one_of(
    st.text(alphabet="0123456789", min_size=0, max_size=20),
    st.from_regex(r"\A[0-9 ]{6,9}\Z"),
    hostile_text(surrogates=True),
)


def devices():
    return TOTPDevice.objects.count(), StaticDevice.objects.count()


@pytest.fixture
def member(settings, db):
    no_rate_limits(settings)
    return UserFactory(username="teamlid")


@given(code=codes)
@examples(CODE_STEP_EXAMPLES)
def test_the_code_step_logs_in_only_with_the_apps_code(member, code):
    device = totp_device(member)
    with example():
        client = Client(raise_request_exception=False)
        password_step = post_form(client, LOGIN, {"username": "teamlid", "password": PASSWORD})
        assert password_step.status_code == 302
        assert password_step["Location"].startswith(CODE_STEP)
        before = state()

        response = post_form(client, CODE_STEP, {"code": code})

        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if response.status_code == 302:
            assert "".join(code.split()) == totp_code(device)
        else:
            assert response.context["form"].errors
            assert "_auth_user_id" not in client.session
        assert_nothing_written(before)


@given(code=codes)
@examples(ENABLE_EXAMPLES)
def test_turning_two_step_login_on_needs_the_apps_code(member, code):
    with example():
        client = Client(raise_request_exception=False)
        client.force_login(member)
        page = client.get(TWO_FACTOR)
        assert page.status_code == 200
        before, devices_before = state(), devices()

        response = post_form(client, TWO_FACTOR, {"action": "enable", "code": code})

        event(f"status {response.status_code}")
        assert response.status_code in (200, 302)
        if devices() != devices_before:
            # Only the app's own code turns it on (a chance of one in a million per example).
            assert TOTPDevice.objects.filter(user=member).count() == 1
        else:
            assert response.status_code == 302 or response.context["form"].errors
            assert_nothing_written(before)
