"""`manage.py import_tasks`: --year picks the 年度 and where yearless deadlines count from;
deadlines already past are listed and written only with --accept-past-deadlines.

December tests travel to 6 December of the frozen clock's own year: the month is the point.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.utils import timezone
from openpyxl import Workbook

from checklist.models import ChecklistItem, WorkYear

COUNTY = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def december(world):
    day = date(timezone.localdate().year, 12, 6)
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=COUNTY), tick=False):
        yield day


def sheet(path, *rows):
    wb = Workbook()
    wb.active.append(["工作任务", "类别", "牵头单位", "完成时限"])
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return str(path)


def test_a_month_end_without_a_year_imported_in_december_lands_next_year(world, tmp_path, december):
    path = sheet(tmp_path / "t.xlsx", ["命令行任务", "隐患排查治理", "县应急管理局", "3月底前"])
    call_command("import_tasks", path)
    item = ChecklistItem.objects.get(title="命令行任务")
    assert (item.year, item.deadline) == (december.year, date(december.year + 1, 3, 31))


def test_the_year_option_puts_new_items_in_that_year_counting_from_its_first_of_january(
    world, tmp_path, december
):
    path = sheet(tmp_path / "t.xlsx", ["明年任务", "隐患排查治理", "县应急管理局", "年底前"])
    call_command("import_tasks", path, "--year", str(december.year + 1))
    item = ChecklistItem.objects.get(title="明年任务")
    assert (item.year, item.deadline) == (december.year + 1, date(december.year + 1, 12, 31))


def test_past_deadlines_are_listed_and_written_only_when_accepted(
    world, tmp_path, december, capsys
):
    written = f"{december.year}-03-31"
    path = sheet(tmp_path / "t.xlsx", ["旧时限任务", "隐患排查治理", "县应急管理局", written])
    call_command("import_tasks", path, "--dry-run")
    out = capsys.readouterr().out
    assert f"提示：第2行：完成时限 {written} 已过（早于导入日期）" in out
    assert "完成时限已过 1" in out
    with pytest.raises(CommandError, match="--accept-past-deadlines"):
        call_command("import_tasks", path)
    assert not ChecklistItem.objects.filter(title="旧时限任务").exists()
    call_command("import_tasks", path, "--accept-past-deadlines")
    assert ChecklistItem.objects.get(title="旧时限任务").deadline == date(december.year, 3, 31)


def test_a_bad_or_closed_year_is_a_clear_error(world, tmp_path, capsys):
    year = timezone.localdate().year
    path = sheet(tmp_path / "t.xlsx", ["任务", "隐患排查治理", "县应急管理局", "年底前"])
    with pytest.raises(CommandError, match="--year 应为 2000 到 2099 之间的年份"):
        call_command("import_tasks", path, "--year", "明年")
    WorkYear.objects.create(
        year=year - 1,
        state=WorkYear.State.CLOSED,
        closed_on=date(year - 1, 12, 31),
        closed_at=timezone.now(),
    )
    with pytest.raises(CommandError, match="没有写入任何数据"):
        call_command("import_tasks", path, "--year", str(year - 1))
    assert f"{year - 1}年度已归档，不能再导入任务。" in capsys.readouterr().err
