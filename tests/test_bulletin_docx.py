"""The 通报 as a Word document says what the spreadsheet and the dashboard say, laid out as a 公文,
and each user gets only their own scope."""

import io
import re
from datetime import date, datetime, timedelta
from urllib.parse import quote

from django.urls import reverse
from django.utils import timezone
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from openpyxl import load_workbook

from checklist.models import ChecklistItem, WorkYear
from tests.conftest import local
from tracker import services
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.excel.bulletin import write_bulletin
from tracker.excel.bulletin_docx import write_bulletin_docx
from tracker.models import Assignment

HEADLINE = re.compile(
    r"应完成(\d+)项，已办结(\d+)项，完成率([\d.]+)%；逾期未办结(\d+)项。红灯(\d+)项，"
    r"未按期报送(\d+)项。"
)


def read(data: bytes) -> Document:
    return Document(io.BytesIO(data))


def download(client, params=None):
    response = client.get(reverse("bulletin_docx_export"), params or {})
    assert response.status_code == 200
    return response, read(b"".join(response.streaming_content))


def export(world, today, **options):
    buffer = io.BytesIO()
    write_bulletin_docx(buffer, assignments=Assignment.objects.all(), today=today, **options)
    return read(buffer.getvalue())


def texts(doc) -> list[str]:
    return [p.text for p in doc.paragraphs]


def headline(doc) -> tuple:
    match = next(m for p in doc.paragraphs if (m := HEADLINE.search(p.text)))
    total, verified, rate, overdue, red, missing = match.groups()
    return int(total), int(verified), float(rate), int(overdue), int(red), int(missing)


def table_rows(table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def a_busy_county(world):
    """One task done, one overdue, one unit behind on a monthly report."""
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.today - timedelta(days=3)
    )
    monthly = ChecklistItem.objects.create(
        code=f"{world.year}-077", title="网格员每月巡查", theme=world.theme,
        start_date=world.item.start_date, cadence="monthly", cadence_day=28,
        state="published", published_at=timezone.now(),
    )  # fmt: skip
    # Given when the item started: work given less than a week before a deadline owes nothing.
    given = local(monthly.start_date)
    services.assignment_create(item=monthly, unit=world.town_b, user=world.office, at=given)
    services.assignment_create(item=monthly, unit=world.dept, user=world.office, at=given)
    return monthly


def test_the_title_names_the_year_and_the_document_is_dated_the_figures_day(login, world):
    response, doc = download(login(world.office), {"year": world.year})
    paragraphs = texts(doc)
    assert paragraphs[0].replace("\n", "") == f"关于{world.year}年度安全生产重点工作进展情况的通报"
    assert paragraphs[1] == f"（截至{day_text(world.today)}）"
    assert paragraphs[2] == "各乡镇（街道）、县直有关单位："
    assert paragraphs[-2:] == ["县安委办", day_text(world.today)]  # 落款: issuer over the date
    assert doc.core_properties.title == paragraphs[0].replace("\n", "")


def test_a_leader_issues_it_in_the_offices_name(login, world):
    _response, doc = download(login(world.leader))
    assert texts(doc)[-2] == "县安委办"


def test_a_closed_year_is_reported_as_on_its_closing_day(login, world):
    last_year = world.year - 1
    closing = date(last_year, 12, 31)
    old = ChecklistItem.objects.create(
        code=f"{last_year}-001", title="上年度任务", theme=world.theme, year=last_year,
        start_date=date(last_year, 3, 1), deadline=date(last_year, 11, 30),
        state="published", published_at=timezone.now(),
    )  # fmt: skip
    services.assignment_create(item=old, unit=world.town_a, user=world.office)
    WorkYear.objects.create(
        year=last_year, state="closed", closed_on=closing,
        closed_at=timezone.make_aware(datetime(last_year, 12, 31, 17)),
    )  # fmt: skip
    response, doc = download(login(world.office), {"year": last_year})
    assert texts(doc)[1] == f"（截至{day_text(closing)}）"
    assert texts(doc)[-1] == day_text(closing)
    assert f"{closing:%Y%m%d}.docx" in response["Content-Disposition"]
    # Overdue on its closing day by 31 days, whatever today is.
    assert "（逾期31天）" in table_rows(doc.tables[-1])[1][3]


def test_the_headline_figures_are_the_dashboards_and_the_spreadsheets(login, world):
    a_busy_county(world)
    client = login(world.office)
    _response, doc = download(client, {"year": world.year})
    board = build_dashboard(world.office, DashboardFilters(year=world.year), today=world.today)
    missing = sum(m["count"] for m in board.missing_reports)
    total, verified, rate, overdue, red, missing_shown = headline(doc)
    standings = board.townships + board.departments + board.others
    assert (total, verified, rate, red, missing_shown) == (
        board.total, board.verified, board.rate, board.lights["red"], missing,
    )  # fmt: skip
    assert overdue == sum(s.overdue for s in standings)
    # Not all zero, or a wrong rule would pass: red are the overdue task and the two counted
    # ones at 0% more than half-way through their window.
    assert (total, verified, overdue, red, missing_shown) == (6, 1, 1, 3, 2)

    sheet = client.get(reverse("bulletin_export"), {"year": world.year})
    ws = load_workbook(io.BytesIO(b"".join(sheet.streaming_content)))["汇总排名"]
    rows = [r for r in ws.iter_rows(min_row=4, values_only=True) if isinstance(r[0], int)]
    assert total == sum(r[3] for r in rows) and verified == sum(r[4] for r in rows)
    assert overdue == sum(r[8] for r in rows)


def test_the_red_count_counts_lead_and_responsible_work_only(world):
    services.assignment_create(
        item=world.item, unit=world.office_unit, user=world.office, role=Assignment.Role.COOPERATE
    )
    late = world.item.deadline + timedelta(days=1)
    doc = export(world, late)
    board = build_dashboard(world.office, DashboardFilters(), today=late)
    assert headline(doc)[4] == board.lights["red"] == 4  # the cooperating fifth is not counted
    text = "\n".join(texts(doc))
    assert "红灯数为牵头、责任单位承担的任务中" in text  # the document says what it counts


def test_the_ranking_tables_are_the_league_tables(login, world):
    a_busy_county(world)
    _response, doc = download(login(world.office), {"year": world.year})
    board = build_dashboard(world.office, DashboardFilters(year=world.year), today=world.today)
    headings = [t for t in texts(doc) if t.endswith("完成情况排名")]
    assert headings == ["二、乡镇（街道）完成情况排名", "三、县直部门完成情况排名"]
    townships, departments = doc.tables[0], doc.tables[1]
    header = ["排名", "单位", "应完成", "已办结", "待审核", "推进中", "未开始", "逾期", "完成率"]
    for table, group in ((townships, board.townships), (departments, board.departments)):
        rows = table_rows(table)
        assert rows[0] == header
        assert rows[1:] == [
            [str(s.rank), s.name, str(s.total), str(s.verified), str(s.submitted),
             str(s.in_progress), str(s.not_started), str(s.overdue), f"{s.rate:.1f}%"]
            for s in group
        ]  # fmt: skip
    assert table_rows(townships)[1][:2] == ["1", "城关镇"]


def test_the_overdue_list_counts_every_overdue_task_and_names_the_oldest_three(world):
    for n in range(4):
        item = ChecklistItem.objects.create(
            code=f"{world.year}-1{n:02}", title=f"逾期任务{n}", theme=world.theme,
            start_date=world.item.start_date, deadline=world.today - timedelta(days=n + 1),
            state="published", published_at=timezone.now(),
        )  # fmt: skip
        services.assignment_create(item=item, unit=world.town_a, user=world.office)
    doc = export(world, world.today)
    rows = table_rows(doc.tables[-1])
    assert rows[0] == ["序号", "单位", "项数", "逾期最久的任务"]
    assert rows[1][:3] == ["1", "城关镇", "4"]
    assert rows[1][3] == (
        f"{world.year}-103 逾期任务3（逾期4天）\n{world.year}-102 逾期任务2（逾期3天）\n"
        f"{world.year}-101 逾期任务1（逾期2天）\n等4项"
    )
    assert len(rows) == 2  # nothing else is overdue
    text = "\n".join(texts(doc))
    assert "共有4项任务逾期未办结，涉及1个单位" in text
    assert "“逾期清单”工作表" in text  # says where the full list is


def test_the_overdue_list_is_the_spreadsheets_overdue_sheet_less_the_cooperating_units(world):
    services.assignment_create(
        item=world.item, unit=world.office_unit, user=world.office, role=Assignment.Role.COOPERATE
    )
    late = world.item.deadline + timedelta(days=10)
    doc = export(world, late)
    buffer = io.BytesIO()
    write_bulletin(buffer, assignments=Assignment.objects.all(), today=late)
    sheet = load_workbook(io.BytesIO(buffer.getvalue()))["逾期清单"]
    per_unit: dict[str, int] = {}
    for row in sheet.iter_rows(min_row=4, values_only=True):
        if row[3] != "配合":
            per_unit[row[2]] = per_unit.get(row[2], 0) + 1
    listed = {r[1]: int(r[2]) for r in table_rows(doc.tables[-1])[1:]}
    assert listed == per_unit == {"城关镇": 2, "河西镇": 1, "县应急管理局": 1}
    # As the ranking's 逾期 column counts them.
    ranked = {r[1]: int(r[7]) for t in doc.tables[:2] for r in table_rows(t)[1:]}
    assert ranked == listed
    assert "牵头、责任单位共有4项任务逾期未办结" in "\n".join(texts(doc))


def test_the_missing_reports_list_is_the_dashboards(login, world):
    a_busy_county(world)
    _response, doc = download(login(world.office), {"year": world.year})
    board = build_dashboard(world.office, DashboardFilters(year=world.year), today=world.today)
    missing = next(t for t in doc.tables if t.rows[0].cells[3].text == "未报送的任务（报送时限）")
    rows = table_rows(missing)[1:]
    assert (
        {(r[1], int(r[2])) for r in rows}
        == {(m["unit"], m["count"]) for m in board.missing_reports}
        == {("河西镇", 1), ("县应急管理局", 1)}
    )
    deadline = board.missing_reports[0]["items"][0]["deadline"]  # 11月28日
    assert {r[3] for r in rows} == {f"{world.year}-077 网格员每月巡查（{deadline}前）"}


def test_fonts_and_sizes_follow_the_official_layout(login, world):
    _response, doc = download(login(world.office))

    def east_asia(paragraph):
        return paragraph.runs[0]._element.rPr.rFonts.get(qn("w:eastAsia"))

    title, subtitle = doc.paragraphs[0], doc.paragraphs[1]
    body = next(p for p in doc.paragraphs if p.text.startswith("为推动"))
    heading = next(p for p in doc.paragraphs if p.text == "一、总体情况")
    assert (east_asia(title), title.runs[0].font.size) == ("方正小标宋简体", Pt(22))
    assert (east_asia(body), body.style.font.size) == ("仿宋_GB2312", Pt(16))
    assert east_asia(heading) == "黑体" and east_asia(subtitle) == "楷体_GB2312"
    rfonts = title.runs[0]._element.rPr.rFonts
    assert rfonts.get(qn("w:ascii")) == rfonts.get(qn("w:hAnsi")) == "方正小标宋简体"
    cell = doc.tables[0].rows[1].cells[1].paragraphs[0]
    assert east_asia(cell) == "仿宋_GB2312"
    # Text with no font of its own falls back to the document's default: 仿宋_GB2312 too.
    defaults = doc.styles.element.find(qn("w:docDefaults")).find(qn("w:rPrDefault"))
    assert defaults.find(qn("w:rPr")).find(qn("w:rFonts")).get(qn("w:eastAsia")) == "仿宋_GB2312"
    section = doc.sections[0]
    measures = ("page_width", "page_height", "top_margin", "bottom_margin", "left_margin",
                "right_margin")  # fmt: skip
    # A4 with GB/T 9704's text area of 156 × 225 mm (stored in twentieths of a point).
    assert [round(getattr(section, m).mm) for m in measures] == [210, 297, 37, 35, 28, 26]
    # Each font names the one to use where it is not installed.
    fonts = next(p for p in doc.part.package.iter_parts() if p.partname.endswith("fontTable.xml"))
    xml = fonts.blob.decode()
    assert '<w:font w:name="仿宋_GB2312"><w:altName w:val="仿宋"/>' in xml
    assert '<w:font w:name="方正小标宋简体"><w:altName w:val="宋体"/>' in xml


def test_every_page_is_numbered_in_the_footer(login, world):
    _response, doc = download(login(world.office))
    section = doc.sections[0]
    assert doc.settings.odd_and_even_pages_header_footer
    for footer in (section.footer, section.even_page_footer):
        xml = footer._element.xml
        assert 'w:fldCharType="begin"' in xml and "<w:instrText" in xml and " PAGE " in xml
        assert footer.paragraphs[0].text == "— 1 —"


def test_a_township_gets_its_own_document_without_a_rank(login, world):
    a_busy_county(world)
    _response, doc = download(login(world.staff_a), {"year": world.year})
    text = "\n".join(texts(doc)) + "".join(
        c.text for t in doc.tables for r in t.rows for c in r.cells
    )
    assert "城关镇" in text and "河西镇" not in text and "县应急管理局" not in text
    assert "二、本单位任务推进情况" in texts(doc)
    assert table_rows(doc.tables[0]) == [
        ["单位", "应完成", "已办结", "待审核", "推进中", "未开始", "逾期", "完成率"],
        ["城关镇", "2", "1", "0", "0", "1", "0", "50.0%"],
    ]
    assert headline(doc)[:3] == (2, 1, 50.0)
    assert texts(doc)[-2] == "城关镇"  # issued by the unit itself
    assert "各乡镇（街道）、县直有关单位：" not in texts(doc)


def test_another_townships_user_cannot_ask_for_more_than_its_scope(login, world):
    _response, doc = download(login(world.staff_b), {"unit": world.town_a.pk, "year": ""})
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "河西镇" in cells and "城关镇" not in cells
    assert headline(doc)[0] == 1


def test_the_filters_in_force_are_stated_and_applied(login, world):
    _response, doc = download(login(world.office), {"role": "lead"})
    assert "本通报只统计符合以下条件的任务：角色：牵头。" in texts(doc)
    assert [r[1] for r in table_rows(doc.tables[0])[1:]] == ["县应急管理局"]


def test_the_download_is_a_word_file_with_a_chinese_name(login, world, events):
    response, _doc = download(login(world.office))
    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"安全生产重点工作任务推进情况通报-{world.today:%Y%m%d}.docx"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]
    [event] = [e for e in events() if e.security["action"] == "export"]
    assert "file=bulletin_docx" in event.getMessage()


def test_control_characters_in_a_title_do_not_break_the_document(world):
    ChecklistItem.objects.filter(pk=world.item.pk).update(title="坏字符\x07\x1b\x0b结束")
    doc = export(world, world.item.deadline + timedelta(days=1))
    assert "坏字符结束" in table_rows(doc.tables[-1])[1][3]


def test_someone_signed_out_is_sent_to_sign_in(client, world):
    response = client.get(reverse("bulletin_docx_export"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_a_grid_worker_gets_no_task_of_the_township(login, world):
    _response, doc = download(login(world.grid_a))
    assert headline(doc)[:2] == (0, 0)
    cells = {c.text for t in doc.tables for r in t.rows for c in r.cells}
    assert "城关镇" not in cells and "河西镇" not in cells
