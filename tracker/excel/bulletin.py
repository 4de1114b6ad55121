"""The progress bulletin (进度通报): a workbook a leader can print.

Only published items count: drafts are the office's work in progress, not the units' work, and
the dashboard's league leaves them out too. The ranking comes from tracker.league, the lights
from tracker.progress, as on the pages; 报送情况 (each unit's 应报, 按期, 迟报, 未报 periods)
from tracker.reporting, by the rule of tracker.periods that the task pages show.

Written with tracker.excel.xlsx_stream: each row is one f-string of ready cell XML, streamed to
disk, so 250,000 rows take seconds and little memory. Text is always an inline string (never a
formula) and cells that start like a formula carry Excel's quote prefix.
"""

from datetime import UTC, date, datetime
from functools import lru_cache

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, OuterRef, QuerySet, Subquery, When
from django.db.models.functions import Cast, Coalesce
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker.excel.xlsx_stream import (
    CUT_MARK,
    MAX_CELL,
    PrintSetup,
    Workbook,
    clean_text,
    date_serial,
    datetime_serial,
    text_cells,
)
from tracker.league import league_table, rank_within_kinds
from tracker.models import Assignment, StatusUpdate, Unit
from tracker.periods import GRACE_DAYS, Tally
from tracker.progress import LIGHT_LABELS, format_quantity, progress
from tracker.reporting import unit_tallies

__all__ = ["CUT_MARK", "MAX_CELL", "bulletin_rows", "safe_text", "write_bulletin"]

safe_text = clean_text  # the return sheet cleans its text the same way

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
REPORTING_COLUMNS = [
    ("单位", 18),
    ("类别", 10),
    ("应报期数", 9),
    ("按期", 8),
    ("迟报", 8),
    ("迟报天数", 9),
    ("未报", 8),
    ("按期率", 9),
    ("报送情况", 42),
]
KIND = {"township": "乡镇街道", "department": "部门", "other": "其他"}
NOTE = (
    "注：只统计已发布的任务；应完成、完成率只计牵头和责任单位，配合单位不计；"
    "逾期为超过完成时限仍未办结；乡镇街道、部门分别排名。"
)
REPORTING_NOTE = (
    "注：统计有报送频次的已发布任务（含有完成时限的任务）的每一期，应报只计报送截止日已过的期次。"
    "按期：本期第一天至截止日有报送；迟报：截止日后、下期截止日前补报，天数自截止日起算；"
    f"未报：至下期截止日仍未报送。分解不足{GRACE_DAYS}天的当期、提交审核待审期间、"
    "完成时限之后的期次不计。"
)
COMPRESSION = 6  # zlib's default: level 1 would save about a second per 100 MB of sheet XML


class _Styles:
    """The bulletin's cell formats, as style indexes for the cells' s="…" attribute."""

    def __init__(self, styles):
        base = {"font_name": "宋体", "font_size": 10, "valign": "top"}
        cell = {**base, "border": True}
        self.title = styles.add(**{**base, "font_size": 16}, bold=True, align="center")
        self.subtitle = styles.add(**base, align="center", font_color="#555555")
        self.header = styles.add(**cell, bold=True, bg_color="#DDEBF7", align="center", wrap=True)
        self.note = styles.add(**base)
        self.text = styles.add(**cell, wrap=True)
        self.text_quoted = styles.add(**cell, wrap=True, quote_prefix=True)
        self.plain = styles.add(**cell)
        self.plain_quoted = styles.add(**cell, quote_prefix=True)
        self.number = styles.add(**cell, align="right")
        self.percent = styles.add(**cell, num_format='0.0"%"')
        self.date = styles.add(**cell, num_format="yyyy-mm-dd")
        self.datetime = styles.add(**cell, num_format="yyyy-mm-dd hh:mm")
        self.lights = {
            key: styles.add(**cell, bg_color=color, align="center") for key, color in FILLS.items()
        }


def _sheet(book: Workbook, name, columns, title, subtitle, st: _Styles):
    """A sheet with the merged title and subtitle, the bold header row frozen under them,
    printing A4 landscape one page wide with the header repeated on every page."""
    sheet = book.add_sheet(
        name,
        [width for _, width in columns],
        freeze_rows=3,
        print_setup=PrintSetup(repeat_rows=(2, 2), footer="&C第 &P 页，共 &N 页"),
    )
    last = len(columns) - 1
    title_cell = text_cells(st.title, st.title, cache=0)
    subtitle_cell = text_cells(st.subtitle, st.subtitle, cache=0)
    sheet.write_row(0, f'<c r="A1"{title_cell(title)}</c>', height=26)
    sheet.write_row(1, f'<c r="A2"{subtitle_cell(subtitle)}</c>')
    header_cell = text_cells(st.header, st.header, cache=0)
    sheet.write_row(
        2,
        "".join(
            f'<c r="{_letter(col)}3"{header_cell(label)}</c>'
            for col, (label, _) in enumerate(columns)
        ),
    )
    sheet.merge(0, 0, 0, last)
    sheet.merge(1, 0, 1, last)
    return sheet


def _letter(col: int) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[col]


UNIT_REPORTS = [StatusUpdate.Kind.REPORT, StatusUpdate.Kind.SUBMIT]


def bulletin_rows(assignments: QuerySet[Assignment], *, dates_as_text: bool = False):
    """One row per assignment in bulletin order. With dates_as_text the three dates come as ISO
    text: on SQLite that skips the driver's date parsing, a tenth of a large export's time."""
    # 最新进展 / 最近更新 are the unit's own latest report, not the office's 下达, 销号 or 催办.
    history = StatusUpdate.objects.filter(
        assignment=OuterRef("pk"), kind__in=UNIT_REPORTS
    ).order_by("-created_at", "-id")
    latest_at = Subquery(history.values("created_at")[:1])
    due, start = F("due_date"), F("item__start_date")
    # The county date of a pending submission (progress.waiting_on_office), for those rows only.
    submitted_on = Case(When(status=Assignment.Status.SUBMITTED, then=F("submitted_date")))
    if dates_as_text:
        due, start, latest_at = (Cast(e, CharField()) for e in (due, start, latest_at))
    return (
        assignments.annotate(
            latest_note=Subquery(history.exclude(note="").values("note")[:1]),
            bulletin_latest_at=latest_at,
            bulletin_due=due,
            bulletin_start=start,
            bulletin_submitted_on=submitted_on,
            # The unit's own target: its 分解数量, else the item's (a rate never has a share).
            bulletin_target=Coalesce("share_quantity", "item__target_quantity"),
        )
        .order_by("item__code", "unit__kind", "unit__sort_order", "unit__name")
        .values_list(
            "item__code",
            "item__title",
            "item__theme__name",
            "unit_id",
            "unit__name",
            "unit__kind",
            "role",
            "status",
            "percent",
            "quantity_done",
            "bulletin_target",
            "item__target_unit",
            "bulletin_due",
            "bulletin_start",
            "bulletin_submitted_on",
            "latest_note",
            "bulletin_latest_at",
        )
    )


def _as_date(value) -> date | None:
    """Dates arrive as date objects, or as ISO text from SQLite on the raw cursor."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    return date.fromisoformat(value[:10])


def _local_serial(value) -> float:
    """A stored moment → Excel's serial number in local time."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:  # SQLite keeps UTC without an offset
        value = value.replace(tzinfo=UTC)
    return datetime_serial(timezone.localtime(value))


def _stream(rows: QuerySet):
    """The query's rows as the driver returns them, without the ORM's per-value converters;
    on PostgreSQL through a server-side cursor, so memory stays flat."""
    sql, params = rows.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def _write_rows(detail, overdue, assignments, *, today: date, st: _Styles):
    """Write the detail and overdue sheets in one pass over the rows, yielding each row's
    (unit_id, unit, kind, role, status, due, submitted_on) for the league table, so the ranking is counted
    from exactly the rows written, without a second query."""
    plain_cell = text_cells(st.plain, st.plain_quoted)
    text_cell = text_cells(st.text, st.text_quoted)
    note_cell = text_cells(st.text, st.text_quoted, cache=1024)
    role_cell = {key: plain_cell(label) for key, label in Assignment.Role.choices}
    status_cell = {key: plain_cell(label) for key, label in Assignment.Status.choices}
    light_cell = {
        key: f' s="{st.lights[key]}" t="inlineStr"><is><t>{label}</t></is>'
        for key, label in LIGHT_LABELS.items()
    }
    long_term = plain_cell("长期")
    s_number, s_date, s_plain, s_datetime = st.number, st.date, st.plain, st.datetime

    @lru_cache(maxsize=65536)
    def timing(status, percent, start, due, submitted_on):
        """Light, overdue, due date and its serial: few distinct combinations repeat."""
        start, due, submitted_on = _as_date(start), _as_date(due), _as_date(submitted_on)
        light = progress(
            status=status,
            percent=percent,
            start=start,
            due=due,
            today=today,
            submitted_on=submitted_on,
        )
        serial = date_serial(due) if due else None
        days = (today - due).days if light.overdue else None
        return light_cell[light.light], light.overdue, due, serial, days, submitted_on

    @lru_cache(maxsize=1024)
    def quantity_cell(done, target, target_unit):
        return plain_cell(f"{format_quantity(done)}/{format_quantity(target)}{target_unit}")

    updated_serial = lru_cache(maxsize=4096)(_local_serial)
    write_detail, write_overdue = detail.write_row, overdue.write_row
    r = o = 3
    text_dates = connection.vendor == "sqlite"
    for row in _stream(bulletin_rows(assignments, dates_as_text=text_dates)):
        (code, title, theme, unit_id, unit, kind, role, status, percent, done, target,
         target_unit, due, start, submitted, note, updated) = row  # fmt: skip
        light, is_overdue, due_date, serial, days, submitted_on = timing(
            status, percent, start, due, submitted
        )
        code_c, title_c, unit_c = plain_cell(code), text_cell(title), plain_cell(unit)
        role_c, status_c, note_c = role_cell.get(role), status_cell.get(status), note_cell(note)
        if role_c is None:
            role_c = plain_cell(role)
        if status_c is None:
            status_c = plain_cell(status)
        n = r + 1
        due_c = (
            f'<c r="I{n}" s="{s_date}"><v>{serial}</v></c>'
            if serial is not None
            else f'<c r="I{n}"{long_term}</c>'
        )
        write_detail(
            r,
            f'<c r="A{n}"{code_c}</c><c r="B{n}"{title_c}</c><c r="C{n}"{plain_cell(theme)}</c>'
            f'<c r="D{n}"{unit_c}</c><c r="E{n}"{role_c}</c><c r="F{n}"{status_c}</c>'
            f'<c r="G{n}" s="{s_number}"><v>{percent}</v></c>'
            + (
                f'<c r="H{n}"{quantity_cell(done, target, target_unit)}</c>'
                if target
                else f'<c r="H{n}" s="{s_plain}"/>'
            )
            + due_c
            + f'<c r="J{n}"{light}</c><c r="K{n}"{note_c}</c>'
            + (
                f'<c r="L{n}" s="{s_datetime}"><v>{updated_serial(updated)!r}</v></c>'
                if updated
                else f'<c r="L{n}" s="{s_datetime}"/>'
            ),
        )
        r += 1
        if is_overdue:
            n = o + 1
            write_overdue(
                o,
                f'<c r="A{n}"{code_c}</c><c r="B{n}"{title_c}</c><c r="C{n}"{unit_c}</c>'
                f'<c r="D{n}"{role_c}</c><c r="E{n}"{status_c}</c>'
                f'<c r="F{n}" s="{s_number}"><v>{percent}</v></c>'
                f'<c r="G{n}" s="{s_date}"><v>{serial}</v></c>'
                f'<c r="H{n}" s="{s_number}"><v>{days}</v></c><c r="I{n}"{note_c}</c>',
            )
            o += 1
        yield unit_id, unit, kind, role, status, due_date, submitted_on
    detail.autofilter = (2, 0, max(2, r - 1), len(DETAIL_COLUMNS) - 1)
    overdue.autofilter = (2, 0, max(2, o - 1), len(OVERDUE_COLUMNS) - 1)


def _write_summary(sheet, standings, st: _Styles) -> None:
    name_cell = text_cells(st.plain, st.plain_quoted, cache=0)
    kind_cell = {key: name_cell(label) for key, label in KIND.items()}
    for r, s in enumerate(standings, start=3):
        n = r + 1
        counts = "".join(
            f'<c r="{_letter(c)}{n}" s="{st.number}"><v>{value}</v></c>'
            for c, value in enumerate(
                (s.total, s.verified, s.submitted, s.in_progress, s.not_started, s.overdue),
                start=3,
            )
        )
        sheet.write_row(
            r,
            f'<c r="A{n}" s="{st.number}"><v>{s.rank}</v></c><c r="B{n}"{name_cell(s.name)}</c>'
            f'<c r="C{n}"{kind_cell.get(s.kind) or name_cell("")}</c>{counts}'
            f'<c r="J{n}" s="{st.percent}"><v>{s.rate!r}</v></c>',
        )
    sheet.autofilter = (2, 0, max(2, 2 + len(standings)), len(SUMMARY_COLUMNS) - 1)
    note = text_cells(st.note, st.note, cache=0)(NOTE)
    sheet.write_row(4 + len(standings), f'<c r="A{5 + len(standings)}"{note}</c>')


def _write_reporting(sheet, tallies: dict[int, Tally], st: _Styles) -> None:
    """One row per unit with a period due: its 应报 N 期，按期 N，迟报 N，未报 N, in the units'
    own order, by kind as the ranking sheet."""
    name_cell = text_cells(st.plain, st.plain_quoted, cache=0)
    kind_cell = {key: name_cell(label) for key, label in KIND.items()}
    kind_order = {key: n for n, key in enumerate(KIND)}
    units = sorted(
        Unit.objects.filter(pk__in=[pk for pk, t in tallies.items() if t.due]).values_list(
            "pk", "name", "kind", "sort_order"
        ),
        key=lambda u: (kind_order.get(u[2], len(KIND)), u[3], u[1]),
    )
    for r, (pk, name, kind, _order) in enumerate(units, start=3):
        n, t = r + 1, tallies[pk]
        counts = "".join(
            f'<c r="{_letter(c)}{n}" s="{st.number}"><v>{value}</v></c>'
            for c, value in enumerate((t.due, t.on_time, t.late, t.late_days, t.missed), start=2)
        )
        sheet.write_row(
            r,
            f'<c r="A{n}"{name_cell(name)}</c><c r="B{n}"{kind_cell.get(kind) or name_cell("")}</c>'
            f'{counts}<c r="H{n}" s="{st.percent}"><v>{t.on_time_rate!r}</v></c>'
            f'<c r="I{n}"{name_cell(t.text)}</c>',
        )
    sheet.autofilter = (2, 0, max(2, 2 + len(units)), len(REPORTING_COLUMNS) - 1)
    note = text_cells(st.note, st.note, cache=0)(REPORTING_NOTE)
    sheet.write_row(4 + len(units), f'<c r="A{5 + len(units)}"{note}</c>')


def write_bulletin(
    target, *, assignments: QuerySet[Assignment], today: date, scope: str = ""
) -> None:
    """Write the bulletin of these assignments (already scoped and filtered) to a path or a
    binary file. Assignments of unpublished (draft) items are left out."""
    try:
        assignments.query.sql_with_params()
    except EmptyResultSet:
        # A user who sees no task at all (a 网格员): the same sheets, empty, not an error. A
        # condition no row meets compiles, where .none() cannot be written as SQL at all.
        assignments = Assignment.objects.filter(pk__lt=0)
    assignments = assignments.filter(item__state=ChecklistItem.State.PUBLISHED)
    stamp = f"截至 {today:%Y年%m月%d日}" + (f" · {scope}" if scope else "")
    with Workbook(target, compresslevel=COMPRESSION) as book:
        st = _Styles(book.styles)
        summary = _sheet(
            book, "汇总排名", SUMMARY_COLUMNS, "安全生产重点工作任务推进情况通报", stamp, st
        )
        reporting = _sheet(book, "报送情况", REPORTING_COLUMNS, "各单位定期报送情况", stamp, st)
        detail = _sheet(book, "任务明细", DETAIL_COLUMNS, "任务推进明细", stamp, st)
        overdue = _sheet(book, "逾期清单", OVERDUE_COLUMNS, "逾期未办结任务清单", stamp, st)
        rows = _write_rows(detail, overdue, assignments, today=today, st=st)
        standings = league_table(rows, today=today)
        if next(rows, None) is not None:  # the sheets would be short, and the ranking wrong
            raise RuntimeError("league_table stopped before the last assignment")
        _write_summary(summary, [s for g in rank_within_kinds(standings).values() for s in g], st)
        _write_reporting(reporting, unit_tallies(assignments, today=today), st)
