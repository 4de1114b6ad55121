"""Speech text → directives: the sentences in a speech that order work.

Pure code: no ORM. Callers pass the unit list in as ``UnitRef`` values.

The pipeline, each step in its own module with its rules documented there:
  speech_text       reading files; the same-length matching text (simplified, ASCII digits)
  speech_structure  parts (第几篇), headings and sentences with their offsets
  directive_rules   is a sentence a directive: order words, checkable actions, exclusions
  themes_table      keyword → theme table
  unit_match        unit names, short names and aliases; 各乡镇/各部门/企业 groups
  deadlines         本月底前, 3月上旬, 春节前, 30天内 … → a date; 立即 / 会后 → immediate
Targets (再完成40家…) are read here.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from checklist.deadlines import cn_number, find_deadline
from checklist.directive_rules import has_order, judge
from checklist.speech_structure import is_short_topic, segment
from checklist.speech_text import SpeechFileError, matching_text, read_speech
from checklist.themes_table import classify_themes
from checklist.unit_match import UnitMatcher, find_groups

__all__ = [
    "ExtractedDirective",
    "SpeechFileError",
    "UnitRef",
    "extract_directives",
    "read_speech",
]


@dataclass(frozen=True)
class UnitRef:
    """A unit as extraction sees it: its key (Unit.name), every name it goes by, and its kind."""

    key: str
    names: tuple[str, ...]
    kind: str  # "township" | "department" | "other"


@dataclass
class ExtractedDirective:
    text: str
    start: int  # character offsets into the text given to extract_directives
    end: int
    part: int | None = None  # 第几篇, when the text holds several speeches
    heading_path: tuple[str, ...] = ()  # e.g. ("一、全面开展隐患排查", "（三）…")
    themes: list[str] = field(default_factory=list)  # theme names from the keyword table
    units: list[str] = field(default_factory=list)  # UnitRef.key of units named
    unit_groups: list[str] = field(default_factory=list)  # "township" | "department" | "enterprise"
    deadline: date | None = None
    deadline_phrase: str = ""  # the words the deadline came from, e.g. "本月底前"
    immediate: bool = False  # 立即 / 今天会议后: due at once
    target_quantity: Decimal | None = None
    target_unit: str = ""  # 家, 个, 次 …


# --- Clauses -------------------------------------------------------------------------------
#
# "一要…；二要…；三要…" gives one directive per clause, each ending at and including its "；".
# A sentence is split at "；" only when at least two of its clauses give orders of their own;
# otherwise "；" joins parts of one order (对…的，要…；对…的，…) or of a description.
# A colon that opens an enumeration ("提三个要求：（1）…") ends an introduction that is not a
# directive itself.

_ENUM_COLON = re.compile(
    r"：(?=（\d{1,2}）|[⑴-⒇①-⑳]|[一二三四五六七八九十]+(?:是|要)|第[一二三四五六七八九十]+[，、]|\d{1,2}、)"
)
_SEMICOLON = re.compile(r"；")
_IS_TOPIC = re.compile(r"^[一二三四五六七八九十]+是")
_ENUM_START = re.compile(r"^\s*(?:[一二三四五六七八九十]+(?:是|要)|（\d{1,2}）|[⑴-⒇①-⑳])")


def _pieces(norm: str, start: int, end: int, pattern: re.Pattern) -> list[tuple[int, int]]:
    spans, pos = [], start
    for m in pattern.finditer(norm, start, end):
        if m.end() < end:
            spans.append((pos, m.end()))
            pos = m.end()
    spans.append((pos, end))
    return spans


def _clauses(
    text: str, norm: str, start: int, end: int, *, ascii_punctuation: bool
) -> list[tuple[int, int]]:
    out = []
    for a, b in _pieces(norm, start, end, _ENUM_COLON):
        # In a speech written with Chinese punctuation only "；" enumerates orders; clauses
        # joined by a stray ASCII ";" stay one. A speech typed with ASCII punctuation uses ";".
        parts: list[tuple[int, int]] = []
        for x, y in _pieces(norm, a, b, _SEMICOLON):
            if parts and not ascii_punctuation and text[parts[-1][1] - 1] != "；":
                parts[-1] = (parts[-1][0], y)
            else:
                parts.append((x, y))
        if len(parts) > 1:
            ordering = sum(
                1 for x, y in parts if has_order(norm[x:y]) >= 0 or _ENUM_START.match(norm[x:y])
            )
            if ordering >= 2:
                out.extend(parts)
                continue
        out.append((a, b))
    return out


# --- Targets -------------------------------------------------------------------------------
#
# A counted target is a number of work items still to do: a count with one of the spec's
# measure words, right after a verb of doing (完成, 创建, 培训, 新建 …) or 再/至少/力争, in a
# sentence that is a directive. Never percentages, money, durations or "6人以上" thresholds.

TARGET_UNITS = "人次|家|个|处|次|人|场|期|所|座|条|台|辆|项|户|名"
_TARGET = re.compile(
    rf"(?<![第每\d.])(?P<q>\d+(?:\.\d+)?|[两三四五六七八九十百千][一二三四五六七八九十百千]*)"
    rf"(?P<u>{TARGET_UNITS})(?!以上|以下|左右|多|余|小时|月|年|%)"
)
_TARGET_LEAD = re.compile(
    r"(?:完成|创建|培训|检查|排查|整治|建设|建成|新建|改造|开展|组织|举办|召开|达到|培育|打造|聘请|"
    r"配备|建立|实施|督查|关闭|取缔|验收|演练|挂牌|整改|确定|淘汰|新增|招录|评选|再|至少|不少于|力争)"
    r"[^，。；：]{0,12}$"
)


def find_target(clause: str) -> tuple[Decimal, str] | None:
    for m in _TARGET.finditer(clause):
        before = clause[max(0, m.start() - 14) : m.start()]
        if not _TARGET_LEAD.search(before):
            continue
        q = m.group("q")
        if q.replace(".", "").isdigit():
            return Decimal(q), m.group("u")
        # Chinese numerals: only right after the verb ("新建三所"), where they cannot be prose.
        if _TARGET_LEAD.search(before[-4:]) or re.search(
            r"(?:完成|新建|创建|培训|建成)再?$", before
        ):
            value = cn_number(q)
            if value:
                return Decimal(value), m.group("u")
    return None


# --- The extractor -------------------------------------------------------------------------


def extract_directives(
    text: str, *, speech_date: date | None = None, units: Sequence[UnitRef] = ()
) -> list[ExtractedDirective]:
    """Every directive in the text, in text order. An empty list when there is none."""
    if not text or not text.strip():
        return []
    norm = matching_text(text)
    matcher = UnitMatcher(units)
    sentences = segment(norm)
    ascii_punctuation = text.count(",") > text.count("，")
    several_parts = len({s.part for s in sentences}) > 1
    found: list[ExtractedDirective] = []
    for sentence in sentences:
        for start, end in _clauses(
            text, norm, sentence.start, sentence.end, ascii_punctuation=ascii_punctuation
        ):
            while start < end and norm[start] in " \t\u3000":
                start += 1
            clause = norm[start:end]
            topic = sentence.topic and start == sentence.start
            # 一、 / （一） / 第一， phrases name sections; only 一要/1、/(1) topics may also order.
            if topic and 0 < sentence.heading_rank <= 3:
                continue
            # A short "二要…。" names a topic, except as one clause of "一要…；二要…；三要…".
            if not topic and "；" not in norm[sentence.start : sentence.end]:
                topic = is_short_topic(clause)
            # "一是…。" / "二是要…。" names a topic like a heading, whatever it says; only an
            # "一要…。" / "⑴…。" phrase may order.
            if topic and _IS_TOPIC.match(clause):
                continue
            verdict = judge(clause, topic=topic, results_section=sentence.results_section)
            if not verdict.is_directive:
                continue
            deadline = find_deadline(clause, speech_date)
            target = find_target(clause)
            found.append(
                ExtractedDirective(
                    text=text[start:end],
                    start=start,
                    end=end,
                    part=sentence.part if several_parts else None,
                    heading_path=sentence.headings,
                    themes=classify_themes(clause, sentence.headings),
                    units=matcher.find(clause),
                    unit_groups=find_groups(clause, verdict.order_at),
                    deadline=deadline.deadline,
                    deadline_phrase=deadline.phrase,
                    immediate=deadline.immediate,
                    target_quantity=target[0] if target else None,
                    target_unit=target[1] if target else "",
                )
            )
    return found
