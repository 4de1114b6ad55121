"""Which units and groups of units a directive names.

Pure code. Units come in as ``UnitRef`` values (key = Unit.name, names = name, short name and
aliases). Rules, in the order they apply:

1. Normalise every name: full-width forms and spaces out, and a leading level word 县/市/区/镇
   dropped (县应急管理局 → 应急管理局), so 市安监局, 县安监局 and 安监局 all match the alias 安监局.
2. A name ending in an agency word (局, 大队, 委, 办, 公司, 街道, 镇, 管委会, 开发区 …) is specific
   enough to match anywhere, except after 省/国/部 (省安委办 is the province's office).
3. A bare stem (公安, 消防, 交通, 建设, 安监, 环保, 工商 …, and the stems of the names above:
   商务局 → 商务) is also an everyday word (消防安全, 交通运输, 标准化建设), so it only counts where
   the sentence lists agencies: "公安、工商、安监、交警、消防等部门", "安监部门", "林业、环保、市政等".
4. A township's stem (大岭镇 → 大岭) counts when it stands as a name in a list or before
   镇/街道/两镇/的/要 …: "平山、大岭、白花等重点镇", "吉隆、黄埠两镇", "交河、富镇和开发区要".
5. Longest name first at each place; a place covered by a longer match is not matched again.

Groups are the collective subjects of the labelling spec (各乡镇 → township, 各部门 → department,
企业 when enterprises are ordered to act → enterprise). A 各 before a list distributes over it
(各县区、乡镇、部门); 各县区 alone are counties, not townships; enterprises that are only the
object of someone else's act (督促/推动/指导企业…) are not the group.
"""

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

LEVEL_WORDS = "县市区镇"
# Names starting with a level character that is part of the word itself.
_LEVEL_KEEP = ("市场", "市政", "区域", "镇街")
AGENCY_SUFFIXES = (
    "管委会", "委员会", "办公室", "大队", "支队", "中队", "公司", "街道", "开发区", "局", "委", "办",
    "镇", "乡", "室", "站", "所", "中心", "院", "厅",
)  # fmt: skip
# Suffixes dropped to make a stem (开发区 keeps its 区: 开发 alone names nothing).
_STEM_SUFFIXES = ("委员会", "管理局", "大队", "公司", "街道", "局", "委", "镇", "乡")
_CJK = r"\u4e00-\u9fff"
# Rule 3: what may follow a department stem for it to count as an agency name.
_AGENCY_TAIL = re.compile(
    rf"^(?:[{_CJK}]{{0,6}}?[、和及与])*[{_CJK}]{{0,6}}?等?(?:有关|相关|职能|监管|执法)?(?:部门|单位|机关|力量)"
    # A list ending in 等 names agencies too, unless it goes on to name sectors or places.
    rf"|^(?:[{_CJK}]{{0,6}}?、)+[{_CJK}]{{0,6}}?等(?!行业|领域|场所|重点|高危|方面|工作|问题|企业|单位)"
)
_TOWNSHIP_FOLLOW = re.compile(r"^(?:[、，；。：和及与等的要也都在两各]|镇|乡|街道|$)")
_BLOCKED_BEFORE = "省国部"


def normalise_name(name: str) -> str:
    name = unicodedata.normalize("NFKC", name).replace(" ", "").strip()
    if (
        len(name) > 2
        and name[0] in LEVEL_WORDS
        and not name.startswith(_LEVEL_KEEP)
        and len(name) - 1 >= 2
    ):
        name = name[1:]
    return name


def _stem(name: str) -> str | None:
    for suffix in _STEM_SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            return name[: -len(suffix)]
    return None


class UnitMatcher:
    """Built once per extraction from the UnitRefs; ``find`` returns unit keys in text order."""

    def __init__(self, units: Sequence) -> None:
        # name → (key, kind, mode) where mode is "full", "dept_stem" or "town_stem".
        self.names: dict[str, tuple[str, str, str]] = {}
        stems: dict[str, tuple[str, str, str]] = {}
        for unit in units:
            for raw in (unit.key, *unit.names):
                name = normalise_name(raw)
                if len(name) < 2:
                    continue
                if name.endswith(AGENCY_SUFFIXES):
                    self.names.setdefault(name, (unit.key, unit.kind, "full"))
                    stem = _stem(name)
                    if stem:
                        mode = "town_stem" if unit.kind == "township" else "dept_stem"
                        stems.setdefault(stem, (unit.key, unit.kind, mode))
                else:
                    mode = "town_stem" if unit.kind == "township" else "dept_stem"
                    stems.setdefault(name, (unit.key, unit.kind, mode))
        for stem, value in stems.items():
            self.names.setdefault(stem, value)
        ordered = sorted(self.names, key=len, reverse=True)
        self._regex = (
            re.compile("(?=(" + "|".join(map(re.escape, ordered)) + "))") if ordered else None
        )

    def find(self, text: str) -> list[str]:
        if self._regex is None:
            return []
        found: list[str] = []
        covered_until = 0
        for m in self._regex.finditer(text):
            start = m.start()
            if start < covered_until:
                continue
            candidate = m.group(1)
            # The longest name here may fail its context while a shorter one holds.
            for length in range(len(candidate), 1, -1):
                name = candidate[:length]
                value = self.names.get(name)
                if value and self._context_ok(text, start, start + length, value[2]):
                    if value[0] not in found:
                        found.append(value[0])
                    covered_until = start + length
                    break
        return found

    @staticmethod
    def _context_ok(text: str, start: int, end: int, mode: str) -> bool:
        before = text[start - 1] if start else ""
        if before in _BLOCKED_BEFORE and before:
            return False
        if mode == "full":
            return True
        if mode == "town_stem":
            return bool(_TOWNSHIP_FOLLOW.match(text[end : end + 2]))
        # Department stem: must stand at a word start and be followed by a list of agencies.
        if before and re.match(rf"[{_CJK}]", before) and before not in "县市区和及与是由各对":
            return False
        return bool(_AGENCY_TAIL.match(text[end : end + 40]))


# --- Groups -------------------------------------------------------------------------------

GROUP_PATTERNS = {
    "township": re.compile(r"各乡镇|各镇街|各镇|各街道|各乡|乡镇（街道）"),
    "department": re.compile(
        r"各部门|各有关部门|各相关部门|各职能部门|各行业主管部门|行业主管部门|各主管部门|有关部门|相关部门|职能部?门|各级各部门"
    ),
}
# 各地 is the level below the speaker, which in this app are the townships; it counts only as
# the subject of the order. 各县区 in a city's speech are counties, not townships.
_TOWNSHIP_SUBJECT = re.compile(r"各地(?![区方])")
# A 各 in front of a list distributes over it: "各县区、乡镇、部门" → township and department,
# "各县区和市直部门" → department.
_DISTRIBUTED = re.compile(
    r"各((?:[^，。；：、和及与各]{1,6}[、和及与])+[^，。；：、和及与各]{1,8})"
)
_LIST_SEP = re.compile(r"[、和及与]")
_TOWNSHIP_ITEM = re.compile(r"^(?:乡镇|镇|乡|街道|镇街|镇（街道）|乡镇（街道）)")
_DEPARTMENT_ITEM = re.compile(r"部门")
_ENTERPRISE = r"(?:各类企业|各企业|广大企业|各生产经营单位|生产经营单位|企业)"
# Enterprises are the ones ordered to act when they are the subject before the order word, or
# told to act by 要求/责令 (要求企业…). As the object of someone else's act (督促/推动/引导/
# 帮助/指导企业…, 关闭…企业) they are not the group.
_ENTERPRISE_OBJECT = re.compile(rf"(?:要求|责令)[{_CJK}]{{0,6}}?{_ENTERPRISE}")
_ENTERPRISE_TERM = re.compile(_ENTERPRISE)
_PREPOSITION_BEFORE = re.compile(r"[对把向为与给从在和同及]$|对于$|针对$")


def find_groups(text: str, order_at: int) -> list[str]:
    """Groups named in a sentence; ``order_at`` is where its first order word stands."""
    groups = [name for name, pattern in GROUP_PATTERNS.items() if pattern.search(text)]
    for m in _DISTRIBUTED.finditer(text):
        for item in _LIST_SEP.split(m.group(1)):
            if _TOWNSHIP_ITEM.match(item) and "township" not in groups:
                groups.insert(0, "township")
            if _DEPARTMENT_ITEM.search(item) and "department" not in groups:
                groups.append("department")
    if "township" not in groups and _TOWNSHIP_SUBJECT.search(text[: max(order_at, 0)]):
        groups.insert(0, "township")
    if _ENTERPRISE_OBJECT.search(text) or _enterprise_subject(text, order_at):
        groups.append("enterprise")
    return groups


def _enterprise_subject(text: str, order_at: int) -> bool:
    head = text[: max(order_at, 0)]
    for m in _ENTERPRISE_TERM.finditer(head):
        clause_start = max(head.rfind("，", 0, m.start()), head.rfind("；", 0, m.start())) + 1
        before = head[clause_start : m.start()]
        # 对企业 …, 把企业 …: enterprises are the object, not the actor.
        if re.search(r"[对把向为与给从在同]|对于|针对", before):
            continue
        return True
    return False


# --- Actors -------------------------------------------------------------------------------
#
# Every party a directive names as responsible, as written, with the unit it matched (or none),
# its group and its role (labelling spec, rule 5):
# - the subject of the order: the words before its order word back to the previous punctuation
#   or reporting verb ("会议要求，", "他要求，"); a list "气象、水文、水利等部门" gives one actor per
#   item; "…等部门，以及共青团、妇联等社会团体和单位" goes on past its comma;
# - "由X牵头" / "X牵头" (lead), "X配合" / "会同X" (cooperate);
# - the parties on a plan's "责任单位：" / "牵头单位：" / "配合单位：" line (see duty_line_actors).
# Not actors: the speaker and everyone (我们, 大家, 全县上下, 我县), and names of no party at all.


@dataclass(frozen=True)
class Actor:
    name: str  # as written
    unit: str | None  # UnitRef.key of the unit it matched
    group: str | None  # "township" | "department" | "enterprise" | "village"
    role: str  # "lead" | "responsible" | "cooperate"


# The last word of a name that names a party (an agency, a place, a body, a person in charge).
_ACTOR_TAIL = re.compile(
    r"(?:部门|单位|局|办|委|委员会|大队|中队|支队|所|站|中心|公司|机构|指挥部|镇|乡|街道|区|县|村|社区|"
    r"村委会|企业|领导|负责人|干部|网格员|人员|组|队|行业|团|联|会|院|校|场|厂|矿|处|科|股|台)$"
)
_NOT_ACTORS = re.compile(
    r"^(?:我们|大家|全县上下|全镇上下|全市上下|全区上下|全乡上下|我县|我市|我区|我镇|我省|各级|"
    r"同志们|会议|会上|这|这次|此次|今年|当前|同时|其中|特别是|尤其是)$"
)
_REPORTING = re.compile(
    r"^.*?(?:强调|要求|指出|提出|表示|认为|明确|部署)[，：]|^(?:同时|并且|并|其中|特别是|尤其是|此外|另外)[，]?"
)
_ADVERBS = re.compile(r"(?:切实|都|也|还|务必|一定|必须|进一步|要|均|分别|尤其|主要)+$")
_LIST_SPLIT = re.compile(r"、|和|及|以及|与|，以及|，")
_LIST_END = re.compile(r"等(?:有关|相关)?(?:部门|单位|社会团体和单位|社会团体|单位和个人)$")
VILLAGE = re.compile(r"各村|村委|村（居）|村居|网格员|社区")
_TOWNSHIP_BARE = re.compile(
    r"^各?(?:乡镇|镇|乡|镇街|街道)(?:（街道）|（镇）|（街道）政府|政府)?$|^各乡（镇）"
)
_DEPARTMENT_BARE = re.compile(
    r"^(?:各级)?各?(?:有关|相关|职能|行业|主管|县直有关|市直|县直)?(?:部门|单位（部门）)(?:（单位）)?$|成员单位|^各部门|行业部门|主管部门"
)
_ENTERPRISE_BARE = re.compile(r"企业|生产经营单位")


_GENERIC_TAIL = re.compile(r"(?:等?(?:有关|相关)?(?:部门|系统|单位|方面))$")
_ENUMERATOR = re.compile(
    r"^(?:\d{1,2}[.、．]|（[一二三四五六七八九十\d]+）|[⑴-⒇①-⑳]|[一二三四五六七八九十]+(?:是要|是|要))"
)


def _clean_actor(name: str) -> str:
    return _ENUMERATOR.sub("", name.strip(' \u3000，、：；。“”"')).strip()


def _group_of(name: str) -> str | None:
    if _TOWNSHIP_BARE.search(name) or re.search(r"^各(?:乡镇|镇|乡)", name):
        return "township"
    if VILLAGE.search(name):
        return "village"
    if _ENTERPRISE_BARE.search(name):
        return "enterprise"
    if _DEPARTMENT_BARE.search(name) or re.search(r"^各(?:部门|有关部门)", name):
        return "department"
    return None


def subject_phrase(clause: str, order_at: int) -> tuple[int, str]:
    """(offset, words) of the subject before the order word at ``order_at``; (-1, "") if none."""
    if order_at <= 0:
        return -1, ""
    head = clause[:order_at]
    cut = max(head.rfind(mark) for mark in "。；：")
    comma = head.rfind("，")
    # "…等部门，以及共青团、妇联等社会团体和单位要…": the list goes on past its comma.
    while comma > cut and re.match(r"，(?:以及|和|及)", head[comma:]):
        comma = head.rfind("，", 0, comma)
    cut = max(cut, comma)
    start = cut + 1
    words = head[start:]
    lead = _REPORTING.match(words)
    if lead:
        start += lead.end()
        words = words[lead.end() :]
    words = _ADVERBS.sub("", words)
    stripped = len(words) - len(words.lstrip(" \u3000"))
    return start + stripped, words.strip(" \u3000")


def split_subject(words: str) -> tuple[list[tuple[int, str]], bool]:
    """The names in a subject, with their offsets in it: "气象、水文等部门" → 气象, 水文."""
    listed = bool(_LIST_END.search(words))
    body = _LIST_END.sub("", words) if listed else words
    names, pos = [], 0
    for m in list(_LIST_SPLIT.finditer(body)) + [None]:
        end = m.start() if m else len(body)
        piece = body[pos:end]
        if piece.strip():
            names.append((pos + len(piece) - len(piece.lstrip()), _clean_actor(piece)))
        pos = m.end() if m else end
    return [(at, name) for at, name in names if name], listed


class ActorFinder:
    """Actors of a clause, with the units they match (built once per extraction)."""

    def __init__(self, matcher: "UnitMatcher") -> None:
        self.matcher = matcher

    def unit_of(self, name: str) -> str | None:
        """The unit an actor's whole name is: a name, alias or stem of it, with 部门 and the like
        after it ("县安监局", "水利部门", "气象"), or ending in a unit's full name ("广元经济技术
        开发区"). A name that only contains one is another party ("消防重点保卫单位")."""
        plain = normalise_name(name)
        for candidate in (plain, _GENERIC_TAIL.sub("", plain)):
            value = self.matcher.names.get(candidate)
            if value:
                return value[0]
        for full, value in self.matcher.names.items():
            if value[2] == "full" and len(full) >= 3 and plain.endswith(full):
                return value[0]
        return None

    def actor(self, name: str, role: str, *, listed: bool = False) -> Actor | None:
        name = _clean_actor(name)
        if not (2 <= len(name) <= 20) or _NOT_ACTORS.match(name):
            return None
        unit = self.unit_of(name)
        group = None if unit else _group_of(name)
        if not (unit or group or listed or _ACTOR_TAIL.search(name)):
            return None
        # Verbs and prepositions make it a clause, not a name ("将这次查出的问题隐患").
        if re.search(r"[把将对在于为向从按以通]|进行|开展|加强", name) and not (unit or group):
            return None
        return Actor(name, unit, group, role)

    def subjects(self, clause: str, order_at: int) -> list[Actor]:
        _, words = subject_phrase(clause, order_at)
        if not words:
            return []
        names, listed = split_subject(words)
        role = "responsible"
        if re.search(r"牵头$", words):
            role = "lead"
        actors = []
        for _, name in names:
            name = re.sub(r"(?:牵头|配合|负责)$", "", name)
            found = self.actor(name, role, listed=listed)
            if found:
                actors.append(found)
        return actors

    def named_roles(self, clause: str) -> list[Actor]:
        """Parties of "由X牵头", "X牵头", "X配合" and "会同X" anywhere in the clause."""
        actors = []
        for m in re.finditer(r"(?:由|，|^)([^，。；：由]{2,24}?)牵头", clause):
            for part in re.split(r"、|和|及", m.group(1)):
                found = self.actor(part, "lead")
                if found:
                    actors.append(found)
        for m in re.finditer(r"([^，。；：、]{2,12}?)配合(?!完成)", clause):
            found = self.actor(re.sub(r"^.*?[，]", "", m.group(1)), "cooperate")
            if found:
                actors.append(found)
        for m in re.finditer(r"会同([^，。；：]{2,30}?)(?:在|开展|对|，|。)", clause):
            for part in re.split(r"、|和|及", m.group(1)):
                found = self.actor(part, "cooperate")
                if found:
                    actors.append(found)
        return actors


_DUTY_LINE = re.compile(
    r"^\s*(?:（\w+）)?(责任单位|牵头单位|配合单位|责任部门|牵头部门|配合部门)：(.+)$"
)


def duty_line_actors(line: str, finder: ActorFinder) -> list[Actor] | None:
    """The parties of a plan's "责任单位：…" line; None when the line is not one."""
    m = _DUTY_LINE.match(line)
    if not m:
        return None
    role = {"牵头": "lead", "配合": "cooperate"}.get(m.group(1)[:2], "responsible")
    actors = []
    for part in re.split(r"[、，,；;和及]|以及", m.group(2).rstrip("。 ")):
        part = part.strip()
        if part.endswith("等有关单位"):
            part = part[: -len("等有关单位")]
        found = finder.actor(part, role, listed=True)
        if found:
            actors.append(found)
    return actors


def merge_actors(*lists: list[Actor]) -> list[Actor]:
    """Actors in order, each party once (by unit, else group, else name)."""
    seen, out = set(), []
    for actors in lists:
        for actor in actors:
            key = actor.unit or actor.group or actor.name
            if key in seen:
                continue
            seen.add(key)
            out.append(actor)
    return out
