"""The Excel pages: template, import with preview and confirmation, return sheet, export."""

import io

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from checklist.models import ChecklistItem


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def workbook_bytes(rows):
    wb = Workbook()
    for row in rows:
        wb.active.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.name = "分解表.xlsx"
    buffer.seek(0)
    return buffer


def content(response):
    return b"".join(response.streaming_content)


def test_the_template_is_exactly_what_the_importer_reads(login, world, tmp_path):
    client = login(world.office)
    response = client.get(reverse("task_import_template"))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(content(response)))
    ws = book["任务分解表"]
    ws.append(
        [
            1,
            "",
            "模板导入的新任务",
            "",
            "隐患排查治理",
            "县应急管理局",
            "城关镇",
            "",
            "2026-12-31",
            "",
            "",
            "",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "模板.xlsx"
    buffer.seek(0)
    response = client.post(reverse("task_import"), {"file": buffer, "on_conflict": "skip"})
    assert response.status_code == 200, response.content.decode()[-2000:]
    assert response.context["report"].counts["items_create"] == 1


def test_an_import_is_previewed_then_confirmed(login, world):
    client = login(world.office)
    upload = workbook_bytes(
        [
            ["工作任务", "类别", "牵头单位", "责任单位", "完成时限"],
            ["新任务甲", "隐患排查治理", "县应急管理局", "各乡镇", "年底前"],
        ]
    )
    preview = client.post(reverse("task_import"), {"file": upload, "on_conflict": "skip"})
    assert preview.status_code == 200
    assert "预览（尚未写入）" in preview.content.decode()
    assert not ChecklistItem.objects.filter(title="新任务甲").exists()
    token = preview.context["token"]
    done = client.post(reverse("task_import_confirm"), {"token": token}, follow=True)
    assert "新增任务 1 项" in done.content.decode()
    item = ChecklistItem.objects.get(title="新任务甲")
    assert item.state == "draft" and item.assignments.count() == 3  # lead + two townships
    again = client.post(reverse("task_import_confirm"), {"token": token})
    assert again.status_code == 404  # a token is used once


def test_a_bad_import_shows_row_errors_and_offers_no_confirmation(login, world):
    client = login(world.office)
    upload = workbook_bytes(
        [
            ["工作任务", "类别", "牵头单位", "完成时限"],
            ["任务", "隐患排查治理", "不存在局", "2024-02-30"],
        ]
    )
    response = client.post(reverse("task_import"), {"file": upload, "on_conflict": "skip"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "第2行 第C列" in page and "第2行 第D列" in page
    assert "确认导入" not in page


def test_staff_and_leaders_cannot_import(login, world):
    for user in (world.staff_a, world.leader):
        assert login(user).get(reverse("task_import")).status_code == 403
        assert (
            login(user).post(reverse("task_import_confirm"), {"token": "0" * 32}).status_code == 403
        )


def test_another_sessions_token_is_not_accepted(login, world, client):
    response = login(world.office).post(reverse("task_import_confirm"), {"token": "a" * 32})
    assert response.status_code == 404


def test_staff_download_and_upload_their_return_sheet(login, world):
    client = login(world.staff_a)
    sheet = content(client.get(reverse("return_sheet_download")))
    book = load_workbook(io.BytesIO(sheet))
    ws = book.active
    ws["H4"] = 70
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "填报表.xlsx"
    buffer.seek(0)
    preview = client.post(reverse("return_sheet"), {"file": buffer})
    assert preview.status_code == 200, preview.content.decode()[-1500:]
    client.post(reverse("return_sheet_confirm"), {"token": preview.context["token"]})
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 70


def test_the_office_fills_a_sheet_for_a_unit_and_staff_cannot_pick_another_unit(login, world):
    office = login(world.office)
    sheet = content(office.get(reverse("return_sheet_download"), {"unit": world.town_b.pk}))
    assert load_workbook(io.BytesIO(sheet)).active["A2"].value == "单位：河西镇"
    staff = login(world.staff_a)
    sheet = content(staff.get(reverse("return_sheet_download"), {"unit": world.town_b.pk}))
    assert load_workbook(io.BytesIO(sheet)).active["A2"].value == "单位：城关镇"
    assert login(world.leader).get(reverse("return_sheet_download")).status_code == 403


def test_the_export_honours_the_list_filters_and_the_users_scope(login, world):
    response = login(world.staff_b).get(reverse("bulletin_export"), {"unit": world.town_a.pk})
    ws = load_workbook(io.BytesIO(content(response)))["任务明细"]
    units = {row[3] for row in ws.iter_rows(min_row=4, values_only=True)}
    assert units == {"河西镇"}
    response = login(world.office).get(reverse("bulletin_export"), {"role": "lead"})
    ws = load_workbook(io.BytesIO(content(response)))["任务明细"]
    assert [row[3] for row in ws.iter_rows(min_row=4, values_only=True)] == ["县应急管理局"]
