"""Import of the office's own 企业名单 into the register.

The same reading as the 任务分解表 (tracker.excel): the workbook is cleared by the safety
checks first, the header is found by name in the first rows (one row, or two with 主要负责人 /
安全管理人员 over 姓名 and 电话), cells merged down a block (one 乡镇 for many rows) apply to each
row, every problem is a row error 第N行 第X列, a dry run shows them all, and a confirmation
writes every row or none. A row is the same enterprise as one in the register when its
统一社会信用代码 matches, or without a code its name within its township: importing the same
file twice adds nothing. Columns the sheet does not have are left as they are.
"""

import gc
from dataclasses import dataclass, field
from functools import lru_cache

from django.db import connection, transaction
from django.utils import timezone

from tracker.bulk_insert import insert_rows
from tracker.enterprises import credit_code, phones
from tracker.enterprises.models import Enterprise, Grid, Industry
from tracker.excel import cells
from tracker.excel.reading import Sheet, open_sheet
from tracker.excel.report import RowError, a1
from tracker.excel.safety import UnsafeWorkbook
from tracker.excel.task_sheet import UnitIndex
from tracker.models import Unit, User

HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "name": (
        "企业名称",
        "单位名称",
        "生产经营单位名称",
        "生产经营单位",
        "企业",
        "名称",
        "场所名称",
    ),
    "credit_code": ("统一社会信用代码", "社会信用代码", "信用代码", "统一信用代码"),
    "address": ("地址", "经营地址", "详细地址", "生产经营地址", "注册地址", "企业地址"),
    "township": (
        "属地乡镇",
        "乡镇",
        "所属乡镇",
        "乡镇街道",
        "属地",
        "所在乡镇",
        "镇街",
        "属地镇街",
    ),
    "village": ("村", "村社区", "所在村", "村居", "社区", "所属村", "行政村"),
    "grid": ("网格", "所属网格", "网格名称"),
    "industry": ("行业类别", "行业", "行业分类", "所属行业", "类别"),
    "supervisor": ("行业监管部门", "监管部门", "行业主管部门", "主管部门"),
    "scale": ("规模", "企业规模"),
    "risk": ("风险等级", "风险分级", "安全风险等级"),
    "principal": ("主要负责人", "法定代表人", "负责人"),
    "principal_phone": ("主要负责人电话", "主要负责人联系电话", "负责人电话", "联系电话", "电话"),
    "safety_officer": ("安全管理人员", "安全员", "安全负责人", "安全管理员"),
    "safety_phone": ("安全管理人员电话", "安全管理人员联系电话", "安全员电话", "安全负责人电话"),
    "state": ("状态", "生产状态", "经营状态", "生产经营状态"),
    "note": ("备注",),
}
_HEADER_INDEX = {name: f for f, names in HEADER_NAMES.items() for name in names}
# A group header over 姓名 | 电话 (two-row headers): which fields its two halves are.
_PERSON_GROUPS = {"principal": "principal_phone", "safety_officer": "safety_phone"}
_NAME_WORDS = {"姓名", "名字"}
_PHONE_WORDS = {"电话", "联系电话", "手机", "手机号码", "联系方式", "电话号码"}

LABELS = {
    "name": "企业名称",
    "credit_code": "统一社会信用代码",
    "address": "地址",
    "township": "属地乡镇（街道）",
    "village": "村（社区）",
    "grid": "网格",
    "industry": "行业类别",
    "supervisor": "行业监管部门",
    "scale": "规模",
    "risk": "风险等级",
    "principal": "主要负责人",
    "principal_phone": "主要负责人电话",
    "safety_officer": "安全管理人员",
    "safety_phone": "安全管理人员电话",
    "state": "状态",
}
# The order of the template and the export (and so of a sheet exported and imported again).
COLUMNS = list(LABELS)
LIMITS = {"name": 200, "address": 200, "principal": 40, "safety_officer": 40, "village": 60}

SCALE_WORDS = {
    "规上": "above", "规模以上": "above", "规上企业": "above", "规模以上企业": "above",
    "小微": "small", "小微企业": "small", "规下": "small", "规模以下": "small", "小型": "small",
    "微型": "small", "个体": "individual", "个体工商户": "individual", "个体户": "individual",
}  # fmt: skip
RISK_WORDS = {
    "重大": "major", "重大风险": "major", "红": "major", "红色": "major",
    "较大": "larger", "较大风险": "larger", "橙": "larger", "橙色": "larger",
    "一般": "general", "一般风险": "general", "黄": "general", "黄色": "general",
    "低": "low", "低风险": "low", "蓝": "low", "蓝色": "low", "较低": "low",
}  # fmt: skip
STATE_WORDS = {
    "在产": "producing", "正常": "producing", "生产": "producing", "在营": "producing",
    "营业": "producing", "正常生产": "producing", "在建": "producing",
    "停产": "suspended", "停业": "suspended", "歇业": "suspended", "停产整顿": "suspended",
    "停产停业": "suspended", "关闭": "closed", "注销": "closed", "关停": "closed",
    "吊销": "closed", "已关闭": "closed",
}  # fmt: skip
INDUSTRY_WORDS = {
    "危化": "危险化学品", "危化品": "危险化学品", "危险化学品": "危险化学品", "化工": "危险化学品",
    "非煤": "非煤矿山", "非煤矿山": "非煤矿山", "矿山": "非煤矿山",
    "烟花": "烟花爆竹", "烟花爆竹": "烟花爆竹",
    "工贸": "工贸", "工贸企业": "工贸", "冶金": "工贸", "有色": "工贸", "建材": "工贸",
    "机械": "工贸", "轻工": "工贸", "纺织": "工贸", "商贸": "工贸",
    "建筑": "建筑施工", "建筑施工": "建筑施工", "交通": "交通运输", "道路运输": "交通运输",
    "交通运输": "交通运输", "人员密集": "人员密集场所", "人员密集场所": "人员密集场所",
    "九小": "九小场所", "九小场所": "九小场所", "煤矿": "煤矿", "煤炭": "煤矿",
}  # fmt: skip

PREVIEW_ROWS = 300


@dataclass
class EnterpriseRow:
    row: int
    values: dict  # field → clean value, only for the columns the sheet has
    township: Unit
    village: str  # the 村（社区） as written; "" for none
    grid: str


@dataclass
class ImportReport:
    rows: list[EnterpriseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(
        default_factory=lambda: dict.fromkeys(["rows", "create", "update", "unchanged"], 0)
    )
    new_villages: list[tuple[str, str]] = field(default_factory=list)  # (township, village)
    columns: list[str] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def preview_rows(self) -> list[EnterpriseRow]:
        return self.rows[:PREVIEW_ROWS]

    @property
    def rows_not_listed(self) -> int:
        return max(len(self.rows) - PREVIEW_ROWS, 0)

    @property
    def labelled_counts(self) -> list[tuple[str, int]]:
        labels = {"rows": "企业行", "create": "新增", "update": "更新", "unchanged": "未改动"}
        return [(labels[k], v) for k, v in self.counts.items()] + [
            ("新增村（社区）", len(self.new_villages))
        ]


# --- the header ----------------------------------------------------------------------------


def match_header(value) -> str | None:
    return _HEADER_INDEX.get(cells.normalize_header(value))


def find_header(sheet: Sheet, max_scan: int = 15) -> tuple[int, dict[str, int]]:
    """(index of the last header row, field → column). Raises CellError when none is found."""
    rows = sheet.rows
    anchors = sheet.merged_anchor()
    for index, row in enumerate(rows[:max_scan]):
        found = {col: match_header(v) for col, v in enumerate(row)}
        found = {col: f for col, f in found.items() if f}
        if "name" not in found.values() or len(found) < 3:
            continue
        columns: dict[str, int] = {}
        for col, f in found.items():
            columns.setdefault(f, col)
        below = rows[index + 1] if index + 1 < len(rows) else []
        last = index
        for col, value in enumerate(below):
            word = cells.normalize_header(value)
            if word not in _NAME_WORDS | _PHONE_WORDS:
                continue
            top = anchors.get((index, col), (index, col))
            group = match_header(rows[top[0]][top[1]]) if top[0] == index else None
            if group not in _PERSON_GROUPS:
                continue
            target = group if word in _NAME_WORDS else _PERSON_GROUPS[group]
            if columns.get(target) == col or target not in columns or word in _PHONE_WORDS:
                columns[target] = col
            last = index + 1
        return last, columns
    raise cells.CellError(
        f"没有找到表头：前{max_scan}行中没有“企业名称”“属地乡镇”“行业类别”等列名。请使用模板的表头。"
    )


# --- the rows ------------------------------------------------------------------------------


class Lookups:
    """What the cells are matched against: units, industries, villages and grids."""

    def __init__(self):
        self.units = UnitIndex()
        self.industries = {cells.normalize_header(i.name): i for i in Industry.objects.all()}
        self.industry_names = [i.name for i in self.industries.values()]
        self.villages: dict[tuple[int, str], int] = {}
        self.grids: dict[tuple[int, str], list[tuple[int, int | None]]] = {}
        tree = list(Grid.objects.values_list("pk", "township_id", "parent_id", "level", "name"))
        parents = {pk: parent for pk, _t, parent, _l, _n in tree}
        levels = {pk: level for pk, _t, _p, level, _n in tree}
        for pk, township_id, _parent, level, name in tree:
            key = (township_id, cells.normalize_header(name))
            if level == Grid.Level.VILLAGE:
                self.villages[key] = pk
                continue
            village, node, seen = None, pk, set()
            while node is not None and node not in seen:
                seen.add(node)
                if levels.get(node) == Grid.Level.VILLAGE:
                    village = node
                    break
                node = parents.get(node)
            self.grids.setdefault(key, []).append((pk, village))
        self.unit = lru_cache(maxsize=1024)(self._unit)

    def _unit(self, text: str) -> Unit | None:
        return self.units.find(text)

    def industry(self, text: str) -> Industry | None:
        key = cells.normalize_header(text)
        found = self.industries.get(key)
        if found is None and key in INDUSTRY_WORDS:
            found = self.industries.get(INDUSTRY_WORDS[key])
        return found


class EnterpriseSheetParser:
    def __init__(self, sheet: Sheet, lookups: Lookups):
        self.sheet = sheet
        self.lookups = lookups

    def parse(self, report: ImportReport) -> None:
        rows = self.sheet.rows
        try:
            header_row, columns = find_header(self.sheet)
        except cells.CellError as exc:
            report.errors.append(RowError(1, None, str(exc)))
            return
        for required in ("name", "township", "industry"):
            if required not in columns:
                report.errors.append(
                    RowError(header_row + 1, None, f"表头中没有“{LABELS[required]}”列。")
                )
        if report.errors:
            return
        report.columns = [f for f in COLUMNS if f in columns]
        if "risk" not in columns:
            report.warnings.append("表中没有“风险等级”列：新增企业按“低”风险登记。")
        self._check_hidden_merged_values(header_row + 1, report)
        fill = self._vertical_merges(header_row + 1)
        width = max(columns.values()) + 1
        seen_codes: dict[str, int] = {}
        seen_names: dict[tuple[int, str], int] = {}
        for index in range(header_row + 1, len(rows)):
            raw = rows[index]
            values = [raw[c] if c < len(raw) else "" for c in range(width)]
            for c, (ar, ac) in fill.get(index, {}).items():
                if c < width:
                    values[c] = rows[ar][ac]
            if all(v in ("", None) for v in values):
                continue
            report.counts["rows"] += 1
            parsed = self._row(index, values, columns, report)
            if parsed is None:
                continue
            code = parsed.values.get("credit_code")
            if code:
                if code in seen_codes:
                    report.errors.append(
                        RowError(
                            index + 1,
                            columns["credit_code"],
                            f"统一社会信用代码 {code} 与第{seen_codes[code]}行重复。",
                        )
                    )
                    continue
                seen_codes[code] = index + 1
            key = (parsed.township.pk, parsed.values["name"])
            if key in seen_names:
                report.errors.append(
                    RowError(
                        index + 1,
                        columns["name"],
                        f"「{parsed.values['name']}」与第{seen_names[key]}行重复"
                        f"（同一乡镇（街道）的同名企业）。",
                    )
                )
                continue
            seen_names[key] = index + 1
            report.rows.append(parsed)
        if report.counts["rows"] == 0 and not report.errors:
            report.errors.append(RowError(header_row + 2, None, "表头下面没有企业行。"))

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
        fills: dict[int, dict] = {}
        for r1, c1, r2, c2 in self.sheet.merged:
            if r2 <= r1 or r1 < first_data_row:
                continue
            for r in range(r1 + 1, r2 + 1):
                for c in range(c1, c2 + 1):
                    fills.setdefault(r, {})[c] = (r1, c1)
        return fills

    def _row(self, index, values, columns, report) -> EnterpriseRow | None:
        row_no = index + 1
        before = len(report.errors)
        formulas = self.sheet.formula_cells

        def error(name, message):
            report.errors.append(RowError(row_no, columns.get(name), message))

        def text(name, required=False) -> str:
            col = columns.get(name)
            if col is None:
                return ""
            if formulas and a1(index, col) in formulas:
                error(name, "这是公式，请复制后“粘贴为数值”再导入。")
                return ""
            try:
                result = cells.parse_text(values[col], max_length=LIMITS.get(name, 60))
            except cells.CellError as exc:
                error(name, f"{LABELS[name]}{exc}")
                return ""
            if required and not result:
                error(name, f"{LABELS[name]}不能为空。")
            return result

        out: dict = {}
        out["name"] = text("name", required=True)
        for name in ("address", "principal", "safety_officer"):
            if name in columns:
                out[name] = text(name)
        township_text = text("township", required=True)
        township = None
        if township_text:
            township = self.lookups.unit(cells.normalize_text(township_text))
            if township is None:
                close = cells.suggest(
                    township_text,
                    [u.name for u in self.lookups.units.groups.get("township", [])],
                )
                hint = f"，是否为：{'、'.join(close)}" if close else ""
                error("township", f"乡镇（街道）「{township_text}」不存在{hint}。")
            elif township.kind != Unit.Kind.TOWNSHIP:
                error("township", f"「{township.name}」不是乡镇（街道），请填写企业的属地乡镇。")
                township = None
        industry_text = text("industry", required=True)
        industry = None
        if industry_text:
            industry = self.lookups.industry(industry_text)
            if industry is None:
                close = cells.suggest(industry_text, self.lookups.industry_names)
                hint = f"，是否为：{'、'.join(close)}" if close else ""
                error(
                    "industry",
                    f"行业类别「{industry_text}」不存在{hint}。可在管理后台的“行业类别”中添加。",
                )
            else:
                out["industry_id"] = industry.pk
        code = text("credit_code")
        if code:
            try:
                out["credit_code"] = credit_code.check(code)
            except credit_code.CreditCodeError as exc:
                error("credit_code", f"统一社会信用代码{exc}。")
        elif industry is not None and not industry.credit_code_optional:
            error(
                "credit_code",
                f"{industry.name}企业必须填写统一社会信用代码（只有九小场所等可不填）。",
            )
        elif "credit_code" in columns:
            out["credit_code"] = ""
        for name in ("principal_phone", "safety_phone"):
            col = columns.get(name)
            if col is None:
                continue
            try:
                out[name] = phones.check(values[col])
            except phones.PhoneError as exc:
                error(name, f"{LABELS[name]}{exc}。")
        if "supervisor" in columns:
            supervisor_text = text("supervisor")
            if supervisor_text:
                unit = self.lookups.unit(cells.normalize_text(supervisor_text))
                if unit is None:
                    close = cells.suggest(
                        supervisor_text,
                        [u.name for u in self.lookups.units.groups.get("department", [])],
                    )
                    hint = f"，是否为：{'、'.join(close)}" if close else ""
                    error("supervisor", f"部门「{supervisor_text}」不存在{hint}。")
                elif unit.kind != Unit.Kind.DEPARTMENT:
                    error("supervisor", f"「{unit.name}」不是部门，请填写行业监管部门。")
                else:
                    out["supervisor_id"] = unit.pk
        if "supervisor_id" not in out and industry is not None:
            out["supervisor_id"] = industry.supervisor_id
        for name, words, default in (
            ("scale", SCALE_WORDS, "small"),
            ("risk", RISK_WORDS, "low"),
            ("state", STATE_WORDS, "producing"),
        ):
            if name not in columns:
                continue
            written = text(name)
            if not written:
                out[name] = default
                continue
            key = cells.normalize_header(written).removesuffix("企业")
            value = words.get(cells.normalize_header(written)) or words.get(key)
            if value is None:
                labels = {
                    "scale": "规上、小微、个体",
                    "risk": "重大、较大、一般、低（或红、橙、黄、蓝）",
                    "state": "在产、停产、关闭",
                }
                error(name, f"{LABELS[name]}「{written}」无法识别，请填写{labels[name]}。")
            else:
                out[name] = value
        village = text("village")
        grid = text("grid")
        if len(report.errors) > before or township is None:
            return None
        return EnterpriseRow(row=row_no, values=out, township=township, village=village, grid=grid)


# --- planning and writing ------------------------------------------------------------------

COMPARED = (
    "name", "credit_code", "address", "industry_id", "supervisor_id", "scale", "risk",
    "principal", "principal_phone", "safety_officer", "safety_phone", "state",
)  # fmt: skip
DEFAULTS = {
    "credit_code": "", "address": "", "supervisor_id": None, "scale": "small", "risk": "low",
    "principal": "", "principal_phone": "", "safety_officer": "", "safety_phone": "",
    "state": "producing", "village_id": None, "grid_id": None,
}  # fmt: skip


def _place(row: EnterpriseRow, lookups: Lookups, columns, report, new_villages) -> dict | None:
    """The row's 村 and 网格 as ids; a 村 not yet in the tree as ("new", key); None on error."""
    township = row.township
    place: dict = {}
    village_id = None
    if row.village:
        key = (township.pk, cells.normalize_header(row.village))
        village_id = lookups.villages.get(key)
        if village_id is None:
            if key not in new_villages:
                new_villages[key] = row.village
                report.new_villages.append((township.name, row.village))
            place["village_id"] = ("new", key)
        else:
            place["village_id"] = village_id
    if row.grid:
        matches = lookups.grids.get((township.pk, cells.normalize_header(row.grid)), [])
        if village_id is not None:
            matches = [m for m in matches if m[1] == village_id] or matches
        message = ""
        if not matches:
            message = (
                f"网格「{row.grid}」不在{township.name}的网格中，请先在网格中添加，"
                "或清空此格导入后再划分网格。"
            )
        elif len(matches) > 1:
            message = (
                f"{township.name}有{len(matches)}个名为「{row.grid}」的网格，"
                "请同时填写所属村（社区）。"
            )
        elif row.village and matches[0][1] != village_id:
            message = f"网格「{row.grid}」不属于{row.village}。"
        if message:
            report.errors.append(RowError(row.row, columns.get("grid"), message))
            return None
        place["grid_id"], place["village_id"] = matches[0]
    return place


def _plan(report: ImportReport, lookups: Lookups, columns: dict[str, int]) -> dict:
    existing = list(
        Enterprise.objects.values("pk", "township_id", "village_id", "grid_id", *COMPARED)
    )
    by_code = {r["credit_code"]: r for r in existing if r["credit_code"]}
    by_name = {(r["township_id"], r["name"]): r for r in existing}
    new_villages: dict[tuple[int, str], str] = {}
    plan = {"create": [], "update": [], "villages": new_villages}
    for row in report.rows:
        place = _place(row, lookups, columns, report, new_villages)
        if place is None:
            continue
        name, township = row.values["name"], row.township
        code = row.values.get("credit_code")
        match = by_code.get(code) if code else None
        namesake = by_name.get((township.pk, name))
        if match is not None and namesake is not None and namesake["pk"] != match["pk"]:
            report.errors.append(
                RowError(
                    row.row,
                    columns.get("credit_code"),
                    f"信用代码 {code} 已登记为「{match['name']}」，而{township.name}"
                    f"另有名为「{name}」的企业：请核对是哪一家。",
                )
            )
            continue
        if match is None and namesake is not None:
            if code and namesake["credit_code"] and namesake["credit_code"] != code:
                report.errors.append(
                    RowError(
                        row.row,
                        columns.get("credit_code"),
                        f"{township.name}已有「{name}」，信用代码为 {namesake['credit_code']}，"
                        f"与表中的 {code} 不同：请核对。",
                    )
                )
                continue
            match = namesake
        values = {**row.values, "township_id": township.pk, **place}
        if match is None:
            plan["create"].append(values)
            report.counts["create"] += 1
            continue
        changed = {k: v for k, v in values.items() if match.get(k) != v}
        if changed:
            plan["update"].append((match["pk"], changed))
            report.counts["update"] += 1
        else:
            report.counts["unchanged"] += 1
    return plan


def _commit(plan: dict) -> None:
    now = timezone.now()
    villages = plan["villages"]
    new_ids: dict[tuple[int, str], int] = {}
    if villages:
        insert_rows(
            Grid,
            ["township_id", "name", "level"],
            ((key[0], written[:60], Grid.Level.VILLAGE) for key, written in villages.items()),
            constants={"parent": None, "sort_order": 100},
        )
        for pk, township_id, name in Grid.objects.filter(
            level=Grid.Level.VILLAGE, township_id__in={t for t, _ in villages}
        ).values_list("pk", "township_id", "name"):
            new_ids[(township_id, cells.normalize_header(name))] = pk

    def resolved(values: dict) -> dict:
        village = values.get("village_id")
        if isinstance(village, tuple):
            values = {**values, "village_id": new_ids[village[1]]}
        return values

    fields = ["township_id", "village_id", "grid_id", *COMPARED]
    insert_rows(
        Enterprise,
        fields,
        (tuple(v.get(f, DEFAULTS.get(f)) for f in fields) for v in map(resolved, plan["create"])),
        constants={"standard_level": Enterprise.Level.NONE, "created_at": now, "updated_at": now},
    )
    if plan["update"]:
        by_pk = Enterprise.objects.in_bulk([pk for pk, _ in plan["update"]])
        names = {"updated_at"}
        for pk, changed in plan["update"]:
            enterprise = by_pk[pk]
            for key, value in resolved(changed).items():
                setattr(enterprise, key, value)
                names.add(key)
            enterprise.updated_at = now
        Enterprise.objects.bulk_update(list(by_pk.values()), sorted(names), batch_size=500)


def import_enterprises(source, *, user: User, dry_run: bool, max_rows: int = 200_000):
    """Read, check and (unless dry_run, and only without errors) write an enterprise list."""
    if not (user and user.is_office):
        raise PermissionError("只有安委办可以导入企业台账。")
    enabled = gc.isenabled()
    gc.disable()  # tens of thousands of rows of objects that all live until the end
    try:
        return _import(source, user=user, dry_run=dry_run, max_rows=max_rows)
    finally:
        if enabled:
            gc.enable()


def _import(source, *, user, dry_run, max_rows) -> ImportReport:
    report = ImportReport()
    try:
        sheet = open_sheet(source, max_rows=max_rows)
    except UnsafeWorkbook as exc:
        report.errors.append(RowError(0, None, str(exc)))
        return report
    lookups = Lookups()
    EnterpriseSheetParser(sheet, lookups).parse(report)
    if report.errors:
        return report
    _, columns = find_header(sheet)
    with transaction.atomic():
        if connection.vendor == "sqlite":
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA cache_size=-65536")
        plan = _plan(report, lookups, columns)
        if report.errors or dry_run:
            return report
        _commit(plan)
        report.committed = True
    return report
