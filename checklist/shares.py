"""分解数量: each unit's share of an item's county target, as offices write it.

Pure code, no ORM. A target like “年内再完成40家小微企业标准化创建” is the county's; the office
splits it among units in a cell such as "河西镇8、平山街道5家" or "城关镇：10家；应急局 2". Units
are named as everywhere else (full name, short name or old name, a leading 县/市/区 dropped,
a township's stem 河西 for 河西镇): the caller passes ``find``, name → unit key or None, built
here from UnitRefs (``unit_finder``) or from its own unit index.

A rate target (持证上岗率 100 %) is not split: each unit reports its rate, and the county figure
is their mean (``is_rate_unit``).
"""

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal, InvalidOperation

from checklist.unit_match import AGENCY_SUFFIXES, _stem, normalise_name

# The column keeps two decimals in twelve digits.
MAX_SHARE = Decimal("9999999999.99")

_SEPARATORS = re.compile(r"[、,，;；/／\n]+")
# 河西镇8家, 河西镇：8, 河西镇 8.5 家, 河西镇（8家）: a name, then a number, then a short word.
_SEGMENT = re.compile(r"(?P<name>.*?)[:：=]?(?P<number>[0-9]+(?:\.[0-9]+)?)(?P<word>[^0-9.]{0,4})")
_BRACKETS = str.maketrans("", "", "（）()[]【】")
# Suffixes offices add to a township's or a department's name that the unit list leaves out.
_OFFICIAL_SUFFIXES = ("人民政府", "政府", "办事处")


class SharesError(ValueError):
    """A shares cell that cannot be read; str() is the message for the user."""


@dataclass(frozen=True)
class Share:
    name: str  # as written
    key: str | None  # the unit's key; None when no unit goes by that name
    quantity: Decimal
    word: str  # the measure word written after the number (家, 处 …), often empty


def is_rate_unit(unit: str | None) -> bool:
    """A target measured in % is a rate: units report their rate, shares do not apply."""
    return unicodedata.normalize("NFKC", unit or "").strip() == "%"


def unit_finder(units: Sequence) -> Callable[[str], str | None]:
    """name → unit key, from UnitRefs (key, names, kind): full names, short names, aliases,
    each with a leading 县/市/区 dropped, and the stem of a name ending in 镇, 局 …"""
    keys: dict[str, str] = {}
    stems: dict[str, str] = {}
    for unit in units:
        for raw in (unit.key, *unit.names):
            name = normalise_name(raw)
            if len(name) < 2:
                continue
            keys.setdefault(name, unit.key)
            if name.endswith(AGENCY_SUFFIXES):
                stem = _stem(name)
                if stem:
                    stems.setdefault(stem, unit.key)
    for stem, key in stems.items():
        keys.setdefault(stem, key)

    def find(name: str) -> str | None:
        name = normalise_name(name)
        if name in keys:
            return keys[name]
        for suffix in _OFFICIAL_SUFFIXES:
            if name.endswith(suffix) and name[: -len(suffix)] in keys:
                return keys[name[: -len(suffix)]]
        return None

    return find


def _quantity(number: str, segment: str) -> Decimal:
    try:
        quantity = Decimal(number)
    except InvalidOperation:
        raise SharesError(f"「{segment}」的数量无法识别") from None
    if quantity <= 0:
        raise SharesError(f"「{segment}」的分解数量应大于 0")
    if quantity != quantity.quantize(Decimal("0.01")):
        raise SharesError(f"「{segment}」的分解数量最多两位小数")
    if quantity > MAX_SHARE:
        raise SharesError(f"「{segment}」的分解数量过大")
    return quantity


def parse_shares(
    text: str, *, find: Callable[[str], str | None], target_unit: str = ""
) -> list[Share]:
    """ "河西镇8、平山街道5家" → [Share(河西镇, 8), Share(平山街道, 5)], in the order written.

    Unknown names come back with key None, for the caller to name with its own hints.
    Raises SharesError for a part without a number, a zero, more than two decimals, a unit
    named twice, or a measure word other than the target's (8个 for a target in 家).
    """
    text = unicodedata.normalize("NFKC", str(text or ""))
    shares: list[Share] = []
    problems: list[str] = []
    seen: dict[str, str] = {}
    for raw in _SEPARATORS.split(text):
        segment = re.sub(r"\s+", "", raw).translate(_BRACKETS)
        if not segment:
            continue
        match = _SEGMENT.fullmatch(segment)
        if not match or not match["name"]:
            problems.append(f"「{segment}」应写成 单位名称和数量，如 河西镇8家")
            continue
        name, word = match["name"], match["word"]
        try:
            quantity = _quantity(match["number"], segment)
        except SharesError as exc:
            problems.append(str(exc))
            continue
        if word and target_unit and word != target_unit.strip():
            problems.append(f"「{segment}」的单位“{word}”与目标数量的单位“{target_unit}”不同")
            continue
        key = find(name)
        if key is not None:
            if key in seen:
                problems.append(f"「{key}」填写了两次（{seen[key]}、{segment}）")
                continue
            seen[key] = segment
        shares.append(Share(name=name, key=key, quantity=quantity, word=word))
    if problems:
        raise SharesError("；".join(problems))
    if not shares:
        raise SharesError("没有填写分解数量，应写成 河西镇8家、平山街道5家")
    return shares


def plain_quantity(value) -> Decimal | None:
    """A cell holding only a number (8, "8", "8家"): the share of every unit it stands for.
    None when the cell names units."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float, Decimal)):
        return _quantity(str(value), str(value)) if value == value else None
    text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value or "")))
    # A measure word is one or two characters (家, 处, 人次); a longer tail names something.
    match = re.fullmatch(r"([0-9]+(?:\.[0-9]+)?)([^0-9.]{0,2})", text)
    if not match:
        return None
    return _quantity(match[1], text)


def format_share(value: Decimal) -> str:
    """8.00 → "8", 2.50 → "2.5"."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class SplitState:
    """How far an item's county target is split among its counted units."""

    target: Decimal
    allotted: Decimal  # the sum of the shares set
    split: int  # counted units with a share
    unsplit: tuple[str, ...]  # the names of those without one

    @property
    def units(self) -> int:
        return self.split + len(self.unsplit)

    @property
    def started(self) -> bool:
        return self.split > 0

    @property
    def balanced(self) -> bool:
        """Every counted unit has its share and the shares add up to the target."""
        return self.split > 0 and not self.unsplit and self.allotted == self.target

    @property
    def warning(self) -> bool:
        """Split, but not so that the shares make up the target: shown, never refused."""
        return self.started and not self.balanced

    @property
    def advice(self) -> str:
        """Why the split is worth a look, in a sentence or two ("" when it is balanced)."""
        if not self.warning:
            return ""
        parts = []
        if self.allotted != self.target:
            parts.append("各单位分解数量合计与目标数量不一致")
        if self.unsplit:
            parts.append("未分解的单位按全县目标计")
        return "；".join(parts) + "。"

    def text(self, unit_word: str) -> str:
        """ "已分解 38 / 40 家（未分解：城关镇、河西镇）", or "" before any share is set."""
        if not self.started:
            return ""
        line = f"已分解 {format_share(self.allotted)} / {format_share(self.target)} {unit_word}"
        if self.unsplit:
            line += f"（未分解：{'、'.join(self.unsplit)}）"
        return line


def split_state(target: Decimal, shares: Sequence[tuple[str, Decimal | None]]) -> SplitState:
    """(unit name, share or None) of each counted unit → the item's SplitState."""
    allotted = sum((share for _, share in shares if share is not None), Decimal(0))
    return SplitState(
        target=Decimal(target),
        allotted=allotted,
        split=sum(1 for _, share in shares if share is not None),
        unsplit=tuple(name for name, share in shares if share is None),
    )


def even_split(target: Decimal, count: int) -> tuple[Decimal, Decimal]:
    """The county target over ``count`` units: (each unit's share, the remainder the lead
    takes on top of its own). Whole numbers when the target is whole, else to the cent.
    Raises SharesError when a share would be nothing."""
    target = Decimal(target)
    if count <= 0:
        raise SharesError("没有牵头或责任单位，无法分解")
    step = Decimal(1) if target == target.to_integral_value() else Decimal("0.01")
    each = (target / count).quantize(step, rounding=ROUND_FLOOR)
    if each <= 0:
        raise SharesError(
            f"目标 {format_share(target)} 少于 {count} 个单位，无法平均分解到每个单位，"
            "请逐个填写分解数量"
        )
    return each, target - each * count
