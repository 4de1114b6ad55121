"""Cell values of a 任务分解表 → clean values, or a short Chinese message (CellError).

Pure functions, no Django (deadline phrases share checklist.deadlines): the importer prefixes each message with 第N行 第X列.
"""

import calendar
import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation

from checklist.deadlines import (
    HOLIDAY_EVES,
    NEXT_YEAR_WORDS,
    THIS_YEAR_WORDS,
    cn_number,
    place,
    relative_year,
)


class CellError(ValueError):
    """A value the importer cannot use; str() is the message for the user."""


FIELDS = (
    "code", "title", "detail", "theme", "lead", "responsible", "cooperate",
    "deadline", "cadence", "target", "shares", "note", "seq",
)  # fmt: skip
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "seq": ("序号",),
    "code": ("编号", "任务编号", "事项编号"),
    "title": ("工作任务", "任务内容", "任务", "工作内容", "重点任务", "任务名称"),
    "detail": ("具体要求", "工作要求", "具体措施", "任务要求"),
    "theme": ("类别", "领域", "工作领域", "任务类别", "类型"),
    "lead": ("牵头单位", "牵头部门", "牵头"),
    "responsible": ("责任单位", "责任部门", "责任"),
    "cooperate": ("配合单位", "配合部门", "配合"),
    "deadline": ("完成时限", "完成时间", "时间节点", "截止时间", "时限"),
    "cadence": ("报送频次", "报送要求", "报送时间"),
    "target": ("目标数量", "目标任务数", "目标"),
    # Each unit's part of the target: 河西镇8、平山街道5 (checklist.shares).
    "shares": ("分解数量", "分解任务数", "任务分解数", "分解目标"),
    "note": ("备注",),
}
_HEADER_INDEX = {name: field for field, names in HEADER_NAMES.items() for name in names}
_GROUP_HEADERS = {"责任分工", "责任单位", "单位", "责任主体", "分工"}

_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)
_SPACES = re.compile(r"[ \t\u3000]+")
_BRACKETS = re.compile(r"[（(][^）)]*[）)]")


def normalize_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).translate(_INVISIBLE)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def normalize_header(value) -> str:
    text = re.sub(r"\s+", "", normalize_text(value))
    text = _BRACKETS.sub("", text)
    return text.rstrip(":：")


def match_header(value) -> str | None:
    return _HEADER_INDEX.get(normalize_header(value))


@dataclass(frozen=True)
class HeaderMatch:
    row: int
    rows: int
    columns: dict[str, int]


def _matches(row) -> dict[int, str]:
    found = {}
    for col, value in enumerate(row):
        field = match_header(value)
        if field:
            found[col] = field
    return found


def find_header(rows: list[list], max_scan: int = 15) -> HeaderMatch:
    for index, row in enumerate(rows[:max_scan]):
        first = _matches(row)
        if len(first) < 2 or "title" not in first.values():
            continue
        columns: dict[str, int] = {}
        used_rows = 1
        below = _matches(rows[index + 1]) if index + 1 < len(rows) else {}
        second_row = {
            col: field
            for col, field in below.items()
            if col not in first
            or normalize_header(row[col]) in _GROUP_HEADERS
            or field in ("lead", "responsible", "cooperate")
        }
        if second_row and all(field not in ("title",) for field in second_row.values()):
            used_rows = 2
        width = max(len(row), len(rows[index + 1]) if used_rows == 2 else 0)
        for col in range(width):
            field = (second_row.get(col) if used_rows == 2 else None) or first.get(col)
            if used_rows == 2 and col in second_row:
                field = second_row[col]
            elif col in first and normalize_header(row[col]) in _GROUP_HEADERS and used_rows == 2:
                field = second_row.get(col)
            if field and field not in columns:
                columns[field] = col
        return HeaderMatch(row=index + used_rows - 1, rows=used_rows, columns=columns)
    raise CellError(
        f"没有找到表头：前{max_scan}行中没有“工作任务”“牵头单位”等列名。请使用模板的表头。"
    )


# Not on spaces: "县 应急管理局" is one unit typed with a stray space.
_UNIT_SPLIT = re.compile(r"[、,，;；/／\n]+")


def split_units(value) -> list[str]:
    text = normalize_text(value)
    parts = []
    for part in _UNIT_SPLIT.split(text):
        part = re.sub(r"\s+", "", part)
        if part.endswith("等") and len(part) > 2:
            part = part[:-1]
        if part and part not in parts:
            parts.append(part)
    return parts


_TOWNSHIP_GROUPS = {
    "各乡镇", "各镇", "各镇街", "各镇街道", "各街道", "各乡镇街道", "各镇区", "各乡镇人民政府",
    "各镇、街道", "各镇街区", "各乡镇(街道)", "各镇(街道)", "各镇(区、街道)", "各镇(区)",
    "各乡镇街", "各镇人民政府", "各镇(街)",
}  # fmt: skip
_DEPARTMENT_GROUPS = {
    "各部门", "各有关部门", "县直各部门", "各相关部门", "县直有关部门", "各成员单位",
    "县安委会各成员单位", "安委会各成员单位", "各有关单位", "县直各单位",
}  # fmt: skip


def unit_group(name: str) -> str | None:
    text = re.sub(r"\s+", "", normalize_text(name))
    if text in _TOWNSHIP_GROUPS or _BRACKETS.sub("", text) in _TOWNSHIP_GROUPS:
        return "township"
    if text in _DEPARTMENT_GROUPS:
        return "department"
    return None


def unit_keys(name: str) -> list[str]:
    base = re.sub(r"\s+", "", normalize_text(name))
    keys = [base]
    for prefix in ("县", "区", "市"):
        if base.startswith(prefix) and len(base) > 2:
            keys.append(base[1:])
    for key in list(keys):
        for suffix in ("人民政府", "政府", "办事处", "管理委员会", "管委会"):
            if key.endswith(suffix) and len(key) > len(suffix) + 1:
                keys.append(key[: -len(suffix)])
    return list(dict.fromkeys(k for k in keys if k))


def suggest(name: str, candidates: list[str], n: int = 3) -> list[str]:
    key = re.sub(r"\s+", "", normalize_text(name))
    normal = {re.sub(r"\s+", "", normalize_text(c)): c for c in candidates}
    ranked = []
    for c_key, original in normal.items():
        if key and (key in c_key or c_key in key):
            ranked.append(original)
    for match in difflib.get_close_matches(key, list(normal), n=n, cutoff=0.4):
        if normal[match] not in ranked:
            ranked.append(normal[match])
    return ranked[:n]


@dataclass(frozen=True)
class Deadline:
    date: date | None
    long_term: bool


_LONG_TERM = ("长期", "持续", "常态", "常年")
_CN_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "1": 1, "2": 2, "3": 3, "4": 4}
_M = r"(\d{1,2}|十[一二]?|[一二三四五六七八九])"
_D = r"(\d{1,2}|三十一?|二十[一二三四五六七八九]?|十[一二三四五六七八九]?|[一二三四五六七八九])"
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
# 2027年 / 明年 / 今年 in front of the rest of the phrase; 度 as in 2027年度, 明年度.
_YEAR = re.compile(
    r"(?:(?P<year>\d{4})年|(?P<rel>" + "|".join(NEXT_YEAR_WORDS + THIS_YEAR_WORDS) + r"))度?的?"
)
_DAY_OF_MONTH = re.compile(_M + "月" + _D + "[日号]?")
_MONTH_END = re.compile(_M + r"月(?:底|末|份|份底)?")
_TEN_DAYS = re.compile(_M + r"月(上|中|下)旬")
_YEAR_END = re.compile(r"年底|年末|年内|年终|底|末|内|年度内|年度")
_HALF = re.compile(r"(上|下)半年(?:末|底)?")
_QUARTER = re.compile(r"(?:第)?([一二三四1234])季度(?:末|底)?")
_HOLIDAYS = {
    "spring": re.compile(r"春节"),
    "newyear": re.compile(r"元旦(?:节)?"),
    "mayday": re.compile(r"五一(?:劳动节|节)?|劳动节"),
    "national": re.compile(r"国庆(?:节)?|十一(?:节)?"),
    "flood": re.compile(r"(?:主)?汛期(?:到来)?|入汛"),
}


def _month(word: str, text: str) -> int:
    month = cn_number(word)
    if month is None or not 1 <= month <= 12:
        raise CellError(f"日期不存在：{text}")
    return month


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise CellError(f"日期不存在：{text}") from None


def _phrase_date(rest: str, text: str):
    """The phrase's date in a given year, as a function of the year; None if not a phrase."""
    if m := _DAY_OF_MONTH.fullmatch(rest):
        month, day = _month(m[1], text), cn_number(m[2]) or 0

        def on_day(year):
            try:
                return date(year, month, day)
            except ValueError:
                return None

        return on_day
    if m := _MONTH_END.fullmatch(rest):
        month = _month(m[1], text)
        return lambda year: date(year, month, calendar.monthrange(year, month)[1])
    if m := _TEN_DAYS.fullmatch(rest):
        month = _month(m[1], text)
        if m[2] == "下":
            return lambda year: date(year, month, calendar.monthrange(year, month)[1])
        day = 10 if m[2] == "上" else 20
        return lambda year: date(year, month, day)
    if _YEAR_END.fullmatch(rest):
        return lambda year: date(year, 12, 31)
    if m := _HALF.fullmatch(rest):
        month_day = (6, 30) if m[1] == "上" else (12, 31)
        return lambda year: date(year, *month_day)
    if m := _QUARTER.fullmatch(rest):
        month = 3 * _CN_DIGITS[m[1]]
        return lambda year: date(year, month, calendar.monthrange(year, month)[1])
    for name, pattern in _HOLIDAYS.items():
        if pattern.fullmatch(rest):
            return HOLIDAY_EVES[name]
    return None


def parse_deadline(value, *, reference: date | None = None, year: int | None = None) -> Deadline:
    """A 完成时限 cell → its date, or long-term.

    Dates, Excel serials and phrases with a written year are taken as written. A phrase
    without one (6月底前, 上半年, 一季度, 国庆前, 年底) is the next such date on or after
    ``reference`` (the import date, see task_import); 明年 / 今年 in front name the year after
    the reference date's or its own (see checklist.deadlines.place). ``year`` alone stands for
    a reference of 1 January of that year.
    """
    if reference is None:
        if year is None:
            raise TypeError("parse_deadline needs a reference date")
        reference = date(year, 1, 1)
    if isinstance(value, datetime):
        return Deadline(value.date(), False)
    if isinstance(value, date):
        return Deadline(value, False)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if not 1 <= value <= 2958465:
            raise CellError(f"无法识别的完成时限：{value}")
        return Deadline(date(1899, 12, 30) + timedelta(days=int(value)), False)
    text = normalize_text(value)
    if not text:
        raise CellError("完成时限不能为空")
    compact = re.sub(r"[\s“”\"'‘’]+", "", text)
    if any(word in compact for word in _LONG_TERM):
        return Deadline(None, True)
    body = re.sub(r"(以前|之前|前)$", "", compact)
    if m := _ISO.fullmatch(body):
        return Deadline(_make_date(int(m[1]), int(m[2]), int(m[3]), text), False)
    written = _YEAR.match(body)
    named_year, rest = None, body
    if written:
        named_year = int(written["year"]) if written["year"] else None
        named_year = named_year or relative_year(written["rel"], reference)
        rest = body[written.end() :]
    if rest:
        make = _phrase_date(rest, text)
    elif written and written["rel"] in THIS_YEAR_WORDS:  # 今年, 本年度: within this year
        make = _phrase_date("年内", text)
    else:  # a bare 2027年 or 明年(前) says no day: before that year, or within it?
        make = None
    if make is None:
        raise CellError(f"无法识别的完成时限：{text}。可写成 2026-06-30、6月底前、年底前或长期坚持")
    found = place(make, reference, year=named_year)
    if found is None:
        raise CellError(f"日期不存在：{text}")
    return Deadline(found, False)


# 每周五前, 星期五下班前; not 周一次 or 一周一报, which say how often, not which day.
_WEEKDAY = re.compile(r"(?:周|星期|礼拜)([一二三四五六日天1-7])(?!次|报(?!送))")
_WEEKDAY_NUMBER = {
    **{name: n for n, name in enumerate("一二三四五六日", start=1)},
    **{str(n): n for n in range(1, 8)},
    "天": 7,
}


def parse_cadence(value) -> tuple[str, int | None]:
    """每周五前 → (weekly, 5); 每月28日前 → (monthly, 28); 每季度末月20日前 → (quarterly, 20);
    每半年 → (semiannual, None). A quarter's or half-year's day is a day of its last month."""
    text = re.sub(r"\s+", "", normalize_text(value))
    if not text:
        return "none", None
    if "周" in text or "星期" in text:
        m = _WEEKDAY.search(text)
        return "weekly", _WEEKDAY_NUMBER[m[1]] if m else None
    if "半年" in text:
        cadence = "semiannual"
    elif "季" in text:
        cadence = "quarterly"
    elif "月" in text:
        cadence = "monthly"
    else:
        raise CellError(
            f"无法识别的报送频次：{text}。可写成 每月28日前、每季度末月20日前、每半年、每周五前"
        )
    if cadence != "monthly" and re.search(r"首月|第一个月|初", text):
        raise CellError(f"季度、半年的报送日按末月计算：{text}。可写成 每季度末月20日前")
    m = re.search(r"(\d{1,2})[日号]", text)
    if not m:
        return cadence, None
    day = int(m[1])
    if not 1 <= day <= 31:
        raise CellError(f"报送日应在 1 到 31 之间：{text}")
    return cadence, day


def parse_target(value) -> tuple[Decimal | None, str]:
    if value is None or value == "":
        return None, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        number, unit = Decimal(str(value)), ""
    else:
        text = re.sub(r"\s+", "", normalize_text(value))
        if not text:
            return None, ""
        text = re.sub(r"^(约|不少于|至少|完成|达到|共|计)+", "", text)
        m = re.fullmatch(r"(-?\d+(?:\.\d+)?)(.*)", text)
        if not m:
            raise CellError(f"无法识别的目标数量：{text}，应写成 40家 这样的数量和单位")
        number, unit = Decimal(m[1]), m[2].rstrip("以上")
        if len(unit) > 4:  # 家, 人次, 平方米: a longer tail is a sentence, not a unit
            raise CellError(f"无法识别的目标数量：{text}，应写成 40家 这样的数量和单位")
    if number <= 0:
        raise CellError("目标数量应大于 0")
    try:
        number = number.quantize(Decimal("0.01")).normalize()
    except InvalidOperation:
        raise CellError("目标数量过大") from None
    if number == number.to_integral_value():
        number = number.quantize(Decimal(1))
    return number, unit


_NEEDS_CLEANING = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad\r\n\t\u3000]|  ")


def clean_text(value) -> str:
    """Text to store: invisible characters and stray spaces removed, punctuation kept as typed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not _NEEDS_CLEANING.search(text):  # the common case, kept cheap for 100,000-row sheets
        return text.strip()
    text = text.translate(_INVISIBLE).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return "\n".join(lines).strip()


def parse_text(value, *, max_length: int) -> str:
    text = clean_text(value)
    if len(text) > max_length:
        raise CellError(f"内容超过 {max_length} 字（现有 {len(text)} 字）")
    return text


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell_ref(row_index: int, col_index: int) -> str:
    return f"第{row_index + 1}行 第{column_letter(col_index)}列"
