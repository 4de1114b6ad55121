"""The progress bulletin as an official document (关于…工作进展情况的通报, .docx).

Offices send the 通报 as a 公文, with the ranking and the lists inside. The figures are those of
the .xlsx bulletin and the dashboard: the same scoped and filtered assignments (published items
only), the ranking from tracker.league, the lights and 逾期 from tracker.progress, and
未按期报送 from tracker.reporting, as on the dashboard.

The lists are bounded as an office writes them: one row per unit with its exact count and its
oldest few tasks, "等 N 项" for the rest. The 逾期 list counts 牵头 and 责任 work, as the
ranking's 逾期 column and the dashboard's red list do; the .xlsx's 逾期清单 sheet is the full
list, 配合 included.

Layout after GB/T 9704 (党政机关公文格式): A4 with its margins, title in 2号 方正小标宋简体,
body in 3号 仿宋_GB2312 at 28-point lines, 一级标题 in 3号 黑体, page numbers "— 1 —" in 4号
宋体, odd pages right and even pages left. Every font is set for the East Asian text too
(w:eastAsia), which Word and WPS read for Chinese, and the font table names a fallback each.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Case, CharField, F, QuerySet, When
from django.db.models.functions import Cast
from django.utils import timezone
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import _Cell

from checklist.models import ChecklistItem
from tracker.excel.xlsx_stream import clean_text
from tracker.league import UnitStanding, league_table, rank_within_kinds
from tracker.models import Assignment, Unit, User
from tracker.progress import light_bounds, waiting_on_office
from tracker.reporting import missed_last_period

TITLE_FONT = "方正小标宋简体"
BODY_FONT = "仿宋_GB2312"
HEADING_FONT = "黑体"
KAITI_FONT = "楷体_GB2312"
PAGE_NUMBER_FONT = "宋体"
# Where a font is missing, Word and WPS look for it under its w:altName: the fonts every
# Chinese Windows has. charset 86 is GB2312, which also steers their own substitution.
FONT_TABLE = {
    TITLE_FONT: ("宋体", "auto", "variable"),
    BODY_FONT: ("仿宋", "modern", "fixed"),
    HEADING_FONT: ("SimHei", "modern", "fixed"),
    KAITI_FONT: ("楷体", "modern", "fixed"),
    PAGE_NUMBER_FONT: ("SimSun", "auto", "variable"),
}
TITLE_SIZE, BODY_SIZE, PAGE_NUMBER_SIZE = Pt(22), Pt(16), Pt(14)
TABLE_SIZE, LIST_SIZE = Pt(12), Pt(10.5)  # 小四 for the rankings; 五号, one task to a line
BODY_LINE = Pt(28)  # 22 lines of 28 characters on the 225 mm text area
TITLE_LINE = Pt(36)
TABLE_LINE = Pt(18)

SHOWN = 3  # tasks named per unit in a list; the count says how many there are
TITLE_CHARS = 15  # a task's name in a list cell, cut with "…": one line with its code and days
ISSUER_FALLBACK = "县安委办"

KIND_HEADINGS = {
    "township": "乡镇（街道）",
    "department": "县直部门",
    "other": "其他单位",
}
RANK_COLUMNS = [
    ("排名", 11),
    ("单位", 37),
    ("应完成", 15),
    ("已办结", 15),
    ("待审核", 15),
    ("推进中", 15),
    ("未开始", 15),
    ("逾期", 14),
    ("完成率", 19),
]
LIST_WIDTHS = (10, 30, 14, 102)
STYLE_IDS = {
    "公文标题": "DocTitle",
    "公文副标题": "DocDate",
    "公文主送": "DocAddressee",
    "公文正文": "DocBody",
    "公文一级标题": "DocHeading1",
    "公文表格": "DocTable",
    "公文落款": "DocSignature",
}
KIND_ORDER = {"township": 0, "department": 1, "other": 2}
CN_NUMBERS = "一二三四五六七八九十"


# --- the figures -----------------------------------------------------------------------------


@dataclass
class UnitList:
    """A unit's entry in the 逾期 or 未按期报送 list: its exact count and the tasks named."""

    unit: str
    count: int
    shown: list[str]

    @property
    def more(self) -> int:
        return self.count - len(self.shown)


@dataclass
class Figures:
    today: date
    groups: dict[str, list[UnitStanding]] = field(default_factory=dict)
    total: int = 0  # 应完成: 牵头 + 责任
    verified: int = 0
    overdue: int = 0  # 逾期 of the league: 牵头 + 责任
    red: int = 0  # 红灯 as the dashboard counts it: 牵头 + 责任
    overdue_list: list[UnitList] = field(default_factory=list)  # 牵头 + 责任, as the league
    overdue_rows: int = 0
    missing_list: list[UnitList] = field(default_factory=list)
    missing_rows: int = 0

    @property
    def rate(self) -> float:
        """完成率 in percent, one decimal, as league.UnitStanding and the dashboard."""
        return round(100 * self.verified / self.total, 1) if self.total else 0.0


def bulletin_figures(assignments: QuerySet[Assignment], *, today: date) -> Figures:
    """The document's figures from one pass over these (scoped, filtered) assignments; those of
    unpublished items are left out, as in the .xlsx and on the dashboard."""
    assignments = assignments.filter(item__state=ChecklistItem.State.PUBLISHED)
    figures = Figures(today=today)
    items = {
        pk: (code, title, _as_date(start))
        for pk, code, title, start in ChecklistItem.objects.filter(
            state=ChecklistItem.State.PUBLISHED
        ).values_list("pk", "code", "title", "start_date")
    }
    units = {
        pk: (name, kind, order)
        for pk, name, kind, order in Unit.objects.values_list("pk", "name", "kind", "sort_order")
    }
    overdue: dict[int, list] = defaultdict(list)
    counted_roles = set(Assignment.COUNTED_ROLES)
    red = 0

    windows: dict[tuple, tuple[int, int]] = {}
    rows = figure_rows(assignments)

    def league_rows():
        """The rows for league_table, counting on the way the red lights (the dashboard's
        rule: progress.light_bounds of each start→due window) and the overdue."""
        nonlocal red
        verified = Assignment.Status.VERIFIED
        zone = timezone.get_current_timezone()
        for unit_id, item_id, role, status, percent, due, submitted_at in _stream(rows):
            code, title, start = items[item_id]
            due = _as_date(due)
            # The county's date of the submission, as Assignment.submitted_on gives it.
            submitted_on = (
                None if submitted_at is None else _moment(submitted_at).astimezone(zone).date()
            )
            if (
                role in counted_roles
                and status != verified
                and due is not None
                and not waiting_on_office(status=status, due=due, submitted_on=submitted_on)
            ):
                if due < today:
                    overdue[unit_id].append((due, code, title))
                    red += 1
                else:
                    bounds = windows.get((start, due))
                    if bounds is None:
                        bounds = windows[start, due] = light_bounds(
                            start=start, due=due, today=today
                        )
                    red += percent < bounds[0]
            name, kind, _order = units[unit_id]
            yield unit_id, name, kind, role, status, due, submitted_on

    standings = league_table(league_rows(), today=today)
    figures.groups = rank_within_kinds(standings)
    figures.total = sum(s.total for s in standings)
    figures.verified = sum(s.verified for s in standings)
    figures.overdue = sum(s.overdue for s in standings)
    figures.red = red

    def unit_order(unit_id, rows):
        name, kind, order = units[unit_id]
        return (-len(rows), KIND_ORDER.get(kind, 9), order, name)

    for unit_id, rows in sorted(overdue.items(), key=lambda e: unit_order(*e)):
        rows.sort()  # longest overdue first, then by code
        shown = [
            f"{code} {_short(title)}（逾期{(today - due).days}天）"
            for due, code, title in rows[:SHOWN]
        ]
        figures.overdue_list.append(UnitList(units[unit_id][0], len(rows), shown))
    figures.overdue_rows = sum(len(rows) for rows in overdue.values())
    missing: dict[int, list] = defaultdict(list)
    for unit_id, item_id, deadline in _missed_reports(assignments, today=today):
        code, title, _start = items[item_id]
        missing[unit_id].append((code, title, deadline))
    for unit_id, rows in sorted(missing.items(), key=lambda e: unit_order(*e)):
        rows.sort()
        shown = [
            f"{code} {_short(title)}（{deadline.month}月{deadline.day}日前）"
            for code, title, deadline in rows[:SHOWN]
        ]
        figures.missing_list.append(UnitList(units[unit_id][0], len(rows), shown))
    figures.missing_rows = sum(len(rows) for rows in missing.values())
    return figures


def figure_rows(assignments: QuerySet[Assignment]) -> QuerySet:
    """(unit, item, role, status, percent, due date, submission time of a submitted one) of
    each assignment: all the pass over them reads."""
    # SQLite's driver would parse every declared date and time in Python, a third of the pass:
    # as text they are parsed once per distinct date, and the times only where needed.
    as_text = connection.vendor == "sqlite"

    def column(name):
        return Cast(name, CharField()) if as_text else F(name)

    return (
        assignments.annotate(
            docx_due=column("due_date"),
            docx_submitted_at=Case(
                When(status=Assignment.Status.SUBMITTED, then=column("submitted_at"))
            ),
        )
        .order_by()
        .values_list(
            "unit_id", "item_id", "role", "status", "percent", "docx_due", "docx_submitted_at"
        )
    )  # fmt: skip


def _missed_reports(assignments: QuerySet[Assignment], *, today: date) -> list[tuple]:
    """未按期报送 as the dashboard counts it (tracker.reporting.missed_last_period): (unit,
    item, report deadline) of each assignment that owed its item's last due period and
    reported nothing for it."""
    missed, periods = missed_last_period(assignments, today=today)
    rows = missed.order_by().values_list("unit_id", "item_id", "item__cadence", "item__cadence_day")
    return [(unit, item, periods[cadence, day].deadline) for unit, item, cadence, day in rows]


def _stream(rows: QuerySet):
    """The query's rows as the driver returns them, without the ORM's per-value converters;
    on PostgreSQL through a server-side cursor, so memory stays flat."""
    try:
        sql, params = rows.query.sql_with_params()
    except EmptyResultSet:  # none() for a user who sees no task, such as a 网格员
        return
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


_DATES: dict[str, date] = {}


def _as_date(value) -> date | None:
    """Dates arrive as date objects, or as ISO text from SQLite on the raw cursor."""
    if value is None or type(value) is date:
        return value
    if isinstance(value, datetime):
        return value.date()
    parsed = _DATES.get(value)
    if parsed is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        parsed = _DATES[value] = date.fromisoformat(value[:10])
    return parsed


def _moment(value) -> datetime:
    """A stored moment, aware: SQLite gives UTC text without an offset."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _short(title: str) -> str:
    title = clean_text(title)
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1] + "…"


# --- who issues it ---------------------------------------------------------------------------


def issuer_for(user: User) -> str:
    """The 落款: a unit's own users issue their unit's; the office its unit; a leader the
    office's (the 通报 is the office's document, and a leader usually has no unit)."""
    if user.unit_id and not user.is_leader:
        return user.unit.name
    office = (
        Unit.objects.filter(users__role=User.Role.OFFICE, users__is_active=True)
        .order_by("sort_order", "name")
        .values_list("name", flat=True)
        .first()
    )
    return office or ISSUER_FALLBACK


def describe_filters(filterset) -> str:
    """The task list's filters in force besides the 年度, as the document states them:
    领域：隐患排查治理；角色：牵头. Empty when none is."""
    data = getattr(filterset.form, "cleaned_data", {}) or {}
    parts = []
    for name, form_field in filterset.form.fields.items():
        value = data.get(name)
        if name == "year" or value in (None, ""):
            continue
        if name == "q":
            value = value.strip()
            if not value:
                continue
            shown = f"“{clean_text(value)[:40]}”"
        elif hasattr(form_field, "choices") and not hasattr(value, "pk"):
            shown = clean_text(dict(form_field.choices).get(value, value))[:40]
        else:
            shown = clean_text(value)[:40]
        parts.append(f"{form_field.label}：{shown}")
    return "；".join(parts)


# --- the document ----------------------------------------------------------------------------


def write_bulletin_docx(
    target,
    *,
    assignments: QuerySet[Assignment],
    today: date,
    year: int | None = None,
    scope: str = "",
    issuer: str = ISSUER_FALLBACK,
    ranked: bool = True,
    filters: str = "",
) -> Figures:
    """Write the 通报 of these assignments (already scoped and filtered) to a path or a binary
    file, as of `today` (the figures' day). scope names a unit's own document (its staff's);
    ranked=False leaves the rank out, as a unit's own rows rank it only among themselves.
    Returns the figures written."""
    figures = bulletin_figures(assignments, today=today)
    document = _Writer(figures, year=year, scope=scope, issuer=issuer, filters=filters)
    document.write(ranked=ranked)
    document.doc.save(target)
    return figures


def bulletin_title(year: int | None) -> str:
    return f"关于{f'{year}年度' if year else ''}安全生产重点工作进展情况的通报"


def day_text(day: date) -> str:
    """2025年6月3日: a 公文's date, in Arabic numerals without leading zeros (GB/T 9704)."""
    return f"{day.year}年{day.month}月{day.day}日"


class _Writer:
    def __init__(self, figures: Figures, *, year, scope, issuer, filters):
        self.f = figures
        self.year = year
        self.scope = clean_text(scope)
        self.issuer = clean_text(issuer) or ISSUER_FALLBACK
        self.filters = filters
        self.doc = Document()
        self.sections = 0
        _page_setup(self.doc)
        _styles(self.doc)
        _font_table(self.doc)
        _page_numbers(self.doc)
        props = self.doc.core_properties
        props.title = bulletin_title(year)
        props.author = props.last_modified_by = self.issuer
        props.created = props.modified = timezone.now()
        props.revision = 1
        props.comments = props.keywords = props.subject = ""

    # paragraphs ---------------------------------------------------------------------------

    def paragraph(self, text: str = "", *, style="公文正文", font=BODY_FONT, size=None):
        p = self.doc.add_paragraph(style=style)
        if text:
            _run(p, text, font, size)
        return p

    def heading(self, text: str):
        self.sections += 1
        number = CN_NUMBERS[self.sections - 1]
        return self.paragraph(f"{number}、{text}", style="公文一级标题", font=HEADING_FONT)

    def write(self, *, ranked: bool) -> None:
        f, day = self.f, day_text(self.f.today)
        title = self.paragraph(style="公文标题")
        head, _, tail = bulletin_title(self.year).partition("重点工作")
        _run(title, head + "重点工作", TITLE_FONT, TITLE_SIZE).add_break()
        _run(title, tail, TITLE_FONT, TITLE_SIZE)
        self.paragraph(f"（截至{day}）", style="公文副标题", font=KAITI_FONT)
        county = not self.scope
        if county:
            self.paragraph("各乡镇（街道）、县直有关单位：", style="公文主送")
        whose = "全县" if county else self.scope
        plan = f"{self.year}年度" if self.year else ""
        self.paragraph(
            f"为推动{plan}安全生产重点工作落到实处，现将截至{day}{whose}重点工作任务推进情况"
            "通报如下。"
        )
        if self.filters:
            self.paragraph(f"本通报只统计符合以下条件的任务：{self.filters}。")

        self.heading("总体情况")
        self.paragraph(
            f"{whose}纳入督办的重点工作任务应完成{f.total}项，已办结{f.verified}项，"
            f"完成率{f.rate:.1f}%；逾期未办结{f.overdue}项。红灯{f.red}项，"
            f"未按期报送{f.missing_rows}项。"
        )
        self.paragraph(
            "以上应完成、已办结、完成率和逾期只计牵头、责任单位承担的任务，配合单位不计；"
            "只统计已发布的任务。红灯数为牵头、责任单位承担的任务中，已超过完成时限仍未办结"
            "（已按期提交、待安委办审核的除外），或落后序时进度30个百分点以上的项数。"
            "未按期报送数为有报送频次的任务在最近一个已到报送时限的周期内没有报送进展的项数。"
        )

        if ranked:
            for kind, group in f.groups.items():
                if group:
                    self.heading(f"{KIND_HEADINGS[kind]}完成情况排名")
                    self.paragraph(
                        f"按完成率由高到低排名，完成率相同的逾期少者在前，共{len(group)}个单位。"
                    )
                    self.ranking(group, ranked=True)
        else:
            self.heading("本单位任务推进情况")
            self.ranking([s for g in f.groups.values() for s in g], ranked=False)

        self.heading("逾期未办结任务")
        if f.overdue_rows:
            self.paragraph(
                f"截至{day}，牵头、责任单位共有{f.overdue_rows}项任务逾期未办结，涉及"
                f"{len(f.overdue_list)}个单位。下表按单位列出逾期项数，每个单位列出逾期最久的"
                f"{SHOWN}项，超过{SHOWN}项的在末行注明总项数；完整清单（含配合单位）见同一筛选条件导出的"
                "进度通报（Excel）“逾期清单”工作表。"
            )
            self.unit_list(f.overdue_list, "逾期最久的任务")
        else:
            self.paragraph(f"截至{day}，牵头、责任单位没有逾期未办结的任务。")

        self.heading("未按期报送情况")
        if f.missing_rows:
            self.paragraph(
                f"共有{f.missing_rows}项任务未按期报送进展，涉及{len(f.missing_list)}个"
                f"单位。下表每个单位列出{SHOWN}项，超过{SHOWN}项的在末行注明总项数。"
            )
            self.unit_list(f.missing_list, "未报送的任务（报送时限）")
        else:
            self.paragraph("有报送频次的任务均已按期报送进展。")

        if county:
            self.paragraph("请各单位对照上述排名和清单，抓紧推进逾期任务，按期报送工作进展。")
        self.signature(day)

    def signature(self, day: str) -> None:
        """落款: the issuer centred over the date, the date two characters from the right."""
        self.paragraph()
        self.paragraph()
        date_width = _width(day)
        gap = max(0.0, (date_width - _width(self.issuer)) / 2)
        issuer = self.paragraph(self.issuer, style="公文落款")
        issuer.paragraph_format.right_indent = Pt(16 * (2 + gap))
        dated = self.paragraph(day, style="公文落款")
        dated.paragraph_format.right_indent = Pt(16 * 2)

    # tables -------------------------------------------------------------------------------

    def ranking(self, standings: list[UnitStanding], *, ranked: bool) -> None:
        columns = RANK_COLUMNS if ranked else RANK_COLUMNS[1:]
        rows = []
        for s in standings:
            counts = [s.total, s.verified, s.submitted, s.in_progress, s.not_started, s.overdue]
            row = [s.name, *map(str, counts), f"{s.rate:.1f}%"]
            rows.append([str(s.rank), *row] if ranked else row)
        self.table(columns, rows, left=[1 if ranked else 0])

    def unit_list(self, entries: list[UnitList], tasks_label: str) -> None:
        labels = ("序号", "单位", "项数", tasks_label)
        columns = list(zip(labels, LIST_WIDTHS, strict=True))
        rows = [
            [
                str(n),
                e.unit,
                str(e.count),
                "\n".join(e.shown + ([f"等{e.count}项"] if e.more else [])),
            ]
            for n, e in enumerate(entries, start=1)
        ]
        self.table(columns, rows, left=[1, 3], size=LIST_SIZE)

    def table(self, columns, rows: list[list[str]], *, left=(), size=TABLE_SIZE) -> None:
        """A bordered table the width of the text area, its header row repeated on each page
        and no row split across pages."""
        table = self.doc.add_table(rows=1 + len(rows), cols=len(columns))
        table.style = self.doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _cell_margins(table, Mm(1))
        widths = [Mm(w) for _, w in columns]
        # By id: python-docx looks a style up by name through every style, per cell.
        style_id = self.doc.styles["公文表格"].style_id
        for gridCol, width in zip(table._tbl.tblGrid.gridCol_lst, widths, strict=True):
            gridCol.w = width
        # Cells by their elements: python-docx's table.cell() rebuilds the whole grid per call.
        for r, tr in enumerate(table._tbl.tr_lst):
            trPr = tr.get_or_add_trPr()
            trPr.append(OxmlElement("w:cantSplit"))
            header = r == 0
            if header:
                trPr.append(OxmlElement("w:tblHeader"))
            values = [label for label, _ in columns] if header else rows[r - 1]
            for c, (tc, value) in enumerate(zip(tr.tc_lst, values, strict=True)):
                tc.width = widths[c]
                cell = _Cell(tc, table)
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p._p.style = style_id
                if c in left and not header:
                    p.alignment = WD_ALIGN_PARAGRAPH.LEFT
                _run(p, clean_text(value), HEADING_FONT if header else BODY_FONT, size)


def _width(text: str) -> float:
    """Characters' width in full-width characters: digits and Latin letters are half."""
    return sum(0.5 if ord(ch) < 0x2E80 else 1 for ch in text)


# --- fonts, styles, page -------------------------------------------------------------------


def _set_fonts(rPr, name: str) -> None:
    """All four font slots, East Asian included: Word and WPS take Chinese text's font from
    w:eastAsia, and a theme font attribute would override a named one, so none is left."""
    rFonts = rPr.get_or_add_rFonts()
    for attribute in list(rFonts.attrib):
        del rFonts.attrib[attribute]
    for slot in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rFonts.set(qn(slot), name)
    rFonts.set(qn("w:hint"), "eastAsia")


def _run(paragraph, text: str, font: str, size=None):
    run = paragraph.add_run(text)
    _set_fonts(run._element.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = size
    return run


def _paragraph_style(
    doc,
    name: str,
    *,
    font: str,
    size,
    line,
    align=None,
    indent=None,
    before=None,
    keep_next=False,
    outline: int | None = None,
):
    style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
    # Shown by its Chinese name; an ASCII id, as Word itself gives Chinese-named styles.
    style.style_id = STYLE_IDS[name]
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    _set_fonts(style.element.get_or_add_rPr(), font)
    style.font.size = size
    pf = style.paragraph_format
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = line
    pf.space_before, pf.space_after = before or Pt(0), Pt(0)
    pf.first_line_indent = indent
    pf.keep_with_next = keep_next
    pf.widow_control = True
    if align is not None:
        pf.alignment = align
    if outline is not None:
        outline_level = OxmlElement("w:outlineLvl")
        outline_level.set(qn("w:val"), str(outline))
        style.element.get_or_add_pPr().append(outline_level)
    return style


def _styles(doc) -> None:
    """The document's defaults (仿宋_GB2312 3号, Chinese language, 28-point lines, no spacing)
    and one paragraph style per element of the 公文."""
    styles = doc.styles.element
    rPr = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rPr, BODY_FONT)
    for tag, value in (("w:sz", "32"), ("w:szCs", "32")):
        rPr.find(qn(tag)).set(qn("w:val"), value)
    lang = rPr.find(qn("w:lang"))
    lang.set(qn("w:val"), "en-US")
    lang.set(qn("w:eastAsia"), "zh-CN")
    normal = doc.styles["Normal"]
    _set_fonts(normal.element.get_or_add_rPr(), BODY_FONT)
    normal.font.size = BODY_SIZE
    pf = normal.paragraph_format
    pf.space_before = pf.space_after = Pt(0)
    pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    pf.line_spacing = BODY_LINE
    center, right = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT
    body, two_chars = {"size": BODY_SIZE, "line": BODY_LINE}, Pt(32)
    add = _paragraph_style
    add(doc, "公文标题", font=TITLE_FONT, size=TITLE_SIZE, line=TITLE_LINE, align=center,
        keep_next=True)  # fmt: skip
    add(doc, "公文副标题", font=KAITI_FONT, **body, align=center, before=Pt(14), keep_next=True)
    add(doc, "公文主送", font=BODY_FONT, **body, before=BODY_LINE)
    add(doc, "公文正文", font=BODY_FONT, **body, indent=two_chars, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    add(doc, "公文一级标题", font=HEADING_FONT, **body, indent=two_chars, keep_next=True,
        outline=0)  # fmt: skip
    add(doc, "公文表格", font=BODY_FONT, size=TABLE_SIZE, line=TABLE_LINE, align=center)
    add(doc, "公文落款", font=BODY_FONT, **body, align=right)


def _font_table(doc) -> None:
    """Name each font with its fallback (w:altName), its character set and family.

    python-docx keeps word/fontTable.xml as plain bytes, so it is parsed, changed and put back.
    """
    part = doc.part.part_related_by(RT.FONT_TABLE)
    fonts = parse_xml(part.blob)
    for existing in fonts.findall(qn("w:font")):
        if existing.get(qn("w:name")) in FONT_TABLE:
            fonts.remove(existing)
    for name, (alternative, family, pitch) in FONT_TABLE.items():
        font = OxmlElement("w:font")
        font.set(qn("w:name"), name)
        for tag, value in (("w:altName", alternative), ("w:charset", "86"),
                           ("w:family", family), ("w:pitch", pitch)):  # fmt: skip
            child = OxmlElement(tag)
            child.set(qn("w:val"), value)
            font.append(child)
        fonts.append(font)
    part._blob = serialize_part_xml(fonts)


def _page_setup(doc) -> None:
    """A4 portrait with GB/T 9704's text area: 156 × 225 mm, 37 mm from the top edge and
    28 mm from the binding edge."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The page number's line sits 7 mm below the text area.
    section.footer_distance = Mm(22)


def _page_numbers(doc) -> None:
    """ "— 1 —" in 4号 宋体: odd pages at the right, even pages at the left, one character in."""
    doc.settings.odd_and_even_pages_header_footer = True
    section = doc.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        p = footer.paragraphs[0]
        p.alignment = align
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            p.paragraph_format.right_indent = PAGE_NUMBER_SIZE
        else:
            p.paragraph_format.left_indent = PAGE_NUMBER_SIZE
        _run(p, "— ", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
        _page_field(p)
        _run(p, " —", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)


def _page_field(paragraph) -> None:
    """A PAGE field as begin / instruction / separate / number shown / end runs: the form Word
    writes itself, which WPS and LibreOffice read too."""

    def field_char(kind: str) -> None:
        mark = OxmlElement("w:fldChar")
        mark.set(qn("w:fldCharType"), kind)
        _run(paragraph, "", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)._element.append(mark)

    field_char("begin")
    instruction = OxmlElement("w:instrText")
    instruction.set(qn("xml:space"), "preserve")
    instruction.text = " PAGE "
    _run(paragraph, "", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)._element.append(instruction)
    field_char("separate")
    _run(paragraph, "1", PAGE_NUMBER_FONT, PAGE_NUMBER_SIZE)
    field_char("end")


def _cell_margins(table, margin) -> None:
    """Narrow left and right cell margins, so that 应完成 fits its column on one line."""
    tblPr = table._tbl.tblPr
    margins = OxmlElement("w:tblCellMar")
    for side in ("w:left", "w:right"):
        m = OxmlElement(side)
        m.set(qn("w:w"), str(int(margin.twips)))
        m.set(qn("w:type"), "dxa")
        margins.append(m)
    tblPr.insert_element_before(margins, "w:tblLook", "w:tblCaption", "w:tblDescription")
