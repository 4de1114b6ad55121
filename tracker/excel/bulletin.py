"""The progress bulletin (进度通报): a workbook a leader can print.

Written with XlsxWriter in constant-memory mode: rows stream out as they are read from the
database, so a 100,000-row bulletin stays small in memory. Text is always written as a
string cell, so "=cmd|…" in a note can never become a formula.
"""

import re
from datetime import UTC, date, datetime
from functools import lru_cache

import xlsxwriter
from django.db import connection
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone

from tracker.league import league_table
from tracker.models import Assignment, StatusUpdate
from tracker.progress import LIGHT_LABELS, format_quantity, progress

MAX_CELL = 32_767
CUT_AT = 30_000
CUT_MARK = "…（内容过长，已截断）"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

STATUS = dict(Assignment.Status.choices)
ROLE = dict(Assignment.Role.choices)
FILLS = {"red": "#F8CBAD", "yellow": "#FFE699", "green": "#C6EFCE", "grey": "#D9D9D9"}

DETAIL_COLUMNS = [
    ("编号", 10),
    ("任务", 40),
    ("领域", 14),
    ("单位", 16),
    ("角色", 6),
    ("状态", 8),
    ("完成%", 7),
    ("完成数量/目标", 14),
    ("完成时限", 11),
    ("红黄绿灯", 8),
    ("最新进展", 40),
    ("最近更新", 16),
]
SUMMARY_COLUMNS = [
    ("排名", 6),
    ("单位", 18),
    ("类别", 10),
    ("应完成", 8),
    ("已办结", 8),
    ("待审核", 8),
    ("推进中", 8),
    ("未开始", 8),
    ("逾期", 8),
    ("完成率", 9),
]
OVERDUE_COLUMNS = [
    ("编号", 10),
    ("任务", 40),
    ("单位", 16),
    ("角色", 6),
    ("状态", 8),
    ("完成%", 7),
    ("完成时限", 11),
    ("逾期天数", 8),
    ("最新进展", 40),
]
KIND = {"township": "乡镇街道", "department": "部门", "other": "其他"}


def safe_text(value) -> str:
    """Printable text for a cell: no control characters, cut (visibly) below Excel's limit."""
    text = _CONTROL.sub("", str(value or ""))
    if len(text) > MAX_CELL:
        text = text[:CUT_AT] + CUT_MARK
    return text


class _Formats:
    def __init__(self, book):
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        self.title = book.add_format({**base, "bold": True, "font_size": 16, "align": "center"})
        self.subtitle = book.add_format({**base, "align": "center", "font_color": "#555555"})
        self.header = book.add_format(
            {
                **base,
                "bold": True,
                "bg_color": "#DDEBF7",
                "border": 1,
                "align": "center",
                "text_wrap": True,
            }
        )
        self.text = book.add_format({**base, "border": 1, "text_wrap": True})
        self.plain = book.add_format({**base, "border": 1})
        self.number = book.add_format({**base, "border": 1, "align": "right"})
        self.percent = book.add_format({**base, "border": 1, "num_format": '0.0"%"'})
        self.date = book.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd"})
        self.datetime = book.add_format({**base, "border": 1, "num_format": "yyyy-mm-dd hh:mm"})
        self.lights = {
            key: book.add_format({**base, "border": 1, "bg_color": color, "align": "center"})
            for key, color in FILLS.items()
        }


def _sheet(book, name, columns, title, subtitle, formats):
    sheet = book.add_worksheet(name)
    last = len(columns) - 1
    sheet.merge_range(0, 0, 0, last, title, formats.title)
    sheet.merge_range(1, 0, 1, last, subtitle, formats.subtitle)
    for col, (label, width) in enumerate(columns):
        sheet.set_column(col, col, width)
        sheet.write_string(2, col, label, formats.header)
    sheet.set_row(0, 26)
    sheet.freeze_panes(3, 0)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.repeat_rows(2)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)
    sheet.set_footer("&C第 &P 页，共 &N 页")
    return sheet


def bulletin_rows(assignments: QuerySet[Assignment]):
    history = StatusUpdate.objects.filter(assignment=OuterRef("pk")).order_by("-created_at", "-id")
    return (
        assignments.annotate(
            latest_note=Subquery(history.exclude(note="").values("note")[:1]),
            latest_at=Subquery(history.values("created_at")[:1]),
        )
        .order_by("item__code", "unit__kind", "unit__sort_order", "unit__name")
        .values_list(
            "item__code",
            "item__title",
            "item__theme__name",
            "unit__name",
            "role",
            "status",
            "percent",
            "quantity_done",
            "item__target_quantity",
            "item__target_unit",
            "due_date",
            "item__start_date",
            "latest_note",
            "latest_at",
        )
    )


_EPOCH = date(1899, 12, 30)  # day 0 of Excel's 1900 date system (with its leap-year quirk)


def _as_date(value) -> date | None:
    """Dates arrive as date objects, or as ISO text from SQLite on the raw cursor."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10])


def _serial(value) -> float:
    """A stored moment → Excel's serial number in local time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite keeps UTC without an offset
        value = value.replace(tzinfo=UTC)
    local = timezone.localtime(value)
    return (local.date() - _EPOCH).days + (
        local.hour * 3600 + local.minute * 60 + local.second
    ) / 86400


def _stream(rows: QuerySet):
    """The query's rows as the driver returns them, without the ORM's per-value converters;
    on PostgreSQL through a server-side cursor, so memory stays flat."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def write_bulletin(
    target, *, assignments: QuerySet[Assignment], today: date, scope: str = ""
) -> None:
    """Write the bulletin of these assignments (already scoped and filtered) to a path or file."""
    book = xlsxwriter.Workbook(
        target,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
            "remove_timezone": True,
            "in_memory": False,
        },
    )
    fm = _Formats(book)
    stamp = f"截至 {today:%Y年%m月%d日}" + (f" · {scope}" if scope else "")

    standings = league_table(
        assignments.values_list(
            "unit_id", "unit__name", "unit__kind", "role", "status", "due_date"
        ).iterator(chunk_size=5000),
        today=today,
    )
    summary = _sheet(
        book, "汇总排名", SUMMARY_COLUMNS, "安全生产重点工作任务推进情况通报", stamp, fm
    )
    for r, s in enumerate(standings, start=3):
        summary.write_number(r, 0, s.rank, fm.number)
        summary.write_string(r, 1, s.name, fm.plain)
        summary.write_string(r, 2, KIND.get(s.kind, ""), fm.plain)
        for c, value in enumerate(
            (s.total, s.verified, s.submitted, s.in_progress, s.not_started, s.overdue), start=3
        ):
            summary.write_number(r, c, value, fm.number)
        summary.write_number(r, 9, s.rate, fm.percent)
    summary.autofilter(2, 0, max(2, 2 + len(standings)), len(SUMMARY_COLUMNS) - 1)
    note_row = 4 + len(standings)
    summary.write_string(
        note_row,
        0,
        "注：应完成、完成率只计牵头和责任单位，配合单位不计；逾期为超过完成时限仍未办结。",
    )

    detail = _sheet(book, "任务明细", DETAIL_COLUMNS, "任务推进明细", stamp, fm)
    overdue = _sheet(book, "逾期清单", OVERDUE_COLUMNS, "逾期未办结任务清单", stamp, fm)
    # Cells are written one by one through XlsxWriter's plain calls, with dates as serial
    # numbers and the traffic light cached: at 250,000 rows every microsecond per cell counts.
    light_of = lru_cache(maxsize=65536)(
        lambda status, percent, start, due: progress(
            status=status, percent=percent, start=start, due=due, today=today
        )
    )
    short = lru_cache(maxsize=8192)(safe_text)  # codes, titles, units repeat row after row
    role_label, status_label = ROLE.get, STATUS.get
    light_text = {key: (LIGHT_LABELS[key], fm.lights[key]) for key in LIGHT_LABELS}
    text_, plain, number, day = fm.text, fm.plain, fm.number, fm.date
    write, number_cell, blank = detail.write_string, detail.write_number, detail.write_blank
    r = o = 3
    for row in _stream(bulletin_rows(assignments)):
        (code, title, theme, unit, role, status, percent, done, target, target_unit, due, start,
         note, updated) = row  # fmt: skip
        due, start = _as_date(due), _as_date(start)
        light = light_of(status, percent, start, due)
        code, title, unit, note = (
            safe_text(code),
            safe_text(title),
            safe_text(unit),
            safe_text(note),
        )
        role, status = role_label(role, role), status_label(status, status)
        write(r, 0, code, plain)
        write(r, 1, title, text_)
        write(r, 2, short(theme), plain)
        write(r, 3, unit, plain)
        write(r, 4, role, plain)
        write(r, 5, status, plain)
        number_cell(r, 6, percent, number)
        if target:
            write(r, 7, f"{format_quantity(done)}/{format_quantity(target)}{target_unit}", plain)
        else:
            blank(r, 7, None, plain)
        if due:
            number_cell(r, 8, (due - _EPOCH).days, day)
        else:
            write(r, 8, "长期", plain)
        write(r, 9, *light_text[light.light])
        write(r, 10, note, text_)
        if updated:
            number_cell(r, 11, _serial(updated), fm.datetime)
        else:
            blank(r, 11, None, fm.datetime)
        r += 1
        if light.overdue:
            overdue.write_string(o, 0, code, plain)
            overdue.write_string(o, 1, title, text_)
            overdue.write_string(o, 2, unit, plain)
            overdue.write_string(o, 3, role, plain)
            overdue.write_string(o, 4, status, plain)
            overdue.write_number(o, 5, percent, number)
            overdue.write_number(o, 6, (due - _EPOCH).days, day)
            overdue.write_number(o, 7, (today - due).days, number)
            overdue.write_string(o, 8, note, text_)
            o += 1
    detail.autofilter(2, 0, max(2, r - 1), len(DETAIL_COLUMNS) - 1)
    overdue.autofilter(2, 0, max(2, o - 1), len(OVERDUE_COLUMNS) - 1)
    book.close()
