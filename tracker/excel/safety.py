"""Is an uploaded .xlsx safe to hand to the fast reader? Decided quickly, in bounded memory.

`inspect_xlsx` looks at the raw bytes, the zip directory and every member before python-calamine
touches the file. It refuses, with a Chinese message for the user (`UnsafeWorkbook`), anything
that is not a genuine .xlsx: other formats renamed, broken or truncated zips, unsafe member
names, macros, zip bombs (declared or forged sizes), XML with a DTD, entities or external
references, and sheets with more rows than allowed. Along the way it collects the facts the
importers need: the sheets in workbook order, their real row counts and their formula cells.

Members are streamed in chunks of about 1 MB; no worksheet or shared-strings part is ever held
in memory whole. Only the small parts (content types, workbook, relationships, styles, document
properties; at most 5 MB each) are parsed, with defusedxml. Nothing here imports Django.
"""

from __future__ import annotations

import codecs
import copy
import itertools
import posixpath
import re
import struct
import zipfile
import zlib
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

MSG_PDF = "这是 PDF 文件，不是 Excel 工作簿（.xlsx）。"
MSG_OLE = "这是旧版 .xls（或加密的）文件，请在 Excel 中“另存为” .xlsx 后再上传。"
MSG_RENAMED = "文件不是 .xlsx 工作簿（可能是其他文件改了扩展名）。"
MSG_CORRUPT = "文件不完整或已损坏，无法打开。请在 Excel 中重新保存后再上传。"
MSG_TOO_MANY_MEMBERS = "文件内部包含的条目过多（超过 {max_members} 个），疑似恶意文件，已拒绝。"
MSG_BAD_NAME = "文件内部含有不安全或重复的路径，疑似恶意文件，已拒绝。"
MSG_MACRO = "工作簿含有宏（.xlsm），为安全起见已拒绝。请另存为不含宏的 .xlsx。"
MSG_NOT_XLSX = "文件不是 .xlsx 工作簿。"
MSG_BOMB = "文件解压后异常巨大（疑似压缩炸弹），已拒绝。"
MSG_XML = "工作簿含有不安全的 XML 内容（DTD、实体或外部引用），已拒绝。"
MSG_NO_SHEET = "工作簿中没有工作表。"
MSG_TOO_MANY_ROWS = "工作表「{name}」超过 {max_rows} 行的上限，请拆分后再导入。"

CHUNK = 1024 * 1024  # bytes of decompressed data read at a time
SMALL_PART_LIMIT = 5 * 1024 * 1024  # larger "small" parts are refused as bombs
RATIO_FLOOR = 1024 * 1024  # the compression-ratio rule applies to members above this size
HEAD_LIMIT = 64 * 1024  # the XML prolog must end within this many bytes
TAG_LIMIT = 1024 * 1024  # no single tag in a worksheet may be longer than this
LOOKBACK = 4096  # bytes of already-scanned worksheet kept to find the cell around an <f>
DIRECTORY_BYTES_PER_MEMBER = 1024  # allowance for one central-directory record

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"

CONTENT_TYPES = "[content_types].xml"
WORKBOOK = "xl/workbook.xml"
WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
STYLES = "xl/styles.xml"
XML_SUFFIXES = (".xml", ".rels", ".vml")

# Errors zipfile, zlib and the codecs raise on damaged archives.
_BROKEN = (
    zipfile.BadZipFile,
    zipfile.LargeZipFile,
    EOFError,
    OSError,
    struct.error,
    zlib.error,
    ValueError,
    RuntimeError,
    NotImplementedError,
)


class UnsafeWorkbook(ValueError):
    """The upload is refused; str(exc) is a message for the user, in Chinese."""


@dataclass
class SheetFacts:
    name: str
    path: str
    rows: int
    formula_cells: set[str] = field(default_factory=set)


@dataclass
class Inspection:
    sheets: list[SheetFacts]


def inspect_xlsx(
    source,
    *,
    max_rows: int = 200_000,
    max_total_bytes: int = 512 * 1024 * 1024,
    max_ratio: int = 100,
    max_members: int = 10_000,
) -> Inspection:
    """Decide whether `source` is a safe, genuine .xlsx and collect its sheet facts.

    `source` is a path or a seekable binary file-like object (rewound to 0 at the end).
    Raises UnsafeWorkbook with a message for the user when the file is refused.
    """
    limits = _Limits(max_rows, max_total_bytes, max_ratio, max_members)
    if isinstance(source, (str, Path)):
        with open(source, "rb") as fh:
            return _inspect(fh, limits)
    try:
        source.seek(0)
        return _inspect(source, limits)
    finally:
        source.seek(0)


@dataclass
class _Limits:
    max_rows: int
    max_total_bytes: int
    max_ratio: int
    max_members: int


def _inspect(fh, limits: _Limits) -> Inspection:
    _check_magic(fh.read(len(OLE2_MAGIC)))
    _check_directory_size(fh, limits.max_members)
    fh.seek(0)
    try:
        archive = zipfile.ZipFile(fh)
    except _BROKEN as exc:
        raise UnsafeWorkbook(MSG_CORRUPT) from exc
    with archive:
        return _Inspector(archive, limits).run()


def _check_magic(head: bytes) -> None:
    if head.startswith(b"%PDF"):
        raise UnsafeWorkbook(MSG_PDF)
    if head.startswith(OLE2_MAGIC):
        raise UnsafeWorkbook(MSG_OLE)
    if not head.startswith(ZIP_MAGIC):
        raise UnsafeWorkbook(MSG_RENAMED)


def _check_directory_size(fh, max_members: int) -> None:
    """Refuse a huge central directory before zipfile builds a ZipInfo for every record.

    Reads only the end-of-central-directory record (and its zip64 twin). When it cannot be
    found, zipfile decides: it will call the file broken.
    """
    fh.seek(0, 2)
    size = fh.tell()
    tail_len = min(size, 22 + 0xFFFF)
    fh.seek(size - tail_len)
    tail = fh.read(tail_len)
    pos = len(tail) - 22 if tail[-22:-18] == b"PK\x05\x06" else tail.rfind(b"PK\x05\x06")
    if pos < 0 or len(tail) - pos < 22:
        return
    entries, directory_size = struct.unpack("<10xHL6x", tail[pos : pos + 22])
    if entries == 0xFFFF or directory_size == 0xFFFFFFFF:
        locator = tail[pos - 20 : pos] if pos >= 20 else b""
        if locator[:4] == b"PK\x06\x07":
            (offset,) = struct.unpack("<8xQ4x", locator)
            fh.seek(offset)
            record = fh.read(56)
            if len(record) == 56 and record[:4] == b"PK\x06\x06":
                entries, directory_size = struct.unpack("<32xQQ8x", record)
    if entries > max_members or directory_size > max_members * DIRECTORY_BYTES_PER_MEMBER:
        raise UnsafeWorkbook(MSG_TOO_MANY_MEMBERS.format(max_members=max_members))


def _unsafe_name(name: str) -> bool:
    return (
        name.startswith(("/", "\\"))
        or re.match(r"[A-Za-z]:", name) is not None
        or ".." in name
        or "\x00" in name
    )


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


class _Inspector:
    def __init__(self, archive: zipfile.ZipFile, limits: _Limits):
        self.archive = archive
        self.limits = limits
        self.total = 0  # real decompressed bytes so far, all members
        self.by_key: dict[str, zipfile.ZipInfo] = {}  # lower-cased name → member
        self.cache: dict[str, bytes] = {}  # small parts already read
        self.done: set[str] = set()  # members already streamed

    def run(self) -> Inspection:
        infos = self.archive.infolist()
        self._check_members(infos)
        self._check_macros()
        if CONTENT_TYPES not in self.by_key or WORKBOOK not in self.by_key:
            raise UnsafeWorkbook(MSG_NOT_XLSX)
        self._check_declared_sizes(infos)

        content_types = self._parse_small(CONTENT_TYPES)
        for element in content_types.iter():
            kind = (element.get("ContentType") or "").lower()
            if "macroenabled" in kind or "macrosheet" in kind:
                raise UnsafeWorkbook(MSG_MACRO)
        workbook = self._parse_small(WORKBOOK)
        if WORKBOOK_RELS not in self.by_key:
            raise UnsafeWorkbook(MSG_CORRUPT)
        rels = self._parse_small(WORKBOOK_RELS)
        for key in sorted(self.by_key):
            if key == STYLES or (key.startswith("docprops/") and key.endswith(".xml")):
                self._parse_small(key)

        entries = self._sheet_entries(workbook, rels)
        if not any(kind == "worksheet" for _, _, kind in entries):
            raise UnsafeWorkbook(MSG_NO_SHEET)
        sheets: list[SheetFacts] = []
        scanned: dict[str, SheetFacts] = {}
        for name, key, _kind in entries:
            if key not in scanned:
                scanned[key] = self._scan_sheet(name, key)
            facts = scanned[key]
            sheets.append(SheetFacts(name, facts.path, facts.rows, set(facts.formula_cells)))

        for key, info in self.by_key.items():
            if key not in self.done and not info.is_dir():
                self._scan(key, xml=key.endswith(XML_SUFFIXES))
        return Inspection(sheets=sheets)

    # -- the zip directory -------------------------------------------------------------------

    def _check_members(self, infos: list[zipfile.ZipInfo]) -> None:
        if len(infos) > self.limits.max_members:
            raise UnsafeWorkbook(MSG_TOO_MANY_MEMBERS.format(max_members=self.limits.max_members))
        for info in infos:
            key = info.filename.lower()
            if _unsafe_name(info.filename) or key in self.by_key:
                raise UnsafeWorkbook(MSG_BAD_NAME)
            self.by_key[key] = info

    def _check_macros(self) -> None:
        for key in self.by_key:
            if key.endswith("vbaproject.bin") or key.startswith("xl/macrosheets/"):
                raise UnsafeWorkbook(MSG_MACRO)
        if CONTENT_TYPES in self.by_key:
            raw = self._read_small(CONTENT_TYPES).lower()
            if b"macroenabled" in raw or b"macrosheet" in raw:
                raise UnsafeWorkbook(MSG_MACRO)

    def _check_declared_sizes(self, infos: list[zipfile.ZipInfo]) -> None:
        if sum(info.file_size for info in infos) > self.limits.max_total_bytes:
            raise UnsafeWorkbook(MSG_BOMB)
        for info in infos:
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_FLOOR and ratio > self.limits.max_ratio:
                raise UnsafeWorkbook(MSG_BOMB)

    # -- streaming members -------------------------------------------------------------------

    def _stream(self, key: str):
        """The real decompressed bytes of a member, chunk by chunk, checked against its entry.

        zipfile stops at the declared size, so the member is opened with a copy of its entry
        that allows one byte more: a member whose real data is longer than declared (a forged
        size) is then seen and refused. The CRC is checked here rather than by zipfile.
        """
        info = self.by_key[key]
        self.done.add(key)
        if info.flag_bits & 0x1:  # zip-level encryption: never produced by Excel
            raise UnsafeWorkbook(MSG_CORRUPT)
        probe = copy.copy(info)
        probe.file_size = info.file_size + 1
        probe.CRC = None  # zipfile then skips its own CRC check
        seen = 0
        crc = 0
        try:
            with self.archive.open(probe) as member:
                while chunk := member.read(CHUNK):
                    seen += len(chunk)
                    self.total += len(chunk)
                    if seen > info.file_size or self.total > self.limits.max_total_bytes:
                        raise UnsafeWorkbook(MSG_BOMB)
                    crc = zlib.crc32(chunk, crc)
                    yield chunk
        except UnsafeWorkbook:
            raise
        except _BROKEN as exc:
            raise UnsafeWorkbook(MSG_CORRUPT) from exc
        if seen != info.file_size or crc != info.CRC:
            raise UnsafeWorkbook(MSG_CORRUPT)

    def _read_small(self, key: str) -> bytes:
        if key not in self.cache:
            if self.by_key[key].file_size > SMALL_PART_LIMIT:
                raise UnsafeWorkbook(MSG_BOMB)
            with closing(self._stream(key)) as chunks:
                self.cache[key] = b"".join(chunks)
        return self.cache[key]

    def _parse_small(self, key: str):
        data = self._read_small(key)
        try:
            return SafeET.fromstring(data, forbid_dtd=True)
        except DefusedXmlException as exc:
            raise UnsafeWorkbook(MSG_XML) from exc
        except ParseError as exc:
            raise UnsafeWorkbook(MSG_CORRUPT) from exc

    def _scan(self, key: str, *, xml: bool, consumer=None) -> None:
        guard = _PrologGuard() if xml else None
        try:
            with closing(self._stream(key)) as chunks:
                for chunk in chunks:
                    if guard is not None:
                        chunk = guard.feed(chunk)
                    if consumer is not None:
                        consumer.feed(chunk)
            if guard is not None:
                rest = guard.finish()
                if consumer is not None:
                    consumer.feed(rest)
        except UnicodeError as exc:
            raise UnsafeWorkbook(MSG_CORRUPT) from exc
        if consumer is not None:
            consumer.finish()

    # -- sheets ------------------------------------------------------------------------------

    def _sheet_entries(self, workbook, rels) -> list[tuple[str, str, str]]:
        """(sheet name, member key, kind) for every sheet of xl/workbook.xml, in order."""
        targets: dict[str, tuple[str, str]] = {}
        for rel in rels:
            if _local(rel.tag) == "Relationship" and rel.get("Id"):
                targets[rel.get("Id")] = (
                    rel.get("Target") or "",
                    (rel.get("Type") or "").lower(),
                )
        entries = []
        for group in workbook:
            if _local(group.tag) != "sheets":
                continue
            for sheet in group:
                if _local(sheet.tag) != "sheet":
                    continue
                rid = next(
                    (v for k, v in sheet.attrib.items() if k.startswith("{") and _local(k) == "id"),
                    None,
                )
                if rid not in targets:
                    raise UnsafeWorkbook(MSG_CORRUPT)
                target, rel_type = targets[rid]
                if "macrosheet" in rel_type:
                    raise UnsafeWorkbook(MSG_MACRO)
                kind = rel_type.rsplit("/", 1)[-1]
                entries.append((sheet.get("name") or "", self._resolve(target), kind))
        return entries

    def _resolve(self, target: str) -> str:
        target = target.replace("\\", "/")
        if target.startswith("/"):
            path = target.lstrip("/")
        else:
            path = posixpath.normpath(posixpath.join("xl", target))
        for candidate in (path, unquote(path)):
            key = candidate.lower()
            if key in self.by_key and not key.startswith("../"):
                return key
        raise UnsafeWorkbook(MSG_CORRUPT)

    def _scan_sheet(self, name: str, key: str) -> SheetFacts:
        before = self.total
        scanner = _SheetScanner(name, self.limits.max_rows)
        try:
            self._scan(key, xml=True, consumer=scanner)
        except _NeedFullScan:
            # A formula cell without an r attribute: its position must be counted out.
            self.total = before
            scanner = _SheetScanner(name, self.limits.max_rows, full=True)
            self._scan(key, xml=True, consumer=scanner)
        return SheetFacts(name, self.by_key[key].filename, scanner.rows, scanner.formula_cells)


class _PrologGuard:
    """Checks the start of an XML part: no DTD, no entity declarations.

    Entities can only be declared in a DTD, which must come before the root element, so it is
    enough to walk the prolog (declaration, comments, processing instructions) up to the root
    start tag, and to refuse any "<!DOCTYPE" or "<!ENTITY" in the first 64 KB. UTF-16 parts are
    transcoded to UTF-8 as they stream, so the byte patterns hold whatever the encoding.
    """

    def __init__(self):
        self.head = bytearray()
        self.checked = False
        self.started = False
        self.decoder = None

    def feed(self, chunk: bytes) -> bytes:
        if not self.started:
            self.started = True
            self.decoder = _utf16_decoder(chunk[:4])
        if self.decoder is not None:
            chunk = self.decoder.decode(chunk).encode("utf-8")
        self._remember(chunk)
        return chunk

    def finish(self) -> bytes:
        rest = b""
        if self.decoder is not None:
            rest = self.decoder.decode(b"", True).encode("utf-8")
            self._remember(rest)
        if not self.checked:
            self.checked = True
            _check_prolog(bytes(self.head), complete=True)
        return rest

    def _remember(self, chunk: bytes) -> None:
        if self.checked:
            return
        self.head += chunk[: HEAD_LIMIT - len(self.head)]
        if len(self.head) >= HEAD_LIMIT:
            self.checked = True
            _check_prolog(bytes(self.head), complete=False)


def _utf16_decoder(start: bytes):
    if start[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        return codecs.getincrementaldecoder("utf-16")()
    if start[:2] == b"<\x00":
        return codecs.getincrementaldecoder("utf-16-le")()
    if start[:2] == b"\x00<":
        return codecs.getincrementaldecoder("utf-16-be")()
    return None


_NAME_START = re.compile(rb"[A-Za-z_:\x80-\xff]")


def _check_prolog(head: bytes, *, complete: bool) -> None:
    """`head` is the first 64 KB of a part (or all of it when `complete`)."""
    lowered = head.lower()
    if b"<!doctype" in lowered or b"<!entity" in lowered:
        raise UnsafeWorkbook(MSG_XML)
    i = 3 if head.startswith(codecs.BOM_UTF8) else 0
    n = len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            if complete:  # an empty part: nothing to fear, the reader will judge it
                return
            raise UnsafeWorkbook(MSG_XML)  # a prolog longer than 64 KB
        if head.startswith(b"<?", i) or head.startswith(b"<!--", i):
            end_mark = b"?>" if head[i + 1] == ord("?") else b"-->"
            end = head.find(end_mark, i + 2)
            if end < 0:
                raise UnsafeWorkbook(MSG_CORRUPT if complete else MSG_XML)
            i = end + len(end_mark)
            continue
        if head.startswith(b"<!", i):  # any other markup declaration belongs to a DTD
            raise UnsafeWorkbook(MSG_XML)
        if head.startswith(b"<", i) and _NAME_START.match(head, i + 1):
            return  # the root element: the prolog is over
        raise UnsafeWorkbook(MSG_CORRUPT)  # text before the root: not XML we can vouch for


class _NeedFullScan(Exception):
    pass


_PREFIX = rb"(?:[A-Za-z_][\w.-]*:)?"
_ROW = re.compile(rb"<row[\s>/]")
_PREFIXED_ROW = re.compile(rb"<[A-Za-z_][\w.-]*:row[\s>/]")
_FORMULA = re.compile(rb"<f[\s>/]")
_PREFIXED_FORMULA = re.compile(rb"<[A-Za-z_][\w.-]*:f[\s>/]")
_CELL_START = re.compile(rb"<" + _PREFIX + rb"c(?:\s[^>]*)?/?>")
_CELL_REF = re.compile(rb"""\sr\s*=\s*["']\s*\$?([A-Za-z]{1,3})\$?(\d{1,7})\s*["']""")
_ROW_NUMBER = re.compile(rb"""\sr\s*=\s*["']\s*(\d{1,7})\s*["']""")
_TOKEN = re.compile(rb"<(/?)" + _PREFIX + rb"(row|c|f)(?=[\s>/])([^>]*)>")


class _SheetScanner:
    """Counts the <row> elements of a worksheet and finds its formula cells, chunk by chunk.

    Chunks are cut after the last complete tag; an unfinished tag waits for the next chunk.
    The fast way counts rows with one regex per chunk and, for each <f>, looks back at the
    tag just before it: Excel writes <f> as a cell's first child. When such a cell has no r
    attribute, `_NeedFullScan` asks for the full way, which follows every row and cell tag.
    """

    def __init__(self, name: str, max_rows: int, *, full: bool = False):
        self.name = name
        self.max_rows = max_rows
        self.full = full
        self.rows = 0
        self.formula_cells: set[str] = set()
        self.tail = b""
        self.context = b""
        # Only for the full way:
        self.row_number = 0
        self.column = 0
        self.cell: str | None = None

    def feed(self, chunk: bytes) -> None:
        data = self.tail + chunk if self.tail else chunk
        cut = data.rfind(b"<")
        if cut >= 0 and data.find(b">", cut) < 0:
            data, self.tail = data[:cut], data[cut:]
            if len(self.tail) > TAG_LIMIT:
                raise UnsafeWorkbook(MSG_CORRUPT)
        else:
            self.tail = b""
        if data:
            self._process(data)

    def finish(self) -> None:
        if self.tail:
            self._process(self.tail)
            self.tail = b""

    def _too_many_rows(self) -> UnsafeWorkbook:
        return UnsafeWorkbook(MSG_TOO_MANY_ROWS.format(name=self.name, max_rows=self.max_rows))

    def _process(self, segment: bytes) -> None:
        if self.full:
            self._process_tokens(segment)
            return
        work = self.context + segment
        start = len(self.context)
        self.rows += _count_rows(segment)
        if self.rows > self.max_rows:
            raise self._too_many_rows()
        formulas = []
        if b"<f" in segment:
            formulas.append(_FORMULA.finditer(work, start))
        if b":f" in segment:
            formulas.append(_PREFIXED_FORMULA.finditer(work, start))
        for match in itertools.chain.from_iterable(formulas):
            before = work.rfind(b"<", 0, match.start())
            cell = _CELL_START.match(work, before) if before >= 0 else None
            if cell is None or cell.group().endswith(b"/>"):
                continue
            ref = _CELL_REF.search(cell.group())
            if ref is None:
                raise _NeedFullScan
            self.formula_cells.add((ref.group(1).upper() + ref.group(2)).decode("ascii"))
        self.context = work[-LOOKBACK:]

    def _process_tokens(self, segment: bytes) -> None:
        for closing_tag, tag, attrs in _TOKEN.findall(segment):
            if tag == b"row":
                if closing_tag:
                    continue
                self.rows += 1
                if self.rows > self.max_rows:
                    raise self._too_many_rows()
                number = _ROW_NUMBER.search(attrs)
                self.row_number = int(number.group(1)) if number else self.row_number + 1
                self.column = 0
                self.cell = None
            elif tag == b"c":
                if closing_tag:
                    self.cell = None
                    continue
                ref = _CELL_REF.search(attrs)
                if ref:
                    self.column = _column_number(ref.group(1).decode("ascii"))
                    self.cell = (ref.group(1).upper() + ref.group(2)).decode("ascii")
                else:
                    self.column += 1
                    self.cell = f"{_column_letters(self.column)}{self.row_number}"
                if attrs.endswith(b"/"):
                    self.cell = None
            elif not closing_tag and self.cell is not None:
                self.formula_cells.add(self.cell)


def _count_rows(segment: bytes) -> int:
    """Row start tags in a segment: plain byte counts when they settle it, regexes otherwise."""
    rows = segment.count(b"<row")
    if rows and rows != segment.count(b"<row ") + segment.count(b"<row>"):
        rows = len(_ROW.findall(segment))
    if b":row" in segment:  # a prefixed namespace, e.g. <x:row r="1">
        rows += len(_PREFIXED_ROW.findall(segment))
    return rows


def _column_number(letters: str) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters
