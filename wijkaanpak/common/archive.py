"""The archive of signed documents in MEDIA_ROOT: written only on commit, checked when read.

An archived document (a signed original, a signed addendum, a scan of signed pages) is a
file whose SHA-256 fingerprint is published. This module guards both ends:

- Writing: :func:`store` writes the file (named after its fingerprint by the caller) and
  removes it again when the transaction that wrote it rolls back, however deeply nested:
  a signing that rolls back leaves no file. The same bytes always get the same name and a
  file already there with those bytes is kept, so signing again never makes a second copy.
  The write goes to a temporary file that is renamed into place, so a half-written file
  never carries the final name.
- Reading: :func:`read_verified` hashes the bytes before they are served (a 100 KB PDF takes
  well under a millisecond). A missing file or changed bytes raise :class:`ArchiveError`,
  which is logged as an error; :func:`unavailable_response` turns it into a 503 page.

A ground-floor module: it imports no app.
"""

import contextlib
import hashlib
import logging
import os
import tempfile
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)

OK = "ok"
MISSING = "missing"
CHANGED = "changed"

# /healthz keeps the result of its full hash check of the archive this long (see healthz).
HASH_CHECK_CACHE_KEY = "archive:hash-check"


class ArchiveError(Exception):
    """An archived file is missing or its bytes no longer match its fingerprint."""

    def __init__(self, name, fingerprint, state):
        super().__init__(f"Archived file {name} is {state} (sha256 {fingerprint})")
        self.name = name
        self.fingerprint = fingerprint
        self.state = state


def path_of(name):
    """The file in MEDIA_ROOT behind a stored name; refuses a name that leaves MEDIA_ROOT."""
    root = Path(settings.MEDIA_ROOT).resolve()
    path = (root / name).resolve()
    if not name or not path.is_relative_to(root) or path == root:
        raise ValueError(f"Not a name inside MEDIA_ROOT: {name!r}")
    return path


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def check(name, fingerprint, size=None, *, full=True):
    """The state of one archived file: OK, MISSING or CHANGED.

    With `full` the bytes are hashed; without, only existence and size are checked (cheap,
    for frequent probes).
    """
    try:
        path = path_of(name)
        stat = path.stat()
    except (OSError, ValueError):
        return MISSING
    if size is not None and stat.st_size != size:
        return CHANGED
    if not full:
        return OK
    try:
        actual = file_sha256(path)
    except OSError:
        return MISSING
    return OK if actual == fingerprint else CHANGED


def read_verified(name, fingerprint):
    """The bytes of an archived file, only if they still have their published fingerprint.

    Raises ArchiveError (and logs an error with the name and fingerprint) when the file is
    missing or its bytes differ: wrong bytes are never served under the fingerprint.
    """
    try:
        data = path_of(name).read_bytes()
    except (OSError, ValueError):
        raise _damaged(name, fingerprint, MISSING) from None
    if hashlib.sha256(data).hexdigest() != fingerprint:
        raise _damaged(name, fingerprint, CHANGED)
    return data


def _damaged(name, fingerprint, state):
    logger.error("Archived file %s is %s; its fingerprint is sha256 %s", name, state, fingerprint)
    # /healthz must not report the archive as healthy from an older check.
    try:
        cache.delete(HASH_CHECK_CACHE_KEY)
    except Exception:
        logger.exception("Could not reset the archive health check in the cache")
    return ArchiveError(name, fingerprint, state)


def store(name, data):
    """Write `data` as the archived file `name` now, and remove it again if the transaction
    that wrote it rolls back.

    The file is written at once (so the document can be read, distributed and checked inside
    the transaction that archived it) through a temporary file renamed into place, so a
    half-written file never carries the name. A file that is already there with the same
    bytes is kept and never removed by a rollback. When the write fails (a folder that is
    missing, read-only or full) a ValidationError with code "archive_not_writable" is raised,
    so the signing or upload rolls back as a whole.
    """
    path = path_of(name)
    fingerprint = hashlib.sha256(data).hexdigest()
    if path.is_file() and file_sha256(path) == fingerprint:
        return name
    incoming = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            dir=path.parent, prefix=".incoming-", suffix=".pdf", delete=False
        ) as handle:
            incoming = handle.name
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(incoming, path)
    except OSError as error:
        logger.exception("Archived file %s could not be written (sha256 %s)", name, fingerprint)
        if incoming is not None:
            with contextlib.suppress(OSError):
                os.unlink(incoming)
        raise ValidationError(
            _("The archive folder cannot be written to (missing, read-only or full)."),
            code="archive_not_writable",
        ) from error
    # No reference to the guard is kept but Django's list of commit callbacks: see below.
    transaction.on_commit(_RemoveUnlessCommitted(path))
    return name


def discard(name):
    """Remove the stored file `name` once the transaction that discards it commits.

    For a file that was never archived for good (the final PDF of a contract moved back to
    draft): if the transaction rolls back, the file stays, as the rows that name it do.
    """
    path = path_of(name)

    def remove():
        try:
            os.unlink(path)
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("Discarded file %s could not be removed", path)

    transaction.on_commit(remove)


class _RemoveUnlessCommitted:
    """Removes a file written in a transaction that does not commit.

    Django has no rollback hook, but it keeps every commit callback in a list tied to the
    savepoints that were open when it was added: on commit it calls them, on a rollback of
    any of those savepoints (or of the whole transaction, or when the connection is lost) it
    drops them uncalled. This guard is only referenced from that list, so it is released the
    moment Django drops it (CPython frees an object when its last reference goes); released
    without having been called means the write was rolled back, and the file goes.
    """

    def __init__(self, path):
        self.path = path
        self.committed = False

    def __call__(self):
        self.committed = True

    def __del__(self):
        if self.committed:
            return
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass
        except OSError:
            logger.exception("File %s of a rolled-back archiving could not be removed", self.path)
        else:
            logger.info("Removed %s: the transaction that archived it rolled back", self.path)


def unavailable_response(request, error):
    """The 503 page for a signed document that cannot be served as it was signed."""
    return render(
        request,
        "archive_unavailable.html",
        {"fingerprint": error.fingerprint, "state": error.state},
        status=503,
    )
