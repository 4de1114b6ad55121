"""Speech text → directives: the sentences in a speech that order work.

Pure code: no ORM. Callers pass the unit list in as ``UnitRef`` values.

The pipeline, each step in its own module with its rules documented there:
  speech_text       reading files; the same-length matching text (simplified, ASCII digits)
  speech_structure  parts (第几篇), headings and sentences with their offsets
  directive_rules   is a sentence a directive: order words, checkable actions, exclusions
  themes_table      keyword → theme table
  unit_match        unit names, short names and aliases; 各乡镇/各部门/企业 groups
  deadlines         本月底前, 3月上旬, 春节前, 30天内 … → a date; 立即 / 会后 → immediate
Targets (再完成40家…) are read here, and so are the actors of each directive (unit_match).

Beyond one sentence, the extractor joins a numbered lead (一要紧盯危化品领域。) to the directive
right after it, splits a sentence that gives several actors their own orders (县安委办要…，
各乡镇要…) into one directive per actor, attaches a plan's "责任单位：" line to its item, and
reads texts with the pinyin annotations of mirror sites (會(huì)議) as if they were not there.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from checklist.deadlines import cn_number, find_deadline
from checklist.directive_rules import PAST_RE, STATS_RE, STRONG_RE, has_order, judge, report_end
from checklist.speech_structure import is_short_topic, segment
from checklist.speech_text import SpeechFileError, matching_text, read_speech
from checklist.themes_table import classify_themes
from checklist.unit_match import (
    Actor,
    ActorFinder,
    UnitMatcher,
    duty_line_actors,
    find_groups,
    merge_actors,
    subject_phrase,
)

__all__ = [
    "Actor",
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
    # Every party named as responsible, as written, with its unit (or none), group and role.
    actors: list[Actor] = field(default_factory=list)


# --- Clauses -------------------------------------------------------------------------------
#
# "一要…；二要…；三要…" gives one directive per clause, each ending at and including its "；".
# A sentence is split at "；" only when at least two of its clauses give orders of their own;
# otherwise "；" joins parts of one order (对…的，要…；对…的，…) or of a description.
# A colon that opens an enumeration ("提三个要求：（1）…") ends an introduction that is not a
# directive itself.

_ENUM_COLON = re.compile(
    # "提出四点意见，一是…": a comma after a speaker's introduction opens the enumeration too.
    r"(?:：|(?<=意见|要求|建议|方面)，(?=[一二三四五六七八九十]+(?:是|要)|第一))(?=（\d{1,2}）|[⑴-⒇①-⑳]|[一二三四五六七八九十]+(?:是|要)|第[一二三四五六七八九十]+[，、]|\d{1,2}、)"
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
    rf"(?P<u>{TARGET_UNITS})(?!以下|左右|多|余|小时|月|年|%)(?P<over>以上)?"
)
_TARGET_LEAD = re.compile(
    r"(?:完成|创建|培训|检查|排查|整治|建设|建成|新建|改造|开展|组织|举办|召开|达到|培育|打造|聘请|启动|"
    r"悬挂|设置|制作|张贴|发放|进行|"
    r"配备|建立|实施|督查|关闭|取缔|验收|演练|挂牌|整改|确定|淘汰|新增|招录|评选|再|至少|不少于|力争)"
    r"[^，。；：]{0,12}$"
)


# A count that is the subject of its outcome: "确保年内2家达到二级", "5家省属以上企业按…创建".
_TARGET_OUTCOME = re.compile(
    rf"(?<![第每\d.])(?P<q>\d+)(?P<u>{TARGET_UNITS})(?!以下|左右|多|余|%)[^，。；\d%]{{0,14}}?"
    r"(?:达到|创建|完成|建成|提升至|通过验收)"
)
_QUOTED_NAME = re.compile(r"“[^”]{0,20}”")
# "N家以上" is a minimum to reach only after a verb of making ("培育一级企业3家以上"); elsewhere
# it is a threshold ("30人以上的地下矿山").
_MINIMUM_LEAD = re.compile(r"(?:培育|创建|建成|完成|新建|不少于|至少)[^，。；]{0,10}$")


def find_target(clause: str) -> tuple[Decimal, str] | None:
    """The first counted target of the clause: a count after a verb of doing, or a count that is
    the subject of its outcome ("2家达到二级")."""
    # Quoted names hold counts that are no target ("四个一"活动).
    clause = _QUOTED_NAME.sub(lambda q: " " * len(q.group()), clause)
    found: list[tuple[int, Decimal, str]] = []
    for m in _TARGET.finditer(clause):
        before = clause[max(0, m.start() - 14) : m.start()]
        if not _TARGET_LEAD.search(before):
            continue
        if m.group("over") and not _MINIMUM_LEAD.search(before):
            continue
        q = m.group("q")
        if q.replace(".", "").isdigit():
            found.append((m.start(), Decimal(q), m.group("u")))
            break
        # Chinese numerals: only right after the verb ("新建三所"), where they cannot be prose.
        if _TARGET_LEAD.search(before[-4:]) or re.search(
            r"(?:完成|新建|创建|培训|建成)再?$", before
        ):
            value = cn_number(q)
            if value:
                found.append((m.start(), Decimal(value), m.group("u")))
                break
    m = _TARGET_OUTCOME.search(clause)
    if m:
        found.append((m.start(), Decimal(m.group("q")), m.group("u")))
    if not found:
        return None
    _, quantity, unit = min(found)
    return quantity, unit


# --- The extractor -------------------------------------------------------------------------

# The pinyin some mirror sites insert after characters (會(huì)議): taken out before reading.
_PINYIN = re.compile(r"[（(][a-zāáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü]{1,7}[）)]")
# Where a new actor's own order starts inside a sentence: after a comma, a subject of at most
# 24 characters, then its order word ("，县安委办要加强调度", "；各乡镇要…").
_ACTOR_ORDER = re.compile(
    r"(?<=，)(?!以及|和|及|并|同时)(?=[^，。；：]{2,24}?(?:要|必须|务必|负责))"
)
_MODAL = re.compile(
    r"(?<![重主需只紧必首摘纪提概简扼纲想])要(?![求素点害件闻务领员道])|必须|务必|应当|负责(?!人)|(?<=[镇乡县区市府省])将"
)
# A numbered lead that may open the directive after it: 一要…, 二是…, 第一，…, 1.…, ⑴….
_LEAD_RANKS = (3, 4, 5, 6)


def _compact(text: str) -> tuple[str, list[int] | None]:
    """The text without pinyin annotations and, for each of its characters, its old offset."""
    if not _PINYIN.search(text):
        return text, None
    keep, pos = [], 0
    for m in _PINYIN.finditer(text):
        keep.extend(range(pos, m.start()))
        pos = m.end()
    keep.extend(range(pos, len(text)))
    return "".join(text[i] for i in keep), keep


def extract_directives(
    text: str, *, speech_date: date | None = None, units: Sequence[UnitRef] = ()
) -> list[ExtractedDirective]:
    """Every directive in the text, in text order. An empty list when there is none."""
    if not text or not text.strip():
        return []
    compact, offsets = _compact(text)
    found = _extract(compact, speech_date=speech_date, units=units)
    if offsets is None:
        return found
    for d in found:
        d.start = offsets[d.start]
        d.end = offsets[d.end - 1] + 1
        d.text = text[d.start : d.end]
    return found


def _actor_splits(
    norm: str, start: int, end: int, finder: ActorFinder, *, inherited: bool
) -> list[tuple[int, int]]:
    """[start, end) cut before each comma-clause whose own subject is an actor with its own
    order, when what comes before has an actor too (its own, or the sentence's)."""
    head_order = has_order(norm[start:end])
    if not inherited and not (head_order > 0 and finder.subjects(norm[start:end], head_order)):
        return [(start, end)]
    cuts = []
    for m in _ACTOR_ORDER.finditer(norm, start, end):
        at = m.start()
        # What comes before must be an order of its own, not a lead-in ("蒋俊善强调，").
        if at - start < 6 or has_order(norm[cuts[-1] if cuts else start : at]) < 0:
            continue
        rest = norm[at:end]
        order = has_order(rest)
        if order <= 0 or not finder.subjects(rest, order):
            continue
        cuts.append(at)
    if not cuts:
        return [(start, end)]
    bounds = [start, *cuts, end]
    return list(zip(bounds, bounds[1:], strict=False))


def _extract(
    text: str, *, speech_date: date | None, units: Sequence[UnitRef]
) -> list[ExtractedDirective]:
    norm = matching_text(text)
    matcher = UnitMatcher(units)
    finder = ActorFinder(matcher)
    sentences = segment(norm)
    ascii_punctuation = text.count(",") > text.count("，")
    several_parts = len({s.part for s in sentences}) > 1
    found: list[ExtractedDirective] = []
    # A numbered lead waiting for its directive: (start, end, index in found or None, rank).
    lead: tuple[int, int, int | None, int] | None = None
    duty_from = 0  # directives from this index on take the next 责任单位 line's actors
    # A results report (what a campaign did) orders nothing before its 下一步.
    reported_to = report_end(norm)
    for sentence in sentences:
        body = norm[sentence.start : sentence.end]
        results = sentence.results_section or sentence.end <= reported_to
        duty = duty_line_actors(body, finder)
        if duty is not None:
            for d in found[duty_from:]:
                d.actors = merge_actors(d.actors, duty)
            duty_from, lead = len(found), None
            continue
        sentence_actors: list[Actor] | None = None
        pieces = []
        for a, b in _clauses(
            text, norm, sentence.start, sentence.end, ascii_punctuation=ascii_punctuation
        ):
            pieces.extend(_actor_splits(norm, a, b, finder, inherited=bool(pieces)))
        for start, end in pieces:
            while start < end and norm[start] in " \t\u3000":
                start += 1
            clause = norm[start:end]
            topic = sentence.topic and start == sentence.start
            # A short "二要…。" names a topic, except as one clause of "一要…；二要…；三要…",
            # and except when nothing follows it on its line: then it is an order of its own.
            if not topic and "；" not in body and is_short_topic(clause):
                topic = not _ends_line(norm, end)
            elif topic and sentence.heading_rank >= 4 and _ends_line(norm, end):
                topic = False
            rank = sentence.heading_rank if topic else 0
            order_at = has_order(clause)
            if order_at >= 0:
                # The subject stands before the modal word, wherever the order was found.
                modal = _MODAL.search(clause)
                order_at = modal.start() if modal else order_at
            actors = finder.subjects(clause, order_at) if order_at > 0 else []
            if not actors and (sentence.item or lead):
                # A task of a list names its doer before its act ("消防重点保卫单位开展…").
                act = STRONG_RE.search(clause)
                if act and act.start() > 1:
                    actors = finder.subjects(clause, act.start())
            if sentence_actors is None:
                sentence_actors = actors
            elif not actors and not _own_subject(clause, order_at):
                # A "；"-clause without a subject of its own: the sentence's first actors.
                actors = list(sentence_actors)
            actors = merge_actors(actors, finder.named_roles(clause))
            joined = lead if lead and _adjacent(norm, lead[1], start) else None
            lead = None
            if topic and rank in _LEAD_RANKS or (topic and rank == 5):
                lead_index = None
                # 第一，… and 一是… only name the topic; 一要… / 1.… / ⑴… may order by themselves.
                if rank >= 4 and not re.match(r"^[一二三四五六七八九十]+是", clause):
                    verdict = judge(clause, topic=True, results_section=results)
                    if verdict.is_directive:
                        lead_index = len(found)
                        found.append(
                            _directive(
                                text,
                                norm,
                                start,
                                end,
                                sentence,
                                clause,
                                verdict,
                                actors,
                                speech_date,
                                matcher,
                                several_parts,
                            )
                        )
                lead = (start, end, lead_index, rank)
                continue
            # 一、 / （一） phrases name sections.
            if topic and 0 < rank <= 2:
                continue
            if joined:
                # The lead gives the order: the sentence after it counts as a listed task.
                # Under a list number (1.… / ⑴…) the sentence is a listed task; under 一要/第一，
                # it must order by itself.
                merged = norm[joined[0] : end]
                verdict = judge(
                    clause,
                    results_section=results,
                    item=sentence.item or joined[3] in (4, 6),
                )
                if verdict.is_directive:
                    if joined[2] is not None:
                        del found[joined[2]]
                    found.append(
                        _directive(
                            text,
                            norm,
                            joined[0],
                            end,
                            sentence,
                            merged,
                            verdict,
                            actors,
                            speech_date,
                            matcher,
                            several_parts,
                        )
                    )
                    continue
            verdict = judge(clause, topic=topic, results_section=results, item=sentence.item)
            if (
                not results
                and not verdict.is_directive
                and verdict.reason in ("no order", "no checkable action")
                and _counted(clause)
            ):
                verdict = verdict.__class__(True, 0, "")
            if not verdict.is_directive:
                continue
            found.append(
                _directive(
                    text,
                    norm,
                    start,
                    end,
                    sentence,
                    clause,
                    verdict,
                    actors,
                    speech_date,
                    matcher,
                    several_parts,
                )
            )
    return found


def _counted(clause: str) -> bool:
    """A counted target stated as an outcome is a directive without an order word (labelling
    spec, rule 3); a sentence of figures is a report."""
    if len(STATS_RE.findall(clause)) >= 3 or PAST_RE.search(clause) or not find_target(clause):
        return False
    return bool(STRONG_RE.search(clause) or re.search(r"达到|达标|创建", clause))


def _adjacent(norm: str, end: int, start: int) -> bool:
    return not norm[end:start].strip(" \t\u3000")


def _ends_line(norm: str, end: int) -> bool:
    rest = norm[end : norm.find("\n", end) if "\n" in norm[end:] else len(norm)]
    return not rest.strip(" \t\u3000")


def _own_subject(clause: str, order_at: int) -> bool:
    """Whether the words before the order word name someone (then they are not inherited)."""
    if order_at <= 0:
        return False
    _, words = subject_phrase(clause, order_at)
    return len(words) >= 2


def _directive(
    text, norm, start, end, sentence, clause, verdict, actors, speech_date, matcher, several_parts
) -> ExtractedDirective:
    deadline = find_deadline(clause, speech_date)
    target = find_target(clause)
    return ExtractedDirective(
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
        actors=list(actors),
    )
