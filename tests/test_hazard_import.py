"""Importing the office's 隐患排查治理台账: headers found by name under a merged title and in two
rows, dates in the usual forms, state words mapped; a dry run shows the same row errors; all or
nothing; the same file twice adds nothing."""

import io
from datetime import timedelta

import pytest
from openpyxl import Workbook

from tracker.hazards import excel_import
from tracker.hazards.excel_import import import_hazards
from tracker.hazards.models import Hazard

# The office's usual layout: a merged title, then 整改“五落实” over a second header row.
TOP = ["序号", "排查日期", "企业名称", "所属乡镇", "行业", "隐患部位及描述", "隐患类别",
       "隐患等级", "判定依据", "排查方式", "整改“五落实”", "", "", "", "", "整改完成日期",
       "验收人", "验收日期", "整改情况", "是否挂牌督办", "督办层级", "备注"]  # fmt: skip
SUB = ["", "", "", "", "", "", "", "", "", "", "整改措施", "整改责任人", "整改资金（元）",
       "整改时限", "防范措施", "", "", "", "", "", "", ""]  # fmt: skip


def workbook(rows, merges=()) -> io.BytesIO:
    book = Workbook()
    sheet = book.active
    sheet.append(["城关镇隐患排查治理台账"])
    sheet.merge_cells("A1:V1")
    sheet.append(TOP)
    sheet.append(SUB)
    sheet.merge_cells("K2:O2")
    for row in rows:
        sheet.append(row)
    for merge in merges:
        sheet.merge_cells(merge)
    data = io.BytesIO()
    book.save(data)
    data.seek(0)
    return data


@pytest.fixture
def rows(today):
    found = today - timedelta(days=30)
    return [
        [1, found, "城关皮革制品有限公司", "城关镇", "工贸", "配电箱未接地", "现场管理", "一般",
         "", "部门检查", "重新接地", "王厂长", 3000, found + timedelta(days=10), "断电",
         found + timedelta(days=8), "王干事", f"{found + timedelta(days=9):%Y年%m月%d日}",
         "已整改", "否", "", ""],
        [2, f"{found:%Y.%m.%d}", "城关加油站", "城关", "", "油罐区静电接地失效", "现场管理",
         "重大隐患", "《判定标准》第四条", "专家排查", "更换接地", "李站长", "5,000",
         f"{found + timedelta(days=60):%Y/%m/%d}", "停止卸油", "", "", "", "整改中", "是",
         "县级", ""],
        [3, f"{found:%Y-%m-%d}", "", "城关镇", "", "东关村村道护栏缺失", "", "", "", "",
         "", "", "", "", "", "", "", "", "未整改", "", "", ""],
    ]  # fmt: skip


def test_a_messy_register_is_read_by_header_name_and_mapped_to_states(world, registers, rows):
    report = import_hazards(workbook(rows), user=world.office, dry_run=True)
    assert report.errors == [] and report.added == 3 and not Hazard.objects.exists()
    report = import_hazards(workbook(rows), user=world.office, dry_run=False)
    assert report.committed
    tannery = Hazard.objects.get(enterprise=registers.tannery)
    assert tannery.state == "closed" and tannery.accepted_by == "王干事"
    assert tannery.funds == 3000 and tannery.supervisor == world.dept
    station = Hazard.objects.get(enterprise=registers.station)
    assert station.state == "fixing" and station.level == "major" and station.listing == "county"
    assert station.source == "expert" and station.funds == 5000
    road = Hazard.objects.get(enterprise=None)
    assert road.state == "pending" and road.township == world.town_a
    assert road.rectifier == world.town_a
    assert all(h.changes.get().kind == "import" for h in Hazard.objects.all())


def test_the_same_file_twice_adds_nothing(world, registers, rows):
    import_hazards(workbook(rows), user=world.office, dry_run=False)
    report = import_hazards(workbook(rows), user=world.office, dry_run=False)
    assert report.added == 0 and report.existing == 3 and Hazard.objects.count() == 3


def test_bad_rows_are_named_and_nothing_is_written(world, registers, rows, today):
    rows[0][13] = rows[0][1] - timedelta(days=1)  # 整改时限 before 排查日期
    rows[1][8] = ""  # 重大 without 判定依据
    rows[2][1] = f"{today.year}-02-30"
    rows.append(list(rows[0]))
    rows[3][2] = "河西化工有限公司"
    rows[3][3] = "城关镇"
    report = import_hazards(workbook(rows), user=world.office, dry_run=False)
    messages = [str(e) for e in report.errors]
    assert any(m.startswith("第4行 第N列") and "早于排查日期" in m for m in messages)
    assert any(m.startswith("第5行") and "判定依据" in m for m in messages)
    assert any(m.startswith("第6行 第B列") and "不是有效日期" in m for m in messages)
    assert any(m.startswith("第7行 第C列") and "不在企业台账中" in m for m in messages)
    assert not report.committed and not Hazard.objects.exists()


def test_a_renamed_file_is_refused_by_the_same_reader(world):
    fake = io.BytesIO(b"MZ\x90\x00" + b"\x00" * 200)
    report = import_hazards(fake, user=world.office, dry_run=False)
    assert len(report.errors) == 1 and report.errors[0].row == 0
    assert not report.committed and not Hazard.objects.exists()


def test_only_the_office_imports(world):
    with pytest.raises(PermissionError, match="只有安委办"):
        import_hazards(workbook([]), user=world.staff_a, dry_run=True)


def test_a_township_merged_down_its_rows_applies_to_each_row(world, registers, rows):
    rows[2][3] = None  # the road has no enterprise: its township comes from the merge
    report = import_hazards(workbook(rows, merges=["D5:D6"]), user=world.office, dry_run=False)
    assert report.errors == [] and report.added == 3
    assert Hazard.objects.get(enterprise=None).township == world.town_a


def test_the_confirmation_reuses_the_dry_runs_parse(world, registers, rows, monkeypatch):
    data = workbook(rows).getvalue()
    assert import_hazards(io.BytesIO(data), user=world.office, dry_run=True).added == 3

    def unread(*args, **kwargs):
        raise AssertionError("the confirmation read the sheet again")

    monkeypatch.setattr(excel_import, "_parse_row", unread)
    report = import_hazards(io.BytesIO(data), user=world.office, dry_run=False)
    assert report.committed and report.added == 3
    tannery = Hazard.objects.get(description="配电箱未接地")
    assert tannery.state == "closed" and tannery.funds == 3000
    assert tannery.deadline == tannery.found_on + timedelta(days=10)


def test_a_confirmation_after_the_registers_changed_reads_the_sheet_again(world, registers, rows):
    data = workbook(rows).getvalue()
    assert import_hazards(io.BytesIO(data), user=world.office, dry_run=True).ok
    registers.station.name = "城关加油站（已更名）"
    registers.station.save()
    report = import_hazards(io.BytesIO(data), user=world.office, dry_run=False)
    assert not report.committed and "城关加油站" in report.errors[0].message
    assert not Hazard.objects.exists()
