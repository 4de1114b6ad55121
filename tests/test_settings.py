"""SQLite must make concurrent writers wait, never fail with "database is locked"."""

import threading
import time

import pytest
from django.conf import settings
from django.db.utils import ConnectionHandler


@pytest.fixture(autouse=True)
def _own_databases(django_db_blocker):
    # These tests open their own SQLite files, not the test database.
    with django_db_blocker.unblock():
        yield


def sqlite_connection(path):
    handler = ConnectionHandler(
        {
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(path),
                "OPTIONS": settings.SQLITE_OPTIONS,
            }
        }
    )
    return handler["default"]


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(tmp_path):
    connection = sqlite_connection(tmp_path / "site.sqlite3")
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0] == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        cursor.execute("PRAGMA foreign_keys")
        assert cursor.fetchone()[0] == 1
    connection.close()


def test_a_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    path = tmp_path / "site.sqlite3"
    setup = sqlite_connection(path)
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE counter (n INTEGER)")
        cursor.execute("INSERT INTO counter VALUES (0)")
    setup.close()

    first = sqlite_connection(path)
    first.set_autocommit(False)  # BEGIN IMMEDIATE: holds the write lock until commit
    with first.cursor() as cursor:
        cursor.execute("UPDATE counter SET n = n + 1")
    errors = []

    def second_writer():
        other = sqlite_connection(path)
        try:
            with other.cursor() as cursor:
                cursor.execute("UPDATE counter SET n = n + 10")
        except Exception as exc:  # noqa: BLE001 - reported through the list below
            errors.append(exc)
        finally:
            other.close()

    thread = threading.Thread(target=second_writer)
    thread.start()
    # A plain sleep, not join(timeout=…): under faketime a timed wait on a lock does not time
    # out. The writer's busy timeout is 5 s or more, so it must still be waiting.
    time.sleep(0.5)
    assert thread.is_alive(), "the second writer should be waiting for the lock"
    first.commit()
    first.close()
    thread.join(timeout=10)
    assert not errors
    check = sqlite_connection(path)
    with check.cursor() as cursor:
        cursor.execute("SELECT n FROM counter")
        assert cursor.fetchone()[0] == 11
    check.close()


def test_the_interface_is_chinese_in_shanghai_time():
    assert settings.LANGUAGE_CODE == "zh-hans"
    assert settings.TIME_ZONE == "Asia/Shanghai"
