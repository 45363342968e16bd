"""EMAIL_URL: where the outbox delivers; production refuses to start without it."""

import json

import pytest

from tests.wijkaanpak.test_settings import CLEARED, GOOD_KEY, fresh_settings


def mail_settings(**variables):
    """The mail settings of a fresh interpreter with only these variables set."""
    return fresh_settings(
        "'BACKEND': s.EMAIL_BACKEND, 'DELIVERY': s.POST_OFFICE['BACKENDS'], "
        "'HOST': s.EMAIL_HOST, 'PORT': s.EMAIL_PORT, 'USER': s.EMAIL_HOST_USER, "
        "'PASSWORD': s.EMAIL_HOST_PASSWORD, 'TLS': s.EMAIL_USE_TLS, 'SSL': s.EMAIL_USE_SSL, "
        "'TIMEOUT': s.EMAIL_TIMEOUT, 'FROM': s.DEFAULT_FROM_EMAIL",
        CLEARED | {"EMAIL_URL"},
        **variables,
    )


@pytest.mark.parametrize("value", [None, "", "   "])
def test_production_without_email_url_refuses_to_start_and_names_it(value):
    variables = {"SECRET_KEY": GOOD_KEY}
    if value is not None:
        variables["EMAIL_URL"] = value
    result = mail_settings(**variables)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "EMAIL_URL must be set" in result.stderr


def test_development_without_email_url_prints_mail_to_the_console():
    result = mail_settings(DEBUG="true")
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["DELIVERY"] == {"default": "django.core.mail.backends.console.EmailBackend"}
    # Every mail goes through the outbox, in development too.
    assert values["BACKEND"] == "wijkaanpak.common.mail.OutboxBackend"


def test_an_smtp_url_configures_the_delivery():
    result = mail_settings(
        SECRET_KEY=GOOD_KEY,
        EMAIL_URL="smtp://wijk%40haarlem.nl:p%40ss%3Aword@mail.haarlem.nl:587/?tls=True",
        DEFAULT_FROM_EMAIL="wijkaanpak@haarlem.nl",
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values == {
        "BACKEND": "wijkaanpak.common.mail.OutboxBackend",
        "DELIVERY": {"default": "django.core.mail.backends.smtp.EmailBackend"},
        "HOST": "mail.haarlem.nl",
        "PORT": 587,
        "USER": "wijk@haarlem.nl",
        "PASSWORD": "p@ss:word",
        "TLS": True,
        "SSL": False,
        "TIMEOUT": 30,
        "FROM": "wijkaanpak@haarlem.nl",
    }


def test_an_ssl_url_with_a_timeout():
    result = mail_settings(
        SECRET_KEY=GOOD_KEY, EMAIL_URL="smtp://mail.haarlem.nl:465/?ssl=True&timeout=5"
    )
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    ssl = (values["SSL"], values["TLS"], values["PORT"], values["TIMEOUT"])
    assert ssl == (True, False, 465, 5)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("mail.haarlem.nl:587", "EMAIL_URL must start with"),
        ("imap://mail.haarlem.nl", "EMAIL_URL must start with"),
        ("smtp://mail.haarlem.nl:notaport", "EMAIL_URL is not a valid e-mail URL"),
    ],
)
def test_a_bad_email_url_is_refused_by_name(value, message):
    result = mail_settings(SECRET_KEY=GOOD_KEY, EMAIL_URL=value)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
