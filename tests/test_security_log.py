"""The security log: who did what, from where, with what outcome, one line per event."""

import io
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from tests.conftest import PASSWORD
from tracker import security

ROOT = Path(__file__).resolve().parent.parent
IP = "10.1.2.3"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def only(records, action, outcome=None):
    found = [
        r
        for r in records
        if r.security["action"] == action and outcome in (None, r.security["outcome"])
    ]
    assert len(found) == 1, [r.getMessage() for r in records]
    return found[0]


def workbook(rows, name):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.name = name
    buffer.seek(0)
    return buffer


# --- the line itself ------------------------------------------------------------------------


def test_a_line_names_action_outcome_user_and_address():
    line = security.format_event("login", "failure", "staff_a", IP, {"path": "/login/"})
    assert line == "action=login outcome=failure user=staff_a ip=10.1.2.3 path=/login/"


def test_a_username_with_a_newline_cannot_forge_a_second_line():
    line = security.format_event("login", "failure", "x\naction=login outcome=success", None, {})
    assert "\n" not in line
    assert 'user="x\\naction=login outcome=success" ip=-' in line


# --- sign-ins -------------------------------------------------------------------------------


def test_a_failed_login_is_logged_as_a_warning_with_the_typed_username(client, world, events):
    client.post(reverse("login"), {"username": "staff_a", "password": "nope"}, REMOTE_ADDR=IP)
    record = only(events(), "login", "failure")
    assert record.levelno == logging.WARNING
    assert record.security == {"action": "login", "outcome": "failure", "user": "staff_a", "ip": IP}
    assert "nope" not in record.getMessage()


def test_a_successful_login_and_the_logout_are_logged(client, world, events):
    client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR=IP)
    client.post(reverse("logout"), REMOTE_ADDR=IP)
    assert only(events(), "login", "success").security["user"] == "staff_a"
    assert only(events(), "logout").security["ip"] == IP


def test_a_throttled_attempt_is_logged_as_such_not_as_a_failure(client, world, events):
    for _ in range(5):
        client.post(reverse("login"), {"username": "staff_a", "password": "x"}, REMOTE_ADDR=IP)
    client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD}, REMOTE_ADDR=IP)
    records = events()
    assert len([r for r in records if r.security["outcome"] == "failure"]) == 5
    throttled = only(records, "login", "throttled")
    assert throttled.levelno == logging.WARNING
    assert "until=" in throttled.getMessage()


# --- refusals -------------------------------------------------------------------------------


def test_a_permission_refusal_is_logged_with_the_user_and_path(login, world, events):
    response = login(world.staff_a).get(reverse("task_import"), REMOTE_ADDR=IP)
    assert response.status_code == 403
    record = only(events(), "forbidden", "refused")
    assert record.security["user"] == "staff_a"
    assert "path=/import/" in record.getMessage()


def test_a_csrf_failure_is_logged(world, events):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert "path=/login/" in only(events(), "forbidden").getMessage()


def test_asking_for_another_units_task_is_logged(login, world, events):
    response = login(world.staff_b).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert response.status_code == 404
    record = only(events(), "not_found")
    assert record.security["user"] == "staff_b"
    assert f"path=/tasks/{world.a_item.pk}/" in record.getMessage()


def test_ordinary_pages_are_not_logged(login, world, events):
    login(world.staff_a).get(reverse("assignment_list"))
    assert [r for r in events() if r.security["action"] != "login"] == []


# --- imports and exports --------------------------------------------------------------------


def test_a_confirmed_task_import_is_logged_with_the_file_and_counts(login, world, events):
    client = login(world.office)
    upload = workbook(
        [
            ["工作任务", "类别", "牵头单位", "责任单位", "完成时限"],
            ["新任务甲", "隐患排查治理", "县应急管理局", "各乡镇", "年底前"],
        ],
        "分解表.xlsx",
    )
    preview = client.post(reverse("task_import"), {"file": upload, "on_conflict": "skip"})
    client.post(reverse("task_import_confirm"), {"token": preview.context["token"]})
    record = only(events(), "task_import", "committed")
    assert record.security["user"] == "office"
    message = record.getMessage()
    assert "分解表.xlsx" in message and '\\"items_create\\": 1' in message


def test_downloads_and_a_return_sheet_import_are_logged(login, world, events):
    client = login(world.staff_a)
    sheet = client.get(reverse("return_sheet_download"))
    book = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))
    book.active["H4"] = 70
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "填报表.xlsx"
    buffer.seek(0)
    preview = client.post(reverse("return_sheet"), {"file": buffer})
    client.post(reverse("return_sheet_confirm"), {"token": preview.context["token"]})
    client.get(reverse("bulletin_export") + "?status=in_progress")
    records = events()
    exports = [r.getMessage() for r in records if r.security["action"] == "export"]
    assert len(exports) == 2
    assert "file=return_sheet unit=城关镇" in exports[0]
    assert "file=bulletin" in exports[1] and "status=in_progress" in exports[1]
    assert only(records, "return_sheet_import", "committed").security["user"] == "staff_a"


def test_the_office_downloading_the_template_is_logged(login, world, events):
    login(world.office).get(reverse("task_import_template"))
    assert "file=task_template" in only(events(), "export").getMessage()


# --- where it goes --------------------------------------------------------------------------


def test_with_a_log_directory_the_events_also_go_to_security_log(tmp_path):
    script = (
        "import django; django.setup(); from tracker import security; "
        "security.log_event(None, 'login', 'failure', username='staff_a')"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    env["LOG_DIR"] = str(tmp_path)
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "action=login outcome=failure user=staff_a" in result.stderr
    written = (tmp_path / "security.log").read_text("utf-8")
    assert "INFO tracker.security action=login outcome=failure user=staff_a ip=-" in written
