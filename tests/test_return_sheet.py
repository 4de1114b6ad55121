"""The unit return sheet: download, fill offline, upload; only the unit's own fillable cells."""

import io
from decimal import Decimal

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tracker import services
from tracker.excel.return_sheet import read_return_sheet, write_return_sheet


def download(unit):
    buffer = io.BytesIO()
    write_return_sheet(buffer, unit=unit, today=timezone.localdate())
    buffer.seek(0)
    return buffer


def filled(unit, changes):
    """Download the unit's sheet and fill the given cells: {code: {header: value}}."""
    book = load_workbook(download(unit))
    ws = book.active
    headers = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=4):
        code = row[0].value
        for header, value in changes.get(code, {}).items():
            row[headers.index(header)].value = value
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_the_sheet_lists_only_the_units_published_assignments(world):
    ws = load_workbook(download(world.town_a)).active
    codes = [row[0] for row in ws.iter_rows(min_row=4, values_only=True)]
    assert codes == [world.item.code, world.item_target.code]
    assert ws["A2"].value == "单位：城关镇"
    assert ws.protection.sheet


def test_an_unchanged_sheet_round_trips_without_changes(world):
    report = read_return_sheet(
        download(world.town_a), unit=world.town_a, user=world.staff_a, dry_run=False
    )
    assert report.errors == []
    assert report.counts["unchanged"] == 2 and report.counts["report"] == 0
    world.a_item.refresh_from_db()
    assert world.a_item.version == 1 and world.a_item.history.count() == 1


def test_filled_rows_write_the_same_history_as_the_web_form(world):
    sheet = filled(
        world.town_a,
        {
            world.item.code: {"完成%": 45, "本次进展说明": "已排查18家"},
            world.item_target.code: {
                "填报状态": "提交审核",
                "完成数量": 40,
                "本次进展说明": "全部完成",
            },
        },
    )
    dry = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert dry.errors == [] and (dry.counts["report"], dry.counts["submit"]) == (1, 1)
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 0  # a dry run writes nothing
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed
    world.a_item.refresh_from_db()
    world.a_target.refresh_from_db()
    assert (world.a_item.status, world.a_item.percent) == ("in_progress", 45)
    assert world.a_item.history.get(kind="report").note == "已排查18家"
    assert world.a_target.status == "submitted" and world.a_target.quantity_done == Decimal("40")
    assert world.a_target.history.get(kind="submit").author == world.staff_a


def test_another_units_sheet_is_refused(world):
    report = read_return_sheet(
        download(world.town_a), unit=world.town_b, user=world.staff_b, dry_run=False
    )
    assert report.errors and "城关镇" in str(report.errors[0])
    world.a_item.refresh_from_db()
    assert world.a_item.version == 1


def test_staff_cannot_close_tasks_through_the_sheet(world):
    sheet = filled(world.town_a, {world.item.code: {"填报状态": "已办结"}})
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert any("只有安委办可以审核销号" in str(e) for e in report.errors)
    assert not report.committed


@pytest.mark.parametrize("value, message", [(150, "0 到 100"), ("abc", "数字"), (12.5, "整数")])
def test_bad_percent_cells_are_row_errors_and_nothing_is_written(world, value, message):
    sheet = filled(
        world.town_a, {world.item.code: {"完成%": value}, world.item_target.code: {"完成数量": 3}}
    )
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert any(str(e).startswith("第4行 第H列") and message in str(e) for e in report.errors), (
        report.errors
    )
    world.a_target.refresh_from_db()
    assert world.a_target.quantity_done is None


def test_a_row_changed_on_the_web_since_download_is_a_row_error_in_the_preview(world):
    sheet = filled(world.town_a, {world.item.code: {"完成%": 45}})
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=10)
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert len(report.errors) == 1
    assert str(report.errors[0]).startswith(
        f"第4行：任务 {world.item.code} 在下载填报表后已在网页上更新（现为推进中，完成 10%）"
    )
    assert "清空本行" in str(report.errors[0]) and "重新下载填报表" in str(report.errors[0])
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert not report.committed
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 10


def test_a_note_alone_on_a_row_changed_on_the_web_is_also_a_row_error(world):
    sheet = filled(world.town_a, {world.item.code: {"本次进展说明": "已排查"}})
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=10)
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert len(report.errors) == 1 and f"任务 {world.item.code}" in str(report.errors[0])


def test_a_row_left_alone_is_unchanged_whatever_was_saved_on_the_web_meanwhile(world):
    sheet = filled(
        world.town_a, {world.item_target.code: {"完成数量": 12, "本次进展说明": "已完成12家"}}
    )
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=60, note="网页报送"
    )
    dry = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert dry.errors == []
    assert (dry.counts["report"], dry.counts["unchanged"]) == (1, 1)
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed
    world.a_item.refresh_from_db()
    world.a_target.refresh_from_db()
    assert world.a_item.percent == 60 and world.a_item.history.count() == 2
    assert world.a_target.quantity_done == Decimal("12")


def test_a_row_left_alone_is_unchanged_even_when_its_target_quantity_moved_on_the_web(world):
    sheet = filled(world.town_a, {world.item.code: {"完成%": 30}})
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=5)
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed and report.counts["unchanged"] == 1
    world.a_target.refresh_from_db()
    assert world.a_target.quantity_done == Decimal("5")


def old_format(sheet):
    """The same sheet as downloaded before it carried the downloaded values."""
    book = load_workbook(sheet)
    ws = book.active
    headers = [c.value for c in ws[3]]
    ws.delete_cols(headers.index("下载时完成%") + 1, 2)
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def test_an_old_sheet_still_imports_when_nothing_changed_on_the_web(world):
    sheet = old_format(filled(world.town_a, {world.item.code: {"完成%": 45}}))
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed and (report.counts["report"], report.counts["unchanged"]) == (1, 1)
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 45


def test_an_old_sheet_whose_row_changed_on_the_web_is_refused_with_a_clear_message(world):
    sheet = old_format(filled(world.town_a, {world.item_target.code: {"本次进展说明": "已完成"}}))
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=10)
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert len(report.errors) == 1
    message = str(report.errors[0])
    assert message.startswith(f"第4行：任务 {world.item.code}") and "旧版格式" in message
    assert "重新下载填报表" in message


def test_a_pdf_renamed_xlsx_is_refused_with_a_message(world):
    report = read_return_sheet(
        io.BytesIO(b"%PDF-1.4 not a workbook"), unit=world.town_a, user=world.staff_a, dry_run=True
    )
    assert "PDF" in str(report.errors[0])


def test_a_row_that_lowers_the_percent_without_a_note_is_a_row_error_in_the_preview(world):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=88)
    world.a_item.refresh_from_db()
    sheet = filled(world.town_a, {world.item.code: {"完成%": 77}})
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=True)
    assert [e.message for e in report.errors] == [
        "完成进度比上次减少（88% → 77%），请在本次进展说明中写明原因。"
    ]
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 88


def test_the_target_column_is_the_units_own_share_with_the_county_target_beside_it(world):
    services.assignment_change(
        assignment=world.a_target, user=world.office, share_quantity=Decimal(8)
    )
    ws = load_workbook(download(world.town_a)).active
    targets = {row[0]: row[4] for row in ws.iter_rows(min_row=4, values_only=True)}
    assert targets[world.item_target.code] == "8家（全县40家）"


def test_an_uploaded_quantity_counts_against_the_units_own_share(world):
    services.assignment_change(
        assignment=world.a_target, user=world.office, share_quantity=Decimal(8)
    )
    sheet = filled(world.town_a, {world.item_target.code: {"填报状态": "提交审核", "完成数量": 8}})
    report = read_return_sheet(sheet, unit=world.town_a, user=world.staff_a, dry_run=False)
    assert report.committed, [str(e) for e in report.errors]
    world.a_target.refresh_from_db()
    assert (world.a_target.status, world.a_target.percent) == ("submitted", 100)
