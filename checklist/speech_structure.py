"""A speech's structure: parts (第几篇), headings and the sentences under them.

Pure code. ``segment`` walks the matching text (same offsets as the original, see speech_text)
line by line and yields ``Sentence`` records: offsets, the part, the heading path and whether
the sentence is the topic phrase that opens a paragraph.

Rules:
- A part starts at a line "第一篇：…" (also mid-line right after a sentence end, as pasted
  collections have it), at a title line "…在…会议上的讲话" that is not right after such a line,
  and when the 一、 numbering starts again (一、 after 三、) in a collection without markers.
- Headings, by rank: 一、 (1), （一） (2), 第一， (3), 1、/1. (4), 一是/一要 at paragraph start (5),
  (1)/⑴/① (6). A new heading closes every open heading of the same or lower rank.
- A short "一要…。" / "⑴…。" sentence inside a paragraph (≤ 25 characters) names a topic too.
- A line that is only a numbered phrase (one sentence or none) is a heading, never a directive.
  A numbered phrase followed by more text is the paragraph's topic phrase: it goes into the
  heading path, and the rules judge it as a topic (see directive_rules).
- Headings also start mid-line after a sentence end when the rest of the line is one short
  heading ("…加强督查指导。（二）突出整治重点。").
- Sentences end at 。！？ (inclusive) and at line ends; leading spaces are not part of them.
"""

import re
from dataclasses import dataclass

from checklist.deadlines import cn_number
from checklist.directive_rules import RESULTS_HEADING_RE

HEADING_MAX_CHARS = 30
SHORT_TOPIC_CHARS = 25

_CN = "一二三四五六七八九十"
_HEADINGS = (
    (1, re.compile(rf"^([{_CN}]+)、")),
    (2, re.compile(rf"^（([{_CN}]+)）")),
    (3, re.compile(rf"^第([{_CN}]+)[，、：]")),
    (4, re.compile(r"^(\d{1,2})(?:、|[.．](?!\d))")),
    (5, re.compile(rf"^([{_CN}]+)(?:是要|是|要)(?![求素点害])")),
    (6, re.compile(r"^（(\d{1,2})）|^([⑴-⒇①-⑳])")),
)
# A task of a plan names its date ("（八）6月13日，县安委办牵头…"); a heading does not.
_DATED = re.compile(r"^\S{1,5}\d{1,2}月\d{1,2}日")
_PART = re.compile(rf"^第([{_CN}\d]+)篇[：:\s]?")
_TITLE = re.compile(r"(?:讲话|讲话稿|讲话范文|讲话提纲|发言|发言稿)$")
_SENTENCE_END = re.compile(r"[。！？]")
# A heading that starts mid-line right after a sentence end.
_INLINE_HEADING = re.compile(rf"(?<=[。！？])[ \t]*(?=第[{_CN}\d]+篇|[{_CN}]+、|（[{_CN}]+）)")
_SPACE = " \t\u3000\ufeff"
_ENUMERATION = re.compile(rf"；\s*(?:[{_CN}]+(?:是|要)|（\d{{1,2}}）|[⑴-⒇①-⑳]|\d{{1,2}}、)")
_MIDLINE_TOPIC = re.compile(
    rf"(?:[{_CN}]+(?:是要|是|要)(?![求素点害])|(?:[⑴-⒇①-⑳]|（\d{{1,2}}）|\d{{1,2}}、)(?:是要|是|要)?)"
    r"[^；]*[。！]"
)


@dataclass
class Sentence:
    start: int
    end: int
    part: int
    headings: tuple[str, ...]
    topic: bool  # names the topic of what follows (第一，…。 / 一要抓好隐患排查。)
    heading_rank: int  # rank of the number the topic phrase opens with; 0 for none
    results_section: bool  # under a 一、 heading that reports results (…成效显著)
    item: bool = False  # in a numbered item of a task list (1.… / （五）6月1日前，…): it orders


def _cut(heading: str) -> str:
    heading = heading.strip(_SPACE + "。！？；，：")
    if len(heading) <= HEADING_MAX_CHARS:
        return heading
    return heading[: HEADING_MAX_CHARS - 1] + "…"


def _virtual_lines(norm: str):
    """(start, end) of each line, split again where a heading starts after a sentence end."""
    for line in re.finditer(r"[^\n\r]+", norm):
        start, text = line.start(), line.group()
        cuts = [0]
        for m in _INLINE_HEADING.finditer(text):
            rest = text[m.end() :]
            ends = [e.end() for e in _SENTENCE_END.finditer(rest)]
            if rest.startswith("第") and "篇" in rest[:6]:
                cuts.append(m.end())
            elif not ends or (len(ends) == 1 and not rest[ends[0] :].strip(_SPACE)):
                if len(rest.strip(_SPACE)) <= HEADING_MAX_CHARS + 10:
                    cuts.append(m.end())
        cuts.append(len(text))
        for a, b in zip(cuts, cuts[1:], strict=False):
            if b > a:
                yield start + a, start + b


def _sentences(norm: str, start: int, end: int):
    """Sentence spans inside [start, end): each ends at and includes 。！？, or at the line end."""
    pos = start
    for m in _SENTENCE_END.finditer(norm, start, end):
        yield pos, m.end()
        pos = m.end()
    if pos < end:
        yield pos, end


def _strip(norm: str, start: int, end: int) -> tuple[int, int]:
    while start < end and norm[start] in _SPACE:
        start += 1
    while end > start and norm[end - 1] in _SPACE:
        end -= 1
    return start, end


def segment(norm: str) -> list[Sentence]:
    found: list[Sentence] = []
    part = 1
    fresh_part = True  # nothing but titles since the part began
    stack: list[tuple[int, str]] = []
    last_first_level = 0
    results = False
    for vstart, vend in _virtual_lines(norm):
        vstart, vend = _strip(norm, vstart, vend)
        if vstart >= vend:
            continue
        line = norm[vstart:vend]
        part_match = _PART.match(line)
        if part_match:
            number = cn_number(part_match.group(1))
            part = number if number else part + 1
            fresh_part, stack, last_first_level, results = True, [], 0, False
            continue
        if not _SENTENCE_END.search(line) and _TITLE.search(line) and len(line) <= 60:
            if not fresh_part:
                part += 1
                fresh_part, stack, last_first_level, results = True, [], 0, False
            continue
        rank, number, item = 0, None, False
        for r, pattern in _HEADINGS:
            m = pattern.match(line)
            if m:
                rank, number = (
                    r,
                    m.group(1) or (m.group(2) if m.lastindex and m.lastindex > 1 else None),
                )
                break
        # "一要…；二要…；三要…" on one line is an enumeration of orders, not a topic phrase.
        if rank >= 4 and _ENUMERATION.search(line):
            rank = 0
        body_start = vstart
        topic_span = None
        if rank:
            if rank == 1:
                value = cn_number(number or "") or 0
                if value and value <= last_first_level and not fresh_part:
                    part += 1
                    stack = []
                last_first_level = value
            spans = list(_sentences(norm, vstart, vend))
            first_start, first_end = spans[0]
            heading_text = norm[first_start:first_end]
            stack = [(r, h) for r, h in stack if r < rank]
            stack.append((rank, _cut(heading_text)))
            if rank == 1:
                results = bool(RESULTS_HEADING_RE.search(heading_text))
            # A plan's numbered task (（五）6月1日前，各乡镇要…宣传栏。) is a sentence, not a heading:
            # headings are short.
            first = norm[first_start:first_end]
            long_first = rank in (2, 4, 6) and (
                (rank == 2 and (len(first) > HEADING_MAX_CHARS + 10 or bool(_DATED.search(first))))
                or (rank != 2 and len(spans) == 1 and len(first) > HEADING_MAX_CHARS)
            )
            item = rank in (4, 6) or long_first
            if len(spans) == 1 and not long_first:
                fresh_part = False
                continue  # a heading line
            if long_first:
                stack.pop()
                topic_span = None
            else:
                topic_span = (first_start, first_end, rank)
                body_start = first_end
        fresh_part = False
        headings = tuple(h for _, h in stack)
        if topic_span:
            a, b = _strip(norm, topic_span[0], topic_span[1])
            found.append(Sentence(a, b, part, headings, True, topic_span[2], results))
        for a, b in _sentences(norm, body_start, vend):
            a, b = _strip(norm, a, b)
            if a < b:
                # "一要加大投入。" inside a paragraph names a topic just as at its start.
                short_topic = b - a <= SHORT_TOPIC_CHARS and bool(
                    _MIDLINE_TOPIC.fullmatch(norm, a, b)
                )
                found.append(
                    Sentence(
                        a, b, part, headings, short_topic, 5 if short_topic else 0, results, item
                    )
                )
    return found


def is_short_topic(clause: str) -> bool:
    """ "一要加大投入。" inside a paragraph names a topic just as at its start."""
    clause = clause.strip(_SPACE)
    return len(clause) <= SHORT_TOPIC_CHARS and bool(_MIDLINE_TOPIC.fullmatch(clause))
