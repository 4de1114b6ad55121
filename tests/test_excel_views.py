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
            world.item.deadline.isoformat(),
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
    assert again.status_code == 409  # a token is used once
    assert ChecklistItem.objects.filter(title="新任务甲").count() == 1


def test_confirming_an_import_twice_says_it_is_already_imported_on_the_import_page(login, world):
    client = login(world.office)
    upload = workbook_bytes(
        [
            ["工作任务", "类别", "牵头单位", "完成时限"],
            ["新任务乙", "隐患排查治理", "县应急管理局", "年底前"],
        ]
    )
    token = client.post(reverse("task_import"), {"file": upload, "on_conflict": "skip"}).context[
        "token"
    ]
    client.post(reverse("task_import_confirm"), {"token": token})
    again = client.post(reverse("task_import_confirm"), {"token": token})
    page = again.content.decode()
    assert again.status_code == 409
    assert "这份文件已经导入，无需重复确认" in page
    assert 'type="file"' in page and "上传并预览" in page
    assert "不存在，或者您没有查看它的权限" not in page


def test_a_bad_import_shows_row_errors_and_offers_no_confirmation(login, world):
    client = login(world.office)
    upload = workbook_bytes(
        [
            ["工作任务", "类别", "牵头单位", "完成时限"],
            ["任务", "隐患排查治理", "不存在局", f"{world.year}-02-30"],
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


def test_another_sessions_token_is_not_accepted_and_the_import_page_says_it_expired(
    login, world, client
):
    response = login(world.office).post(reverse("task_import_confirm"), {"token": "a" * 32})
    page = response.content.decode()
    assert response.status_code == 410
    assert "导入已失效，请重新上传文件。" in page and 'type="file"' in page
    assert "已经导入" not in page


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


def sheet_upload(client, query=None, changes=None):
    """Download the sheet as this user, set cells {A1: value}, and return it ready to post."""
    book = load_workbook(io.BytesIO(content(client.get(reverse("return_sheet_download"), query))))
    for ref, value in (changes or {}).items():
        book.active[ref] = value
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "填报表.xlsx"
    buffer.seek(0)
    return buffer


def test_a_row_saved_on_the_web_after_download_does_not_stop_the_users_own_rows(login, world):
    client = login(world.staff_a)
    upload = sheet_upload(client, changes={"J5": "已完成12家", "I5": 12})  # the target item's row
    # Someone saves the first item on the web after the download; its row in the file is untouched.
    client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "percent": 60, "note": "网页报送", "version": world.a_item.version},
    )
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 60
    preview = client.post(reverse("return_sheet"), {"file": upload})
    assert preview.status_code == 200, preview.content.decode()[-1500:]
    assert "报送进度 1 条" in preview.content.decode() and "未改动 1 条" in preview.content.decode()
    done = client.post(reverse("return_sheet_confirm"), {"token": preview.context["token"]})
    assert done.status_code == 302
    world.a_item.refresh_from_db()
    world.a_target.refresh_from_db()
    assert world.a_item.percent == 60 and world.a_target.quantity_done == 12


def test_a_changed_row_whose_task_moved_on_the_web_is_reported_in_the_preview(login, world):
    client = login(world.staff_a)
    upload = sheet_upload(client, changes={"H4": 45})  # the first item's row
    client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "percent": 60, "note": "网页报送", "version": world.a_item.version},
    )
    preview = client.post(reverse("return_sheet"), {"file": upload})
    page = preview.content.decode()
    assert preview.status_code == 400
    assert f"第4行：任务 {world.item.code} 在下载填报表后已在网页上更新" in page
    assert "确认导入" not in page


def test_confirming_a_return_sheet_twice_says_it_is_already_imported(login, world):
    client = login(world.staff_a)
    preview = client.post(
        reverse("return_sheet"), {"file": sheet_upload(client, changes={"H4": 70})}
    )
    token = preview.context["token"]
    client.post(reverse("return_sheet_confirm"), {"token": token})
    again = client.post(reverse("return_sheet_confirm"), {"token": token})
    page = again.content.decode()
    assert again.status_code == 409
    assert "这份文件已经导入，无需重复确认" in page and 'type="file"' in page
    world.a_item.refresh_from_db()
    assert world.a_item.history.filter(kind="report").count() == 1
    expired = client.post(reverse("return_sheet_confirm"), {"token": "b" * 32})
    assert expired.status_code == 410
    assert "导入已失效，请重新上传文件。" in expired.content.decode()


def test_the_office_picks_a_unit_on_the_return_sheet_page(login, world):
    world.town_b.active = False
    world.town_b.save()
    office = login(world.office)
    page = office.get(reverse("return_sheet"))
    assert page.status_code == 200
    html = page.content.decode()
    assert '<select id="f-unit" name="unit"' in html
    assert f'<option value="{world.town_a.pk}">城关镇</option>' in html
    assert "河西镇" not in html  # inactive units are not offered
    assert 'type="file"' not in html  # nothing to upload before a unit is chosen
    chosen = office.get(reverse("return_sheet"), {"unit": world.town_a.pk}).content.decode()
    assert "城关镇 · 填报表" in chosen
    assert f'<option value="{world.town_a.pk}" selected>城关镇</option>' in chosen
    assert (
        f'?unit={world.town_a.pk}&amp;year={world.item.year}">下载城关镇{world.item.year}年度的填报表'
        in chosen
    )
    assert office.get(reverse("return_sheet_download")).url == reverse("return_sheet")


def test_the_office_confirms_a_sheet_filled_for_a_unit(login, world):
    office = login(world.office)
    upload = sheet_upload(office, {"unit": world.town_a.pk}, {"H4": 35})
    preview = office.post(reverse("return_sheet"), {"file": upload, "unit": world.town_a.pk})
    assert preview.status_code == 200, preview.content.decode()[-1500:]
    token = preview.context["token"]
    office.post(reverse("return_sheet_confirm"), {"token": token, "unit": world.town_a.pk})
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 35
    again = office.post(reverse("return_sheet_confirm"), {"token": token, "unit": world.town_a.pk})
    assert again.status_code == 409 and "已经导入" in again.content.decode()


def test_staff_see_their_own_sheet_without_a_unit_picker(login, world):
    html = login(world.staff_a).get(reverse("return_sheet")).content.decode()
    assert "城关镇 · 填报表" in html and 'name="unit"' not in html


def test_the_dashboard_links_each_unit_to_its_return_sheet_for_the_office_only(login, world):
    link = f'{reverse("return_sheet")}?unit={world.town_a.pk}&amp;year={world.item.year}"'
    assert link in login(world.office).get(reverse("dashboard")).content.decode()
    assert link not in login(world.leader).get(reverse("dashboard")).content.decode()


def test_the_task_list_leads_the_office_to_the_unit_picker_and_staff_to_their_sheet(login, world):
    picker = f'href="{reverse("return_sheet")}">单位填报表（代填）'
    own = f'href="{reverse("return_sheet")}">Excel 填报表'
    office = login(world.office).get(reverse("assignment_list")).content.decode()
    staff = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    leader = login(world.leader).get(reverse("assignment_list")).content.decode()
    assert picker in office and own not in office
    assert own in staff and picker not in staff
    assert picker not in leader and own not in leader
