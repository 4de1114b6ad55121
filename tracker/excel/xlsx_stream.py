"""Writing large .xlsx workbooks quickly: SpreadsheetML written directly, rows streamed to disk.

XlsxWriter spends most of a 250,000-row bulletin inside its per-cell calls. Here the caller
builds each row's XML with the cell helpers below (one f-string per row), each sheet's rows go
to an anonymous temporary file, and `close()` zips the package: content types, workbook with
its defined names (print titles, filter ranges), a styles part made from the styles the caller
added, and the sheets with their dimension, frozen header, column widths, autofilter, merged
ranges and A4 print setup. Memory stays flat whatever the number of rows.

Text goes into inline-string cells, always as text: it never becomes a formula, and text
starting with = + - @ or a tab/CR gets a style with Excel's quote prefix, so editing the cell
later keeps it text too (OWASP's formula-injection rule, without changing the value). Control
characters that XML cannot carry are removed, Excel's own `_xHHHH_` escapes are escaped, and
text over Excel's 32,767-character limit is cut with a visible marker.

No Django here: plain functions and two small classes, tested on their own.
"""

import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache

from tracker.excel.cells import column_letter

MAX_CELL = 32_767  # characters (UTF-16 code units) Excel keeps in one cell
CUT_AT = 30_000
CUT_MARK = "…（内容过长，已截断）"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")

# Characters XML 1.0 cannot carry (and DEL, which only confuses readers).
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
# Excel reads "_x0041_" in a string as "A"; a literal one is written "_x005F_x0041_".
_EXCEL_ESCAPE = re.compile("(_x[0-9A-Fa-f]{4}_)")

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# ----------------------------------------------------------------------------------------
# Text and cells


def clean_text(value) -> str:
    """Printable cell text: no characters XML cannot carry, cut visibly below Excel's limit."""
    text = _ILLEGAL.sub("", str(value or ""))
    if len(text) > MAX_CELL // 2 and len(text.encode("utf-16-le")) > 2 * MAX_CELL:
        # Excel counts UTF-16 units, so an emoji counts twice; a split pair is dropped.
        kept = text.encode("utf-16-le")[: 2 * CUT_AT].decode("utf-16-le", errors="ignore")
        text = kept + CUT_MARK
    return text


def escape(text: str) -> str:
    """Text for an XML element or a double-quoted attribute, with Excel's escapes escaped."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace('"', "&quot;")
    return _EXCEL_ESCAPE.sub(r"_x005F\1", text) if "_x" in text else text


# Anything that needs more than copying the text into the XML as it is.
_UNUSUAL = re.compile('[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff&<>"]|_x')


def inline_string(text: str) -> str:
    """The <is> element of an inline-string cell holding this (already cleaned) text."""
    if text[:1].isspace() or text[-1:].isspace():
        return f'<is><t xml:space="preserve">{escape(text)}</t></is>'
    return f"<is><t>{escape(text)}</t></is>"


def text_cells(style: int, quoted: int, *, cache: int = 4096):
    """A function: value → the attributes and body of a text cell, `<c r="B4"` + this + `</c>`.

    Cleaned, escaped, quote-prefixed when it could be read as a formula; cached, because codes,
    titles and unit names repeat row after row. Plain text, the usual case, is copied as it is.
    """
    unusual, limit = _UNUSUAL.search, MAX_CELL // 2
    plain = f' s="{style}" t="inlineStr"><is><t>'
    quote = f' s="{quoted}" t="inlineStr"><is><t>'

    def cell(value) -> str:
        text = value if type(value) is str else str(value or "")
        if unusual(text) or len(text) > limit:
            text = clean_text(text)
            body = escape(text)
        else:
            body = text
        if not text:
            return f' s="{style}">'  # an empty cell that keeps its borders
        head = quote if text.startswith(FORMULA_START) else plain
        if text[0].isspace() or text[-1].isspace():
            head = head[:-3] + '<t xml:space="preserve">'
        return f"{head}{body}</t></is>"

    return lru_cache(maxsize=cache)(cell) if cache else cell


def number(value) -> str:
    """A number as SpreadsheetML writes it (repr keeps every digit of a float)."""
    if isinstance(value, float):
        return repr(value) if value == value and abs(value) != float("inf") else "0"
    return str(value)


_EPOCH_ORDINAL = datetime(1899, 12, 30).toordinal()  # day 0 of Excel's 1900 date system


def date_serial(day) -> int:
    """A date → Excel's serial number (1900 system, for dates after 1900-03-01)."""
    return day.toordinal() - _EPOCH_ORDINAL


def datetime_serial(moment: datetime) -> float:
    """A naive local datetime → Excel's serial number, to the second."""
    seconds = moment.hour * 3600 + moment.minute * 60 + moment.second
    return moment.toordinal() - _EPOCH_ORDINAL + seconds / 86400


# ----------------------------------------------------------------------------------------
# Styles


@dataclass(frozen=True)
class Style:
    font_name: str = "Calibri"
    font_size: float = 11
    bold: bool = False
    font_color: str = ""  # "#RRGGBB"
    bg_color: str = ""
    border: bool = False  # thin on all four sides
    align: str = ""  # left / center / right
    valign: str = ""  # top / center / bottom
    wrap: bool = False
    num_format: str = ""
    quote_prefix: bool = False


def _rgb(color: str) -> str:
    return "FF" + color.lstrip("#").upper()


class Styles:
    """The workbook's cell formats; `add` returns the index a cell's s="…" attribute names."""

    def __init__(self):
        self.xfs: list[Style] = [Style()]
        self._index: dict[Style, int] = {Style(): 0}

    def add(self, **properties) -> int:
        style = Style(**properties)
        if style not in self._index:
            self._index[style] = len(self.xfs)
            self.xfs.append(style)
        return self._index[style]

    def xml(self) -> str:
        fonts: dict[tuple, int] = {}
        fills: dict[str, int] = {"none": 0, "gray125": 1}
        borders: dict[bool, int] = {False: 0}
        formats: dict[str, int] = {}
        xfs = []
        for style in self.xfs:
            font = (style.font_name, style.font_size, style.bold, style.font_color)
            font_id = fonts.setdefault(font, len(fonts))
            fill_id = fills.setdefault(style.bg_color, len(fills)) if style.bg_color else 0
            border_id = borders.setdefault(style.border, len(borders))
            if style.num_format in ("", "General"):
                format_id = 0
            else:
                format_id = formats.setdefault(style.num_format, 164 + len(formats))
            alignment = "".join(
                f' {name}="{value}"'
                for name, value in (
                    ("horizontal", style.align),
                    ("vertical", style.valign),
                    ("wrapText", "1" if style.wrap else ""),
                )
                if value
            )
            applies = "".join(
                f' {name}="1"'
                for name, used in (
                    ("applyNumberFormat", format_id),
                    ("applyFont", font_id),
                    ("applyFill", fill_id),
                    ("applyBorder", border_id),
                    ("applyAlignment", alignment),
                    ("quotePrefix", style.quote_prefix),
                )
                if used
            )
            head = (
                f'<xf numFmtId="{format_id}" fontId="{font_id}" fillId="{fill_id}" '
                f'borderId="{border_id}" xfId="0"{applies}'
            )
            xfs.append(f"{head}><alignment{alignment}/></xf>" if alignment else f"{head}/>")
        font_xml = []
        for name, size, bold, color in fonts:
            font_xml.append(
                "<font>"
                + ("<b/>" if bold else "")
                + f'<sz val="{size:g}"/>'
                + (f'<color rgb="{_rgb(color)}"/>' if color else "")
                + f'<name val="{escape(name)}"/>'
                + (
                    '<family val="2"/>'
                    if name.isascii()
                    else '<family val="3"/><charset val="134"/>'
                )
                + "</font>"
            )
        fill_xml = [
            f'<fill><patternFill patternType="{key}"/></fill>'
            if key in ("none", "gray125")
            else '<fill><patternFill patternType="solid">'
            f'<fgColor rgb="{_rgb(key)}"/><bgColor indexed="64"/></patternFill></fill>'
            for key in fills
        ]
        thin = "".join(
            f'<{side} style="thin"><color auto="1"/></{side}>'
            for side in ("left", "right", "top", "bottom")
        )
        border_xml = [
            f"<border>{thin}<diagonal/></border>"
            if key
            else "<border><left/><right/><top/><bottom/><diagonal/></border>"
            for key in borders
        ]
        format_xml = "".join(
            f'<numFmt numFmtId="{i}" formatCode="{escape(code)}"/>' for code, i in formats.items()
        )
        return (
            f'{XML_HEAD}<styleSheet xmlns="{MAIN_NS}">'
            + (f'<numFmts count="{len(formats)}">{format_xml}</numFmts>' if formats else "")
            + f'<fonts count="{len(font_xml)}">{"".join(font_xml)}</fonts>'
            + f'<fills count="{len(fill_xml)}">{"".join(fill_xml)}</fills>'
            + f'<borders count="{len(border_xml)}">{"".join(border_xml)}</borders>'
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
            + f'</cellStyleXfs><cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/>'
            + '</cellStyles><dxfs count="0"/><tableStyles count="0" '
            + 'defaultTableStyle="TableStyleMedium9" defaultPivotStyle="PivotStyleLight16"/>'
            + "</styleSheet>"
        )


# ----------------------------------------------------------------------------------------
# Sheets


def _column_width(width: float) -> float:
    """Characters of the default font → the stored width, as Excel (and XlsxWriter) compute it."""
    digit, padding = 7, 5
    if width < 1:
        return int(int(width * (digit + padding) + 0.5) / digit * 256) / 256
    return int((int(width * digit + 0.5) + padding) / digit * 256) / 256


def _quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


@dataclass
class PrintSetup:
    landscape: bool = True
    paper: int = 9  # A4
    fit_width: bool = True  # one page wide, as many pages tall as needed
    repeat_rows: tuple[int, int] | None = None  # 0-based, inclusive
    margins: tuple[float, float, float, float] = (0.4, 0.4, 0.5, 0.5)  # left right top bottom
    footer: str = ""  # Excel's codes: &C centre, &P page, &N pages


class Sheet:
    """One worksheet. Rows are written in order with `write_row(row_index, cells_xml)`; they go
    to a temporary file until the workbook is closed."""

    FLUSH_ROWS = 2000

    def __init__(
        self,
        name: str,
        widths: list[float],
        *,
        freeze_rows: int = 0,
        print_setup: PrintSetup | None = None,
        selected: bool = False,
    ):
        self.name = name
        self.widths = widths
        self.freeze_rows = freeze_rows
        self.print_setup = print_setup or PrintSetup()
        self.selected = selected
        self.merged: list[tuple[int, int, int, int]] = []
        self.autofilter: tuple[int, int, int, int] | None = None  # 0-based, inclusive
        self._buffer: list[str] = []
        self._last_row = -1
        self._file = tempfile.TemporaryFile(prefix="sheet-", suffix=".xml")

    def merge(self, first_row: int, first_col: int, last_row: int, last_col: int) -> None:
        self.merged.append((first_row, first_col, last_row, last_col))

    def write_row(self, row: int, cells: str, *, height: float | None = None) -> None:
        """Append row `row` (0-based) whose cells' XML names refs of row number row + 1."""
        if row <= self._last_row:
            raise ValueError(f"rows must be written in order: {row} after {self._last_row}")
        self._last_row = row
        if height is None:
            self._buffer.append(f'<row r="{row + 1}">{cells}</row>')
        else:
            self._buffer.append(
                f'<row r="{row + 1}" ht="{height:g}" customHeight="1">{cells}</row>'
            )
        if len(self._buffer) >= self.FLUSH_ROWS:
            self._flush()

    @property
    def last_row(self) -> int:
        return self._last_row

    def _flush(self) -> None:
        if self._buffer:
            self._file.write("".join(self._buffer).encode())
            self._buffer.clear()

    def _head(self) -> str:
        last_col = column_letter(len(self.widths) - 1)
        dimension = f"A1:{last_col}{max(self._last_row, 0) + 1}"
        selected = ' tabSelected="1"' if self.selected else ""
        if self.freeze_rows:
            top = f"A{self.freeze_rows + 1}"
            view = (
                f'<sheetView{selected} workbookViewId="0"><pane ySplit="{self.freeze_rows}" '
                f'topLeftCell="{top}" activePane="bottomLeft" state="frozen"/>'
                f'<selection pane="bottomLeft" activeCell="{top}" sqref="{top}"/></sheetView>'
            )
        else:
            view = f'<sheetView{selected} workbookViewId="0"/>'
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{_column_width(w)}" customWidth="1"/>'
            for i, w in enumerate(self.widths)
        )
        fit = (
            '<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>' if self.print_setup.fit_width else ""
        )
        return (
            f'{XML_HEAD}<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">{fit}'
            f'<dimension ref="{dimension}"/><sheetViews>{view}</sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
        )

    def _tail(self) -> str:
        parts = ["</sheetData>"]
        if self.autofilter:
            parts.append(f'<autoFilter ref="{_range(*self.autofilter)}"/>')
        if self.merged:
            cells = "".join(f'<mergeCell ref="{_range(*m)}"/>' for m in self.merged)
            parts.append(f'<mergeCells count="{len(self.merged)}">{cells}</mergeCells>')
        setup = self.print_setup
        left, right, top, bottom = setup.margins
        parts.append(
            f'<pageMargins left="{left}" right="{right}" top="{top}" bottom="{bottom}" '
            'header="0.3" footer="0.3"/>'
        )
        page = f'<pageSetup paperSize="{setup.paper}"'
        if setup.fit_width:
            page += ' fitToHeight="0"'
        page += f' orientation="{"landscape" if setup.landscape else "portrait"}"/>'
        parts.append(page)
        if setup.footer:
            parts.append(
                f"<headerFooter><oddFooter>{escape(setup.footer)}</oddFooter></headerFooter>"
            )
        parts.append("</worksheet>")
        return "".join(parts)

    def defined_names(self, index: int) -> list[tuple[str, int, str, bool]]:
        """(name, sheet index, formula, hidden) for the workbook part."""
        quoted = _quote_sheet(self.name)
        names = []
        if self.autofilter:
            r1, c1, r2, c2 = self.autofilter
            ref = f"${column_letter(c1)}${r1 + 1}:${column_letter(c2)}${r2 + 1}"
            names.append(("_xlnm._FilterDatabase", index, f"{quoted}!{ref}", True))
        if self.print_setup.repeat_rows:
            first, last = self.print_setup.repeat_rows
            names.append(("_xlnm.Print_Titles", index, f"{quoted}!${first + 1}:${last + 1}", False))
        return names

    def write_to(self, book: zipfile.ZipFile, member: str, moment: tuple) -> None:
        self._flush()
        head, tail = self._head().encode(), self._tail().encode()
        size = len(head) + self._file.tell() + len(tail)
        info = zipfile.ZipInfo(member, date_time=moment)
        info.compress_type = book.compression
        info.file_size = size
        self._file.seek(0)
        with book.open(info, "w", force_zip64=size >= zipfile.ZIP64_LIMIT) as out:
            out.write(head)
            shutil.copyfileobj(self._file, out, 1 << 20)
            out.write(tail)
        self.discard()

    def discard(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _range(r1: int, c1: int, r2: int, c2: int) -> str:
    return f"{column_letter(c1)}{r1 + 1}:{column_letter(c2)}{r2 + 1}"


# ----------------------------------------------------------------------------------------
# The workbook


class Workbook:
    """Sheets and styles; `close()` writes the .xlsx to a path or a binary file object.

    Use as a context manager, or call close(); `discard()` drops the temporary files unwritten.
    """

    def __init__(self, target, *, compresslevel: int = 6, creator: str = ""):
        self.target = target
        self.compresslevel = compresslevel
        self.creator = creator
        self.styles = Styles()
        self.sheets: list[Sheet] = []

    def add_sheet(self, name: str, widths: list[float], **options) -> Sheet:
        if len(name) > 31 or any(ch in name for ch in "[]:*?/\\") or not name:
            raise ValueError(f"bad sheet name: {name!r}")
        sheet = Sheet(name=name, widths=widths, selected=not self.sheets, **options)
        self.sheets.append(sheet)
        return sheet

    def __enter__(self):
        return self

    def __exit__(self, kind, value, traceback):
        if kind is None:
            self.close()
        else:
            self.discard()

    def discard(self) -> None:
        for sheet in self.sheets:
            sheet.discard()

    def close(self) -> None:
        now = datetime.now(UTC).replace(microsecond=0)
        moment = now.timetuple()[:6]
        with zipfile.ZipFile(
            self.target, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=self.compresslevel
        ) as book:

            def put(member: str, text: str) -> None:
                info = zipfile.ZipInfo(member, date_time=moment)
                info.compress_type = zipfile.ZIP_DEFLATED
                book.writestr(info, text.encode(), compresslevel=self.compresslevel)

            put("[Content_Types].xml", self._content_types())
            put("_rels/.rels", _RELS)
            put("docProps/app.xml", self._app())
            put("docProps/core.xml", self._core(now))
            put("xl/workbook.xml", self._workbook())
            put("xl/_rels/workbook.xml.rels", self._workbook_rels())
            put("xl/styles.xml", self.styles.xml())
            for i, sheet in enumerate(self.sheets, start=1):
                sheet.write_to(book, f"xl/worksheets/sheet{i}.xml", moment)

    def _content_types(self) -> str:
        main = "application/vnd.openxmlformats-officedocument.spreadsheetml"
        sheets = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{main}.worksheet+xml"/>'
            for i in range(1, len(self.sheets) + 1)
        )
        return (
            f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{main}.sheet.main+xml"/>'
            f'<Override PartName="/xl/styles.xml" ContentType="{main}.styles+xml"/>'
            f"{sheets}"
            '<Override PartName="/docProps/core.xml" '
            'ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>'
            '<Override PartName="/docProps/app.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>'
            "</Types>"
        )

    def _workbook(self) -> str:
        sheets = "".join(
            f'<sheet name="{escape(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, s in enumerate(self.sheets, start=1)
        )
        names = sorted(
            (name for i, s in enumerate(self.sheets) for name in s.defined_names(i)),
            key=lambda n: (n[0], n[1]),
        )
        defined = "".join(
            f'<definedName name="{name}" localSheetId="{index}"'
            + (' hidden="1"' if hidden else "")
            + f">{escape(formula)}</definedName>"
            for name, index, formula, hidden in names
        )
        return (
            f'{XML_HEAD}<workbook xmlns="{MAIN_NS}" xmlns:r="{REL_NS}"><workbookPr/>'
            '<bookViews><workbookView xWindow="240" yWindow="15" windowWidth="16095" '
            'windowHeight="9660" activeTab="0"/></bookViews>'
            f"<sheets>{sheets}</sheets>"
            + (f"<definedNames>{defined}</definedNames>" if defined else "")
            + '<calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>'
        )

    def _workbook_rels(self) -> str:
        kind = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{kind}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(self.sheets) + 1)
        )
        rels += (
            f'<Relationship Id="rId{len(self.sheets) + 1}" Type="{kind}/styles" '
            'Target="styles.xml"/>'
        )
        return f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">{rels}</Relationships>'

    def _app(self) -> str:
        return (
            f"{XML_HEAD}<Properties xmlns="
            '"http://schemas.openxmlformats.org/officeDocument/2006/extended-properties">'
            "<Application>Microsoft Excel</Application><DocSecurity>0</DocSecurity>"
            "<ScaleCrop>false</ScaleCrop></Properties>"
        )

    def _core(self, now: datetime) -> str:
        stamp = now.strftime("%Y-%m-%dT%H:%M:%SZ")
        return (
            f"{XML_HEAD}<cp:coreProperties "
            'xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
            'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
            'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
            'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
            f"<dc:creator>{escape(self.creator)}</dc:creator>"
            f'<dcterms:created xsi:type="dcterms:W3CDTF">{stamp}</dcterms:created>'
            f'<dcterms:modified xsi:type="dcterms:W3CDTF">{stamp}</dcterms:modified>'
            "</cp:coreProperties>"
        )


_RELS = (
    f'{XML_HEAD}<Relationships xmlns="{PKG_REL_NS}">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" '
    'Target="docProps/core.xml"/>'
    '<Relationship Id="rId3" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" '
    'Target="docProps/app.xml"/>'
    "</Relationships>"
)
