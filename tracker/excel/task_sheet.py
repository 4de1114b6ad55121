"""Reading a 任务分解表 sheet into TaskRows and row errors: headers found by name, units through
their aliases, deadlines in the ways offices write them."""

from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache

from checklist.extract import UnitRef
from checklist.models import Theme
from checklist.shares import SharesError, is_rate_unit, parse_shares, plain_quantity, split_state
from checklist.shares import unit_finder as share_unit_finder
from tracker.excel import cells
from tracker.excel.reading import Sheet
from tracker.excel.report import ImportReport, RowError, TaskRow, a1
from tracker.models import Assignment, Unit, UnitAlias

TEXT_FIELDS = ("code", "title", "detail", "theme", "lead", "responsible", "cooperate", "note")
LIMITS = {"code": 30, "title": 300, "detail": 5000, "note": 2000}


class UnitIndex:
    """Unit names, short names and aliases, normalised, so 安监局 or 县应急管理局 find their unit."""

    def __init__(self):
        self.keys: dict[str, Unit] = {}
        self.groups: dict[str, list[Unit]] = {"township": [], "department": []}
        units = list(Unit.objects.filter(active=True).order_by("sort_order", "name"))
        names: dict[int, list[str]] = {}
        for unit in units:
            names[unit.pk] = [n for n in (unit.name, unit.short_name) if n]
            for name in (unit.name, unit.short_name):
                for key in cells.unit_keys(name) if name else []:
                    self.keys.setdefault(key, unit)
            if unit.kind in self.groups:
                self.groups[unit.kind].append(unit)
        for alias in UnitAlias.objects.select_related("unit").filter(unit__active=True):
            names.setdefault(alias.unit_id, []).append(alias.alias)
            for key in cells.unit_keys(alias.alias):
                self.keys.setdefault(key, alias.unit)
        self.names = [unit.name for unit in units]
        self.by_name = {unit.name: unit for unit in units}
        # A shares cell (河西8、平山街道5) names units more loosely than a unit column: a
        # township's stem stands for it, as in speeches.
        self._share_unit = share_unit_finder(
            [UnitRef(unit.name, tuple(names[unit.pk]), unit.kind) for unit in units]
        )

    def find(self, name: str) -> Unit | None:
        for key in cells.unit_keys(name):
            if key in self.keys:
                return self.keys[key]
        return None

    def find_share_unit(self, name: str) -> str | None:
        """The name of the unit a 分解数量 cell names: as in the unit columns, else by stem."""
        unit = self.find(name)
        return unit.name if unit else self._share_unit(name)

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

    def __init__(self, sheet: Sheet, *, reference: date, today: date):
        """``reference``: the day a 完成时限 without a year counts forward from (the import
        date, or 1 January of a later 年度 chosen for the import)."""
        self.sheet = sheet
        self.reference = reference
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

    def _parse_deadline(self, value) -> tuple[cells.Deadline, str]:
        """The cell's deadline and the cell as written, for the preview."""
        parsed = cells.parse_deadline(value, reference=self.reference)
        if isinstance(value, (date, datetime)):
            written = f"{value:%Y-%m-%d}"
        elif isinstance(value, float) and value.is_integer():
            written = str(int(value))
        else:
            written = cells.normalize_text(value)
        return parsed, written

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

        deadline, long_term, deadline_text = None, False, ""
        if "deadline" in columns:
            try:
                parsed, deadline_text = self._deadline(values[columns["deadline"]])
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
        shares: dict[int, Decimal] = {}
        col = columns.get("shares")
        if (
            col is not None
            and values[col] not in ("", None)
            and len(report.errors) == errors_before
        ):
            if self.has_formulas and a1(index, col) in self.sheet.formula_cells:
                error("shares", "这是公式，请复制后“粘贴为数值”再导入。")
            else:
                shares = self._shares(values[col], units, target, target_unit, error)
        if len(report.errors) > errors_before:
            return None
        if shares:
            counted = [unit for unit, role in units if role != Assignment.Role.COOPERATE]
            state = split_state(target, [(unit.name, shares.get(unit.pk)) for unit in counted])
            if state.warning:
                report.warnings.append(f"第{row_no}行：{state.text(target_unit)}。{state.advice}")
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
            deadline_text=deadline_text,
            shares=shares,
        )

    def _shares(self, value, units, target, target_unit, error) -> dict[int, Decimal]:
        """The 分解数量 cell: one number for each counted unit of the row, or each unit's own
        (河西镇8、平山街道5家); every unit it names must be a 牵头 or 责任 unit of the row."""
        if target is None:
            error("shares", "填写分解数量需先填写目标数量（全县的目标，如 40家）。")
            return {}
        if is_rate_unit(target_unit):
            error("shares", "目标是比率（%），由各单位报送本单位的比率，全县取平均值，不分解数量。")
            return {}
        counted = {unit.pk: unit for unit, role in units if role != Assignment.Role.COOPERATE}
        cooperating = {unit.pk for unit, role in units if role == Assignment.Role.COOPERATE}
        try:
            each = plain_quantity(value)
            if each is not None:
                return dict.fromkeys(counted, each)
            written = parse_shares(
                cells.normalize_text(value),
                find=self.units.find_share_unit,
                target_unit=target_unit,
            )
        except SharesError as exc:
            error("shares", f"分解数量{exc}。")
            return {}
        shares = {}
        for share in written:
            if share.key is None:
                close = cells.suggest(share.name, self.units.names)
                hint = f"。相近的单位：{'、'.join(close)}" if close else ""
                error("shares", f"分解数量中的单位「{share.name}」不存在{hint}")
                continue
            unit = self.units.by_name[share.key]
            if unit.pk in cooperating:
                error("shares", f"「{unit.name}」是配合单位，不计入完成率，没有分解数量。")
            elif unit.pk not in counted:
                error(
                    "shares",
                    f"「{unit.name}」不是本行的牵头单位或责任单位，请先把它填入牵头或责任单位。",
                )
            else:
                shares[unit.pk] = share.quantity
        return shares


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
    "shares": "分解数量",
    "note": "备注",
}
