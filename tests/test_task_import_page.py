"""The import page's 年度 select, its table of resolved deadlines, and the 已核对 tick that a
confirmation needs when a deadline is already past.

Tests about December travel to 6 December of the frozen clock's own year: the month is the
point, not the year.
"""

import io
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook

from checklist.models import ChecklistItem, WorkYear

COUNTY = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def december(world):
    day = date(timezone.localdate().year, 12, 6)
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=COUNTY), tick=False):
        yield day


def upload(*rows, name="分解表.xlsx"):
    wb = Workbook()
    wb.active.append(["编号", "工作任务", "类别", "牵头单位", "完成时限"])
    for row in rows:
        wb.active.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.name = name
    buffer.seek(0)
    return buffer


def task(deadline, title="页面导入任务", code=""):
    return (code, title, "隐患排查治理", "县应急管理局", deadline)


def preview(client, *rows, **fields):
    data = {"file": upload(*rows), "on_conflict": "skip", **fields}
    return client.post(reverse("task_import"), data)


def test_the_year_select_offers_this_and_next_year_with_the_current_one_chosen(login, world):
    page = login(world.office).get(reverse("task_import")).content.decode()
    year = timezone.localdate().year
    assert f'<option value="{year}" selected>{year}年度</option>' in page
    assert f'<option value="{year + 1}">{year + 1}年度</option>' in page


def test_a_month_end_without_a_year_imported_in_december_is_shown_and_written_as_next_years(
    login, world, december
):
    client = login(world.office)
    response = preview(client, task("3月底前"))
    assert response.status_code == 200
    page = response.content.decode()
    next_march = f"{december.year + 1}-03-31"
    assert "第2行" in page and "3月底前" in page and next_march in page
    assert "已核对，仍按上述时限导入" not in page
    done = client.post(reverse("task_import_confirm"), {"token": response.context["token"]})
    assert done.status_code == 302
    assert ChecklistItem.objects.get(title="页面导入任务").deadline == date(
        december.year + 1, 3, 31
    )


def test_next_years_plan_picked_in_december_counts_from_its_first_of_january(
    login, world, december
):
    client = login(world.office)
    response = preview(client, task("年底前"), year=str(december.year + 1))
    page = response.content.decode()
    assert f"{december.year + 1}-12-31" in page and f"归入 {december.year + 1} 年度" in page
    client.post(reverse("task_import_confirm"), {"token": response.context["token"]})
    item = ChecklistItem.objects.get(title="页面导入任务")
    assert (item.year, item.deadline) == (december.year + 1, date(december.year + 1, 12, 31))


def test_a_past_deadline_is_a_warning_and_confirming_needs_the_tick(login, world, december):
    client = login(world.office)
    response = preview(client, task(f"{december.year}-03-31"), task("6月底前", "另一项任务"))
    assert response.status_code == 200  # a warning, not an error
    page = response.content.decode()
    assert (
        f"第2行：完成时限 {december.year}-03-31 已过（早于导入日期），确认导入后将立即显示为逾期"
        in page
    )
    assert 'name="accept_past" value="1"' in page and "已核对，仍按上述时限导入" in page
    token = response.context["token"]

    refused = client.post(reverse("task_import_confirm"), {"token": token})
    assert refused.status_code == 400
    assert "有 1 行的完成时限早于导入日期" in refused.content.decode()
    assert not ChecklistItem.objects.filter(title__in=["页面导入任务", "另一项任务"]).exists()
    assert refused.context["token"] == token  # the upload still waits for the tick

    done = client.post(reverse("task_import_confirm"), {"token": token, "accept_past": "1"})
    assert done.status_code == 302
    assert ChecklistItem.objects.get(title="页面导入任务").deadline == date(december.year, 3, 31)
    assert ChecklistItem.objects.filter(title="另一项任务").exists()


def test_the_preview_table_lists_a_few_hundred_rows_and_says_how_many_more(login, world):
    rows = [task("年底前", title=f"任务{n}") for n in range(320)]
    page = preview(login(world.office), *rows).content.decode()
    assert "第301行" in page and "第302行" not in page  # row 2 to row 301: 300 rows
    assert "另有20行未列出" in page


def test_a_closed_year_cannot_be_chosen(login, world):
    year = timezone.localdate().year
    WorkYear.objects.create(
        year=year - 1,
        state=WorkYear.State.CLOSED,
        closed_on=date(year - 1, 12, 31),
        closed_at=timezone.now(),
    )
    client = login(world.office)
    assert f'value="{year - 1}"' not in client.get(reverse("task_import")).content.decode()
    response = preview(client, task("6月底前"), year=str(year - 1))
    assert response.status_code == 400
    assert f"{year - 1}年度已归档，不能再导入任务。" in response.content.decode()
    assert not ChecklistItem.objects.filter(title="页面导入任务").exists()
