"""Faults: the server killed in the middle of an import, and a full disk during uploads.

Nothing half-written either way: a killed import leaves no row of its batch and a healthy
database, and a full disk leaves no row, no file and a clear message in Chinese.
"""

import errno
import io
import os
import signal
import sqlite3
import subprocess
import sys
import time
import types
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import uploadedfile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, connection
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from checklist.models import ChecklistItem
from tracker import services
from tracker.excel import parse_cache
from tracker.excel.template import TEMPLATE_HEADERS
from tracker.models import Assignment, Evidence, StatusUpdate, Unit

ROOT = Path(__file__).resolve().parent.parent
DISK_FULL = "服务器磁盘空间不足，文件未能保存，请稍后重试或联系安委办"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in Path(root).rglob("*") if p.is_file()) if Path(root).exists() else []


# --- a full disk -----------------------------------------------------------------------------


class FullDisk:
    """Storage saves fail with ENOSPC after `room` more files, part-way through the file:
    the first chunk reaches the disk, the next one does not."""

    def __init__(self, monkeypatch, room: int = 0):
        self.room = room
        self.partial: list[tuple[Path, int]] = []  # what was on disk when space ran out
        original = FileSystemStorage._save

        def _save(storage, name, content):
            if self.room > 0:
                self.room -= 1
                return original(storage, name, content)
            real_chunks = content.chunks

            def chunks(chunk_size=None):
                yield next(iter(real_chunks(chunk_size)))
                path = Path(storage.path(name))
                self.partial.append((path, path.stat().st_size))
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))

            content.chunks = chunks
            try:
                return original(storage, name, content)
            finally:
                del content.chunks

        def refuse_open(path, mode="r", *args, **kwargs):
            if "w" in mode:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
            return open(path, mode, *args, **kwargs)

        monkeypatch.setattr(FileSystemStorage, "_save", _save)
        # The importer's cache of parsed rows writes with open() under MEDIA_ROOT as well.
        monkeypatch.setattr(parse_cache, "open", refuse_open, raising=False)

    def assert_bytes_were_written_first(self):
        assert self.partial and all(size > 0 for _, size in self.partial), self.partial


@pytest.fixture
def full_disk(monkeypatch):
    return lambda room=0: FullDisk(monkeypatch, room)


def pdf(size: int = 200_000) -> bytes:
    # Several 64 KB chunks, so that the disk can fill up in the middle of the file.
    return b"%PDF-1.4\n" + b"0" * size + b"\n%%EOF\n"


def state(assignment) -> dict:
    return Assignment.objects.filter(pk=assignment.pk).values().get()


def report_with_files(client, assignment, *names):
    files = [SimpleUploadedFile(name, pdf(), content_type="application/pdf") for name in names]
    return client.post(
        reverse("assignment_report", args=[assignment.pk]),
        {
            "action": "report",
            "version": assignment.version,
            "percent": 40,
            "note": "已整改",
            "files": files,
        },
    )


def test_a_full_disk_during_an_upload_says_so_and_keeps_nothing(login, world, full_disk, _media):
    disk = full_disk()
    before = state(world.a_item)
    history, evidence = StatusUpdate.objects.count(), Evidence.objects.count()
    response = report_with_files(login(world.staff_a), world.a_item, "现场照片.pdf")
    assert response.status_code == 507
    assert DISK_FULL in response.content.decode()
    assert response.context["form"]["note"].value() == "已整改"  # the form comes back filled in
    disk.assert_bytes_were_written_first()
    assert state(world.a_item) == before
    assert (StatusUpdate.objects.count(), Evidence.objects.count()) == (history, evidence)
    assert files_in(_media) == []


def test_files_already_stored_in_the_same_report_are_removed_too(login, world, full_disk, _media):
    disk = full_disk(room=2)  # the third file finds the disk full
    before = state(world.a_item)
    response = report_with_files(login(world.staff_a), world.a_item, "一.pdf", "二.pdf", "三.pdf")
    assert response.status_code == 507 and DISK_FULL in response.content.decode()
    disk.assert_bytes_were_written_first()
    assert state(world.a_item) == before
    assert not Evidence.objects.exists()
    assert files_in(_media) == []


def test_the_same_report_goes_through_once_there_is_room_again(login, world, _media):
    response = report_with_files(login(world.staff_a), world.a_item, "现场照片.pdf")
    assert response.status_code == 302
    [stored] = files_in(_media)
    assert Evidence.objects.get().file.path == str(stored)


def upload(name="现场照片.pdf"):
    return SimpleUploadedFile(name, pdf(), content_type="application/pdf")


def test_files_stored_before_a_later_database_failure_are_removed(world, monkeypatch, _media):
    saved = []
    original = Evidence.save

    def fail_on_second_row(self, *args, **kwargs):
        saved.append(self.file.name)
        if len(saved) == 2:
            raise DatabaseError("database went away")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Evidence, "save", fail_on_second_row)
    before = state(world.a_item)
    with pytest.raises(DatabaseError):
        services.assignment_report(
            assignment=world.a_item, user=world.staff_a, note="两份材料", files=[upload(), upload()]
        )
    assert len(saved) == 2  # both files had reached the disk
    assert state(world.a_item) == before and not Evidence.objects.exists()
    assert files_in(_media) == []


@pytest.mark.django_db(transaction=True)
def test_files_are_removed_when_the_commit_itself_fails(world, monkeypatch, _media):
    """A deferred constraint fails only at COMMIT, after every file and row was written."""
    original = Assignment.refresh_from_db

    def break_the_commit(self, *args, **kwargs):
        if args or kwargs:  # only the service's last step, after the files and their rows
            return original(self, *args, **kwargs)
        with connection.cursor() as cursor:  # a notice for a unit that does not exist
            cursor.execute(
                "INSERT INTO tracker_notice (unit_id, key, title, body, level, created_at) "
                "VALUES (%s, %s, %s, %s, %s, %s)",
                [987654321, "broken", "t", "b", "", "2026-01-01 00:00:00+00:00"],
            )
        return original(self, *args, **kwargs)

    assert not connection.in_atomic_block  # the service's transaction is the outermost one
    before = state(world.a_item)
    monkeypatch.setattr(Assignment, "refresh_from_db", break_the_commit)
    with pytest.raises(IntegrityError):
        services.assignment_report(assignment=world.a_item, user=world.staff_a, files=[upload()])
    monkeypatch.undo()
    assert state(world.a_item) == before and not Evidence.objects.exists()
    assert files_in(_media) == []


class FullTempDir:
    """Django's spool for uploads over FILE_UPLOAD_MAX_MEMORY_SIZE writes into /dev/full, where
    the kernel answers every write with ENOSPC: the request body cannot even be read."""

    def __init__(self, monkeypatch):
        self.opened = 0

        def named_temporary_file(**kwargs):
            self.opened += 1
            return open("/dev/full", "w+b")

        spool = types.SimpleNamespace(NamedTemporaryFile=named_temporary_file)
        monkeypatch.setattr(uploadedfile, "tempfile", spool)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs Linux's /dev/full")
def test_a_full_disk_while_a_large_upload_is_received_says_so_and_keeps_nothing(
    login, world, monkeypatch, settings, request_log, _media
):
    settings.DEBUG = False
    client = login(world.staff_a)
    client.raise_request_exception = False
    spool = FullTempDir(monkeypatch)
    before = state(world.a_item)
    history = StatusUpdate.objects.count()
    big = SimpleUploadedFile("整改报告.pdf", pdf(3 * 1024 * 1024), content_type="application/pdf")
    assert big.size > settings.FILE_UPLOAD_MAX_MEMORY_SIZE
    response = client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "version": world.a_item.version, "percent": 60, "files": [big]},
    )
    assert spool.opened == 1  # the body really went to the spool, and the spool was full
    assert response.status_code == 507
    page = response.content.decode()
    assert DISK_FULL in page and "没有保存" in page
    assert "Traceback" not in page and "Errno" not in page
    [logged] = [r for r in request_log.records if r.name == "django.request"]
    assert logged.exc_info[0] is OSError and logged.exc_info[1].errno == errno.ENOSPC
    assert state(world.a_item) == before
    assert StatusUpdate.objects.count() == history and not Evidence.objects.exists()
    assert files_in(_media) == []


def test_any_other_server_error_still_gets_the_500_page(login, world, monkeypatch, settings):
    settings.DEBUG = False
    client = login(world.staff_a)
    client.raise_request_exception = False

    def broken(**kwargs):
        raise OSError(errno.EACCES, os.strerror(errno.EACCES), "/tmp")

    monkeypatch.setattr(uploadedfile, "tempfile", types.SimpleNamespace(NamedTemporaryFile=broken))
    big = SimpleUploadedFile("整改报告.pdf", pdf(3 * 1024 * 1024), content_type="application/pdf")
    response = client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "version": world.a_item.version, "percent": 60, "files": [big]},
    )
    assert response.status_code == 500
    assert "系统出错" in response.content.decode()


# --- a full disk during the Excel uploads ------------------------------------------------------


def task_workbook(*titles) -> io.BytesIO:
    book = Workbook()
    book.active.append([label for label, _ in TEMPLATE_HEADERS])
    for title in titles:
        book.active.append(
            ["", "", title, "", "隐患排查治理", "县应急管理局", "各乡镇", "", "年底前"]
        )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "分解表.xlsx"
    buffer.seek(0)
    return buffer


def test_a_full_disk_during_the_import_upload_says_so_and_keeps_nothing(
    login, world, full_disk, _media
):
    client = login(world.office)
    disk = full_disk()
    response = client.post(
        reverse("task_import"), {"file": task_workbook("磁盘满时导入"), "on_conflict": "skip"}
    )
    assert response.status_code == 507
    assert DISK_FULL in response.content.decode()
    assert "token" not in response.context or not response.context["token"]
    disk.assert_bytes_were_written_first()
    assert files_in(_media) == []
    assert not client.session.get("pending_imports")
    assert not ChecklistItem.objects.filter(title="磁盘满时导入").exists()


def test_a_full_disk_during_the_return_sheet_upload_says_so_and_keeps_nothing(
    login, world, full_disk, _media
):
    client = login(world.staff_a)
    download = client.get(reverse("return_sheet_download"))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)))
    sheet.active["H4"] = 70
    buffer = io.BytesIO()
    sheet.save(buffer)
    buffer.name = "填报表.xlsx"
    buffer.seek(0)
    disk = full_disk()
    before = state(world.a_item)
    response = client.post(reverse("return_sheet"), {"file": buffer})
    assert response.status_code == 507
    assert DISK_FULL in response.content.decode()
    disk.assert_bytes_were_written_first()
    assert files_in(_media) == []
    assert not client.session.get("pending_imports")
    assert state(world.a_item) == before


# --- the server killed during an import ------------------------------------------------------

EXTRA_TOWNSHIPS = 40  # with the world's two: 42 townships + the lead = 43 assignments a row
APP_NAME = "import-under-kill-test"


def rows_to_import() -> int:
    # Enough that the commit takes seconds. SQLite is killed a fixed time after it takes the
    # write lock, so it gets more rows; PostgreSQL is caught at its first write.
    default = "4000" if connection.vendor == "sqlite" else "2000"
    return int(os.environ.get("FAULT_IMPORT_ROWS", default))


def big_workbook(path: Path, rows: int) -> None:
    """The template's layout (title, issuer, header) with `rows` tasks for every township."""
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("任务分解表")
    sheet.write_row(0, 0, ["2026年安全生产重点工作任务分解表"])
    sheet.write_row(1, 0, ["县安委办"])
    sheet.write_row(2, 0, [label for label, _ in TEMPLATE_HEADERS])
    for n in range(rows):
        sheet.write_row(
            3 + n,
            0,
            [
                str(n + 1),
                f"K-{n:05d}",
                f"断电测试任务{n}",
                "各镇街对辖区开展排查",
                "隐患排查治理",
                "县应急管理局",
                "各乡镇",
                "",
                "2026-12-31",
                "",
                "",
                "",
            ],
        )
    book.close()


def database_url() -> str:
    """The test database, for a subprocess: the same file on SQLite, the same database on PG."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    return f"postgres://{db['USER']}{password}@{db['HOST'] or 'localhost'}:{db['PORT'] or 5432}/{db['NAME']}"


def run_import(path: Path, media: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media),
        "PGAPPNAME": APP_NAME,
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "manage.py", "import_tasks", str(path), "--user", "office"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def writing(process) -> bool:
    """Is the import inside its write transaction?

    PostgreSQL gives a transaction an id at its first write. SQLite (BEGIN IMMEDIATE) holds the
    write lock from the start of the import's transaction, after the sheet has been read.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND backend_xid IS NOT NULL",
                [APP_NAME],
            )
            return cursor.fetchone()[0] > 0
    probe = sqlite3.connect(connection.settings_dict["NAME"], timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")
        probe.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc):
            raise
        return True
    finally:
        probe.close()


def wait_until_gone():
    """PostgreSQL notices the dead client and rolls its transaction back; wait for that."""
    if connection.vendor != "postgresql":
        return
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
            )
            if cursor.fetchone()[0] == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the killed import's database session did not end")


def assert_consistent():
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            assert cursor.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert cursor.execute("PRAGMA foreign_key_check").fetchall() == []
    # Whatever the engine: no assignment without its history, no history without its item.
    assert not Assignment.objects.filter(history__isnull=True).exists()


def batch_counts() -> tuple[int, int, int]:
    return (
        ChecklistItem.objects.filter(code__startswith="K-").count(),
        Assignment.objects.filter(item__code__startswith="K-").count(),
        StatusUpdate.objects.filter(kind="import").count(),
    )


@pytest.mark.django_db(transaction=True)
def test_killing_the_server_during_an_import_leaves_no_partial_batch(world, tmp_path, capsys):
    Unit.objects.bulk_create(
        Unit(name=f"测试镇{n:02d}", kind="township", sort_order=100 + n)
        for n in range(EXTRA_TOWNSHIPS)
    )
    per_row = Unit.objects.filter(kind="township", active=True).count() + 1
    rows = rows_to_import()
    path = tmp_path / "大批任务.xlsx"
    big_workbook(path, rows)
    media = tmp_path / "media"
    wal = Path(f"{connection.settings_dict['NAME']}-wal")

    started = time.monotonic()
    process = run_import(path, media)
    while not writing(process):
        assert process.poll() is None, f"the import ended before it wrote: {process.stderr.read()}"
        assert time.monotonic() - started < 120, "the import never started writing"
        time.sleep(0.02)
    in_transaction = time.monotonic()
    time.sleep(0.5)  # well inside the commit, which takes seconds for this many rows
    assert process.poll() is None, "the import finished before it could be killed: use more rows"
    wal_size = wal.stat().st_size if wal.exists() else 0
    process.send_signal(signal.SIGKILL)
    process.communicate(timeout=30)
    assert process.returncode == -signal.SIGKILL
    wait_until_gone()

    assert batch_counts() == (0, 0, 0)
    assert_consistent()

    again = time.monotonic()
    process = run_import(path, media)
    out, err = process.communicate(timeout=600)
    assert process.returncode == 0, err
    assert "已导入" in out
    finished = time.monotonic()
    assert batch_counts() == (rows, rows * per_row, rows * per_row)
    assert_consistent()
    wal_note = f" (WAL {wal_size / 1e6:.1f} MB on disk)" if connection.vendor == "sqlite" else ""
    with capsys.disabled():
        print(
            f"\n[{connection.vendor}] {rows} rows, {rows * per_row} assignments: start and "
            f"reading took {in_transaction - started:.1f} s, killed 0.5 s into the write "
            f"transaction{wal_note}; the full re-run took {finished - again:.1f} s"
        )
