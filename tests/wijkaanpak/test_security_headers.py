"""Headers on every response and the vulnerability disclosure file (RFC 9116)."""

import datetime
import json

import pytest
from django.test import Client
from django.urls import reverse

from tests.wijkaanpak.test_settings import GOOD_KEY, fresh_settings

SECURITY_TXT = "/.well-known/security.txt"
DENIED = {"camera", "microphone", "geolocation", "payment"}


def policy(response):
    """The Permissions-Policy header as {feature: allowlist}."""
    features = {}
    for part in response["Permissions-Policy"].split(","):
        feature, _equals, allowlist = part.strip().partition("=")
        features[feature] = allowlist
    return features


@pytest.mark.parametrize("path", ["/", "/bestaat-niet/", "/admin/login/", "/healthz"])
def test_every_response_denies_camera_microphone_geolocation_and_payment(client, db, path):
    response = client.get(path)

    features = policy(response)
    assert DENIED <= set(features)
    assert all(features[feature] == "()" for feature in DENIED)


def test_hsts_has_no_subdomains_or_preload_unless_asked_for(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = False
    settings.SECURE_HSTS_PRELOAD = False
    assert client.get("/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"

    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    # The middleware reads the settings when it is made: a new client makes it anew.
    assert Client().get("/", secure=True)["Strict-Transport-Security"] == (
        "max-age=31536000; includeSubDomains; preload"
    )


HSTS = (
    "'sub': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'preload': s.SECURE_HSTS_PRELOAD, "
    "'seconds': s.SECURE_HSTS_SECONDS"
)


def test_production_sends_hsts_for_a_year_and_subdomains_and_preload_only_when_set():
    defaults = fresh_settings(HSTS, SECRET_KEY=GOOD_KEY)
    chosen = fresh_settings(
        HSTS,
        SECRET_KEY=GOOD_KEY,
        SECURE_HSTS_INCLUDE_SUBDOMAINS="true",
        SECURE_HSTS_PRELOAD="true",
    )

    assert defaults.returncode == 0, defaults.stderr
    assert json.loads(defaults.stdout) == {"sub": False, "preload": False, "seconds": 31536000}
    assert chosen.returncode == 0, chosen.stderr
    assert json.loads(chosen.stdout) == {"sub": True, "preload": True, "seconds": 31536000}


# --- security.txt -------------------------------------------------------------------------------


def fields(response):
    lines = response.content.decode().splitlines()
    return dict(line.split(": ", 1) for line in lines)


def test_security_txt_names_the_contact_expiry_languages_and_its_address(client, db, settings):
    settings.SECURITY_CONTACT = "mailto:security@wijkaanpak.example"
    settings.SECURITY_TXT_EXPIRES_DATE = datetime.date(2027, 6, 30)
    settings.SITE_URL = "https://wijkaanpak.example"

    response = client.get(SECURITY_TXT)

    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert reverse("security_txt") == SECURITY_TXT
    assert fields(response) == {
        "Contact": "mailto:security@wijkaanpak.example",
        # The end of that day in Amsterdam (summer time), an RFC 3339 date-time.
        "Expires": "2027-06-30T23:59:59+02:00",
        "Preferred-Languages": "nl, en",
        "Canonical": "https://wijkaanpak.example/.well-known/security.txt",
    }
    assert client.head(SECURITY_TXT).status_code == 200
    assert client.post(SECURITY_TXT).status_code == 405


def test_without_a_contact_there_is_no_security_txt(client, db, settings):
    settings.SECURITY_CONTACT = ""

    assert client.get(SECURITY_TXT).status_code == 404


SECURITY = "'contact': s.SECURITY_CONTACT, 'expires': s.SECURITY_TXT_EXPIRES_DATE.isoformat()"


@pytest.mark.parametrize(
    ("variables", "expected"),
    [
        ({}, {"contact": "", "expires": "2027-06-30"}),
        ({"CONTACT_EMAIL": "info@gemeente.example"}, {"contact": "mailto:info@gemeente.example"}),
        (
            {"CONTACT_EMAIL": "info@gemeente.example", "SECURITY_CONTACT": "cert@gemeente.example"},
            {"contact": "mailto:cert@gemeente.example"},
        ),
        (
            {"SECURITY_CONTACT": "https://gemeente.example/kwetsbaarheid-melden"},
            {"contact": "https://gemeente.example/kwetsbaarheid-melden"},
        ),
        ({"SECURITY_TXT_EXPIRES": "2028-01-31"}, {"expires": "2028-01-31"}),
    ],
)
def test_the_contact_and_expiry_come_from_the_environment(variables, expected):
    result = fresh_settings(
        SECURITY, cleared={"CONTACT_EMAIL", "SECURITY_CONTACT", "SECURITY_TXT_EXPIRES"}, **variables
    )

    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert {key: values[key] for key in expected} == expected


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("SECURITY_TXT_EXPIRES", "volgend jaar"),
        ("SECURITY_CONTACT", "javascript:alert(1)"),
        ("RATELIMIT_APPLICATIONS", "veel"),
        ("RATELIMIT_PDF_RENDERS", "0/h"),
    ],
)
def test_bad_values_stop_the_start_up_naming_the_variable(name, value):
    result = fresh_settings("'x': 1", SECRET_KEY=GOOD_KEY, **{name: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert name in result.stderr
