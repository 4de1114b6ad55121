"""Reading an uploaded speech (bytes) into text, and the same-length text the rules match on.

Pure code: no ORM. Everything here refuses bad input with a ``SpeechFileError`` whose message
is shown to the user as is, so messages are complete Chinese sentences.
"""

import io
import unicodedata
import zipfile

from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException
from hanziconv.charmap import simplified_charmap, traditional_charmap


class SpeechFileError(ValueError):
    """A file that cannot be read as a speech; the message is shown to the user as is."""


# A .docx's document.xml is rarely above a few MB even for a 100-page speech; 20 MB of XML is
# far beyond any real speech and still cheap to hold. Ratios above 100:1 only come from
# crafted archives (real document.xml compresses about 5–15:1).
DOCX_XML_MAX_BYTES = 20 * 1024 * 1024
DOCX_MAX_RATIO = 100
DOCX_MAX_MEMBERS = 2000
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"

# Magic numbers of files people upload by mistake, each with what to tell them.
_MAGIC = (
    (
        b"%PDF",
        "这是 PDF 文件，不能直接读取。请把讲话内容复制到 Word（.docx）或文本文件（.txt）后重新上传。",
    ),
    (
        b"\xd0\xcf\x11\xe0",
        "这是旧版 Word（.doc）或其他旧版 Office 文件。请在 Word 中另存为 .docx 后重新上传。",
    ),
    (b"MZ", "这是可执行程序，不是讲话稿，已拒绝。"),
    (b"\x7fELF", "这是可执行程序，不是讲话稿，已拒绝。"),
    (b"\x89PNG", "这是图片文件，不是讲话稿。请上传 .txt 或 .docx 文件。"),
    (b"\xff\xd8\xff", "这是图片文件，不是讲话稿。请上传 .txt 或 .docx 文件。"),
    (b"GIF8", "这是图片文件，不是讲话稿。请上传 .txt 或 .docx 文件。"),
    (b"Rar!", "这是压缩包，不是讲话稿。请上传 .txt 或 .docx 文件。"),
    (b"7z\xbc\xaf", "这是压缩包，不是讲话稿。请上传 .txt 或 .docx 文件。"),
    (b"\x1f\x8b", "这是压缩包，不是讲话稿。请上传 .txt 或 .docx 文件。"),
)


def read_speech(data: bytes, filename: str = "") -> str:
    """Decode an uploaded speech (.txt in UTF-8, UTF-16 with BOM or GBK/GB18030, or .docx) to text.

    Line ends come back as "\\n". Raises SpeechFileError for empty, binary or unreadable files.
    """
    if not data or not data.strip(b" \t\r\n\x00\xef\xbb\xbf\xff\xfe"):
        raise SpeechFileError("文件是空的。")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        text = _read_docx(data, filename)
    else:
        for magic, message in _MAGIC:
            if data.startswith(magic):
                raise SpeechFileError(message)
        if filename.lower().endswith(".docx"):
            raise SpeechFileError("文件扩展名是 .docx，但内容不是 Word 文档，可能已损坏。")
        text = _decode_text(data)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise SpeechFileError("文件里没有文字。")
    return text


def _decode_text(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _checked(data.decode("utf-16"))
        except UnicodeDecodeError as exc:
            raise SpeechFileError("文件编码无法识别，请另存为 UTF-8 文本后重新上传。") from exc
    if b"\x00" in data:
        raise SpeechFileError("这是二进制文件，不是文本讲话稿。请上传 .txt 或 .docx 文件。")
    try:
        return _checked(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        pass
    # GB18030 is a superset of GBK and GB2312, the encodings Chinese Windows saves .txt in.
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError as exc:
        raise SpeechFileError("文件编码无法识别，请另存为 UTF-8 文本后重新上传。") from exc
    # Almost any byte string decodes as GB18030; only accept it when it reads as Chinese text.
    if _text_share(text) < 0.95:
        raise SpeechFileError("文件内容不像文本讲话稿（可能是二进制文件或编码错误），已拒绝。")
    return _checked(text)


def _checked(text: str) -> str:
    controls = sum(1 for c in text if unicodedata.category(c) == "Cc" and c not in "\t\n\r\f")
    if controls > max(2, len(text) // 200):
        raise SpeechFileError("这是二进制文件，不是文本讲话稿。请上传 .txt 或 .docx 文件。")
    return text


def _text_share(text: str) -> float:
    """Share of characters that are CJK, CJK punctuation, full-width forms or printable ASCII."""
    if not text:
        return 0.0
    good = 0
    for c in text:
        o = ord(c)
        if (
            0x20 <= o < 0x7F
            or c in "\t\n\r"
            or 0x4E00 <= o <= 0x9FFF
            or 0x3000 <= o <= 0x303F
            or 0xFF00 <= o <= 0xFFEF
            or 0x2000 <= o <= 0x206F
            or 0x2460 <= o <= 0x24FF
            or 0x3400 <= o <= 0x4DBF
            or o in (0xB7, 0xD7, 0x25CB, 0x25CF)
        ):
            good += 1
    return good / len(text)


def _read_docx(data: bytes, filename: str) -> str:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as exc:
        raise SpeechFileError("文件看起来是 Word 文档，但已损坏，无法打开。") from exc
    if len(infos) > DOCX_MAX_MEMBERS:
        raise SpeechFileError("文件包含的内容过多，不像正常的 Word 文档，已拒绝。")
    names = {info.filename: info for info in infos}
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise SpeechFileError("文件包含宏，已拒绝。请另存为不含宏的 .docx 后重新上传。")
    info = names.get("word/document.xml")
    if info is None:
        if "xl/workbook.xml" in names:
            raise SpeechFileError("这是 Excel 工作簿，不是讲话稿。请上传 .txt 或 .docx 文件。")
        if "ppt/presentation.xml" in names:
            raise SpeechFileError(
                "这是 PowerPoint 演示文稿，不是讲话稿。请上传 .txt 或 .docx 文件。"
            )
        raise SpeechFileError("这是压缩包，不是 Word 文档。请上传 .txt 或 .docx 文件。")
    if info.file_size > DOCX_XML_MAX_BYTES:
        raise SpeechFileError("Word 文档正文过大（超过 20 MB），已拒绝。")
    if info.compress_size and info.file_size / info.compress_size > DOCX_MAX_RATIO:
        raise SpeechFileError("Word 文档的压缩比异常（疑似压缩炸弹），已拒绝。")
    try:
        with archive.open(info) as member:
            # Read one byte past the limit: the header's size may lie.
            xml = member.read(DOCX_XML_MAX_BYTES + 1)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise SpeechFileError("Word 文档已损坏，无法读取正文。") from exc
    if len(xml) > DOCX_XML_MAX_BYTES:
        raise SpeechFileError("Word 文档正文过大（超过 20 MB），已拒绝。")
    try:
        root = SafeET.fromstring(xml)
    except DefusedXmlException as exc:
        raise SpeechFileError("Word 文档含有不安全的 XML 内容，已拒绝。") from exc
    except SafeET.ParseError as exc:
        raise SpeechFileError("Word 文档正文已损坏，无法读取。") from exc
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    return "\n".join(lines)


# --- Matching text -------------------------------------------------------------------------
#
# The rules match on a copy of the text in which every character is replaced by at most one
# other character, so that an offset found in the copy is the same offset in the original.
# Traditional characters come from hanziconv's one-to-one character table (a char-level table
# is exactly what same-length conversion needs; OpenCC's tables are phrase-level and can
# change length). Entries whose source character is itself a standard simplified character
# (in GB2312, e.g. 呼, 著, 後 for 后 is the exception listed below) are left out, so simplified
# text is never changed.


def _build_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for trad, simp in zip(traditional_charmap, simplified_charmap, strict=True):
        if trad == simp or ord(trad) in table:
            continue
        try:
            trad.encode("gb2312")
            continue
        except UnicodeEncodeError:
            table[ord(trad)] = simp
    # Traditional forms the codec counts as GB2312 or the table lacks, common in this domain.
    for trad, simp in {"後": "后", "於": "于", "爲": "为", "週": "周", "衆": "众"}.items():
        table[ord(trad)] = simp
    # Full-width digits and letters as ASCII; ASCII sentence punctuation as the Chinese forms.
    for o in range(0xFF10, 0xFF1A):
        table[o] = chr(o - 0xFEE0)
    for o in range(0xFF21, 0xFF3B):
        table[o] = chr(o - 0xFEE0)
    for o in range(0xFF41, 0xFF5B):
        table[o] = chr(o - 0xFEE0)
    for half, full in {
        ",": "，",
        ";": "；",
        ":": "：",
        "(": "（",
        ")": "）",
        "!": "！",
        "?": "？",
    }.items():
        table[ord(half)] = full
    table[0x3000] = " "  # ideographic space
    table[0x2236] = "："  # ratio sign used as a colon
    return table


_MATCH_TABLE = _build_table()


def matching_text(text: str) -> str:
    """The text the rules read: simplified, ASCII digits, Chinese punctuation; same length."""
    return text.translate(_MATCH_TABLE)
