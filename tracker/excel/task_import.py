"""Import of the 任务分解表: one sheet of tasks with their units and deadlines → draft items
and their assignments. Always a dry run first; a commit writes every row or none."""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from checklist.models import ChecklistItem, Theme
from tracker.excel import cells
from tracker.excel.reading import Sheet, open_sheet
from tracker.excel.safety import UnsafeWorkbook
from tracker.models import Assignment, StatusUpdate, Unit, UnitAlias, User

ON_CONFLICT = ("skip", "update", "stop")
TEXT_FIELDS = ("code", "title", "detail", "theme", "lead", "responsible", "cooperate", "note")
LIMITS = {"code": 30, "title": 300, "detail": 5000, "note": 2000}


def a1(row_index: int, col_index: int) -> str:
    return f"{cells.column_letter(col_index)}{row_index + 1}"


@dataclass
class RowError:
    row: int  # 1-based, as Excel shows it
    column: int | None  # 0-based
    message: str

    def __str__(self):
        if not self.row:  # about the whole file
            return self.message
        if self.column is None:
            return f"第{self.row}行：{self.message}"
        return f"第{self.row}行 第{cells.column_letter(self.column)}列：{self.message}"


@dataclass
class TaskRow:
    row: int
    code: str
    title: str
    detail: str
    theme: Theme
    deadline: date | None
    cadence: str
    cadence_day: int | None
    target: Decimal | None
    target_unit: str
    units: list[tuple[Unit, str]]  # (unit, role) in sheet order, lead first


@dataclass
class ImportReport:
    rows: list[TaskRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(
            [
                "rows",
                "items_create",
                "items_update",
                "items_skip",
                "assignments_create",
                "assignments_skip",
            ],
            0,
        )
    )
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        return [(COUNT_LABELS[key], value) for key, value in self.counts.items()]


COUNT_LABELS = {
    "rows": "任务行",
    "items_create": "新增任务",
    "items_update": "更新任务",
    "items_skip": "跳过任务",
    "assignments_create": "新增责任分解",
    "assignments_skip": "已有责任分解",
    "report": "报送进度",
    "submit": "提交审核",
    "unchanged": "未改动",
}


class UnitIndex:
    """Unit names, short names and aliases, normalised, so 安监局 or 县应急管理局 find their unit."""

    def __init__(self):
        self.keys: dict[str, Unit] = {}
        self.groups: dict[str, list[Unit]] = {"township": [], "department": []}
        units = list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
        for unit in units:
            for name in (unit.name, unit.short_name):
                for key in cells.unit_keys(name) if name else []:
                    self.keys.setdefault(key, unit)
            if unit.kind in self.groups:
                self.groups[unit.kind].append(unit)
        for alias in UnitAlias.objects.select_related("unit").filter(unit__active=True):
            for key in cells.unit_keys(alias.alias):
                self.keys.setdefault(key, alias.unit)
        self.names = [unit.name for unit in units]

    def find(self, name: str) -> Unit | None:
        for key in cells.unit_keys(name):
            if key in self.keys:
                return self.keys[key]
        return None

    def resolve(self, text) -> tuple[list[Unit], list[str]]:
        """The units a cell names (groups like 各乡镇 expanded), and the names not found."""
        found, unknown = [], []
        for name in cells.split_units(text):
            group = cells.unit_group(name)
            if group:
                found.extend(self.groups[group])
                continue
            unit = self.find(name)
            if unit:
                found.append(unit)
            else:
                unknown.append(name)
        return found, unknown


class TaskSheetParser:
    """Turns sheet rows into TaskRows and row errors. Caches cell parsing: sheets repeat a lot."""

    def __init__(self, sheet: Sheet, *, year: int, today: date):
        self.sheet = sheet
        self.year = year
        self.today = today
        self.themes = {cells.normalize_header(t.name): t for t in Theme.objects.all()}
        self.theme_names = [t.name for t in self.themes.values()]
        self.units = UnitIndex()
        self._deadline = lru_cache(maxsize=4096)(self._parse_deadline)
        self._units = lru_cache(maxsize=4096)(
            lambda raw: self.units.resolve(cells.normalize_text(raw))
        )
        self._theme = lru_cache(maxsize=1024)(
            lambda text: self.themes.get(cells.normalize_header(text))
        )
        self.has_formulas = bool(sheet.formula_cells)

    def _parse_deadline(self, value):
        return cells.parse_deadline(value, year=self.year)

    def parse(self, report: ImportReport) -> None:
        rows = self.sheet.rows
        try:
            header = cells.find_header(rows[:15])
        except cells.CellError as exc:
            report.errors.append(RowError(1, None, str(exc)))
            return
        columns = header.columns
        if "title" not in columns:
            report.errors.append(RowError(header.row + 1, None, "表头中没有“工作任务”列。"))
            return
        if "lead" not in columns and "responsible" not in columns:
            report.errors.append(
                RowError(header.row + 1, None, "表头中没有“牵头单位”或“责任单位”列。")
            )
            return
        self._check_hidden_merged_values(header.row + 1, report)
        fill_down = self._vertical_merges(header.row + 1)
        formula_cols = {c for f, c in columns.items() if f in TEXT_FIELDS}
        section_theme = None
        seen_codes: dict[str, int] = {}
        width = max(columns.values()) + 1
        for index in range(header.row + 1, len(rows)):
            raw = rows[index]
            values = [raw[c] if c < len(raw) else "" for c in range(width)]
            for (_r, c), (ar, ac) in fill_down.get(index, {}).items():
                if c < width:
                    values[c] = rows[ar][ac]
            if all(v == "" or v is None for v in values):
                continue
            section = self._section_theme(values, columns)
            if section is not False:
                section_theme = section or section_theme
                continue
            report.counts["rows"] += 1
            parsed = self._parse_row(index, values, columns, section_theme, formula_cols, report)
            if parsed is None:
                continue
            if parsed.code:
                if parsed.code in seen_codes:
                    report.errors.append(
                        RowError(
                            index + 1,
                            columns.get("code"),
                            f"编号 {parsed.code} 重复，与第{seen_codes[parsed.code]}行相同。",
                        )
                    )
                    continue
                seen_codes[parsed.code] = index + 1
            report.rows.append(parsed)
        if report.counts["rows"] == 0 and not report.errors:
            report.errors.append(RowError(header.row + 2, None, "表头下面没有任务行。"))

    def _check_hidden_merged_values(self, first_data_row: int, report: ImportReport) -> None:
        rows = self.sheet.rows
        for (r, c), (ar, ac) in self.sheet.merged_anchor().items():
            if r < first_data_row or r >= len(rows) or c >= len(rows[r]):
                continue
            if rows[r][c] not in ("", None):
                report.errors.append(
                    RowError(
                        r + 1,
                        c,
                        f"该单元格被合并到 {cells.column_letter(ac)}{ar + 1}，其中的内容"
                        f"「{cells.normalize_text(rows[r][c])[:20]}」会被隐藏，请取消合并后核对。",
                    )
                )

    def _vertical_merges(self, first_data_row: int) -> dict[int, dict]:
        """Cells merged down several rows (one 牵头单位 for a block of tasks) apply to each row."""
        fills: dict[int, dict] = {}
        for r1, c1, r2, c2 in self.sheet.merged:
            if r2 <= r1 or r1 < first_data_row:
                continue
            for r in range(r1 + 1, r2 + 1):
                for c in range(c1, c2 + 1):
                    fills.setdefault(r, {})[(r, c)] = (r1, c1)
        return fills

    def _section_theme(self, values, columns):
        """A row like "一、隐患排查治理" that only names a section: its theme, None, or False."""
        filled = [v for v in values if v not in ("", None)]
        if len(filled) != 1:
            return False
        title_col = columns["title"]
        position = next(i for i, v in enumerate(values) if v not in ("", None))
        if position > title_col:
            return False
        text = cells.normalize_header(filled[0])
        if isinstance(filled[0], (int, float)):
            return False
        text = text.lstrip("一二三四五六七八九十、.．0123456789()（）")
        return self.themes.get(text)

    def _parse_row(self, index, values, columns, section_theme, formula_cols, report):
        row_no = index + 1
        errors_before = len(report.errors)

        def error(field_name, message):
            report.errors.append(RowError(row_no, columns.get(field_name), message))

        def text(field_name, required=False):
            col = columns.get(field_name)
            if col is None:
                return ""
            value = values[col]
            if (
                self.has_formulas
                and col in formula_cols
                and a1(index, col) in self.sheet.formula_cells
            ):
                error(field_name, "这是公式，请复制后“粘贴为数值”再导入。")
                return ""
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            try:
                result = cells.parse_text(value, max_length=LIMITS.get(field_name, 2000))
            except cells.CellError as exc:
                error(field_name, str(exc))
                return ""
            if required and not result:
                error(field_name, f"{HEADER_LABELS[field_name]}不能为空。")
            return result

        code = text("code")  # may be empty: the item is then matched by title or numbered
        title = text("title", required=True)
        detail = text("detail")
        note = text("note")
        if note:
            detail = f"{detail}\n备注：{note}" if detail else f"备注：{note}"
        theme = section_theme
        theme_text = text("theme")
        if theme_text:
            theme = self._theme(theme_text)
            if theme is None:
                close = cells.suggest(theme_text, self.theme_names)
                hint = f"，是否为：{'、'.join(close)}" if close else ""
                error("theme", f"类别「{theme_text}」不存在{hint}。")
        elif theme is None:
            error("theme" if "theme" in columns else "title", "没有类别：请填写“类别”列。")

        deadline, long_term = None, False
        if "deadline" in columns:
            try:
                parsed = self._deadline(values[columns["deadline"]])
                deadline, long_term = parsed.date, parsed.long_term
            except cells.CellError as exc:
                error("deadline", str(exc))
        else:
            error("title", "表头中没有“完成时限”列。")
        cadence, cadence_day = "none", None
        if "cadence" in columns:
            try:
                cadence, cadence_day = cells.parse_cadence(values[columns["cadence"]])
            except cells.CellError as exc:
                error("cadence", str(exc))
        if long_term and cadence == "none":
            cadence, cadence_day = "monthly", None
            report.warnings.append(f"第{row_no}行：长期任务未写报送频次，按“每月”报送导入。")
        target, target_unit = None, ""
        if "target" in columns:
            try:
                target, target_unit = cells.parse_target(values[columns["target"]])
            except cells.CellError as exc:
                error("target", str(exc))
            if target is not None and not target_unit:
                target_unit = "项"

        units: list[tuple[Unit, str]] = []
        taken: set[int] = set()
        for field_name, role in (
            ("lead", Assignment.Role.LEAD),
            ("responsible", Assignment.Role.RESPONSIBLE),
            ("cooperate", Assignment.Role.COOPERATE),
        ):
            col = columns.get(field_name)
            if col is None or values[col] in ("", None):
                continue
            if self.has_formulas and a1(index, col) in self.sheet.formula_cells:
                error(field_name, "这是公式，请复制后“粘贴为数值”再导入。")
                continue
            found, unknown = self._units(values[col])
            for name in unknown:
                close = cells.suggest(name, self.units.names)
                hint = (
                    f"。相近的单位：{'、'.join(close)}"
                    if close
                    else "。请先在管理后台添加该单位或别名"
                )
                error(field_name, f"单位「{name}」不存在{hint}")
            if role == Assignment.Role.LEAD and len(found) > 1:
                report.warnings.append(
                    f"第{row_no}行：牵头单位有 {len(found)} 个，「{found[0].name}」作为牵头单位，"
                    "其余作为责任单位。"
                )
            for position, unit in enumerate(found):
                if unit.pk in taken:
                    continue
                taken.add(unit.pk)
                this_role = role if role != Assignment.Role.LEAD or position == 0 else "responsible"
                units.append((unit, this_role))
        if not units and len(report.errors) == errors_before:
            error(
                "lead" if "lead" in columns else "responsible", "至少需要一个牵头单位或责任单位。"
            )
        if len(report.errors) > errors_before:
            return None
        return TaskRow(
            row=row_no,
            code=code,
            title=title,
            detail=detail,
            theme=theme,
            deadline=deadline,
            cadence=cadence,
            cadence_day=cadence_day,
            target=target,
            target_unit=target_unit,
            units=units,
        )


HEADER_LABELS = {
    "code": "编号",
    "title": "工作任务",
    "detail": "具体要求",
    "theme": "类别",
    "lead": "牵头单位",
    "responsible": "责任单位",
    "cooperate": "配合单位",
    "deadline": "完成时限",
    "cadence": "报送频次",
    "target": "目标数量",
    "note": "备注",
}


def _plan(report: ImportReport, *, on_conflict: str, year: int) -> dict:
    """Compare the parsed rows with the database: what to create, update or skip."""
    by_code = {r.code: r for r in report.rows if r.code}
    existing = ChecklistItem.objects.in_bulk(list(by_code), field_name="code") if by_code else {}
    untitled = [r for r in report.rows if not r.code]
    if untitled:
        # Sheets without a 编号 column match items by title, so importing twice adds nothing.
        by_title = {}
        for item in ChecklistItem.objects.filter(title__in=[r.title for r in untitled]):
            by_title.setdefault(item.title, item)
        prefix = f"{year}-"
        numbers = [
            int(code[len(prefix) :])
            for code in ChecklistItem.objects.filter(code__startswith=prefix).values_list(
                "code", flat=True
            )
            if code[len(prefix) :].isdigit()
        ]
        next_number = max(numbers, default=0) + 1
        for row in untitled:
            match = by_title.get(row.title)
            if match:
                row.code = match.code
                existing[match.code] = match
            else:
                row.code = f"{prefix}{next_number:03d}"
                next_number += 1
    have = {}
    if existing:
        for item_id, unit_id, role in Assignment.objects.filter(
            item_id__in=[i.pk for i in existing.values()]
        ).values_list("item_id", "unit_id", "role"):
            have.setdefault(item_id, {})[unit_id] = role
    plan = {"create": [], "update": [], "assign": []}
    for row in report.rows:
        item = existing.get(row.code)
        if item is None:
            plan["create"].append(row)
            report.counts["items_create"] += 1
            report.counts["assignments_create"] += len(row.units)
            continue
        if on_conflict == "stop":
            report.errors.append(
                RowError(row.row, None, f"编号 {row.code} 已存在（{item.title}）。")
            )
            continue
        if on_conflict == "skip":
            report.counts["items_skip"] += 1
            report.counts["assignments_skip"] += len(row.units)
            continue
        current = have.get(item.pk, {})
        lead_unit = next((u for u, r in current.items() if r == "lead"), None)
        new_units = []
        for unit, role in row.units:
            if unit.pk in current:
                report.counts["assignments_skip"] += 1
                continue
            if role == "lead" and lead_unit is not None:
                role = "responsible"
                report.warnings.append(
                    f"第{row.row}行：任务 {row.code} 已有牵头单位，「{unit.name}」作为责任单位加入。"
                )
            new_units.append((unit, role))
        row.units = new_units
        report.counts["assignments_create"] += len(new_units)
        if _item_changes(item, row):
            report.counts["items_update"] += 1
            plan["update"].append((item, row))
        else:
            report.counts["items_skip"] += 1
        if new_units:
            plan["assign"].append((item, row))
    return plan


def _item_fields(row: TaskRow) -> dict:
    return {
        "title": row.title,
        "detail": row.detail,
        "theme_id": row.theme.pk,
        "deadline": row.deadline,
        "cadence": row.cadence,
        "cadence_day": row.cadence_day,
        "target_quantity": row.target,
        "target_unit": row.target_unit,
    }


def _item_changes(item: ChecklistItem, row: TaskRow) -> bool:
    return any(getattr(item, name) != value for name, value in _item_fields(row).items())


def _commit(plan: dict, report: ImportReport, *, user: User, today: date, label: str) -> None:
    now = timezone.now()
    new_items = [
        ChecklistItem(
            code=row.code,
            start_date=min(today, row.deadline) if row.deadline else today,
            state=ChecklistItem.State.DRAFT,
            created_at=now,
            updated_at=now,
            **_item_fields(row),
        )
        for row in plan["create"]
    ]
    ChecklistItem.objects.bulk_create(new_items, batch_size=2000)
    if any(item.pk is None for item in new_items):  # backends that return no ids
        ids = dict(
            ChecklistItem.objects.filter(code__in=[i.code for i in new_items]).values_list(
                "code", "pk"
            )
        )
        for item in new_items:
            item.pk = ids[item.code]
    for item, row in plan["update"]:
        for name, value in _item_fields(row).items():
            setattr(item, name, value)
        item.updated_at = now
    if plan["update"]:
        ChecklistItem.objects.bulk_update(
            [item for item, _ in plan["update"]],
            [*(_item_fields(plan["update"][0][1])), "updated_at"],
            batch_size=1000,
        )
    pairs = list(zip(new_items, plan["create"], strict=True)) + plan["assign"]
    assignments = [
        Assignment(
            item_id=item.pk,
            unit_id=unit.pk,
            role=role,
            due_date=row.deadline,
            created_at=now,
            updated_at=now,
        )
        for item, row in pairs
        for unit, role in row.units
    ]
    Assignment.objects.bulk_create(assignments, batch_size=2000)
    if any(a.pk is None for a in assignments):
        ids = {
            (item_id, unit_id): pk
            for pk, item_id, unit_id in Assignment.objects.filter(
                item_id__in={a.item_id for a in assignments}
            ).values_list("pk", "item_id", "unit_id")
        }
        for assignment in assignments:
            assignment.pk = ids[(assignment.item_id, assignment.unit_id)]
    rows_of = {item.pk: row.row for item, row in pairs}
    StatusUpdate.objects.bulk_create(
        [
            StatusUpdate(
                assignment_id=a.pk,
                author=user,
                kind=StatusUpdate.Kind.IMPORT,
                from_status="",
                to_status=Assignment.Status.NOT_STARTED,
                to_due_date=a.due_date,
                note=f"由{label}第{rows_of[a.item_id]}行导入（{a.get_role_display()}）",
                created_at=now,
            )
            for a in assignments
        ],
        batch_size=2000,
    )


def import_tasks(
    source,
    *,
    user: User,
    dry_run: bool,
    on_conflict: str = "skip",
    year: int | None = None,
    label: str = "任务分解表",
    max_rows: int | None = None,
) -> ImportReport:
    """Read, check and (unless dry_run, and only without errors) write a 任务分解表.

    Every problem is a row error; a commit writes all rows or none.
    """
    if not (user and user.is_office):
        raise PermissionError("只有安委办可以导入任务分解表。")
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict 应为 {'/'.join(ON_CONFLICT)}")
    today = timezone.localdate()
    year = year or today.year
    report = ImportReport()
    try:
        sheet = open_sheet(source, max_rows=max_rows or settings.EXCEL_MAX_ROWS)
    except UnsafeWorkbook as exc:
        report.errors.append(RowError(0, None, str(exc)))
        return report
    TaskSheetParser(sheet, year=year, today=today).parse(report)
    if report.errors:
        return report
    with transaction.atomic():
        plan = _plan(report, on_conflict=on_conflict, year=year)
        if report.errors or dry_run:
            return report
        _commit(plan, report, user=user, today=today, label=label)
        report.committed = True
    return report


def errors_text(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in errors]
