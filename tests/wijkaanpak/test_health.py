"""/healthz: every part reported, 503 when one fails, never a 500."""

from pathlib import Path
from unittest import mock

import pytest
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import reverse

from contracts.choices import ContractStatus
from tests.factories import contract_in_status
from wijkaanpak import views
from wijkaanpak.common import health

pytestmark = pytest.mark.django_db

PARTS = {"database", "cache", "media", "archive", "outbox"}


def probe(client):
    response = client.get(reverse("healthz"))
    return response.status_code, response.json()


def failing(body):
    return {name for name, check in body["checks"].items() if check["status"] == "error"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()


@pytest.fixture
def signed():
    return contract_in_status(ContractStatus.SIGNED)


def test_every_part_is_reported_ok(client, signed):
    status, body = probe(client)

    assert status == 200
    assert body["status"] == "ok"
    assert set(body["checks"]) == PARTS
    assert all(check["status"] == "ok" for check in body["checks"].values())
    assert body["checks"]["archive"]["files"] == 1


def test_a_database_that_does_not_answer_is_a_503(client):
    with mock.patch.object(health.connection, "cursor", side_effect=DatabaseError("refused")):
        status, body = probe(client)

    assert status == 503
    assert body["status"] == "error"
    assert failing(body) == {"database"}
    # What needs the database is not tried without it.
    assert body["checks"]["archive"] == {"status": "skipped"}


def test_a_missing_sqlite_file_is_a_503_and_is_not_created(client, tmp_path):
    missing = tmp_path / "db.sqlite3"
    fake = mock.Mock(vendor="sqlite", settings_dict={"NAME": str(missing)})
    fake.is_in_memory_db.return_value = False
    fake.cursor.side_effect = AssertionError("the check must not connect")

    with mock.patch.object(health, "connection", fake):
        status, body = probe(client)

    assert status == 503
    assert failing(body) == {"database"}
    assert "SQLite" in body["checks"]["database"]["error"]
    assert not missing.exists()
    fake.cursor.assert_not_called()


def test_a_cache_that_loses_what_was_stored_is_a_503(client):
    with mock.patch.object(health.cache, "get", return_value=None):
        status, body = probe(client)

    assert status == 503
    assert failing(body) == {"cache"}


def test_a_cache_that_is_down_is_a_503_not_a_500(client):
    with mock.patch.object(health.cache, "set", side_effect=ConnectionError("redis down")):
        status, body = probe(client)

    assert status == 503
    assert "cache" in failing(body)
    assert body["checks"]["cache"]["error"] == "ConnectionError"


def test_a_media_folder_on_a_missing_volume_is_a_503(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "not-mounted" / "media"

    status, body = probe(client)

    assert status == 503
    assert failing(body) == {"media"}
    assert not Path(settings.MEDIA_ROOT).exists()


def test_a_media_folder_that_cannot_be_written_is_a_503(client, settings, tmp_path):
    # A file where the folder should be: unwritable for everyone, root included.
    settings.MEDIA_ROOT = tmp_path / "media-file"
    Path(settings.MEDIA_ROOT).write_text("not a folder")

    status, body = probe(client)

    assert status == 503
    assert "media" in failing(body)


def test_a_missing_archived_file_is_a_503(client, settings, signed):
    Path(settings.MEDIA_ROOT, signed.signed_original.file.name).unlink()

    status, body = probe(client)

    assert status == 503
    assert failing(body) == {"archive"}
    assert (body["checks"]["archive"]["missing"], body["checks"]["archive"]["changed"]) == (1, 0)


def test_changed_bytes_of_the_same_size_are_found_by_the_hash_check(client, settings, signed):
    path = Path(settings.MEDIA_ROOT, signed.signed_original.file.name)
    assert probe(client)[0] == 200  # the hash check is now kept for ten minutes
    data = bytearray(path.read_bytes())
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))

    kept_status, _kept = probe(client)
    served = client.get(reverse("contracts:contract_pdf", args=[signed.neighbourhood.slug]))
    status, body = probe(client)

    assert kept_status == 200  # the cheap check sees the same size
    # Serving it found the damage and reset the kept hash check: /healthz reports it now.
    assert served.status_code == 503
    assert status == 503
    assert failing(body) == {"archive"}
    assert body["checks"]["archive"]["changed"] == 1

    # Restored from the backup: healthy at the next probe, not ten minutes later.
    data[-10] ^= 0x01
    path.write_bytes(bytes(data))
    assert probe(client)[0] == 200


def test_a_check_that_raises_anything_is_a_503_not_a_500(client, monkeypatch):
    def broken():
        raise RuntimeError("unexpected")

    monkeypatch.setattr(views, "HEALTH_CHECKS", [*views.HEALTH_CHECKS, ("outbox", broken, True)])

    status, body = probe(client)

    assert status == 503
    assert failing(body) == {"outbox"}
    assert body["checks"]["outbox"]["error"] == "RuntimeError"


def test_the_outbox_is_reported_with_its_backlog(client):
    from django.core.mail import EmailMessage

    from wijkaanpak.common import mail

    mail.queue(EmailMessage(subject="S", body="B", to=["anna@example.org"]))

    status, body = probe(client)

    assert status == 200
    assert body["checks"]["outbox"]["status"] == "ok"
    assert body["checks"]["outbox"]["queued"] == 1


def test_mail_that_waits_too_long_is_a_503(client, settings):
    import datetime

    from django.core.mail import EmailMessage
    from django.utils import timezone
    from post_office.models import Email

    from wijkaanpak.common import mail

    mail.queue(EmailMessage(subject="S", body="B", to=["anna@example.org"]))
    Email.objects.update(
        created=timezone.now() - datetime.timedelta(minutes=settings.OUTBOX_MAX_WAIT_MINUTES + 1)
    )

    status, body = probe(client)

    assert status == 503
    assert failing(body) == {"outbox"}
