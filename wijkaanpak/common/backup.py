"""Backup and restore of the whole site: the database as portable JSON, and every media file.

A backup is a folder:

    manifest.json        what is in it: every file with its size and SHA-256, when it was made,
                         from which database engine, and the migrations that were applied
    database.json        every row, in Django's serializer format with natural keys
    media/...            every file of MEDIA_ROOT (archived PDFs, scans, uploads), as they are

Django's serializer rather than pg_dump: the same backup restores into SQLite or PostgreSQL
(a pilot that outgrows SQLite moves with backup + restore), it needs no client tools of the
right version on the server, and rows go back in through the ORM, with the database's own
constraints checked before anything is committed. Content types and permissions are not
backed up: `migrate` makes them, and the rows that refer to them do so by natural key.

A restore first reads every file and checks it against the manifest, then checks that the
database and media folder are empty, then loads the rows in one transaction and puts the
media files in place just before it commits. Any failure leaves both as they were.
"""

import datetime
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.core.management.color import no_style
from django.core.serializers.base import DeserializationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone
from django.utils.translation import gettext as _

from wijkaanpak.common.groups import ensure_groups

FORMAT = "wijkaanpak-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_FILE = "database.json"
MEDIA_DIR = "media"
# Made again by `migrate` (content types, permissions) or not worth restoring (sessions: everyone
# logs in again after a restore).
EXCLUDED_MODELS = ("contenttypes.contenttype", "auth.permission", "sessions.session")
# Rows that `migrate` itself makes, so a new database already has them: the staff groups
# (wijkaanpak.common.groups) and the standard sections new contracts start with (a data migration).
# A restore replaces them with the backup's.
MIGRATE_CREATES = ("auth.group", "contracts.standardsection")
# The restore's work folders inside MEDIA_ROOT (a mount point can't be renamed; its contents can).
WORK_PREFIX = ".restore-"
CHUNK = 1024 * 1024


class BackupError(CommandError):
    """A backup or restore that was refused; `code` says why, for callers and tests."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


# --- Backup -----------------------------------------------------------------------------------


def backup(target, *, using=DEFAULT_DB_ALIAS):
    """Write the database and every media file into the new or empty folder `target`.

    Rows are read in one transaction (one snapshot: on PostgreSQL a repeatable-read, read-only
    transaction), so the dump is consistent however busy the site is. The manifest is written
    last: a folder without one is an interrupted backup, and restore refuses it.
    Returns the manifest.
    """
    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(
            _("%(dir)s already exists and is not empty; a backup goes into a new folder.")
            % {"dir": target},
            code="target_not_empty",
        )
    try:
        return _write_backup(target, using)
    except OSError as error:
        raise BackupError(
            _(
                "The backup could not be written to %(dir)s (%(error)s). What is there is "
                "incomplete and has no manifest, so it cannot be restored; remove it."
            )
            % {"dir": target, "error": error},
            code="io_error",
        ) from error


def _write_backup(target, using):
    target.mkdir(parents=True, exist_ok=True)
    connection = connections[using]
    outermost = not connection.in_atomic_block
    with transaction.atomic(using=using):
        if connection.vendor == "postgresql" and outermost:
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        call_command(
            "dumpdata",
            exclude=list(EXCLUDED_MODELS),
            natural_foreign=True,
            natural_primary=True,
            use_base_manager=True,
            database=using,
            output=str(target / DATABASE_FILE),
            verbosity=0,
        )
        migrations = _applied_migrations(connection)

    files = [_describe(target, DATABASE_FILE)]
    media_root = Path(settings.MEDIA_ROOT)
    for source, relative in _media_files(media_root):
        destination = target / MEDIA_DIR / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
        files.append(_describe(target, f"{MEDIA_DIR}/{relative}"))

    manifest = {
        "format": FORMAT,
        "version": FORMAT_VERSION,
        "created_at": timezone.now().isoformat(),
        "database": {"engine": connection.vendor, "file": DATABASE_FILE},
        "migrations": migrations,
        "files": files,
    }
    with open(target / MANIFEST, "w", encoding="utf-8") as stream:
        json.dump(manifest, stream, indent=2, ensure_ascii=False)
        stream.write("\n")
    return manifest


def _applied_migrations(connection):
    applied = {}
    for app_label, name in sorted(MigrationRecorder(connection).applied_migrations()):
        applied.setdefault(app_label, []).append(name)
    return applied


def _media_files(media_root):
    """(path, posix path relative to media_root) of every file, skipping restore work folders."""
    if not media_root.is_dir():
        return
    for folder, dirnames, filenames in os.walk(media_root):
        if Path(folder) == media_root:
            dirnames[:] = [name for name in dirnames if not name.startswith(WORK_PREFIX)]
        dirnames.sort()
        for name in sorted(filenames):
            path = Path(folder) / name
            yield path, path.relative_to(media_root).as_posix()


def _sha256(path):
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as stream:
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _describe(root, relative):
    sha256, size = _sha256(root / relative)
    return {"path": relative, "size": size, "sha256": sha256}


# --- Restore ----------------------------------------------------------------------------------


def read_manifest(source):
    """The manifest of the backup in `source`, after checking every file against it.

    Refuses (BackupError) a missing or damaged manifest, a file that is missing, shorter,
    longer or different, a file the manifest does not list, and a path that would lead out
    of the backup. Reads every byte; changes nothing.
    """
    source = Path(source)
    if not source.is_dir():
        raise BackupError(_("%(dir)s is not a folder.") % {"dir": source}, code="no_backup")
    try:
        with open(source / MANIFEST, encoding="utf-8") as stream:
            manifest = json.load(stream)
    except FileNotFoundError as error:
        raise BackupError(
            _("%(dir)s has no %(manifest)s: it is not a backup, or the backup was interrupted.")
            % {"dir": source, "manifest": MANIFEST},
            code="manifest_missing",
        ) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise _damaged(source, str(error)) from error
    files = _check_manifest_shape(source, manifest)

    problems = []
    listed = set()
    for entry in files:
        path = source / entry["path"]
        listed.add(entry["path"])
        if not path.is_file():
            problems.append(_("missing: %(path)s") % {"path": entry["path"]})
            continue
        sha256, size = _sha256(path)
        if size != entry["size"]:
            problems.append(
                _("%(path)s has %(size)d bytes, the manifest says %(expected)d")
                % {"path": entry["path"], "size": size, "expected": entry["size"]}
            )
        elif sha256 != entry["sha256"]:
            problems.append(
                _("%(path)s has changed (its SHA-256 differs from the manifest)")
                % {"path": entry["path"]}
            )
    for folder, _dirnames, filenames in os.walk(source):
        for name in filenames:
            relative = (Path(folder) / name).relative_to(source).as_posix()
            if relative != MANIFEST and relative not in listed:
                problems.append(_("not in the manifest: %(path)s") % {"path": relative})
    if problems:
        raise BackupError(
            _(
                "The backup in %(dir)s does not match its manifest; nothing was restored.\n"
                "%(problems)s"
            )
            % {"dir": source, "problems": "\n".join(f"  - {p}" for p in sorted(problems))},
            code="backup_mismatch",
        )
    return manifest


def _damaged(source, detail):
    return BackupError(
        _("The manifest of %(dir)s is damaged (%(detail)s); nothing was restored.")
        % {"dir": source, "detail": detail},
        code="manifest_damaged",
    )


def _check_manifest_shape(source, manifest):
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _damaged(source, _("not a backup of this application"))
    if manifest.get("version") != FORMAT_VERSION:
        raise _damaged(source, _("unknown version %(v)s") % {"v": manifest.get("version")})
    files = manifest.get("files")
    migrations = manifest.get("migrations")
    database = manifest.get("database")
    if (
        not isinstance(files, list)
        or not isinstance(migrations, dict)
        or not all(isinstance(names, list) for names in migrations.values())
        or not isinstance(database, dict)
        or not isinstance(database.get("engine"), str)
    ):
        raise _damaged(source, _("no list of files or migrations"))
    try:
        datetime.datetime.fromisoformat(manifest.get("created_at"))
    except (TypeError, ValueError) as error:
        raise _damaged(source, _("no valid creation time")) from error
    seen = set()
    for entry in files:
        if not (
            isinstance(entry, dict)
            and isinstance(entry.get("path"), str)
            and isinstance(entry.get("size"), int)
            and isinstance(entry.get("sha256"), str)
        ):
            raise _damaged(source, _("a file entry without path, size or SHA-256"))
        path = PurePosixPath(entry["path"])
        if (
            path.is_absolute()
            or ".." in path.parts
            or "\\" in entry["path"]
            or str(path) != entry["path"]
            or entry["path"] in seen
            or not (entry["path"] == DATABASE_FILE or path.parts[0] == MEDIA_DIR)
            or (path.parts[0] == MEDIA_DIR and len(path.parts) < 2)
        ):
            raise _damaged(source, _("unexpected path “%(path)s”") % {"path": entry["path"]})
        seen.add(entry["path"])
    if DATABASE_FILE not in seen:
        raise _damaged(source, _("no database file"))
    return files


def backed_up_models():
    """The models whose rows a backup holds (all but the excluded ones), auto-created m2m too."""
    excluded = {label.lower() for label in EXCLUDED_MODELS}
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.label_lower not in excluded
        and (model._meta.auto_created or model._meta.managed)
        and not model._meta.proxy
    ]


def database_rows(using=DEFAULT_DB_ALIAS):
    """{model label: row count} of the backed-up tables that hold rows `migrate` does not make."""
    counts = {}
    for model in backed_up_models():
        if model._meta.auto_created or model._meta.label_lower in MIGRATE_CREATES:
            continue
        count = model._base_manager.using(using).count()
        if count:
            counts[model._meta.label] = count
    return counts


def restore(source, *, force=False, using=DEFAULT_DB_ALIAS):
    """Put the backup in `source` into this site's database and media folder; all or nothing.

    Both must be empty (a migrated database without rows, a media folder without files),
    unless `force`: then everything in them is replaced. The database must have every
    migration the backup was made with (it may have newer ones). Returns the manifest.
    """
    source = Path(source)
    manifest = read_manifest(source)
    connection = connections[using]
    _check_migrations(manifest, connection)
    media_root = Path(settings.MEDIA_ROOT)
    if not force:
        rows = database_rows(using)
        present = [relative for _path, relative in _media_files(media_root)]
        if rows or present:
            problems = [f"{label}: {count}" for label, count in sorted(rows.items())]
            problems += [_("file %(path)s") % {"path": path} for path in present[:10]]
            raise BackupError(
                _(
                    "The database or the media folder is not empty; nothing was restored. "
                    "Restore into a new, migrated database and an empty media folder, or give "
                    "--force to replace everything in them.\n%(problems)s"
                )
                % {"problems": "\n".join(f"  - {p}" for p in problems)},
                code="target_not_empty",
            )

    work = media_root / f"{WORK_PREFIX}{secrets.token_hex(6)}"
    incoming, outgoing = work / "new", work / "old"
    try:
        try:
            _stage_media(source, manifest, incoming)
        except OSError as error:
            raise BackupError(
                _(
                    "The media files could not be written to %(dir)s (%(error)s); nothing "
                    "was restored."
                )
                % {"dir": media_root, "error": error},
                code="io_error",
            ) from error
        with tempfile.TemporaryDirectory() as scratch:
            fixture = Path(scratch) / DATABASE_FILE
            _copy_checked(source, manifest, DATABASE_FILE, fixture)
            swapped = False
            try:
                with transaction.atomic(using=using):
                    _flush(connection, only_filled=not force)
                    call_command("loaddata", str(fixture), database=using, verbosity=0)
                    ensure_groups()
                    _swap(media_root, incoming, outgoing, skip=work.name)
                    swapped = True
            except Exception as error:
                if swapped:
                    _swap(media_root, outgoing, incoming, skip=work.name)
                if isinstance(error, (DatabaseError, DeserializationError, ValidationError)):
                    raise BackupError(
                        _(
                            "The rows of the backup could not be loaded into this database "
                            "(%(error)s); nothing was restored."
                        )
                        % {"error": error},
                        code="load_failed",
                    ) from error
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return manifest


def _check_migrations(manifest, connection):
    applied = _applied_migrations(connection)
    missing = [
        f"{app_label}.{name}"
        for app_label, names in manifest["migrations"].items()
        for name in names
        if name not in applied.get(app_label, ())
    ]
    if missing:
        raise BackupError(
            _(
                "The backup was made with migrations this database does not have; run "
                "`manage.py migrate` with the same or a newer version of the application "
                "first. Nothing was restored.\n%(missing)s"
            )
            % {"missing": "\n".join(f"  - {m}" for m in missing)},
            code="migrations_missing",
        )


def _copy_checked(source, manifest, relative, destination):
    """Copy one file of the backup and check it again on the way: it may have changed since."""
    entry = next(e for e in manifest["files"] if e["path"] == relative)
    digest = hashlib.sha256()
    destination.parent.mkdir(parents=True, exist_ok=True)
    with open(source / relative, "rb") as reader, open(destination, "wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    if digest.hexdigest() != entry["sha256"]:
        raise BackupError(
            _("%(path)s changed while it was being restored; nothing was restored.")
            % {"path": relative},
            code="backup_mismatch",
        )
    stat = os.stat(source / relative)
    os.utime(destination, ns=(stat.st_atime_ns, stat.st_mtime_ns))


def _stage_media(source, manifest, incoming):
    incoming.mkdir(parents=True)  # and MEDIA_ROOT, if it is not there yet
    for entry in manifest["files"]:
        if entry["path"].startswith(f"{MEDIA_DIR}/"):
            relative = entry["path"][len(MEDIA_DIR) + 1 :]
            _copy_checked(source, manifest, entry["path"], incoming / relative)
    # An error in this function leaves the work folder, which restore() removes.


def _swap(media_root, incoming, outgoing, *, skip):
    """Move what is in media_root into `outgoing`, then what is in `incoming` into media_root."""
    outgoing.mkdir(parents=True, exist_ok=True)
    for entry in list(media_root.iterdir()):
        if entry.name != skip:
            os.replace(entry, outgoing / entry.name)
    for entry in list(incoming.iterdir()):
        os.replace(entry, media_root / entry.name)


def _flush(connection, *, only_filled=False):
    """Empty every backed-up table, in the current transaction (no ORM: the guards refuse).

    Without --force only the rows `migrate` made are there (MIGRATE_CREATES): those few tables
    are emptied with DELETE (`only_filled`; TRUNCATE costs time per table, and on PostgreSQL
    wants every referring table with it). The backup has its own rows for them.
    """
    models = backed_up_models()
    existing = set(connection.introspection.table_names())
    tables = sorted({m._meta.db_table for m in models if m._meta.db_table in existing})
    with connection.cursor() as cursor:
        if only_filled:
            for model in models:
                if model._base_manager.using(connection.alias).exists():
                    table = connection.ops.quote_name(model._meta.db_table)
                    cursor.execute(f"DELETE FROM {table}")  # noqa: S608 - a model's own table
            return
        if connection.vendor == "postgresql":
            # TRUNCATE refuses tables with foreign-key checks still pending in this transaction.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        for statement in connection.ops.sql_flush(no_style(), tables, allow_cascade=False):
            cursor.execute(statement)


def describe(manifest):
    """One line about a backup, for the commands' output."""
    media = [entry for entry in manifest["files"] if entry["path"] != DATABASE_FILE]
    return _("media files: %(files)d (%(size)s MB), database from %(engine)s, made %(at)s") % {
        "files": len(media),
        "size": f"{sum(entry['size'] for entry in media) / 1e6:.1f}",
        "engine": manifest["database"]["engine"],
        "at": datetime.datetime.fromisoformat(manifest["created_at"]).strftime("%Y-%m-%d %H:%M"),
    }
