"""The second factor in tests: one way to give a test client's session a verified second factor,
and the codes a staff member's app would show.

The admin asks every staff account for a TOTP code when DEBUG is off, as it is in the tests.
tests/conftest.py makes `Client.force_login` and `Client.login` of a staff account call
`verify_otp`, so tests of what staff do in the admin need no code; the tests of the second
factor itself log in without it (`plain_force_login`) to prove that it is asked for.
"""

from django.contrib.auth import BACKEND_SESSION_KEY
from django.http import HttpRequest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device(user):
    """The user's confirmed TOTP app (made if they have none), as an enrolled staff member's."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=True)
    return device


def totp_code(device_or_key, offset=0):
    """The six digits the app of `device_or_key` (a TOTPDevice or its hex key) shows now;
    `offset` steps of 30 seconds later or earlier."""
    key = device_or_key.bin_key if isinstance(device_or_key, TOTPDevice) else device_or_key
    if isinstance(key, str):
        key = bytes.fromhex(key)
    totp = TOTP(key)
    totp.t0 = -offset * totp.step
    return f"{totp.token():06d}"


def verify_otp(client, user):
    """Make the session of `client`, logged in as `user`, one that passed the second factor
    (as if `user` had typed a code of their app); returns the device."""
    device = totp_device(user)
    session = client.session
    assert session.get(BACKEND_SESSION_KEY), "log the client in first"
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return device


def login_request():
    """The request Django's test client does not pass to authenticate(): django-axes needs one
    (with the client's address) to count failures."""
    request = HttpRequest()
    request.META["REMOTE_ADDR"] = "127.0.0.1"
    return request
