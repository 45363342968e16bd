"""The settings module reads the environment and refuses values that cannot be meant."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GOOD_KEY = "k" * 20 + "-production-secret-key-for-tests-0123456789"

# Variables of the test run itself that would hide what a bare environment does.
CLEARED = {
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "SECURE_SSL_REDIRECT",
    "ALLOWED_HOSTS",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
}


def fresh_settings(shown, cleared=CLEARED, **variables):
    """Import the settings in a fresh interpreter with only these variables set (the `cleared`
    ones of this run taken away); it prints `shown`, the items of a dict made of `s` (the
    settings module), as JSON."""
    env = {key: value for key, value in os.environ.items() if key not in cleared}
    env.update(variables)
    code = f"import json, wijkaanpak.settings as s; print(json.dumps({{{shown}}}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )


def load_settings(**variables):
    """Import the settings in a fresh interpreter with only these variables set."""
    return fresh_settings(
        "'DEBUG': s.DEBUG, 'ENGINE': s.DATABASES['default']['ENGINE'], "
        "'HOSTS': s.ALLOWED_HOSTS, 'LANG': s.LANGUAGE_CODE, 'TZ': s.TIME_ZONE, "
        "'SSL': s.SECURE_SSL_REDIRECT",
        **variables,
    )


def test_debug_is_off_unless_set_and_then_a_secret_key_is_required():
    result = load_settings()
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_production_defaults():
    import json

    result = load_settings(SECRET_KEY=GOOD_KEY)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DEBUG"] is False
    assert values["SSL"] is True
    assert values["LANG"] == "nl"
    assert values["TZ"] == "Europe/Amsterdam"
    assert values["ENGINE"] == "django.db.backends.sqlite3"
    assert values["HOSTS"] == ["localhost", "127.0.0.1", "[::1]"]


@pytest.mark.parametrize(
    ("variables", "named"),
    [
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"SECRET_KEY": "django-insecure-" + "x" * 60}, "SECRET_KEY"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "DATABASE_URL": "nonsense"}, "DATABASE_URL"),
        ({"SECRET_KEY": GOOD_KEY, "EMAIL_URL": "smtp://mail.example:twenty-five"}, "EMAIL_URL"),
        ({"SECRET_KEY": GOOD_KEY, "EMAIL_URL": "pop3://mail.example"}, "EMAIL_URL"),
        ({"SECRET_KEY": GOOD_KEY, "CSRF_TRUSTED_ORIGINS": "example.org"}, "CSRF_TRUSTED_ORIGINS"),
    ],
)
def test_bad_values_are_refused_loudly(variables, named):
    result = load_settings(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr


def test_postgres_url_is_understood():
    import json

    result = load_settings(
        SECRET_KEY=GOOD_KEY, DATABASE_URL="postgres://user@db.internal:5432/wijkaanpak"
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["ENGINE"] == "django.db.backends.postgresql"


def test_deploy_check_is_clean_with_production_values():
    env = {key: value for key, value in os.environ.items() if key not in CLEARED}
    env.update(
        SECRET_KEY=GOOD_KEY,
        DEBUG="false",
        ALLOWED_HOSTS="wijkaanpak.example",
        CSRF_TRUSTED_ORIGINS="https://wijkaanpak.example",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


LETTER_SETTINGS = (
    "DECISION_CONTACT_NAME",
    "DECISION_CONTACT_PHONE",
    "DECISION_CONTACT_EMAIL",
    "OBJECTION_ADDRESSEE",
    "OBJECTION_ADDRESS",
)


def letter_settings(**variables):
    import json

    result = fresh_settings(
        ", ".join(f"'{name}': s.{name}" for name in LETTER_SETTINGS),
        cleared=CLEARED | {*LETTER_SETTINGS, "CONTACT_EMAIL"},
        SECRET_KEY=GOOD_KEY,
        **variables,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_decision_letter_names_a_contact_and_where_to_object_by_default():
    values = letter_settings(CONTACT_EMAIL="wijkaanpak@haarlem.example")
    assert values == {
        "DECISION_CONTACT_NAME": "Bureau Regie in de Wijken",
        "DECISION_CONTACT_PHONE": "14 023",
        # The site's contact address, unless the letter has one of its own.
        "DECISION_CONTACT_EMAIL": "wijkaanpak@haarlem.example",
        "OBJECTION_ADDRESSEE": "het college van burgemeester en wethouders van Haarlem",
        "OBJECTION_ADDRESS": "Postbus 511, 2003 PB Haarlem",
    }
    chosen = {
        "DECISION_CONTACT_NAME": "Mw. J. Jansen, wijkregisseur",
        "DECISION_CONTACT_PHONE": "023 511 5115",
        "DECISION_CONTACT_EMAIL": "j.jansen@gemeente.example",
        "OBJECTION_ADDRESSEE": "het college van burgemeester en wethouders van Leiden",
        "OBJECTION_ADDRESS": "Postbus 9100, 2300 PC Leiden",
    }
    assert letter_settings(CONTACT_EMAIL="wijkaanpak@haarlem.example", **chosen) == chosen


def test_the_leaflets_contact_is_read_and_a_too_long_one_is_refused():
    shown = "'PERSON': s.CONTACT_PERSON, 'PHONE': s.CONTACT_PHONE"

    result = fresh_settings(
        shown, DEBUG="true", CONTACT_PERSON="Anne de Vries, wijkregisseur", CONTACT_PHONE="14 023"
    )
    assert result.returncode == 0, result.stderr
    assert '"PERSON": "Anne de Vries, wijkregisseur"' in result.stdout
    assert '"PHONE": "14 023"' in result.stdout

    for variable, value in (("CONTACT_PERSON", "x" * 81), ("CONTACT_PHONE", "1" * 31)):
        result = fresh_settings(shown, DEBUG="true", **{variable: value})
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and variable in result.stderr
