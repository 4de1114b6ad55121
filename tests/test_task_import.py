"""Importing a messy, real-world 任务分解表: dry run first, all or nothing, idempotent."""

import datetime

import pytest
from openpyxl import Workbook

from checklist.models import ChecklistItem
from tracker.excel.task_import import import_tasks
from tracker.models import Assignment, StatusUpdate, Unit, UnitAlias


@pytest.fixture
def county(world):
    Unit.objects.create(
        name="经济开发区管委会", short_name="开发区", kind="township", sort_order=30
    )
    Unit.objects.create(
        name="县消防救援大队", short_name="消防大队", kind="department", sort_order=40
    )
    UnitAlias.objects.create(unit=world.dept, alias="安监局")
    UnitAlias.objects.create(unit=Unit.objects.get(name="县消防救援大队"), alias="公安消防")
    return world


def messy_sheet(path, year, rows=None, formula=None):
    """Merged title and subtitle, a two-row header, a section row, merged lead cells.

    Tests that import it whole use next year's plan (``year`` = next year), so that its
    6月底前 and written dates are in the future whatever day the tests run on."""
    wb = Workbook()
    ws = wb.active
    ws.title = "分解表"
    ws["A1"] = f"{year}年全县安全生产重点工作任务分解表"
    ws.merge_cells("A1:H1")
    ws["A2"] = f"（县安委办 {year}年3月）"
    ws.merge_cells("A2:H2")
    ws.append(["序号", "工作任务", "类别", "责任分工", None, None, "完成时限", "目标数量"])
    ws.append([None, None, None, "牵头单位", "责任单位", "配合单位", None, None])
    ws.merge_cells("D3:F3")
    ws.append(["一、隐患排查治理"])
    data = rows or [
        [1, "全面开展拉网式隐患大排查", None, "安监局", "各乡镇", "公安消防", "6月底前", None],
        [2, "建立隐患排查治理台账", None, None, "城关镇、河西镇\n经济开发区", None, f"{year}年9月30日", None],
        [3, "小微企业安全生产标准化创建", "安全生产标准化创建", "县应急管理局", "开发区", None, datetime.datetime(year, 12, 31), "40家"],
        [4, "网格员每月巡查", "隐患排查治理", "县 应急管理局", "各镇街", None, "长期坚持", None],
    ]  # fmt: skip
    for row in data:
        ws.append(row)
    if rows is None:
        ws.merge_cells("D6:D7")  # one lead unit for tasks 1 and 2
    if formula:
        ws[formula] = '="拉网"&"排查"'
    wb.save(path)
    return path


def test_a_messy_sheet_is_understood_in_its_dry_run(county, tmp_path):
    report = import_tasks(
        messy_sheet(tmp_path / "t.xlsx", county.year + 1),
        user=county.office,
        dry_run=True,
        year=county.year + 1,
    )
    assert report.errors == [], [str(e) for e in report.errors]
    assert report.counts["items_create"] == 4
    assert not report.committed
    assert not ChecklistItem.objects.filter(title="全面开展拉网式隐患大排查").exists()
    first = report.rows[0]
    assert first.theme.name == "隐患排查治理"  # from the section row
    assert first.deadline == datetime.date(county.year + 1, 6, 30)
    roles = {u.name: r for u, r in first.units}
    assert roles["县应急管理局"] == "lead"  # 安监局 through its alias
    assert roles["县消防救援大队"] == "cooperate"  # 公安消防
    assert {"城关镇", "河西镇", "经济开发区管委会"} <= set(roles)  # 各乡镇
    second = report.rows[1]
    assert dict((u.name, r) for u, r in second.units)["县应急管理局"] == "lead"  # merged cell
    third = report.rows[2]
    assert (third.target, third.target_unit) == (40, "家")
    fourth = report.rows[3]
    assert fourth.deadline is None and fourth.cadence == "monthly"


def test_committing_writes_drafts_assignments_and_history(county, tmp_path):
    path = messy_sheet(tmp_path / "t.xlsx", county.year + 1)
    report = import_tasks(path, user=county.office, dry_run=False, year=county.year + 1)
    assert report.committed
    item = ChecklistItem.objects.get(title="全面开展拉网式隐患大排查")
    assert item.state == "draft"
    assert item.assignments.get(role="lead").unit == county.dept
    assignment = item.assignments.get(unit=county.town_a)
    assert assignment.due_date == datetime.date(county.year + 1, 6, 30)
    update = assignment.history.get()
    assert update.kind == StatusUpdate.Kind.IMPORT and update.author == county.office
    assert "第6行" in update.note


def test_importing_the_same_file_twice_creates_nothing_new(county, tmp_path):
    path = messy_sheet(tmp_path / "t.xlsx", county.year + 1)
    import_tasks(path, user=county.office, dry_run=False, year=county.year + 1)
    items, assignments = ChecklistItem.objects.count(), Assignment.objects.count()
    history = StatusUpdate.objects.count()
    again = import_tasks(path, user=county.office, dry_run=False, year=county.year + 1)
    assert again.errors == []
    assert again.counts["items_create"] == 0 and again.counts["assignments_create"] == 0
    assert (ChecklistItem.objects.count(), Assignment.objects.count()) == (items, assignments)
    assert StatusUpdate.objects.count() == history


def errors_of(county, path, **kwargs):
    report = import_tasks(path, user=county.office, dry_run=False, year=county.year, **kwargs)
    assert not report.committed
    return [str(e) for e in report.errors]


def test_every_problem_is_named_by_row_and_column_and_nothing_is_written(county, tmp_path):
    rows = [
        [1, "任务甲", "隐患排查治理", "县应急管理局", "城关镇", None, f"{county.year}-02-30", None],
        [2, "任务乙", "隐患排查治理", "应急局局", "城关镇", None, "6月底前", None],
        [3, "", "隐患排查治理", "县应急管理局", "城关镇", None, "6月底前", None],
        [4, "任务丁", "不存在的类别", "县应急管理局", "城关镇", None, "6月底前", None],
        [5, "任务戊", "隐患排查治理", "县应急管理局", "城关镇", None, "下个月", None],
        [6, "任务己", "隐患排查治理", "县应急管理局", "城关镇", None, "6月底前", "-3家"],
    ]
    before = ChecklistItem.objects.count()
    errors = errors_of(county, messy_sheet(tmp_path / "bad.xlsx", county.year, rows=rows))
    assert any(e.startswith("第6行 第G列") and f"{county.year}-02-30" in e for e in errors), errors
    assert any(
        e.startswith("第7行 第D列") and "应急局局" in e and "县应急管理局" in e for e in errors
    ), errors
    assert any(e.startswith("第8行 第B列") and "不能为空" in e for e in errors), errors
    assert any(e.startswith("第9行 第C列") and "不存在的类别" in e for e in errors), errors
    assert any(e.startswith("第10行 第G列") for e in errors), errors
    assert any(e.startswith("第11行 第H列") for e in errors), errors
    assert ChecklistItem.objects.count() == before


def test_a_duplicate_code_is_a_row_error(county, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "工作任务", "类别", "牵头单位", "完成时限"])
    ws.append(["A-1", "任务一", "隐患排查治理", "县应急管理局", f"{county.year}-06-30"])
    ws.append(["A-1", "任务二", "隐患排查治理", "县应急管理局", f"{county.year}/7/31"])
    wb.save(tmp_path / "dup.xlsx")
    errors = errors_of(county, tmp_path / "dup.xlsx")
    assert any(e.startswith("第3行 第A列") and "重复" in e and "第2行" in e for e in errors), errors


def test_a_formula_in_a_text_cell_is_refused(county, tmp_path):
    errors = errors_of(county, messy_sheet(tmp_path / "f.xlsx", county.year, formula="B6"))
    assert any(e.startswith("第6行 第B列") and "公式" in e for e in errors), errors


def test_an_existing_code_with_stop_is_an_error_and_with_update_changes_the_item(county, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "工作任务", "类别", "牵头单位", "责任单位", "完成时限"])
    ws.append(
        [
            county.item.code,
            "开展拉网式隐患排查（修订）",
            "隐患排查治理",
            "县应急管理局",
            "经济开发区管委会",
            county.item.deadline.isoformat(),
        ]
    )
    wb.save(tmp_path / "u.xlsx")
    errors = errors_of(county, tmp_path / "u.xlsx", on_conflict="stop")
    assert any(county.item.code in e and "已存在" in e for e in errors)
    report = import_tasks(
        tmp_path / "u.xlsx", user=county.office, dry_run=False, on_conflict="update"
    )
    assert report.committed and report.counts["items_update"] == 1
    county.item.refresh_from_db()
    assert county.item.title == "开展拉网式隐患排查（修订）"
    assert county.item.assignments.filter(unit__name="经济开发区管委会").exists()
    assert county.item.assignments.filter(role="lead").count() == 1


def test_only_the_office_imports(county, tmp_path):
    with pytest.raises(PermissionError):
        import_tasks(
            messy_sheet(tmp_path / "t.xlsx", county.year), user=county.staff_a, dry_run=True
        )


def test_a_merged_cell_that_hides_a_value_is_reported(county, tmp_path):
    import xlsxwriter

    path = tmp_path / "hidden.xlsx"
    book = xlsxwriter.Workbook(path)
    ws = book.add_worksheet()
    ws.write_row(0, 0, ["工作任务", "类别", "牵头单位", "完成时限"])
    ws.write_row(1, 0, ["任务一", "隐患排查治理", "", f"{county.year}-06-30"])
    ws.write_row(2, 0, ["任务二", "隐患排查治理", "", f"{county.year}-07-31"])
    ws.merge_range("C2:C3", "县应急管理局")
    ws.write_string("C3", "县公安局")  # present in the file, hidden by the merge
    book.close()
    errors = errors_of(county, path)
    assert any(e.startswith("第3行 第C列") and "合并" in e and "县公安局" in e for e in errors), (
        errors
    )


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_confirmation_reuses_the_dry_runs_rows_instead_of_reading_the_file_again(
    county, tmp_path, media, monkeypatch
):
    path = messy_sheet(tmp_path / "t.xlsx", county.year + 1)
    dry = import_tasks(path, user=county.office, dry_run=True, year=county.year + 1)
    assert dry.ok

    def unread(*args, **kwargs):
        raise AssertionError("the sheet was read again")

    monkeypatch.setattr("tracker.excel.task_import.open_sheet", unread)
    report = import_tasks(path, user=county.office, dry_run=False, year=county.year + 1)
    assert report.committed
    assert report.counts == dry.counts
    item = ChecklistItem.objects.get(title="小微企业安全生产标准化创建")
    assert (item.target_quantity, item.target_unit) == (40, "家")
    assert item.deadline == datetime.date(county.year + 1, 12, 31)
    assert set(item.assignments.values_list("unit__name", "role")) == {
        ("县应急管理局", "lead"),
        ("经济开发区管委会", "responsible"),
    }
    assert not list((media / "imports" / "parsed").iterdir())  # used once, then removed


def test_a_unit_renamed_after_the_dry_run_makes_the_confirmation_read_the_file_again(
    county, tmp_path, media, monkeypatch
):
    path = messy_sheet(tmp_path / "t.xlsx", county.year)
    assert import_tasks(path, user=county.office, dry_run=True, year=county.year).ok
    UnitAlias.objects.filter(alias="安监局").delete()  # the sheet's 牵头单位 no longer resolves

    report = import_tasks(path, user=county.office, dry_run=False, year=county.year)
    assert not report.committed
    assert any("安监局" in str(e) for e in report.errors)
    assert not ChecklistItem.objects.filter(title="全面开展拉网式隐患大排查").exists()


def test_a_changed_file_under_the_same_name_is_read_again(county, tmp_path, media):
    path = messy_sheet(tmp_path / "t.xlsx", county.year)
    assert import_tasks(path, user=county.office, dry_run=True, year=county.year).ok
    messy_sheet(
        path,
        county.year,
        rows=[[1, "另一项任务", "隐患排查治理", "县应急管理局", "", "", "6月底前", None]],
    )
    report = import_tasks(path, user=county.office, dry_run=False, year=county.year)
    assert report.committed
    assert list(
        ChecklistItem.objects.filter(
            title__in=["另一项任务", "全面开展拉网式隐患大排查"]
        ).values_list("title", flat=True)
    ) == ["另一项任务"]


def test_a_large_sheet_still_finds_its_existing_codes_and_leaves_the_collector_on(county, tmp_path):
    import gc

    wb = Workbook()
    ws = wb.active
    ws.append(["编号", "工作任务", "类别", "牵头单位", "完成时限"])
    due = county.item.deadline.isoformat()
    ws.append([county.item.code, "开展拉网式隐患排查", "隐患排查治理", "县应急管理局", due])
    for i in range(1, 5001):  # over the size at which the catalog's codes are scanned
        ws.append([f"L{i:05d}", f"任务{i}", "隐患排查治理", "县应急管理局", due])
    wb.save(tmp_path / "big.xlsx")
    report = import_tasks(
        tmp_path / "big.xlsx", user=county.office, dry_run=True, on_conflict="stop"
    )
    assert [str(e) for e in report.errors] == [
        f"第2行：编号 {county.item.code} 已存在（开展拉网式隐患排查）。"
    ]
    assert gc.isenabled()
    report = import_tasks(tmp_path / "big.xlsx", user=county.office, dry_run=False)
    assert report.committed and report.counts["items_skip"] == 1
    assert report.counts["items_create"] == 5000 and gc.isenabled()
    assert ChecklistItem.objects.filter(code__startswith="L").count() == 5000
