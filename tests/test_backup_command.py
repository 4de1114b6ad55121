"""python manage.py backup: a consistent snapshot while units keep reporting, then the files."""

import json
import re
import sqlite3
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection, connections
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import backup, services
from tracker.models import Evidence, StatusUpdate, User

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def only_backup(out: Path) -> Path:
    made = [p for p in out.iterdir()]
    assert len(made) == 1, made
    return made[0]


# --- pure functions, no database ----------------------------------------------------------------


def test_a_manifest_lists_every_file_with_its_size_and_checksum(tmp_path):
    (tmp_path / "database.sqlite3").write_bytes(b"db")
    (tmp_path / "media/evidence").mkdir(parents=True)
    (tmp_path / "media/evidence/a.png").write_bytes(PNG)
    manifest = backup.build_manifest(
        tmp_path,
        engine="sqlite",
        database_file="database.sqlite3",
        media_files=["media/evidence/a.png"],
        migrations={"tracker": ["0001_initial"]},
        counts={"tracker_assignment": 3},
        app_version=None,
        created_at=timezone.localtime(),
    )
    backup.write_manifest(tmp_path, manifest)
    assert manifest["files"] == [
        {
            "path": "database.sqlite3",
            "size": 2,
            "sha256": backup.sha256_file(tmp_path / "database.sqlite3"),
        },
        {
            "path": "media/evidence/a.png",
            "size": len(PNG),
            "sha256": backup.sha256_file(tmp_path / "media/evidence/a.png"),
        },
    ]
    assert backup.verify_backup(tmp_path)["database"]["engine"] == "sqlite"


def test_sha256_of_a_file_is_the_usual_hex_digest(tmp_path):
    (tmp_path / "f").write_bytes(b"abc")
    assert backup.sha256_file(tmp_path / "f") == (
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    )


@pytest.mark.parametrize("path", ["/etc/passwd", "../x", "media/../../x", "a\\b", ""])
def test_a_path_leaving_the_backup_is_unsafe(path):
    assert not backup.safe_relative(path)


def test_a_path_inside_the_backup_is_safe(today):
    assert backup.safe_relative(f"media/evidence/{today:%Y/%m}/abc.png")


def test_backup_directories_are_named_by_their_time():
    # A fixed time whose every field has one digit: the name pads each to its full width.
    assert backup.backup_dir_name(datetime(2026, 3, 9, 7, 5, 1)) == "backup-20260309-070501"


def test_a_missing_pg_dump_is_a_clear_error(tmp_path):
    with pytest.raises(backup.BackupError, match="找不到 pg_dump.*postgresql-client-15"):
        backup.pg_tool("pg_dump", str(tmp_path), 15)


def test_a_pg_dump_of_another_major_version_is_refused(tmp_path):
    fake = tmp_path / "pg_dump"
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 16.4'\n")
    fake.chmod(0o755)
    with pytest.raises(backup.BackupError, match="主版本是 16，数据库服务器是 15"):
        backup.pg_tool("pg_dump", str(tmp_path), 15)
    assert backup.pg_tool("pg_dump", str(tmp_path), 16) == str(fake)


def test_a_failed_backup_leaves_no_partial_directory(tmp_path):
    db = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "nowhere.sqlite3")}
    with pytest.raises(backup.BackupError, match="找不到数据库文件"):
        backup.create_backup(
            tmp_path / "out",
            db=db,
            media_root=tmp_path,
            base_dir=tmp_path,
            now=timezone.localtime(),
        )
    assert list((tmp_path / "out").iterdir()) == []


# --- the command --------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_command_writes_a_dated_backup_with_the_evidence_it_refers_to(
    world, media, tmp_path, capsys, today
):
    services.assignment_report(
        assignment=world.a_item,
        user=world.staff_a,
        percent=30,
        note="已排查 12 家",
        files=[SimpleUploadedFile("现场.png", PNG, content_type="image/png")],
    )
    # A file nobody refers to (a parked import) is not part of a backup.
    (media / "imports").mkdir(parents=True)
    (media / "imports/parked.xlsx").write_bytes(b"PK")
    call_command("backup", str(tmp_path / "out"))
    made = only_backup(tmp_path / "out")
    assert re.fullmatch(r"backup-\d{8}-\d{6}", made.name)
    assert f"备份完成：{made}" in capsys.readouterr().out
    manifest = json.loads((made / "manifest.json").read_text(encoding="utf-8"))
    evidence = Evidence.objects.get()
    names = [entry["path"] for entry in manifest["files"]]
    assert names == [manifest["database"]["file"], f"media/{evidence.file.name}"]
    assert manifest["files"][1]["sha256"] == evidence.sha256
    assert manifest["database"]["engine"] == connection.vendor
    assert "0002_history_append_only" in manifest["migrations"]["tracker"]
    assert manifest["counts"]["tracker_statusupdate"] == StatusUpdate.objects.count()
    assert manifest["created_at"].startswith(f"{today:%Y-%m-%d}")
    assert "app_version" in manifest
    assert not (made / "media/imports").exists()
    assert backup.verify_backup(made) == manifest


def test_an_unwritable_target_is_a_command_error(db, tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(CommandError, match="备份失败"):
        call_command("backup", str(tmp_path / "file" / "out"))


# --- consistency while others write -------------------------------------------------------------


class Writer(threading.Thread):
    """Units reporting (with photos) and the office assigning new items, as fast as it can."""

    def __init__(self, world):
        super().__init__(daemon=True)
        self.world = world
        self.stop = threading.Event()
        self.writes = 0
        self.error = None

    def run(self):
        w = self.world
        try:
            n = 0
            while not self.stop.is_set():
                n += 1
                item = ChecklistItem.objects.create(
                    code=f"{w.year}-5{n:03d}",
                    title=f"备份期间新增任务{n}",
                    theme=w.theme,
                    start_date=w.item.start_date,
                    deadline=w.item.deadline,
                    state="published",
                    published_at=w.item.published_at,
                )
                new = services.assignment_create(item=item, unit=w.town_a, user=w.office)
                for assignment in (new, w.a_item, w.b_item):
                    files = []
                    if n % 3 == 0:
                        files = [SimpleUploadedFile(f"p{n}.png", PNG + bytes([n % 256]))]
                    services.assignment_report(
                        assignment=assignment,
                        user=w.office,
                        percent=n % 100,
                        note=f"第{n}次",
                        files=files,
                    )
                self.writes += 4
        except Exception as exc:  # noqa: BLE001 - the test reports it
            self.error = exc
        finally:
            connections.close_all()

    def wait_for(self, writes, timeout=60):
        deadline = time.monotonic() + timeout
        while self.writes < writes and self.error is None:
            assert time.monotonic() < deadline, "the writer made no progress"
            time.sleep(0.02)
        assert self.error is None, self.error


def restored_checks(cursor, manifest, backup_dir):
    """What must hold in any database restored from a consistent snapshot."""
    cursor.execute(
        "SELECT COUNT(*) FROM tracker_statusupdate h "
        "LEFT JOIN tracker_assignment a ON a.id = h.assignment_id WHERE a.id IS NULL"
    )
    assert cursor.fetchone()[0] == 0, "history rows whose assignment is missing"
    for table, count in manifest["counts"].items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        assert cursor.fetchone()[0] == count, table
    # Every write bumps the version and appends one history row, in one transaction: a torn
    # snapshot would show an assignment whose version and history disagree.
    cursor.execute(
        "SELECT a.id, a.version, COUNT(h.id) FROM tracker_assignment a "
        "LEFT JOIN tracker_statusupdate h ON h.assignment_id = a.id GROUP BY a.id, a.version"
    )
    for pk, version, history in cursor.fetchall():
        assert version == history, f"assignment {pk}: version {version}, {history} history rows"
    cursor.execute("SELECT file, sha256 FROM tracker_evidence")
    rows = cursor.fetchall()
    assert rows, "the writer attached no file before the snapshot"
    for name, digest in rows:
        assert backup.sha256_file(backup_dir / "media" / name) == digest
    files = [e for e in manifest["files"] if e["path"].startswith("media/")]
    assert len(files) == len(rows)


def restore_into_fresh_database(backup_dir, manifest, tmp_path):
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        fresh = tmp_path / "fresh.sqlite3"
        backup.sqlite_restore(backup_dir / manifest["database"]["file"], fresh)
        assert backup.sqlite_integrity(fresh) == []
        conn = backup.sqlite_connect(fresh)
        try:
            restored_checks(conn.cursor(), manifest, backup_dir)
        finally:
            conn.close()
        return
    import psycopg

    scratch = {**db, "NAME": f"{db['NAME']}_restore"}
    admin = backup.pg_conninfo(db)
    with psycopg.connect(**admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{scratch["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{scratch["NAME"]}"')
    try:
        backup.pg_restore(backup_dir / manifest["database"]["file"], scratch, "")
        with psycopg.connect(**backup.pg_conninfo(scratch)) as conn, conn.cursor() as cursor:
            restored_checks(cursor, manifest, backup_dir)
    finally:
        with psycopg.connect(**admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{scratch["NAME"]}" WITH (FORCE)')


@pytest.mark.django_db(transaction=True)
def test_a_backup_taken_while_units_report_restores_into_a_fresh_database_intact(
    world, media, tmp_path
):
    writer = Writer(world)
    writer.start()
    try:
        writer.wait_for(40)
        before = writer.writes
        call_command("backup", str(tmp_path / "out"))
        after = writer.writes
        writer.wait_for(after + 12)
    finally:
        writer.stop.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert after > before, "no write happened while the backup ran"
    made = only_backup(tmp_path / "out")
    manifest = backup.verify_backup(made)
    snapshot_history = manifest["counts"]["tracker_statusupdate"]
    assert 0 < snapshot_history < StatusUpdate.objects.count()
    restore_into_fresh_database(made, manifest, tmp_path)


@pytest.mark.django_db(transaction=True)
def test_the_database_copy_is_one_self_contained_file(world, media, tmp_path):
    call_command("backup", str(tmp_path / "out"))
    made = only_backup(tmp_path / "out")
    names = sorted(p.name for p in made.iterdir())
    if connection.vendor == "postgresql":
        assert names == ["database.dump", "manifest.json"]
        assert (made / "database.dump").read_bytes()[:5] == b"PGDMP"  # pg_dump custom format
        return
    assert names == ["database.sqlite3", "manifest.json"]
    conn = sqlite3.connect(made / "database.sqlite3")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert conn.execute("SELECT COUNT(*) FROM tracker_user").fetchone()[0] == User.objects.count()
    conn.close()
