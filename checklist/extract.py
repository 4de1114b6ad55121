"""Speech text → directives: the sentences in a speech that order work.

Pure code: no ORM. Callers pass the unit list in as ``UnitRef`` values.
"""

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal


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


class SpeechFileError(ValueError):
    """A file that cannot be read as a speech; the message is shown to the user as is."""


def read_speech(data: bytes, filename: str = "") -> str:
    """Decode an uploaded speech (.txt in UTF-8 or GBK, or .docx) to text."""
    if not data.strip():
        raise SpeechFileError("文件是空的。")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SpeechFileError("无法识别文件编码，请另存为 UTF-8 文本后重新上传。") from exc


_SENTENCE = re.compile(r"[^。！？\n]+[。！？]?")
_ORDER = re.compile(r"要|必须|务必|确保|严格|立即|落实")


def extract_directives(
    text: str, *, speech_date: date | None = None, units: Sequence[UnitRef] = ()
) -> list[ExtractedDirective]:
    """Placeholder: one directive per sentence that contains an ordering word."""
    found = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group().strip()
        if sentence and _ORDER.search(sentence):
            found.append(ExtractedDirective(text=match.group(), start=match.start(), end=match.end()))
    return found
