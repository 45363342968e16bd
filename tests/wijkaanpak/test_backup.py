"""manage.py backup / restore, and dumpdata/loaddata of the pilot through the freeze guards."""

import io
import json
import os
import secrets
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection, transaction
from django.test import TestCase, override_settings

from contracts.models import ContractFrozen
from projects.models import Project
from tests.conftest import require_postgres
from tests.wijkaanpak.site_snapshot import archive_fingerprints, ledger_totals, snapshot
from wijkaanpak.common import backup
from wijkaanpak.common.backup import BackupError

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def pilot(db):
    call_command("load_pilot_data", stdout=io.StringIO())


@pytest.fixture(scope="module")
def pilot_backup(django_db_setup, django_db_blocker, tmp_path_factory):
    """A backup of the pilot, made once: loading the pilot renders its PDFs, which is slow."""
    folder = tmp_path_factory.mktemp("pilot") / "backup"
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("pilot-media")),
        transaction.atomic(),
    ):
        # As a committed load leaves it: the final PDFs' own files gone (their bytes are the
        # signed originals), though this transaction is rolled back after the backup.
        with TestCase.captureOnCommitCallbacks(execute=True):
            call_command("load_pilot_data", stdout=io.StringIO())
        backup.backup(folder)
        transaction.set_rollback(True)
    return folder


@pytest.fixture
def restored_pilot(db, pilot_backup, tmp_path):
    """The pilot in the database and media folder of this test; a copy of its backup."""
    backup.restore(pilot_backup, force=True)
    shutil.copytree(pilot_backup, tmp_path / "backup")
    return tmp_path / "backup"


def _media_listing():
    root = Path(settings.MEDIA_ROOT)
    return sorted(
        (path.relative_to(root).as_posix(), path.read_bytes())
        for path in root.rglob("*")
        if path.is_file()
    )


def _state():
    """What a refused restore must leave exactly as it was."""
    return {
        "rows": backup.database_rows(),
        "media": _media_listing(),
        "ledger": ledger_totals(),
        "archive": archive_fingerprints(),
    }


def _work_folders():
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.iterdir() if path.name.startswith(backup.WORK_PREFIX)]


def _rewrite_manifest(folder, change):
    path = folder / backup.MANIFEST
    manifest = json.loads(path.read_text())
    change(manifest)
    path.write_text(json.dumps(manifest))


def _resum(folder, relative):
    """Make the manifest agree with a changed file, as someone tampering with both would."""
    entry = backup._describe(folder, relative)
    _rewrite_manifest(
        folder,
        lambda m: m["files"].__setitem__(
            next(i for i, e in enumerate(m["files"]) if e["path"] == relative), entry
        ),
    )


def _first_media(folder):
    return next(p for p in sorted((folder / "media").rglob("*")) if p.is_file())


# --- On PostgreSQL: the pilot into a new database -----------------------------------------------


def _postgres_admin_connection():
    import psycopg2

    params = settings.DATABASES["default"]
    admin = psycopg2.connect(
        dbname="postgres",
        user=params["USER"],
        password=params["PASSWORD"] or None,
        host=params["HOST"] or None,
        port=params["PORT"] or None,
    )
    admin.autocommit = True
    return admin


def _postgres_url(name):
    params = settings.DATABASES["default"]
    password = f":{params['PASSWORD']}" if params["PASSWORD"] else ""
    return f"postgres://{params['USER']}{password}@{params['HOST']}:{params['PORT'] or 5432}/{name}"


def _manage(env, *args):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout, time.monotonic() - started


def test_pilot_backup_restores_into_a_new_postgresql_database(pilot, tmp_path, _collected_static):
    require_postgres()
    original = snapshot()
    assert len(original["archive"]) >= 5
    assert all(stored == actual for _m, _pk, stored, actual in original["archive"])
    assert len(original["pages"]) > 30
    assert all(status == 200 for status, _body in original["pages"].values())

    started = time.monotonic()
    manifest = backup.backup(tmp_path / "backup")
    backup_seconds = time.monotonic() - started
    assert manifest["database"]["engine"] == "postgresql"

    name = f"wk_restore_{secrets.token_hex(4)}"
    admin = _postgres_admin_connection()
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "wijkaanpak.settings",
            "DATABASE_URL": _postgres_url(name),
            "MEDIA_ROOT": str(tmp_path / "restored-media"),
            "STATIC_ROOT": str(_collected_static),
        }
        _manage(env, "manage.py", "migrate", "--verbosity=0")
        output, restore_seconds = _manage(env, "manage.py", "restore", str(tmp_path / "backup"))
        restored_json, _seconds = _manage(env, "-m", "tests.wijkaanpak.site_snapshot")
        restored = json.loads(restored_json)
        # Refused a second time: the database is no longer empty.
        again = subprocess.run(
            [sys.executable, "manage.py", "restore", str(tmp_path / "backup")],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        assert again.returncode != 0
    finally:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()

    print(
        f"\npilot backup: {backup_seconds:.2f} s; restore command: {restore_seconds:.2f} s "
        f"with start-up ({output.strip()}); {len(original['pages'])} public pages compared"
    )
    original = json.loads(json.dumps(original))
    assert restored["archive"] == original["archive"]
    assert all(stored == actual for _m, _pk, stored, actual in restored["archive"])
    assert restored["ledger"] == original["ledger"]
    assert restored["pages"].keys() == original["pages"].keys()
    for path, page in original["pages"].items():
        assert restored["pages"][path] == page, path


# --- Round trips on any database ----------------------------------------------------------------


def test_force_restore_over_the_same_site_gives_the_same_site(pilot, tmp_path):
    original = snapshot()
    backup.backup(tmp_path / "backup")
    with pytest.raises(BackupError) as refused:
        backup.restore(tmp_path / "backup")
    assert refused.value.code == "target_not_empty"

    call_command("restore", str(tmp_path / "backup"), "--force", verbosity=0)

    assert snapshot() == original
    assert not _work_folders()


def test_restore_into_an_empty_database_and_media_folder(restored_pilot, tmp_path, settings):
    original = {"ledger": ledger_totals(), "archive": archive_fingerprints()}
    backup._flush(connection)
    settings.MEDIA_ROOT = tmp_path / "new-media"

    backup.restore(tmp_path / "backup")

    assert {"ledger": ledger_totals(), "archive": archive_fingerprints()} == original


def test_pilot_dumpdata_loaddata_round_trip(pilot, tmp_path):
    original = snapshot()
    fixture = tmp_path / "pilot.json"
    call_command(
        "dumpdata",
        natural_foreign=True,
        natural_primary=True,
        exclude=list(backup.EXCLUDED_MODELS),
        output=str(fixture),
        verbosity=0,
    )
    backup._flush(connection)
    assert not Project.objects.exists()

    call_command("loaddata", str(fixture), verbosity=0)

    assert snapshot() == original


def test_loading_does_not_open_the_freeze_to_other_code(restored_pilot, tmp_path):
    project = Project.objects.filter(contract__signed_original__isnull=False).first()
    assert project.wishes.exists()
    fixture = tmp_path / "pilot.json"
    call_command("dumpdata", "projects.project", "contracts", output=str(fixture), verbosity=0)
    call_command("loaddata", str(fixture), verbosity=0)

    # A project fetched the ordinary way, or saved the ordinary way, is still frozen.
    for candidate in (Project.objects.get(pk=project.pk), project):
        with pytest.raises(ContractFrozen), transaction.atomic():
            candidate.wishes.clear()
    assert project.wishes.exists()


# --- Refusals: nothing changes ------------------------------------------------------------------


def _damage_truncated(folder):
    path = _first_media(folder)
    path.write_bytes(path.read_bytes()[:100])


def _damage_tampered(folder):
    path = _first_media(folder)
    data = bytearray(path.read_bytes())
    data[200] ^= 0xFF
    path.write_bytes(bytes(data))


def _damage_missing(folder):
    _first_media(folder).unlink()


def _damage_extra(folder):
    (folder / "media" / "contracts" / "signed" / "extra.pdf").write_bytes(b"%PDF-1.7 not ours")


def _damage_database(folder):
    path = folder / backup.DATABASE_FILE
    path.write_text(path.read_text().replace("2007", "2008", 1))


def _damage_manifest_json(folder):
    path = folder / backup.MANIFEST
    path.write_text(path.read_text()[:-40])


def _damage_manifest_missing(folder):
    (folder / backup.MANIFEST).unlink()


def _damage_manifest_escape(folder):
    (folder / "media" / "evil.txt").write_text("x")
    entry = backup._describe(folder, "media/evil.txt")
    _rewrite_manifest(
        folder, lambda m: m["files"].append({**entry, "path": "media/../../outside.txt"})
    )


def _damage_manifest_format(folder):
    _rewrite_manifest(folder, lambda m: m.update(version=99))


def _damage_migrations(folder):
    _rewrite_manifest(folder, lambda m: m["migrations"]["budget"].append("9999_from_the_future"))


@pytest.mark.parametrize(
    ("damage", "code"),
    [
        (_damage_truncated, "backup_mismatch"),
        (_damage_tampered, "backup_mismatch"),
        (_damage_missing, "backup_mismatch"),
        (_damage_extra, "backup_mismatch"),
        (_damage_database, "backup_mismatch"),
        (_damage_manifest_json, "manifest_damaged"),
        (_damage_manifest_missing, "manifest_missing"),
        (_damage_manifest_escape, "manifest_damaged"),
        (_damage_manifest_format, "manifest_damaged"),
        (_damage_migrations, "migrations_missing"),
    ],
)
def test_a_damaged_backup_is_refused_before_anything_changes(restored_pilot, damage, code):
    tmp_path = restored_pilot.parent
    damage(tmp_path / "backup")
    before = _state()

    with pytest.raises(BackupError) as refused:
        backup.restore(tmp_path / "backup", force=True)

    assert refused.value.code == code
    assert _state() == before
    assert not (tmp_path / "outside.txt").exists()


def test_the_command_exits_non_zero_with_the_reason(restored_pilot, tmp_path):
    _damage_tampered(tmp_path / "backup")
    result = subprocess.run(
        [sys.executable, "manage.py", "restore", str(tmp_path / "backup")],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": "sqlite:///" + str(tmp_path / "empty.sqlite3")},
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "media/contracts/signed/" in result.stderr


def test_a_media_folder_with_files_is_not_empty(db, tmp_path, settings):
    backup._flush(connection)
    backup.backup(tmp_path / "backup")
    settings.MEDIA_ROOT = tmp_path / "media"
    (tmp_path / "media").mkdir()
    (tmp_path / "media" / "stray.pdf").write_bytes(b"%PDF")

    with pytest.raises(BackupError) as refused:
        backup.restore(tmp_path / "backup")

    assert refused.value.code == "target_not_empty"
    assert (tmp_path / "media" / "stray.pdf").read_bytes() == b"%PDF"


def test_a_database_failure_leaves_database_and_media_as_they_were(restored_pilot, tmp_path):
    # Consistent with its manifest, but a row points at a wijk that is not there.
    path = tmp_path / "backup" / backup.DATABASE_FILE
    rows = json.loads(path.read_text())
    wish = next(row for row in rows if row["model"] == "contracts.residentwish")
    wish["fields"]["contract"] = 999_999
    path.write_text(json.dumps(rows))
    _resum(tmp_path / "backup", backup.DATABASE_FILE)
    extra = Path(settings.MEDIA_ROOT) / "uploads" / "only-here.txt"
    extra.parent.mkdir(parents=True)
    extra.write_text("kept")
    before = _state()

    with pytest.raises(BackupError) as refused:
        backup.restore(tmp_path / "backup", force=True)

    assert refused.value.code == "load_failed"
    assert _state() == before
    assert not _work_folders()


def test_backup_goes_into_a_new_or_empty_folder_only(db, tmp_path):
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "manifest.json").write_text("{}")
    with pytest.raises(BackupError) as refused:
        backup.backup(tmp_path / "old")
    assert refused.value.code == "target_not_empty"
    assert (tmp_path / "old" / "manifest.json").read_text() == "{}"


def test_manifest_lists_every_file_with_its_sum(restored_pilot, tmp_path):
    manifest = backup.backup(tmp_path / "again")
    listed = {entry["path"]: entry for entry in manifest["files"]}
    media = {
        f"media/{p.relative_to(settings.MEDIA_ROOT).as_posix()}"
        for p in Path(settings.MEDIA_ROOT).rglob("*")
        if p.is_file()
    }
    assert set(listed) == media | {backup.DATABASE_FILE}
    assert len(media) >= 5
    assert manifest["migrations"]["contracts"]
    for path, entry in listed.items():
        assert backup._describe(tmp_path / "again", path) == entry


def test_a_freshly_migrated_database_counts_as_empty(db, pilot_backup, settings, tmp_path):
    from contracts.models import StandardSection

    assert StandardSection.objects.exists()  # made by a migration
    assert backup.database_rows() == {}
    settings.MEDIA_ROOT = tmp_path / "media"

    backup.restore(pilot_backup)

    assert Project.objects.count() == 21
    rows = json.loads((pilot_backup / backup.DATABASE_FILE).read_text())
    sections = [row for row in rows if row["model"] == "contracts.standardsection"]
    assert StandardSection.objects.count() == len(sections)


def test_an_unwritable_media_folder_is_refused_cleanly(db, pilot_backup, settings, tmp_path):
    # A file where the folder should be: refused the same way a read-only or full disk is.
    (tmp_path / "not-a-folder").write_text("")
    settings.MEDIA_ROOT = tmp_path / "not-a-folder" / "media"

    with pytest.raises(BackupError) as refused:
        backup.restore(pilot_backup)

    assert refused.value.code == "io_error"
    assert not Project.objects.exists()


def test_a_backup_that_cannot_be_written_is_refused_cleanly(db, tmp_path):
    (tmp_path / "not-a-folder").write_text("")
    with pytest.raises(BackupError) as refused:
        backup.backup(tmp_path / "not-a-folder" / "backup")
    assert refused.value.code == "io_error"
