"""Arithmetic on character spans of a speech: trimming, where a span may be split, and the
speech cut into plain and highlighted pieces for the review page. Pure code: no ORM."""

from collections.abc import Iterable
from dataclasses import dataclass

# Where a sentence or an enumerated clause ends: a split point may follow any of these.
_BREAKS = "。！？!?；;，,\n"
_SPACE = " \t\r\n\u3000"


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without leading or trailing white space (the labelling rules exclude it)."""
    while start < end and text[start] in _SPACE:
        start += 1
    while end > start and text[end - 1] in _SPACE:
        end -= 1
    return start, end


@dataclass(frozen=True)
class SplitPoint:
    offset: int  # absolute offset in the speech: the first half ends here
    before: str  # the last few characters of the first half, to show where the cut falls
    strong: bool  # after 。！？； (a sentence or clause end) rather than a comma


def split_points(text: str, start: int, end: int, *, context: int = 12) -> list[SplitPoint]:
    """Every place inside [start, end) after a sentence, clause or comma break where cutting
    leaves two non-empty halves."""
    points = []
    for at in range(start + 1, end):
        if text[at - 1] not in _BREAKS:
            continue
        first, second = trim(text, start, at), trim(text, at, end)
        if first[1] <= first[0] or second[1] <= second[0]:
            continue
        before = text[max(start, at - context) : at].replace("\n", " ").strip()
        points.append(SplitPoint(at, before, text[at - 1] not in "，,"))
    return points


@dataclass(frozen=True)
class Piece:
    text: str
    key: object = None  # the span's key (a candidate's id) for highlighted pieces; None: plain


def pieces(text: str, spans: Iterable[tuple[int, int, object]]) -> list[Piece]:
    """The text cut into plain and highlighted pieces, in order, covering every character once.

    Spans are (start, end, key). Overlaps are clipped to the earlier span, and spans outside
    the text are clipped to it, so a stale or odd span never repeats or loses text.
    """
    out: list[Piece] = []
    at = 0
    for start, end, key in sorted(spans, key=lambda s: (s[0], s[1])):
        start, end = max(start, at), min(end, len(text))
        if end <= start:
            continue
        if start > at:
            out.append(Piece(text[at:start]))
        out.append(Piece(text[start:end], key))
        at = end
    if at < len(text):
        out.append(Piece(text[at:]))
    return out
