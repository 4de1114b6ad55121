"""Faults: the server killed in the middle of an import, and a full disk during uploads.

Nothing half-written either way: a killed import leaves no row of its batch and a healthy
database, and a full disk leaves no row, no file and a clear message in Chinese.
"""

import errno
import io
import os
import select
import signal
import sqlite3
import subprocess
import sys
import types
from datetime import date
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import uploadedfile
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, IntegrityError, connection
from django.urls import reverse
from django.utils import timezone
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
                [
                    987654321,
                    "broken",
                    "t",
                    "b",
                    "",
                    connection.ops.adapt_datetimefield_value(timezone.now()),
                ],
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
ROWS = 300  # 12,900 assignments and as many history rows: far more pages than the child caches
APP_NAME = "import-under-kill-test"
IN_TRANSACTION = "IN-WRITE-TRANSACTION"

# The import command, run in a child process with one change: once the import has written the
# last rows of its batch (the history), still inside its transaction, the child prints the
# marker it is given and the counts it sees, then waits to be killed. The kill therefore lands
# between the last write and the COMMIT whatever the machine's speed. On SQLite the child's page
# cache is shrunk first, so that uncommitted pages spill into the WAL on disk, as a large
# import's do. The child waits on its stdin, not on a clock: should the test itself die, the
# pipe closes and the child exits without committing.
CHILD = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
import django
django.setup()
from django.core.management import call_command
from django.db import connection
from checklist.models import ChecklistItem
from tracker.excel import task_import
from tracker.models import Assignment, StatusUpdate

write_history = task_import._write_history

def write_history_then_wait(*args, **kwargs):
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=20")
    write_history(*args, **kwargs)
    written = (
        ChecklistItem.objects.filter(code__startswith="K-").count(),
        Assignment.objects.filter(item__code__startswith="K-").count(),
        StatusUpdate.objects.filter(kind="import").count(),
    )
    print(sys.argv[3], connection.in_atomic_block, *written, flush=True)
    sys.stdin.read()
    os._exit(1)

task_import._write_history = write_history_then_wait
call_command("import_tasks", sys.argv[1], "--user", sys.argv[2])
"""


def big_workbook(path: Path, rows: int) -> None:
    """The template's layout (title, issuer, header) with `rows` tasks for every township."""
    year_end = date(timezone.localdate().year, 12, 31)
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet("任务分解表")
    sheet.write_row(0, 0, [f"{year_end.year}年安全生产重点工作任务分解表"])
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
                year_end.isoformat(),
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


def run_import(path: Path, media: Path, username: str, *, stop_before_commit: bool = False):
    """`manage.py import_tasks`, or with `stop_before_commit` the CHILD that waits to be killed."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "MEDIA_ROOT": str(media),
        "PGAPPNAME": APP_NAME,
        "PYTHONUNBUFFERED": "1",
    }
    if stop_before_commit:
        command = ["-c", CHILD, str(path), username, IN_TRANSACTION]
    else:
        command = ["manage.py", "import_tasks", str(path), "--user", username]
    return subprocess.Popen(
        [sys.executable, *command],
        cwd=ROOT,
        env=env,
        stdin=subprocess.PIPE if stop_before_commit else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for_line(process, prefix: str) -> str:
    """The child's first stdout line starting with `prefix`; fails if it exits without one."""
    while True:
        # Only a guard against a hung child, never a measure of speed.
        ready, _, _ = select.select([process.stdout], [], [], 600)
        assert ready, "the import printed nothing for ten minutes"
        line = process.stdout.readline()
        assert line, f"the import ended without reaching its commit: {process.stderr.read()}"
        if line.startswith(prefix):
            return line


def writing() -> bool:
    """Does some other session hold an open write transaction on the test database?

    PostgreSQL gives a transaction an id at its first write. SQLite (BEGIN IMMEDIATE) holds the
    write lock from the start of the import's transaction to its end.
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


def empty_the_wal() -> Path | None:
    """SQLite: checkpoint and truncate the WAL, so that what is in it later is the child's."""
    if connection.vendor != "sqlite":
        return None
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        busy, _, _ = cursor.fetchone()
    assert busy == 0
    wal = Path(f"{connection.settings_dict['NAME']}-wal")
    assert not wal.exists() or wal.stat().st_size == 0
    return wal


def wait_until_gone():
    """PostgreSQL notices the dead client and rolls its transaction back; wait for that."""
    if connection.vendor != "postgresql":
        return
    for _ in range(600):  # a guard against waiting forever, not a measure of speed
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", [APP_NAME]
            )
            if cursor.fetchone()[0] == 0:
                return
        select.select([], [], [], 0.1)  # a pause; time.sleep fails under libfaketime
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
def test_killing_the_server_during_an_import_leaves_no_partial_batch(world, tmp_path):
    Unit.objects.bulk_create(
        Unit(name=f"测试镇{n:02d}", kind="township", sort_order=100 + n)
        for n in range(EXTRA_TOWNSHIPS)
    )
    per_row = Unit.objects.filter(kind="township", active=True).count() + 1
    whole_batch = (ROWS, ROWS * per_row, ROWS * per_row)
    path = tmp_path / "大批任务.xlsx"
    big_workbook(path, ROWS)
    media = tmp_path / "media"
    username = world.office.username
    wal = empty_the_wal()

    process = run_import(path, media, username, stop_before_commit=True)
    try:
        _, in_atomic_block, *written = wait_for_line(process, IN_TRANSACTION).split()
        # The child has written the whole batch, inside its transaction, and not committed it.
        assert in_atomic_block == "True"
        assert tuple(map(int, written)) == whole_batch
        assert writing()
        assert batch_counts() == (0, 0, 0)  # uncommitted: not visible from here
        if wal is not None:  # and on SQLite its pages already sit, uncommitted, in the WAL
            assert wal.stat().st_size > 0
        process.send_signal(signal.SIGKILL)
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate()  # no timeout: the child is killed, and waits under faketime fail
    assert process.returncode == -signal.SIGKILL
    wait_until_gone()

    assert not writing()
    assert batch_counts() == (0, 0, 0)
    assert_consistent()

    process = run_import(path, media, username)
    out, err = process.communicate()
    assert process.returncode == 0, err
    assert "已导入" in out
    assert batch_counts() == whole_batch
    assert_consistent()
