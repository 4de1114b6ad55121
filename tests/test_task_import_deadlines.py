"""The 任务分解表 import never lets a deadline silently land in the past: a 完成时限 without a
year counts forward from the import date (or 1 January of a later chosen 年度), and rows whose
deadline is already past are listed and need an explicit acceptance to be written.

The import date is passed in as `today`, built from the frozen clock's year: the calendar
situation (an import on 6 December, on New Year's Eve) is the point, the year is not.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone
from openpyxl import Workbook

from checklist.models import ChecklistItem, WorkYear
from tracker.excel.report import PREVIEW_ROWS, PREVIEW_WARNINGS
from tracker.excel.task_import import import_tasks


@pytest.fixture
def year(world):
    return timezone.localdate().year


@pytest.fixture
def december(year):
    return date(year, 12, 6)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sheet(path, *rows):
    """A plain sheet: 编号, 工作任务, 类别, 牵头单位, 完成时限 per row."""
    wb = Workbook()
    wb.active.append(["编号", "工作任务", "类别", "牵头单位", "完成时限"])
    for row in rows:
        wb.active.append(list(row))
    wb.save(path)
    return path


def task(deadline, title="导入任务", code=""):
    return (code, title, "隐患排查治理", "县应急管理局", deadline)


def run(world, path, **kwargs):
    kwargs.setdefault("dry_run", False)
    return import_tasks(path, user=world.office, **kwargs)


def test_a_month_end_without_a_year_imported_in_december_lands_next_year(
    world, tmp_path, year, december
):
    path = sheet(tmp_path / "t.xlsx", task("3月底前"))
    preview = run(world, path, dry_run=True, today=december)
    assert preview.rows[0].deadline == date(year + 1, 3, 31)
    assert preview.past_deadlines == []
    report = run(world, path, today=december)
    assert report.committed, report.errors
    item = ChecklistItem.objects.get(title="导入任务")
    assert item.deadline == date(year + 1, 3, 31)
    assert item.year == year  # no 年度 chosen, no code: the import date's year
    assert item.assignments.get().due_date == date(year + 1, 3, 31)


def test_every_kind_of_phrase_without_a_year_resolves_on_or_after_the_import_date(
    world, tmp_path, december
):
    phrases = ["3月底前", "6月底", "上半年", "一季度", "春节前", "国庆前", "年底", "12月6日前",
               "3月上旬", "9月中旬", "11月下旬", "元旦前", "五一前", "汛期前", "下半年"]  # fmt: skip
    path = sheet(tmp_path / "t.xlsx", *(task(p, title=f"任务{p}") for p in phrases))
    report = run(world, path, dry_run=True, today=december)
    assert report.ok, [str(e) for e in report.errors]
    assert all(row.deadline >= december for row in report.rows), [
        (row.deadline_text, row.deadline) for row in report.rows
    ]
    assert report.past_deadlines == []


def test_choosing_next_years_plan_counts_from_its_first_of_january(world, tmp_path, year, december):
    path = sheet(
        tmp_path / "t.xlsx",
        task("年底前", title="明年任务甲"),
        task("一季度", title="明年任务乙"),
        task("长期坚持", title="明年任务丙"),
    )
    report = run(world, path, today=december, year=year + 1)
    assert report.committed, report.errors
    items = {i.title: i for i in ChecklistItem.objects.filter(title__startswith="明年任务")}
    assert items["明年任务甲"].deadline == date(year + 1, 12, 31)  # not this December's end
    assert items["明年任务乙"].deadline == date(year + 1, 3, 31)
    assert {i.year for i in items.values()} == {year + 1}
    assert {i.code[:5] for i in items.values()} == {f"{year + 1}-"}
    # The work starts with the year it belongs to, not on the day it was imported.
    assert items["明年任务甲"].start_date == date(year + 1, 1, 1)


def test_choosing_this_years_plan_in_december_still_counts_from_the_import_date(
    world, tmp_path, year, december
):
    path = sheet(tmp_path / "t.xlsx", task("3月底前"))
    report = run(world, path, today=december, year=year)
    assert report.committed
    item = ChecklistItem.objects.get(title="导入任务")
    assert (item.year, item.deadline) == (year, date(year + 1, 3, 31))


def test_a_written_past_date_is_warned_about_and_written_only_once_accepted(
    world, tmp_path, year, december
):
    path = sheet(
        tmp_path / "t.xlsx",
        task(f"{year}-03-31", title="写明年份的旧日期"),
        task("今年3月底前", title="今年的三月"),
        task("6月底前", title="明年六月"),
    )
    preview = run(world, path, dry_run=True, today=december)
    assert preview.ok
    assert preview.past_deadlines == [(2, date(year, 3, 31)), (3, date(year, 3, 31))]
    assert preview.past_deadline_warnings[0] == (
        f"第2行：完成时限 {year}-03-31 已过（早于导入日期），确认导入后将立即显示为逾期"
    )
    assert [past for _row, past in preview.preview_rows] == [True, True, False]

    refused = run(world, path, today=december)
    assert not refused.committed and refused.errors == []
    assert "有 2 行的完成时限早于导入日期" in refused.refused
    assert not ChecklistItem.objects.filter(title__in=["写明年份的旧日期", "明年六月"]).exists()

    accepted = run(world, path, today=december, accept_past_deadlines=True)
    assert accepted.committed
    assert ChecklistItem.objects.get(title="写明年份的旧日期").deadline == date(year, 3, 31)
    assert ChecklistItem.objects.get(title="明年六月").deadline == date(year + 1, 6, 30)


def test_a_deadline_on_the_import_date_itself_is_not_past(world, tmp_path, year):
    new_years_eve = date(year, 12, 31)
    path = sheet(tmp_path / "t.xlsx", task("年底前"), task(f"{year}-12-31", title="当天"))
    report = run(world, path, dry_run=True, today=new_years_eve)
    assert [row.deadline for row in report.rows] == [new_years_eve, new_years_eve]
    assert report.past_deadlines == []


def test_skipped_rows_are_not_warned_about_but_updated_ones_are(world, tmp_path, year):
    today = timezone.localdate()
    past = (today - timedelta(days=10)).isoformat()
    path = sheet(tmp_path / "t.xlsx", task(past, title=world.item.title, code=world.item.code))
    assert run(world, path, dry_run=True, today=today).past_deadlines == []  # skip: unchanged
    update = run(world, path, dry_run=True, today=today, on_conflict="update")
    assert update.past_deadlines == [(2, today - timedelta(days=10))]


def test_items_take_their_codes_year_when_no_year_is_chosen(world, tmp_path, year, december):
    path = sheet(
        tmp_path / "t.xlsx",
        task("6月底前", title="编号为明年", code=f"{year + 1}-501"),
        task("6月底前", title="编号无年份", code="AQ-7"),
    )
    assert run(world, path, today=december).committed
    assert ChecklistItem.objects.get(title="编号为明年").year == year + 1
    assert ChecklistItem.objects.get(title="编号无年份").year == year


def test_a_code_of_another_year_than_the_chosen_one_is_pointed_out_once(
    world, tmp_path, year, december
):
    rows = [task("6月底前", title=f"任务{n}", code=f"{year}-{500 + n}") for n in range(3)]
    report = run(
        world, sheet(tmp_path / "t.xlsx", *rows), dry_run=True, today=december, year=year + 1
    )
    assert report.warnings == [
        f"有 3 行的编号年份与所选 {year + 1} 年度不同（如第2行 {year}-500），"
        f"这些任务按 {year + 1} 年度导入。"
    ]


def close(year):
    WorkYear.objects.create(
        year=year,
        state=WorkYear.State.CLOSED,
        closed_on=date(year, 12, 31),
        closed_at=timezone.now(),
    )


def test_a_closed_year_is_refused_by_name(world, tmp_path, year):
    close(year - 1)
    path = sheet(tmp_path / "t.xlsx", task("6月底前"), task("6月底前", "旧编号", f"{year - 1}-050"))
    chosen = run(world, path, year=year - 1)
    assert [str(e) for e in chosen.errors] == [f"{year - 1}年度已归档，不能再导入任务。"]
    by_code = run(world, path)
    assert [str(e) for e in by_code.errors] == [
        f"第3行：{year - 1}年度已归档，不能再导入任务（编号 {year - 1}-050）。"
    ]
    assert not ChecklistItem.objects.filter(title__in=["导入任务", "旧编号"]).exists()


def test_the_preview_lists_a_few_hundred_rows_but_counts_every_past_deadline(world, tmp_path, year):
    today = timezone.localdate()
    past = (today - timedelta(days=1)).isoformat()
    count = PREVIEW_ROWS + 50
    path = sheet(tmp_path / "t.xlsx", *(task(past, title=f"任务{n}") for n in range(count)))
    report = run(world, path, dry_run=True, today=today)
    assert len(report.preview_rows) == PREVIEW_ROWS and report.rows_not_listed == 50
    assert len(report.past_deadlines) == count
    assert len(report.past_deadline_warnings) == PREVIEW_WARNINGS
    assert report.past_deadlines_not_listed == count - PREVIEW_WARNINGS


def test_a_confirmation_on_a_later_day_counts_from_that_day(world, tmp_path, year):
    new_years_eve = date(year, 12, 31)
    path = sheet(tmp_path / "t.xlsx", task("年底前"))
    assert run(world, path, dry_run=True, today=new_years_eve).rows[0].deadline == new_years_eve
    report = run(world, path, today=new_years_eve + timedelta(days=1))
    assert report.committed
    assert ChecklistItem.objects.get(title="导入任务").deadline == date(year + 1, 12, 31)


def test_the_preview_keeps_each_deadline_as_written(world, tmp_path, year, december):
    path = sheet(tmp_path / "t.xlsx", task(" 3月底前 "), task("长期坚持", title="长期任务"))
    preview = run(world, path, dry_run=True, today=december)
    assert [(r.deadline_text, r.deadline) for r in preview.rows] == [
        ("3月底前", date(year + 1, 3, 31)),
        ("长期坚持", None),
    ]
    # The confirmation reuses the dry run's rows, written text included.
    confirm = run(world, path, today=december)
    assert [r.deadline_text for r in confirm.rows] == ["3月底前", "长期坚持"]
