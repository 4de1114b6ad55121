"""A 长期 task (no due date) reports period by period: its form asks for the period's note and
evidence (and the quantity when the item counts one), never a completion percent."""

import re

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from tracker.models import Assignment


@pytest.fixture
def long_term(world):
    """Township A's share of the 排查 item and of the counted item, both made 长期."""
    for item in (world.item, world.item_target):
        item.deadline, item.cadence, item.cadence_day = None, "monthly", 28
        item.save()
    Assignment.objects.filter(pk__in=[world.a_item.pk, world.a_target.pk]).update(due_date=None)
    world.a_item.refresh_from_db()
    world.a_target.refresh_from_db()
    return world


def report_form(page: str) -> str:
    start = page.index('id="report"')
    return page[start : page.index("</form>", start)]


def test_the_long_term_form_asks_for_the_periods_report_without_a_percent(login, long_term):
    w = long_term
    page = login(w.staff_a).get(reverse("assignment_detail", args=[w.a_item.pk])).content
    form = report_form(page.decode())
    assert 'name="percent"' not in form and "完成百分比" not in form
    assert "报送本期进展" in page.decode()
    assert "本期进展" in form and "长期任务按每月28日前报送" in form
    assert 'name="note"' in form and 'name="files"' in form


def test_a_long_term_counted_task_still_asks_for_its_quantity(login, long_term):
    w = long_term
    page = login(w.staff_a).get(reverse("assignment_detail", args=[w.a_target.pk])).content
    form = report_form(page.decode())
    assert 'name="quantity"' in form and 'name="percent"' not in form


def test_a_dated_task_still_asks_for_a_percent(login, world):
    page = login(world.staff_a).get(reverse("assignment_detail", args=[world.a_item.pk])).content
    assert 'name="percent"' in report_form(page.decode())


def test_a_percent_posted_for_a_long_term_task_is_not_recorded(login, long_term):
    w = long_term
    response = login(w.staff_a).post(
        reverse("assignment_report", args=[w.a_item.pk]),
        {"action": "report", "percent": "60", "note": "本月排查12家", "version": w.a_item.version},
    )
    assert response.status_code == 302
    w.a_item.refresh_from_db()
    assert w.a_item.percent == 0 and w.a_item.status == "in_progress"
    update = w.a_item.history.get(kind="report")
    assert update.note == "本月排查12家" and update.percent == 0


def test_a_long_term_report_with_nothing_in_it_is_refused_with_why(login, long_term):
    w = long_term
    response = login(w.staff_a).post(
        reverse("assignment_report", args=[w.a_item.pk]),
        {"action": "report", "percent": "60", "note": "", "version": w.a_item.version},
    )
    assert response.status_code == 400
    assert "请填写完成进度、进展说明或上传佐证材料" in response.content.decode()


def test_lists_show_a_long_term_tasks_last_report_instead_of_a_percent(login, long_term):
    w = long_term
    client = login(w.staff_a)
    client.post(
        reverse("assignment_report", args=[w.a_item.pk]),
        {"action": "report", "note": "本月排查12家", "version": w.a_item.version},
    )
    listed = client.get(reverse("assignment_list")).content.decode()
    row = re.search(rf'<tr data-id="{w.a_item.pk}".*?</tr>', listed, re.S).group(0)
    assert f'<td data-label="进度">最近报送 {w.today:%Y-%m-%d}</td>' in row
    home = client.get(reverse("home")).content.decode()
    assert f'<td data-label="进度">最近报送 {w.today:%Y-%m-%d}</td>' in home
    detail = client.get(reverse("assignment_detail", args=[w.a_item.pk])).content.decode()
    assert f"按每月28日前报送，最近一次 {w.today:%Y-%m-%d}" in detail
    assert "完成 0%" not in detail


def test_the_service_keeps_no_percent_for_a_long_term_task(long_term):
    from tracker import services

    w = long_term
    services.assignment_report(assignment=w.a_item, user=w.staff_a, percent=60, note="本月")
    w.a_item.refresh_from_db()
    assert w.a_item.percent == 0
    assert w.a_item.history.get(kind="report").percent == 0


def test_the_excel_sheet_has_no_percent_for_a_long_term_task_and_ignores_one_typed(long_term):
    from tests.test_return_sheet import download, filled
    from tracker.excel.return_sheet import read_return_sheet

    w = long_term
    ws = load_workbook(download(w.town_a)).active
    headers = [c.value for c in ws[3]]
    rows = {r[0].value: r for r in ws.iter_rows(min_row=4)}
    assert rows[w.item.code][headers.index("完成%")].value is None
    assert rows[w.item.code][headers.index("完成%")].protection.locked
    sheet = filled(w.town_a, {w.item.code: {"完成%": 60, "本次进展说明": "本月排查12家"}})
    report = read_return_sheet(sheet, unit=w.town_a, user=w.staff_a, dry_run=False)
    assert not report.errors
    w.a_item.refresh_from_db()
    assert w.a_item.percent == 0
    assert w.a_item.history.get(kind="report").note == "本月排查12家"
