"""Evidence files (佐证材料): is an upload acceptable, and under what name may it be shown?

Judged by content, never by the file name: magic bytes at the start, and for Word and Excel
2007+ files the zip's central directory. Pure Python, no Django: it takes a binary file-like
object with .read() and .seek(), the name the browser sent and the size Django measured.
Memory stays bounded: only the first 64 KB are read, and zip entries are never extracted.
"""

import re
import unicodedata
import zipfile
from dataclasses import dataclass

MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
MAX_FILES_PER_REPORT = 20
# Also shown by the browser before sending (static/js/uploads.js fills in {name} / {count}).
TOO_BIG = f"文件「{{name}}」超过 {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB，请压缩后再上传。"
TOO_MANY = f"一次最多上传 {MAX_FILES_PER_REPORT} 个文件，您选择了 {{count}} 个。"

HEAD_BYTES = 64 * 1024  # how much of the start of a file is read to tell what it is
PDF_HEADER_WINDOW = 1024  # "%PDF-" may follow some junk, but only this far in
ZIP_MAX_ENTRIES = 10_000
ZIP_MAX_TOTAL_BYTES = 200 * 1024 * 1024  # declared uncompressed size of all entries
ZIP_MAX_RATIO = 200  # per entry, when it unpacks to more than ZIP_RATIO_FLOOR
ZIP_RATIO_FLOOR = 1024 * 1024
MAX_NAME_CHARS = 120
FALLBACK_NAME = "文件"
# A name the browser sends longer than this (UTF-8 bytes) is refused, not shortened.
MAX_SENT_NAME_BYTES = 1024
SHOWN_NAME_CHARS = 30  # how much of a refused name its message shows
# Names the request parser could not keep ("..", ".", nothing left after cleaning, over
# MAX_SENT_NAME_BYTES) reach check_evidence as a placeholder: a private-use mark, then the name
# as sent (path separators and control characters replaced), cut to SHOWN_NAME_CHARS.
UNUSABLE_MARK = "\ue000"
TOO_LONG_MARK = "\ue001"
_SEPARATOR_STAND_INS = str.maketrans({"/": "\ue002", "\\": "\ue003"})
_SEPARATORS_BACK = str.maketrans({"\ue002": "/", "\ue003": "\\"})

JPEG_MAGIC = b"\xff\xd8\xff"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
PDF_MAGIC = b"%PDF-"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

CONTENT_TYPES = {
    "jpg": "image/jpeg",
    "png": "image/png",
    "pdf": "application/pdf",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Suffixes (lowercased, without the dot) a name may already carry for each kind.
SUFFIXES = {
    "jpg": ("jpg", "jpeg"),
    "png": ("png",),
    "pdf": ("pdf",),
    "doc": ("doc",),
    "docx": ("docx",),
    "xls": ("xls",),
    "xlsx": ("xlsx",),
}

# OLE2 directory entry names are UTF-16LE.
_OLE_WORD = "WordDocument".encode("utf-16-le")
_OLE_EXCEL = ("Workbook".encode("utf-16-le"), "Book".encode("utf-16-le"))

_UNSAFE_CHARS = re.compile(r'[<>:"/\\|?*;]')
_WHITESPACE = re.compile(r"\s+")
_PATH_SEPARATORS = re.compile(r"[/\\]")
# A suffix that looks like a file extension and may be replaced rather than appended to.
_EXTENSION_LIKE = re.compile(r"(?=.*[A-Za-z])[A-Za-z0-9]{1,5}")


class RejectedFile(ValueError):
    """The upload is refused; str(exc) is a Chinese message naming the file, for the user."""


@dataclass(frozen=True)
class CheckedFile:
    safe_name: str
    kind: str  # "jpg" | "png" | "pdf" | "doc" | "docx" | "xls" | "xlsx"
    content_type: str


def safe_filename(name: str) -> str:
    """A display and download name that is safe in a path, a header and a page.

    Keeps the last path component only, drops control and invisible formatting characters
    (including the right-to-left override used to disguise "exe" as "pdf"), replaces
    characters that are unsafe in file names or headers with "_", collapses whitespace, strips
    leading dots and spaces and limits the length to 120 characters, keeping the extension.
    A name that was only an extension (".pdf", "....pdf") becomes "文件.pdf"; a name with
    nothing left becomes "文件".
    """
    name = _PATH_SEPARATORS.split(name or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf"))
    name = _UNSAFE_CHARS.sub("_", name)
    name = _WHITESPACE.sub(" ", name).strip()
    stripped = name.lstrip(". ").rstrip(". ")
    if not stripped:
        return FALLBACK_NAME
    if stripped != name.rstrip(". ") and "." not in stripped:
        # ".pdf" or "....pdf": all that was there is an extension.
        stripped = f"{FALLBACK_NAME}.{stripped}"
    return _limit_length(stripped)


def placeholder_name(sent: str, kept: str | None) -> str | None:
    """The stand-in for a name the request parser would drop or cannot keep, else None.

    `sent` is the name as the browser sent it, `kept` what the parser's own cleaning left
    (None when it would drop the file). check_evidence refuses the stand-in, naming the file.
    """
    if len(sent.encode("utf-8", "surrogatepass")) > MAX_SENT_NAME_BYTES:
        mark = TOO_LONG_MARK
    elif not kept:
        mark = UNUSABLE_MARK
    else:
        return None
    shown = "".join(ch for ch in sent if ch.isprintable())[: SHOWN_NAME_CHARS + 1]
    return mark + shown.translate(_SEPARATOR_STAND_INS)


def _refuse_placeholder(name: str) -> None:
    if not name.startswith((UNUSABLE_MARK, TOO_LONG_MARK)):
        return
    shown = name[1:].translate(_SEPARATORS_BACK)
    if len(shown) > SHOWN_NAME_CHARS:
        shown = shown[:SHOWN_NAME_CHARS] + "…"
    if name.startswith(TOO_LONG_MARK):
        raise RejectedFile(
            f"文件「{shown}」的名称过长（超过 {MAX_SENT_NAME_BYTES} 字节），"
            "请改短文件名后重新上传。"
        )
    raise RejectedFile(
        f"文件「{shown or '（空）'}」的名称无效（不能只是“.”“..”或空白），请改名后重新上传。"
    )


def check_evidence(fileobj, name: str, size: int) -> CheckedFile:
    """Accept a photo (JPG, PNG), PDF, Word or Excel file, or raise RejectedFile.

    `size` is authoritative for the size limits. The file position is back at 0 afterwards,
    whether the file was accepted or not.
    """
    _refuse_placeholder(name)
    display = safe_filename(name)
    if size <= 0:
        raise RejectedFile(f"文件「{display}」是空文件。")
    if size > MAX_EVIDENCE_BYTES:
        raise RejectedFile(TOO_BIG.format(name=display))
    try:
        fileobj.seek(0)
        head = _read_head(fileobj)
        kind = _detect_kind(fileobj, head, display)
    finally:
        fileobj.seek(0)
    return CheckedFile(
        safe_name=_with_extension(display, kind),
        kind=kind,
        content_type=CONTENT_TYPES[kind],
    )


def _not_allowed(display: str) -> RejectedFile:
    return RejectedFile(
        f"文件「{display}」不是允许的类型。只能上传照片（JPG、PNG）、PDF、Word 或 Excel 文件。"
    )


def _read_head(fileobj) -> bytes:
    chunks, remaining = [], HEAD_BYTES
    while remaining > 0:
        chunk = fileobj.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


def _detect_kind(fileobj, head: bytes, display: str) -> str:
    if head.startswith(JPEG_MAGIC):
        return "jpg"
    if head.startswith(PNG_MAGIC):
        return "png"
    if head.startswith(OLE2_MAGIC):
        return _ole2_kind(head, display)
    if head.startswith(ZIP_MAGIC):
        return _office_zip_kind(fileobj, display)
    if PDF_MAGIC in head[:PDF_HEADER_WINDOW] and not _looks_executable_or_markup(head):
        return "pdf"
    raise _not_allowed(display)


def _looks_executable_or_markup(head: bytes) -> bool:
    """A program or an HTML/SVG page with "%PDF-" planted near its start is not a PDF."""
    if head.startswith((b"MZ", b"\x7fELF", b"#!")):
        return True
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n")
    return text.startswith(b"<")


def _ole2_kind(head: bytes, display: str) -> str:
    suffix = _suffix(display).lower()
    if suffix in ("doc", "xls"):
        return suffix
    if _OLE_WORD in head:
        return "doc"
    if any(marker in head for marker in _OLE_EXCEL):
        return "xls"
    raise _not_allowed(display)


def _office_zip_kind(fileobj, display: str) -> str:
    """docx or xlsx, judged by the central directory only; nothing is extracted."""
    try:
        fileobj.seek(0)
        with zipfile.ZipFile(fileobj) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise RejectedFile(
            f"文件「{display}」已损坏或不完整，无法打开，请重新保存后再上传。"
        ) from exc
    if len(entries) > ZIP_MAX_ENTRIES:
        raise RejectedFile(f"文件「{display}」内容异常（包含的条目过多），已拒绝。")
    if sum(entry.file_size for entry in entries) > ZIP_MAX_TOTAL_BYTES:
        raise RejectedFile(f"文件「{display}」内容异常（解压后过大），已拒绝。")
    for entry in entries:
        if entry.file_size > ZIP_RATIO_FLOOR and (
            entry.compress_size <= 0 or entry.file_size / entry.compress_size > ZIP_MAX_RATIO
        ):
            raise RejectedFile(f"文件「{display}」内容异常（压缩比过大），已拒绝。")
    names = {entry.filename for entry in entries}
    if "[Content_Types].xml" not in names:
        raise _not_allowed(display)
    # Macro-enabled documents (.docm, .xlsm) renamed to .docx/.xlsx carry a VBA project.
    if any(entry.lower().endswith("vbaproject.bin") for entry in names):
        raise RejectedFile(
            f"文件「{display}」包含宏，已拒绝。请另存为不含宏的 Word 或 Excel 文件。"
        )
    if "word/document.xml" in names:
        return "docx"
    if "xl/workbook.xml" in names:
        return "xlsx"
    raise _not_allowed(display)


def _suffix(name: str) -> str:
    stem, dot, suffix = name.rpartition(".")
    return suffix if dot and stem else ""


def _with_extension(name: str, kind: str) -> str:
    """The name, ending with an extension that matches the detected content."""
    suffix = _suffix(name)
    if suffix.lower() in SUFFIXES[kind]:
        return name
    if _EXTENSION_LIKE.fullmatch(suffix):
        name = name[: -len(suffix) - 1]  # "整改报告.exe" -> "整改报告"
    return _limit_length(f"{name}.{kind}")


def _limit_length(name: str) -> str:
    if len(name) <= MAX_NAME_CHARS:
        return name
    suffix = _suffix(name)
    if not suffix or len(suffix) > 10:
        return name[:MAX_NAME_CHARS].rstrip(". ") or FALLBACK_NAME
    stem = name[: MAX_NAME_CHARS - len(suffix) - 1].rstrip(". ") or FALLBACK_NAME
    return f"{stem}.{suffix}"
