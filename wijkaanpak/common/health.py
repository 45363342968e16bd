"""The parts of the health check (/healthz): each one a function that raises when its part fails.

A check returns a dict of details for the JSON answer (may be empty) or raises
:class:`Problem` with a short English reason (any other exception counts as a failure too; it
is logged, and only its class name is shown). `wijkaanpak.views.healthz` runs them in order and
answers 503 when one fails. A check that needs the database is skipped when the database check
failed, so a missing database file is never created by a later query.

A ground-floor module: it imports no app. What the archive holds comes from the caller.
"""

import datetime
import logging
import secrets
import tempfile
import time
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from wijkaanpak.common import archive, mail

# The full hash check of the archive is repeated at most this often (seconds); the cheap check
# (every file exists and has its size) runs on every probe. Serving a damaged file resets it.
ARCHIVE_HASH_SECONDS = 10 * 60

logger = logging.getLogger(__name__)


class Problem(Exception):
    """A part of the site is not healthy; the message says what, in short English."""


def database():
    """The database answers a query. A SQLite file that is missing fails before connecting:
    Django's SQLite backend would otherwise create an empty database in its place."""
    sqlite_file = connection.vendor == "sqlite" and not connection.is_in_memory_db()
    if sqlite_file and not Path(connection.settings_dict["NAME"]).is_file():
        raise Problem("the SQLite database file is missing")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return {}


def cache_roundtrip():
    """The default cache returns what was just stored in it."""
    token = secrets.token_hex(8)
    key = f"healthz:{token}"
    cache.set(key, token, 30)
    stored = cache.get(key)
    cache.delete(key)
    if stored != token:
        raise Problem("the cache does not return what was stored")
    return {}


def media_writable():
    """A small file can be written to MEDIA_ROOT and removed again.

    MEDIA_ROOT itself is made when missing (a fresh install), but not its parent: a media
    volume that is not mounted fails.
    """
    root = Path(settings.MEDIA_ROOT)
    if not root.parent.is_dir():
        raise Problem("the folder that holds MEDIA_ROOT is missing")
    try:
        root.mkdir(exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=root, prefix=".healthz-") as handle:
            handle.write(b"healthz")
            handle.flush()
    except OSError as error:
        raise Problem(f"MEDIA_ROOT is not writable ({error.strerror or 'error'})") from error
    return {}


def outbox():
    """No mail has waited longer than settings.OUTBOX_MAX_WAIT_MINUTES to be sent.

    A mail that waits that long means the mail server refuses or `send_queued_mail` does not
    run: nothing is lost (the outbox keeps it), but the people waiting for it are not told.
    Mails that failed for good are counted; staff requeue them in the admin.
    """
    state = mail.backlog()
    oldest = state["oldest_queued"]
    details = {
        "queued": state["queued"],
        "failed": state["failed"],
        "oldest_queued": oldest.isoformat() if oldest else None,
    }
    limit = datetime.timedelta(minutes=settings.OUTBOX_MAX_WAIT_MINUTES)
    if oldest is not None and timezone.now() - oldest > limit:
        raise Problem(
            f"mail has waited more than {settings.OUTBOX_MAX_WAIT_MINUTES} minutes", details
        )
    return details


def archive_files(files):
    """Every archived file exists with its recorded size; hashed in full every ten minutes.

    `files` is a function returning (name, sha256, size) for every archived file. Only counts
    are shown (the names go to the log when a file is served or verify_archive runs).
    """
    files = list(files())
    cheap = [archive.check(name, sha256, size, full=False) for name, sha256, size in files]
    hashed = _hash_check(files)
    missing = cheap.count(archive.MISSING)
    changed = max(cheap.count(archive.CHANGED), hashed["changed"])
    details = {
        "files": len(files),
        "missing": missing,
        "changed": changed,
        "hashed_at": hashed["at"],
    }
    if missing or changed:
        raise Problem(f"{missing} archived files missing, {changed} changed", details)
    return details


def _hash_check(files):
    """The result of the full hash check: from the cache if it is younger than ten minutes and
    found nothing wrong. A damaged archive is hashed again on every probe, so the check turns
    healthy as soon as the file is restored from the backup."""
    try:
        result = cache.get(archive.HASH_CHECK_CACHE_KEY)
    except Exception:
        # The cache check reports the cache; the archive is checked in full anyway.
        logger.warning("The archive hash check could not be read from the cache")
        result = None
    if result is None or result["changed"]:
        states = [archive.check(name, sha256, size) for name, sha256, size in files]
        result = {
            "changed": states.count(archive.CHANGED),
            "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        }
        try:
            cache.set(archive.HASH_CHECK_CACHE_KEY, result, ARCHIVE_HASH_SECONDS)
        except Exception:
            logger.warning("The archive hash check could not be kept in the cache")
    return result
