"""The unit return sheet (填报表): a unit downloads its assignments, fills progress offline and
uploads the sheet back. Only that unit's rows and only the fillable columns are read; each
accepted row goes through the same service as the web form and leaves the same history."""

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import xlsxwriter
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from tracker import services
from tracker.excel import cells
from tracker.excel.bulletin import safe_text
from tracker.excel.reading import open_sheet
from tracker.excel.safety import UnsafeWorkbook
from tracker.excel.task_import import COUNT_LABELS, RowError, a1
from tracker.measuring import MEASURED_MESSAGE
from tracker.models import Assignment, Unit, User
from tracker.progress import format_quantity

TITLE_ROW, UNIT_ROW, HEADER_ROW = 0, 1, 2
COLUMNS = [
    # (header, width, fillable)
    ("编号", 10, False),
    ("任务", 44, False),
    ("角色", 6, False),
    ("完成时限", 11, False),
    ("目标", 14, False),
    ("当前状态", 8, False),
    ("填报状态", 10, True),
    ("完成%", 8, True),
    ("完成数量", 10, True),
    ("本次进展说明", 44, True),
    ("版本", 6, False),
    # What the fillable cells held at download: an upload changes only the rows the user
    # edited, whatever was saved on the web in the meantime.
    ("下载时完成%", 8, False),
    ("下载时完成数量", 10, False),
]
VERSION_COLUMN = 10  # this and the columns after it are hidden
FILL_STATUS = {"推进中": "report", "提交审核": "submit", "待审核": "submit"}
STATUS_CHOICES = ["推进中", "提交审核"]
HEADERS = [c[0] for c in COLUMNS]


def unit_assignments(unit: Unit, *, year: int | None = None) -> QuerySet[Assignment]:
    """The unit's published tasks, of one 年度 when given (the sheet); reading it back matches
    rows by code among all years, so a sheet kept over New Year still uploads."""
    qs = Assignment.objects.filter(unit=unit, item__state="published")
    if year is not None:
        qs = qs.filter(item__year=year)
    return qs.select_related("item").order_by(F("due_date").asc(nulls_last=True), "item__code")


def write_return_sheet(target, *, unit: Unit, today, year: int | None = None) -> None:
    book = xlsxwriter.Workbook(
        target,
        {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
    )
    base = {"font_name": "宋体", "font_size": 10, "valign": "top", "border": 1}
    locked = book.add_format({**base, "text_wrap": True, "bg_color": "#F2F2F2"})
    date_fmt = book.add_format({**base, "num_format": "yyyy-mm-dd", "bg_color": "#F2F2F2"})
    open_fmt = book.add_format({**base, "text_wrap": True, "locked": False, "bg_color": "#FFFFFF"})
    header = book.add_format({**base, "bold": True, "bg_color": "#DDEBF7", "align": "center"})
    title = book.add_format({"bold": True, "font_size": 14, "font_name": "宋体"})
    sheet = book.add_worksheet("填报表")
    sheet.write_string(
        TITLE_ROW,
        0,
        f"安全生产重点工作任务进展填报表（{year or ''}{'年度，' if year else ''}{today:%Y年%m月%d日}导出）",
        title,
    )
    sheet.write_string(UNIT_ROW, 0, f"单位：{unit.name}")
    sheet.write_string(
        UNIT_ROW,
        3,
        "只需填写白色的列：填报状态（推进中/提交审核）、完成%、完成数量、本次进展说明。",
    )
    for col, (label, width, _) in enumerate(COLUMNS):
        sheet.set_column(col, col, width)
        sheet.write_string(HEADER_ROW, col, label, header)
    sheet.set_column(VERSION_COLUMN, len(COLUMNS) - 1, 6, None, {"hidden": True})
    row = HEADER_ROW
    for row, a in enumerate(unit_assignments(unit, year=year), start=HEADER_ROW + 1):
        item = a.item
        sheet.write_string(row, 0, item.code, locked)
        sheet.write_string(row, 1, safe_text(item.title), locked)
        sheet.write_string(row, 2, a.get_role_display(), locked)
        if a.due_date:
            sheet.write_datetime(row, 3, a.due_date, date_fmt)
        else:
            sheet.write_string(row, 3, f"长期（{item.cadence_label}）", locked)
        sheet.write_string(row, 4, _target_cell(a), locked)
        sheet.write_string(row, 5, a.get_status_display(), locked)
        fillable = a.status in (Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS)
        cell = open_fmt if fillable else locked
        sheet.write_string(row, 6, "", cell)
        long_term = a.due_date is None and not item.target_quantity
        if long_term:
            # A 长期 task reports each period's progress, not a percent of an end.
            sheet.write_blank(row, 7, None, locked)
        else:
            sheet.write_number(row, 7, a.percent, cell)
        if item.measure and item.target_quantity:
            # 台账计量: the figures come from the register; the unit writes its note only.
            sheet.write_number(row, 7, a.percent, locked)
            sheet.write_number(row, 8, float(a.quantity_done or 0), locked)
            sheet.write_number(row, 12, float(a.quantity_done or 0), locked)
        elif item.target_quantity:
            sheet.write_number(row, 8, float(a.quantity_done or 0), cell)
            sheet.write_number(row, 12, float(a.quantity_done or 0), locked)
        else:
            sheet.write_blank(row, 8, None, cell)
            sheet.write_blank(row, 12, None, locked)
        sheet.write_string(row, 9, "", cell)
        sheet.write_number(row, 10, a.version, locked)
        if long_term:
            sheet.write_blank(row, 11, None, locked)
        else:
            sheet.write_number(row, 11, a.percent, locked)
    if row > HEADER_ROW:
        sheet.data_validation(
            HEADER_ROW + 1, 6, row, 6,
            {"validate": "list", "source": STATUS_CHOICES, "error_message": "请选择 推进中 或 提交审核"},
        )  # fmt: skip
        sheet.data_validation(
            HEADER_ROW + 1, 7, row, 7,
            {"validate": "integer", "criteria": "between", "minimum": 0, "maximum": 100,
             "error_message": "完成% 应为 0 到 100 的整数"},
        )  # fmt: skip
    sheet.freeze_panes(HEADER_ROW + 1, 2)
    sheet.protect("", {"autofilter": True, "sort": False, "format_columns": True})
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.repeat_rows(HEADER_ROW)
    book.close()


def _target_cell(assignment: Assignment) -> str:
    """The unit's own target: its 分解数量 with the county's beside it, or the whole target."""
    own, item = assignment.target, assignment.item
    if own is None:
        return ""
    text = f"{format_quantity(own)}{item.target_unit}"
    if assignment.is_split:
        text += f"（全县{format_quantity(item.target_quantity)}{item.target_unit}）"
    return text


@dataclass
class ReturnRow:
    row: int
    assignment: Assignment
    action: str  # "report" | "submit"
    percent: int | None
    quantity: Decimal | None
    note: str
    version: int | None


@dataclass
class ReturnReport:
    rows: list[ReturnRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: {"rows": 0, "report": 0, "submit": 0, "unchanged": 0}
    )
    committed: bool = False

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[key], value) for key, value in self.counts.items()]


def _number(value, *, integer: bool):
    if value in ("", None):
        return None
    text = cells.normalize_text(value).rstrip("%")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise cells.CellError("应填写数字") from None
    if integer:
        if number != number.to_integral_value():
            raise cells.CellError("应填写整数")
        return int(number)
    return number


def _quiet_number(value, *, integer: bool):
    """A locked cell written by the download: unreadable means unknown, not a user error."""
    try:
        return _number(value, integer=integer)
    except cells.CellError:
        return None


def _stale_message(assignment: Assignment, *, known: bool) -> str:
    code = assignment.item.code
    now = f"现为{assignment.get_status_display()}，完成 {assignment.percent}%"
    if not known:
        return (
            f"任务 {code} 在下载填报表后已在网页上更新（{now}），这份填报表是旧版格式，"
            "无法判断本行是否由您改动，本行未导入。请重新下载填报表，填写后再上传。"
        )
    return (
        f"任务 {code} 在下载填报表后已在网页上更新（{now}），本行填写的内容未导入，"
        "以免覆盖网页上的报送。请先在网页上查看该任务（需要时直接在网页上报送），"
        "再清空本行的填报状态、完成%、完成数量和本次进展说明后重新上传；或重新下载填报表后重新填写。"
    )


def read_return_sheet(source, *, unit: Unit, user: User, dry_run: bool) -> ReturnReport:
    report = ReturnReport()
    try:
        sheet = open_sheet(source, max_rows=5000)
    except UnsafeWorkbook as exc:
        report.errors.append(RowError(0, None, str(exc)))
        return report
    rows = sheet.rows
    header_at = next(
        (
            i
            for i, r in enumerate(rows[:10])
            if [cells.normalize_header(v) for v in r[:2]] == ["编号", "任务"]
        ),
        None,
    )
    if header_at is None:
        report.errors.append(
            RowError(
                0, None, "不是本系统导出的填报表：没有找到“编号”“任务”表头。请重新下载填报表。"
            )
        )
        return report
    names = [cells.normalize_header(v) for v in rows[header_at]]
    col = {
        h: names.index(h)
        for h in (
            "编号",
            "填报状态",
            "完成%",
            "完成数量",
            "本次进展说明",
            "版本",
            "下载时完成%",
            "下载时完成数量",
        )  # fmt: skip
        if h in names
    }
    missing = [h for h in ("编号", "填报状态", "完成%", "本次进展说明") if h not in col]
    if missing:
        report.errors.append(
            RowError(header_at + 1, None, f"表头缺少：{'、'.join(missing)}。请重新下载填报表。")
        )
        return report
    unit_line = cells.clean_text(rows[header_at - 1][0]) if header_at else ""
    if unit_line.startswith("单位：") and unit_line[3:] != unit.name:
        report.errors.append(
            RowError(header_at, 1, f"这是「{unit_line[3:]}」的填报表，不能导入到「{unit.name}」。")
        )
        return report
    mine = {a.item.code: a for a in unit_assignments(unit)}
    seen = {}

    def get(values, name):
        c = col.get(name)
        return values[c] if c is not None and c < len(values) else ""

    for index in range(header_at + 1, len(rows)):
        values = rows[index]
        if all(v in ("", None) for v in values):
            continue
        row_no = index + 1
        report.counts["rows"] += 1
        code = cells.normalize_text(get(values, "编号"))
        if code.endswith(".0"):
            code = code[:-2]
        assignment = mine.get(code)
        if assignment is None:
            report.errors.append(
                RowError(row_no, col["编号"], f"编号「{code}」不是{unit.name}的任务。")
            )
            continue
        if code in seen:
            report.errors.append(
                RowError(row_no, col["编号"], f"编号 {code} 重复，与第{seen[code]}行相同。")
            )
            continue
        seen[code] = row_no
        for name in ("填报状态", "完成%", "完成数量", "本次进展说明"):
            if name in col and a1(index, col[name]) in sheet.formula_cells:
                report.errors.append(RowError(row_no, col[name], "这是公式，请填写数值或文字。"))
        status_text = cells.normalize_header(get(values, "填报状态"))
        action = FILL_STATUS.get(status_text, "report") if status_text else None
        if status_text and status_text not in FILL_STATUS:
            message = (
                "只有安委办可以审核销号"
                if status_text in ("已办结", "销号", "审核通过")
                else "应为“推进中”或“提交审核”"
            )
            report.errors.append(
                RowError(row_no, col["填报状态"], f"填报状态「{status_text}」无效：{message}。")
            )
            continue
        try:
            percent = _number(get(values, "完成%"), integer=True)
            if percent is not None and not 0 <= percent <= 100:
                raise cells.CellError("应在 0 到 100 之间")
        except cells.CellError as exc:
            report.errors.append(RowError(row_no, col["完成%"], f"完成% {exc}。"))
            continue
        try:
            quantity = _number(get(values, "完成数量"), integer=False)
            if quantity is not None and quantity < 0:
                raise cells.CellError("不能为负数")
        except cells.CellError as exc:
            report.errors.append(RowError(row_no, col.get("完成数量"), f"完成数量{exc}。"))
            continue
        try:
            note = cells.parse_text(get(values, "本次进展说明"), max_length=2000)
        except cells.CellError as exc:
            report.errors.append(RowError(row_no, col["本次进展说明"], str(exc)))
            continue
        version = _quiet_number(get(values, "版本"), integer=True)
        has_target = bool(assignment.item.target_quantity)
        was_percent = was_quantity = None
        if "下载时完成%" in col:
            was_percent = _quiet_number(get(values, "下载时完成%"), integer=True)
            if has_target:
                was_quantity = _quiet_number(get(values, "下载时完成数量"), integer=False)
        known = was_percent is not None and (was_quantity is not None or not has_target)
        if not known:
            # A sheet from before the downloaded values were kept: the current values are the
            # best guess, and exact whenever the version still matches.
            was_percent = assignment.percent
            was_quantity = assignment.quantity_done or Decimal(0)
        if not has_target or quantity == was_quantity:
            quantity = None
        if (
            assignment.item.measure
            and has_target
            and (quantity is not None or (percent is not None and percent != was_percent))
        ):
            report.errors.append(RowError(row_no, col.get("完成数量"), MEASURED_MESSAGE))
            continue
        if percent == was_percent or (assignment.due_date is None and not has_target):
            percent = None  # a 长期 task's row has no percent: its 完成% cell is locked and blank
        if action is None and percent is None and quantity is None and not note:
            report.counts["unchanged"] += 1
            continue
        if version is not None and version != assignment.version:
            report.errors.append(RowError(row_no, None, _stale_message(assignment, known=known)))
            continue
        if assignment.status not in (Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS):
            report.errors.append(
                RowError(
                    row_no, None, f"任务 {code} {assignment.get_status_display()}，不能再填报。"
                )
            )
            continue
        # The service's own rule, found here so the preview names the row before anything runs.
        shrink = services.shrinkage(assignment, percent=percent, quantity=quantity)
        if shrink and not note:
            report.errors.append(
                RowError(
                    row_no,
                    col["本次进展说明"],
                    f"完成进度比上次减少（{shrink[0]}），请在本次进展说明中写明原因。",
                )
            )
            continue
        action = action or "report"
        report.counts[action] += 1
        report.rows.append(ReturnRow(row_no, assignment, action, percent, quantity, note, version))
    if report.errors or dry_run:
        return report
    try:
        with transaction.atomic():
            now = timezone.now()
            for r in report.rows:
                write = (
                    services.assignment_submit
                    if r.action == "submit"
                    else services.assignment_report
                )
                try:
                    write(
                        assignment=r.assignment,
                        user=user,
                        percent=r.percent,
                        quantity=r.quantity,
                        note=r.note or "（通过填报表报送）",
                        expected_version=r.version,
                        at=now,
                    )
                except services.ConflictError:
                    report.errors.append(
                        RowError(
                            r.row,
                            None,
                            f"任务 {r.assignment.item.code} 在预览后已在网页上更新，"
                            "请重新上传这份填报表查看最新的预览。",
                        )
                    )
                except services.WorkflowError as exc:
                    report.errors.append(RowError(r.row, None, str(exc)))
            if report.errors:
                raise _RollBack
            report.committed = True
    except _RollBack:
        pass
    return report


class _RollBack(Exception):
    pass
