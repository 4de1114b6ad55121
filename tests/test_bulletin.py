"""The bulletin opens cleanly, says the same as the pages, and never carries a live formula."""

import io
from datetime import timedelta

from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from checklist.models import ChecklistItem
from tests.conftest import local
from tracker import services
from tracker.cadence import last_due
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.excel.bulletin import CUT_MARK, write_bulletin
from tracker.models import Assignment


def export(assignments, today):
    buffer = io.BytesIO()
    write_bulletin(buffer, assignments=assignments, today=today)
    buffer.seek(0)
    return buffer


def after_the_deadline(world):
    """Ten days after the little world's items were due."""
    return world.item.deadline + timedelta(days=10)


def test_it_has_a_summary_a_detail_and_an_overdue_sheet_ready_to_print(world):
    book = load_workbook(export(Assignment.objects.all(), world.today))
    assert book.sheetnames == ["汇总排名", "报送情况", "任务明细", "逾期清单"]
    for ws in book:
        assert ws.freeze_panes == "A4"
        assert ws.auto_filter.ref.startswith("A3:")
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        assert ws.print_title_rows == "$3:$3"
        assert ws.merged_cells.ranges and f"截至 {world.today:%Y年%m月%d日}" in ws["A2"].value
        assert ws["A3"].font.b


def test_the_ranking_matches_the_league_table_the_pages_use(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    today = world.today
    published = Assignment.objects.filter(item__state="published")
    board = build_dashboard(world.office, DashboardFilters(), today=today)
    expected = board.townships + board.departments + board.others
    ws = load_workbook(export(published, today)).active
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert [(r[0], r[1], r[3], r[4], r[8], r[9]) for r in rows] == [
        (s.rank, s.name, s.total, s.verified, s.overdue, s.rate) for s in expected
    ]
    assert rows[0][1] == "城关镇" and rows[0][9] == 50.0  # 1 of 2 counted assignments
    # Townships and departments are ranked each among their own kind, as on the dashboard.
    assert [(r[0], r[2]) for r in rows] == [(1, "乡镇街道"), (2, "乡镇街道"), (1, "部门")]


def test_overdue_rows_are_listed_with_their_days(world):
    ws = load_workbook(export(Assignment.objects.all(), after_the_deadline(world)))["逾期清单"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    assert len(rows) == 4  # every published assignment of the little world is open and due then
    assert {r[7] for r in rows} == {10}


def test_draft_items_are_left_out_of_every_sheet(world):
    book = load_workbook(export(Assignment.objects.all(), after_the_deadline(world)))
    detail_codes = {r[0] for r in book["任务明细"].iter_rows(min_row=4, values_only=True)}
    overdue_codes = {r[0] for r in book["逾期清单"].iter_rows(min_row=4, values_only=True)}
    assert detail_codes == overdue_codes == {world.item.code, world.item_target.code}
    town_a = next(
        r for r in book["汇总排名"].iter_rows(min_row=4, values_only=True) if r[1] == "城关镇"
    )
    assert town_a[3] == 2 and town_a[8] == 2  # the draft assigned to 城关镇 counts nowhere


def test_hostile_text_stays_text_and_control_characters_do_not_break_the_file(world):
    for text in ["=cmd|' /C calc'!A0", "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]:
        services.assignment_report(assignment=world.b_item, user=world.staff_b, note=text)
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, note="坏字符\x00\x07\x1b结束"
    )
    services.assignment_report(assignment=world.lead, user=world.office, note="长" * 40_000)
    data = export(Assignment.objects.all(), world.today).getvalue()
    book = load_workbook(io.BytesIO(data))
    ws = book["任务明细"]
    notes = {(r[0], r[3]): r[10] for r in ws.iter_rows(min_row=4, values_only=True)}
    assert notes[world.item.code, "河西镇"] == "=1+1"  # the latest note, as text
    assert notes[world.item.code, "城关镇"] == "坏字符结束"
    long_note = notes[world.item.code, "县应急管理局"]
    assert long_note.endswith(CUT_MARK) and len(long_note) < 32_767
    for ws in book:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    note_cells = {(r[0].value, r[3].value): r[10] for r in book["任务明细"].iter_rows(min_row=4)}
    assert note_cells[world.item.code, "河西镇"].quotePrefix  # stays text even when edited in Excel
    assert not note_cells[world.item.code, "城关镇"].quotePrefix
    calamine = CalamineWorkbook.from_filelike(io.BytesIO(data))
    assert calamine.sheet_names == ["汇总排名", "报送情况", "任务明细", "逾期清单"]


def test_traffic_lights_are_filled(world):
    ws = load_workbook(export(Assignment.objects.all(), after_the_deadline(world)))["任务明细"]
    light = ws["J4"]
    assert light.value == "红灯"
    assert light.fill.fgColor.rgb.endswith("F8CBAD")


def test_read_only_and_normal_openpyxl_read_the_same_values(world):
    data = export(Assignment.objects.all(), after_the_deadline(world)).getvalue()
    normal = load_workbook(io.BytesIO(data))
    streamed = load_workbook(io.BytesIO(data), read_only=True)
    for name in normal.sheetnames:
        expected = list(normal[name].iter_rows(values_only=True))
        assert list(streamed[name].iter_rows(values_only=True)) == expected
        assert streamed[name].max_row == len(expected) > 3  # the declared dimension is right


def test_the_latest_progress_is_the_units_own_report_not_the_offices_actions(world):
    from tracker.excel.bulletin import bulletin_rows

    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=60, note="已排查企业32家"
    )
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100, note="")
    services.assignment_approve(assignment=world.a_item, user=world.office, note="同意销号。")
    rows = {
        (code, unit): (note, at)
        for code, _t, _th, _uid, unit, *_rest, note, at in bulletin_rows(Assignment.objects.all())
    }
    note, at = rows[(world.item.code, "城关镇")]
    assert note == "已排查企业32家"
    reported = world.a_item.history.get(kind="report")
    submitted = world.a_item.history.get(kind="submit")
    assert at == submitted.created_at and at > reported.created_at
    # Only 下达 so far: nothing of the unit's own to show.
    assert rows[(world.item.code, "河西镇")] == (None, None)


def test_each_unit_has_its_reporting_periods_counted_on_time_late_and_missed(world):
    today = world.today
    last = last_due("monthly", 28, today)
    before = last_due("monthly", 28, last.start)
    # Two periods due: begun a week before the deadline before last.
    start = before.deadline - timedelta(days=6)
    for code, unit, dated in (("-301", world.town_a, True), ("-302", world.town_b, False)):
        item = ChecklistItem.objects.create(
            code=f"{world.year}{code}", title="每月报送", theme=world.theme, start_date=start,
            deadline=today + timedelta(days=30) if dated else None, cadence="monthly",
            cadence_day=28, state="published", published_at=local(start),
        )  # fmt: skip
        a = services.assignment_create(item=item, unit=unit, user=world.office, at=local(start))
        if unit == world.town_a:
            services.assignment_report(
                assignment=a, user=world.staff_a, note="本月情况", at=local(before.deadline)
            )
            services.assignment_report(
                assignment=a,
                user=world.staff_a,
                note="补报",
                at=local(last.deadline + timedelta(1)),
            )
    ws = load_workbook(export(Assignment.objects.all(), today))["报送情况"]
    rows = {r[0]: r[1:] for r in ws.iter_rows(min_row=4, values_only=True) if r[1]}
    assert rows["城关镇"] == ("乡镇街道", 2, 1, 1, 1, 0, 50.0, "应报 2 期，按期 1，迟报 1，未报 0")
    assert rows["河西镇"] == ("乡镇街道", 2, 0, 0, 0, 2, 0.0, "应报 2 期，按期 0，迟报 0，未报 2")
    assert "县应急管理局" not in rows  # none of its tasks has a 报送频次
    assert "迟报" in ws.cell(row=5 + len(rows), column=1).value  # the note says how it counts
