"""Importing an office's 隐患排查治理台账 (.xlsx): the core's safe reader, headers found by name
(a merged title above, a two-row header under a merged group), dates in the usual forms, state
words mapped. A dry run shows the same row errors; a real run writes every row or none. Rows
already in the register (by 隐患编号, else enterprise + description + 发现日期) are not added
twice."""

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from django.db import connection, transaction
from django.utils import timezone

from tracker.bulk_insert import insert_rows
from tracker.enterprises.models import Enterprise, Industry
from tracker.excel import cells, parse_cache
from tracker.excel.reading import Sheet, open_sheet
from tracker.excel.report import RowError
from tracker.excel.safety import UnsafeWorkbook
from tracker.hazards import text_index
from tracker.hazards.models import Hazard, HazardChange
from tracker.models import Unit, User

HEADER_NAMES = {
    "code": ["隐患编号", "编号"],
    "found_on": ["排查日期", "发现日期", "检查日期", "排查时间", "发现时间"],
    "enterprise": ["企业名称", "单位名称", "生产经营单位", "企业（单位）名称", "企业单位名称"],
    "township": ["所属乡镇", "乡镇", "属地", "乡镇街道", "所属乡镇街道", "属地乡镇"],
    "industry": ["行业", "行业类别", "所属行业"],
    "description": ["隐患部位及描述", "隐患描述", "隐患内容", "存在问题", "隐患情况", "隐患具体情况"],
    "location": ["隐患部位", "部位"],
    "category": ["隐患类别", "隐患类型"],
    "level": ["隐患等级", "隐患级别"],
    "source": ["排查方式", "发现方式", "检查方式"],
    "basis": ["判定依据", "重大隐患判定依据"],
    "measures": ["整改措施"],
    "responsible": ["整改责任人", "责任人"],
    "funds": ["整改资金", "整改资金元", "资金", "整改资金万元"],
    "deadline": ["整改时限", "整改期限", "整改时间"],
    "contingency": ["防范措施", "应急预案", "应急预案防范措施", "整改期间防范措施"],
    "completed_on": ["整改完成日期", "完成日期", "完成时间"],
    "accepted_by": ["验收人", "验收人员"],
    "accepted_on": ["验收日期", "验收时间"],
    "status": ["整改情况", "整改状态", "状态", "是否整改"],
    "listed": ["是否挂牌督办", "挂牌督办"],
    "listing": ["督办层级", "挂牌层级", "督办级别"],
    "note": ["备注"],
}  # fmt: skip
_INDEX = {cells.normalize_header(n): f for f, names in HEADER_NAMES.items() for n in names}
LIMITS = {"location": 200, "responsible": 40, "accepted_by": 40, "code": 40}

STATE_WORDS = {
    "已整改": "closed", "已完成": "closed", "整改完成": "closed", "已销号": "closed",
    "完成": "closed", "是": "closed",
    "待验收": "review", "已整改待验收": "review",
    "整改中": "fixing", "正在整改": "fixing",
    "未整改": "pending", "待整改": "pending", "否": "pending", "": "pending",
    "挂账": "deferred", "挂账整改": "deferred",
}  # fmt: skip
LEVEL_WORDS = {"一般": "general", "一般隐患": "general", "": "general",
               "重大": "major", "重大隐患": "major"}  # fmt: skip
SOURCE_WORDS = {label: value for value, label in Hazard.Source.choices} | {
    "自查": "self", "企业自查自报": "self", "部门检查": "department", "执法检查": "department",
    "专家": "expert", "专家检查": "expert", "网格员": "grid", "网格巡查": "grid",
    "举报": "public", "群众举报": "public", "督查": "superior", "上级检查": "superior", "": "department",
}  # fmt: skip
LISTING_WORDS = {"县": "county", "县级": "county", "市": "city", "市级": "city",
                 "省": "province", "省级": "province"}  # fmt: skip
YES_WORDS = {"是", "已挂牌", "挂牌", "Y", "y", "√"}
_CODE_PATTERN = re.compile(r"^YH\d{4}(\d{6,})$")


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    rows: int = 0
    added: int = 0
    existing: int = 0
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def find_header(sheet: Sheet, max_scan: int = 15) -> tuple[int, dict[str, int]]:
    """(index of the last header row, field → column). A row below the header that names more
    columns (under a merged group such as 整改“五落实”) is read as the header's second row."""
    rows = sheet.rows
    for index, row in enumerate(rows[:max_scan]):
        found = _matches(row)
        if "description" not in found or len(found) < 3:
            continue
        last = index
        below = _matches(rows[index + 1]) if index + 1 < len(rows) else {}
        if len(below) >= 2:
            for f, col in below.items():
                found.setdefault(f, col)
                if f not in ("description",):
                    found[f] = col
            last = index + 1
        return last, found
    raise cells.CellError(
        f"没有找到表头：前{max_scan}行中没有“隐患部位及描述”“排查日期”“企业名称”等列名。"
    )


def _matches(row) -> dict[str, int]:
    found: dict[str, int] = {}
    for col, value in enumerate(row):
        f = _INDEX.get(cells.normalize_header(value))
        if f and f not in found:
            found[f] = col
    return found


# Offices merge a township's (or an enterprise's, or a day's) cells down its rows.
MERGE_FILLED = ("township", "enterprise", "found_on", "industry", "source")


def _fill_merged(sheet: Sheet, header: int, columns: dict[str, int]) -> None:
    wanted = {columns[f] for f in MERGE_FILLED if f in columns}
    for (r, c), (r1, c1) in sheet.merged_anchor().items():
        if r > header and c in wanted and r < len(sheet.rows) and c < len(sheet.rows[r]):
            sheet.rows[r][c] = sheet.rows[r1][c1]


def _date(value, label, *, today) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})\s*[年.\-/]\s*(\d{1,2})\s*[月.\-/]\s*(\d{1,2})\s*日?", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise cells.CellError(f"{label}“{text}”不是有效日期。") from None
    m = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if m:
        try:
            return date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError:
            raise cells.CellError(f"{label}“{text}”不是有效日期。") from None
    try:
        parsed = cells.parse_deadline(value, reference=today)
    except cells.CellError:
        raise cells.CellError(f"{label}“{text}”无法识别，请写成 2026-05-08 这样的日期。") from None
    if parsed.date is None:
        raise cells.CellError(f"{label}“{text}”不是具体日期。")
    return parsed.date


def _funds(value) -> Decimal | None:
    if value in (None, ""):
        return None
    text = str(value).replace(",", "").replace("元", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise cells.CellError(f"整改资金“{value}”不是数字。") from None
    if amount < 0:
        raise cells.CellError("整改资金不能为负数。")
    return amount.quantize(Decimal("0.01"))


class Lookups:
    """Plain tuples, not model instances: 20,000 enterprises load in a fraction of a second."""

    def fingerprint(self) -> str:
        """Everything a parse read from the registers, as one digest."""
        data = repr((
            sorted((u.pk, u.name, u.short_name) for u in self.township_by_pk.values()),
            sorted((i.pk, i.name, i.supervisor_id) for i in self.industries.values()),
            sorted(self.enterprises.items()),
        ))  # fmt: skip
        return hashlib.sha256(data.encode()).hexdigest()

    def __init__(self):
        self.townships = {}
        self.township_by_pk = {}
        for unit in Unit.objects.filter(kind=Unit.Kind.TOWNSHIP):
            self.township_by_pk[unit.pk] = unit
            for key in {unit.name, unit.short_name} - {""}:
                self.townships[key] = unit
        self.industries = {i.name: i for i in Industry.objects.all()}
        self.industry_supervisor = {i.pk: i.supervisor_id for i in self.industries.values()}
        # (pk, township_id, grid_id, industry_id, supervisor_id)
        self.enterprises: dict[tuple[int, str], tuple] = {}
        self.by_name: dict[str, list[tuple]] = {}
        for name, *e in Enterprise.objects.values_list(
            "name", "pk", "township_id", "grid_id", "industry_id", "supervisor_id"
        ):
            self.enterprises[(e[1], name)] = tuple(e)
            self.by_name.setdefault(name, []).append(tuple(e))

    def township(self, name: str) -> Unit | None:
        if not name:
            return None
        return self.townships.get(name) or next(
            (
                u
                for key, u in self.townships.items()
                if key.startswith(name) or name.startswith(key)
            ),
            None,
        )


def _text(row, columns, f) -> str:
    col = columns.get(f)
    if col is None or col >= len(row):
        return ""
    value = row[col]
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return cells.clean_text(value)


def _cell(row, columns, f):
    col = columns.get(f)
    return row[col] if col is not None and col < len(row) else None


def _parse_row(row, number, columns, lookups: Lookups, today) -> dict:
    """One sheet row → the hazard's fields; raises CellError (with the column) on bad input."""
    t = lambda f: _text(row, columns, f)  # noqa: E731
    fields: dict = {"row": number}
    fields["description"] = t("description")
    if not fields["description"]:
        raise _Err("description", "隐患描述为空。")
    try:
        found_on = _date(_cell(row, columns, "found_on"), "排查日期", today=today)
    except cells.CellError as exc:
        raise _Err("found_on", str(exc)) from None
    if found_on is None:
        raise _Err("found_on", "排查日期为空。")
    if found_on > today:
        raise _Err("found_on", f"排查日期 {found_on:%Y-%m-%d} 晚于今天。")
    fields["found_on"] = found_on
    name = t("enterprise")
    township = lookups.township(t("township"))
    if t("township") and township is None:
        raise _Err("township", f"乡镇（街道）“{t('township')}”不在单位名单中。")
    enterprise = None
    if name:
        if township is not None:
            enterprise = lookups.enterprises.get((township.pk, name))
        else:
            found = lookups.by_name.get(name, [])
            enterprise = found[0] if len(found) == 1 else None
        if enterprise is None:
            raise _Err("enterprise", f"企业“{name}”不在企业台账中，请先在企业台账中建档。")
        township = lookups.township_by_pk[enterprise[1]]
    if township is None:
        raise _Err("township", "没有企业的隐患须填写所属乡镇（街道）。")
    fields["enterprise_id"] = enterprise[0] if enterprise else None
    fields["township"] = township
    if enterprise:
        _, _, grid_id, industry_id, supervisor_id = enterprise
        fields["grid_id"], fields["industry_id"] = grid_id, industry_id
        fields["supervisor_id"] = supervisor_id or lookups.industry_supervisor.get(industry_id)
    else:
        industry = lookups.industries.get(t("industry"))
        fields["grid_id"] = None
        fields["industry_id"] = industry.pk if industry else None
        fields["supervisor_id"] = industry.supervisor_id if industry else None
    fields["location"] = t("location")[:200] or ("" if enterprise else "（未填写部位）")
    level = LEVEL_WORDS.get(t("level"))
    if level is None:
        raise _Err("level", f"隐患等级“{t('level')}”只能是一般或重大。")
    fields["level"] = level
    fields["basis"] = t("basis")
    if level == "major" and not fields["basis"]:
        raise _Err("level", "重大隐患须写明判定依据（“判定依据”列）。")
    category = t("category")
    fields["category"] = "basic" if "基础" in category else "site"
    fields["subcategory"] = "" if category in ("基础管理", "现场管理", "") else category[:40]
    source = SOURCE_WORDS.get(t("source"))
    if source is None:
        raise _Err("source", f"排查方式“{t('source')}”无法识别。")
    fields["source"] = source
    fields["measures"], fields["contingency"] = t("measures"), t("contingency")
    fields["responsible"] = t("responsible")[:40]
    try:
        fields["funds"] = _funds(_cell(row, columns, "funds"))
    except cells.CellError as exc:
        raise _Err("funds", str(exc)) from None
    for f, label in (("deadline", "整改时限"), ("completed_on", "整改完成日期"),
                     ("accepted_on", "验收日期")):  # fmt: skip
        try:
            fields[f] = _date(_cell(row, columns, f), label, today=today)
        except cells.CellError as exc:
            raise _Err(f, str(exc)) from None
    if fields["deadline"] and fields["deadline"] < found_on:
        raise _Err(
            "deadline",
            f"整改时限 {fields['deadline']:%Y-%m-%d} 早于排查日期 {found_on:%Y-%m-%d}。",
        )
    fields["accepted_by"] = t("accepted_by")[:40]
    status = t("status")
    state = STATE_WORDS.get(status)
    if state is None:
        state = next((v for k, v in STATE_WORDS.items() if k and k in status), None)
    if state is None:
        raise _Err("status", f"整改情况“{status}”无法识别（已整改、整改中、未整改、挂账）。")
    if state == "closed" and not (fields["accepted_by"] and fields["accepted_on"]):
        state = "review"  # 已整改 but never 验收: it waits for its 验收
    if state == "pending" and fields["measures"] and fields["deadline"]:
        state = "fixing"
    fields["state"] = state
    fields["note"] = t("note")
    if state == "deferred" and not (fields["note"] and fields["contingency"]):
        raise _Err("status", "挂账的隐患须在“备注”写明原因、在“防范措施”写明临时管控措施。")
    listed = t("listed") in YES_WORDS
    fields["listing"] = ""
    if listed:
        if level != "major":
            raise _Err("listed", "只有重大隐患可以挂牌督办。")
        fields["listing"] = LISTING_WORDS.get(t("listing").rstrip("挂牌督办"), "county")
    fields["code"] = t("code")[:40]
    return fields


class _Err(Exception):
    def __init__(self, field_name, message):
        super().__init__(message)
        self.field_name = field_name


def _existing(parsed: list[dict]) -> dict[int, int]:
    """Row number → the pk of the hazard already in the register for it."""
    found: dict[int, int] = {}
    codes = {p["code"] for p in parsed if p["code"]}
    by_code = dict(Hazard.objects.filter(code__in=codes).values_list("code", "pk"))
    pks = {int(m[1]) for c in codes if (m := _CODE_PATTERN.match(c))}
    known_pks = set(Hazard.objects.filter(pk__in=pks).values_list("pk", flat=True))
    days = {p["found_on"] for p in parsed}
    keys = {}
    if days:
        for pk, e, t, loc, desc, day in Hazard.objects.filter(found_on__in=days).values_list(
            "pk", "enterprise_id", "township_id", "location", "description", "found_on"
        ):
            keys[(e, t if e is None else None, loc if e is None else "", desc, day)] = pk
    for p in parsed:
        if p["code"]:
            if p["code"] in by_code:
                found[p["row"]] = by_code[p["code"]]
                continue
            m = _CODE_PATTERN.match(p["code"])
            if m and int(m[1]) in known_pks:
                found[p["row"]] = int(m[1])
                continue
        e = p["enterprise_id"]
        key = (e, None if e else p["township"].pk, "" if e else p["location"],
               p["description"], p["found_on"])  # fmt: skip
        if key in keys:
            found[p["row"]] = keys[key]
    return found


def import_hazards(
    source, *, user: User, dry_run: bool, today: date | None = None, max_rows: int = 200_000
) -> ImportReport:
    """Read, check and (unless dry_run, and only without errors) write a 隐患台账."""
    if not (user and user.is_office):
        raise PermissionError("只有安委办可以导入隐患台账。")
    today = today or timezone.localdate()
    report = ImportReport()
    lookups = Lookups()
    # The dry run's parsed rows are kept for the confirmation that follows (another request,
    # perhaps another process): it reuses them while the file, the registers it was checked
    # against, the day and this code are unchanged, and parses again otherwise.
    cache_key = parse_cache.key(
        file=parse_cache.file_digest(source),
        context=("hazards", lookups.fingerprint(), today.toordinal(), max_rows, _CODE_STAMP),
    )
    parsed = None if dry_run else _unpack(parse_cache.load(cache_key), lookups)
    if parsed is None:
        parsed = _parse(source, report, lookups, today=today, max_rows=max_rows)
        if parsed is None:
            return report
        if dry_run and not report.errors:
            parse_cache.store(cache_key, _pack(parsed))
    report.rows = len(parsed)
    if not parsed and not report.errors:
        report.errors.append(RowError(0, None, "表格中没有隐患行。"))
    if report.errors:
        return report
    existing = _existing(parsed)
    new = [p for p in parsed if p["row"] not in existing]
    report.existing, report.added = len(parsed) - len(new), len(new)
    if dry_run:
        return report
    with transaction.atomic():
        _write(new, user=user, today=today)
    report.committed = True
    parse_cache.discard(cache_key)
    return report


def _parse(source, report: ImportReport, lookups: Lookups, *, today, max_rows) -> list | None:
    """The sheet's rows checked and parsed; row errors go on the report. None when the file
    itself is refused (unsafe, or no header)."""
    try:
        sheet = open_sheet(source, max_rows=max_rows)
        header, columns = find_header(sheet)
    except (UnsafeWorkbook, cells.CellError) as exc:
        report.errors.append(RowError(0, None, str(exc)))
        return None
    _fill_merged(sheet, header, columns)
    parsed, seen = [], {}
    for index in range(header + 1, len(sheet.rows)):
        row = sheet.rows[index]
        if not any(v not in (None, "") for v in row):
            continue
        number = index + 1
        # A closing 合计 line or a signature line under the table is not a hazard.
        first = cells.clean_text(row[0]) if row else ""
        if first.startswith(("合计", "总计", "填表人", "制表")):
            continue
        try:
            fields = _parse_row(row, number, columns, lookups, today)
        except _Err as exc:
            report.errors.append(RowError(number, columns.get(exc.field_name), str(exc)))
            continue
        key = fields["code"] or (
            fields["enterprise_id"] or fields["location"],
            fields["description"], fields["found_on"],
        )  # fmt: skip
        if key in seen:
            report.errors.append(RowError(number, None, f"与第{seen[key]}行重复。"))
            continue
        seen[key] = number
        parsed.append(fields)
    return parsed


_CODE_STAMP = Path(__file__).stat().st_mtime_ns
PACKED = [
    "row", "description", "found_on", "enterprise_id", "township", "grid_id", "industry_id",
    "supervisor_id", "location", "level", "basis", "category", "subcategory", "source",
    "measures", "contingency", "responsible", "funds", "deadline", "completed_on",
    "accepted_on", "accepted_by", "state", "note", "listing", "code",
]  # fmt: skip
_DATES = ("found_on", "deadline", "completed_on", "accepted_on")


def _pack(parsed: list[dict]) -> list[tuple]:
    """Plain values marshal can keep: the township by id, days as ordinals, money as text."""
    out = []
    for p in parsed:
        values = []
        for name in PACKED:
            v = p[name]
            if name == "township":
                v = v.pk
            elif name in _DATES:
                v = v.toordinal() if v else None
            elif name == "funds":
                v = None if v is None else str(v)
            values.append(v)
        out.append(tuple(values))
    return out


def _unpack(packed, lookups: Lookups) -> list[dict] | None:
    if packed is None:
        return None
    try:
        parsed = []
        for values in packed:
            p = dict(zip(PACKED, values, strict=True))
            p["township"] = lookups.township_by_pk[p["township"]]
            for name in _DATES:
                p[name] = date.fromordinal(p[name]) if p[name] else None
            p["funds"] = None if p["funds"] is None else Decimal(p["funds"])
            parsed.append(p)
        return parsed
    except (KeyError, TypeError, ValueError):
        return None  # stale or foreign: parse the file again


COLUMNS = [
    "code", "enterprise_id", "township_id", "grid_id", "industry_id", "supervisor_id",
    "rectifier_id", "found_on", "source", "location", "description", "category", "subcategory",
    "level", "basis", "measures", "responsible", "funds", "deadline", "contingency", "state",
    "deferred_reason", "interim_measures", "deferred_reviewed_on", "submitted_on",
    "accepted_on", "accepted_by", "listing", "listed_on",
]  # fmt: skip


def _write(rows: list[dict], *, user: User, today: date) -> None:
    """Straight inserts (the core's insert_rows): 50,000 rows in seconds, in one transaction."""
    now = timezone.now()
    if connection.vendor == "sqlite":
        # The rows land all over the register's indexes; SQLite's default 2 MB page cache
        # would read and write the same index pages again and again (as the other imports).
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size=-65536")
    first = (Hazard.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1

    def values(p):
        state = p["state"]
        closed, deferred = state == "closed", state == "deferred"
        return (
            p["code"], p["enterprise_id"], p["township"].pk, p["grid_id"], p["industry_id"],
            p["supervisor_id"], None if p["enterprise_id"] else p["township"].pk,
            p["found_on"], p["source"], p["location"], p["description"], p["category"],
            p["subcategory"], p["level"], p["basis"], p["measures"], p["responsible"],
            p["funds"], p["deadline"], p["contingency"], state,
            p["note"] if deferred else "", p["contingency"] if deferred else "",
            today if deferred else None,
            p["completed_on"] if state in ("review", "closed") else None,
            p["accepted_on"] if closed else None, p["accepted_by"] if closed else "",
            p["listing"], p["found_on"] if p["listing"] else None,
        )  # fmt: skip

    with text_index.bulk_inserting(connection):
        insert_rows(
            Hazard, COLUMNS, (values(p) for p in rows),
            constants={"recorded_by": user.pk, "created_at": now, "updated_at": now},
        )  # fmt: skip
    # This transaction's rows, in the order they were inserted.
    made = list(
        Hazard.objects.filter(pk__gte=first, recorded_by=user, created_at=now)
        .order_by("pk")
        .values_list("pk", "state")
    )
    if len(made) != len(rows):
        raise RuntimeError("imported rows could not be matched to their history")
    insert_rows(
        HazardChange, ["hazard_id", "to_state", "note"],
        ((pk, state, f"从隐患台账 Excel 导入（第{p['row']}行）")
         for (pk, state), p in zip(made, rows, strict=True)),
        constants={"author": user.pk, "kind": HazardChange.Kind.IMPORT, "from_state": "",
                   "created_at": now},
    )  # fmt: skip
