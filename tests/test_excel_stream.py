"""The streaming .xlsx writer: text is safe and exact, and the package opens the way other
programs read it (openpyxl in both modes, calamine, our own upload checks)."""

import io
import zipfile
from datetime import date, datetime
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from tracker.excel.safety import inspect_xlsx
from tracker.excel.xlsx_stream import (
    CUT_AT,
    CUT_MARK,
    MAX_CELL,
    PrintSetup,
    Workbook,
    clean_text,
    column_letter,
    date_serial,
    datetime_serial,
    escape,
    text_cells,
)


def test_column_letters_run_past_z():
    assert [column_letter(i) for i in (0, 25, 26, 51, 701, 702)] == [
        "A", "Z", "AA", "AZ", "ZZ", "AAA",
    ]  # fmt: skip


def test_serial_numbers_match_excels_1900_system():
    assert date_serial(date(2026, 12, 1)) == 46357
    assert datetime_serial(datetime(2026, 12, 1, 18, 0)) == 46357.75


def test_control_characters_and_non_characters_are_removed_and_tabs_and_newlines_kept():
    assert clean_text("a\x00b\x07c\x1b\x7fd\ufffe\uffffe\ud800") == "abcde"
    assert clean_text("a\tb\nc\rd") == "a\tb\nc\rd"
    assert clean_text(None) == ""


def test_over_long_text_is_cut_visibly_counting_utf16_units_as_excel_does():
    assert clean_text("长" * MAX_CELL) == "长" * MAX_CELL
    cut = clean_text("长" * 40_000)
    assert cut == "长" * CUT_AT + CUT_MARK
    emoji = clean_text("😀" * 20_000)  # 40,000 UTF-16 units in 20,000 characters
    assert emoji.endswith(CUT_MARK) and len(emoji.encode("utf-16-le")) // 2 <= MAX_CELL


def test_markup_and_excels_own_escapes_are_escaped():
    assert escape('<a href="x">&</a>') == "&lt;a href=&quot;x&quot;&gt;&amp;&lt;/a&gt;"
    assert escape("_x0041_ and _xZZZZ_") == "_x005F_x0041_ and _xZZZZ_"


def test_text_that_looks_like_a_formula_gets_the_quoted_style():
    cell = text_cells(5, 6)
    assert cell("=1+1") == ' s="6" t="inlineStr"><is><t>=1+1</t></is>'
    assert cell("\t=1+1").startswith(' s="6"')
    assert cell("安全") == ' s="5" t="inlineStr"><is><t>安全</t></is>'
    assert (
        cell(" 前后空格 ") == ' s="5" t="inlineStr"><is><t xml:space="preserve"> 前后空格 </t></is>'
    )
    assert cell("") == ' s="5">'


HOSTILE = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1)",
    "\t=1+1",
    "<script>&amp;</script>",
    "_x0041_",
    " 两头空格 ",
    "第一行\n第二行",
    "坏\x00字\x1b符",
]


def small_book(target):
    book = Workbook(target)
    text = book.styles.add(font_name="宋体", border=True, wrap=True)
    quoted = book.styles.add(font_name="宋体", border=True, wrap=True, quote_prefix=True)
    day = book.styles.add(num_format="yyyy-mm-dd")
    fill = book.styles.add(bg_color="#F8CBAD", bold=True)
    sheet = book.add_sheet(
        "明细 ' 表",
        [10, 40, 12],
        freeze_rows=3,
        print_setup=PrintSetup(repeat_rows=(2, 2), footer="&C第 &P 页"),
    )
    cell = text_cells(text, quoted)
    sheet.write_row(0, f'<c r="A1"{cell("标题")}</c>', height=26)
    sheet.merge(0, 0, 0, 2)
    sheet.write_row(2, f'<c r="A3"{cell("文字")}</c><c r="B3"{cell("日期")}</c>')
    for i, value in enumerate(HOSTILE):
        n = i + 4
        sheet.write_row(
            n - 1,
            f'<c r="A{n}"{cell(value)}</c><c r="B{n}" s="{day}"><v>{date_serial(date(2026, 12, 1))}</v>'
            f'</c><c r="C{n}" s="{fill}"><v>{i}</v></c>',
        )
    sheet.autofilter = (2, 0, 2 + len(HOSTILE), 2)
    other = book.add_sheet("第二页", [8])
    other.write_row(0, '<c r="A1" s="0"><v>1.5</v></c>')
    book.close()


@pytest.fixture
def data():
    buffer = io.BytesIO()
    small_book(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize("read_only", [False, True])
def test_openpyxl_reads_every_value_exactly_in_both_modes(data, read_only):
    book = load_workbook(io.BytesIO(data), read_only=read_only)
    assert book.sheetnames == ["明细 ' 表", "第二页"]
    ws = book["明细 ' 表"]
    rows = list(ws.iter_rows(min_row=4, values_only=True))
    # openpyxl does not undo Excel's _x005F_ escape in inline strings; Excel and calamine do.
    expected = [clean_text(v).replace("_x0041_", "_x005F_x0041_") for v in HOSTILE]
    assert [r[0] for r in rows] == expected
    assert {r[1] for r in rows} == {datetime(2026, 12, 1)}
    assert [r[2] for r in rows] == list(range(len(HOSTILE)))
    assert book["第二页"]["A1"].value == 1.5


def test_the_layout_is_what_a_printed_bulletin_needs(data):
    ws = load_workbook(io.BytesIO(data))["明细 ' 表"]
    assert ws.freeze_panes == "A4"
    assert ws.auto_filter.ref == f"A3:C{3 + len(HOSTILE)}"
    assert ws.print_title_rows == "$3:$3"
    assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToHeight == 0
    assert ws.oddFooter.center.text == "第 &P 页"
    assert [str(r) for r in ws.merged_cells.ranges] == ["A1:C1"]
    assert ws.column_dimensions["B"].width == pytest.approx(40.71, abs=0.01)
    assert ws.row_dimensions[1].height == 26
    assert ws["A1"].font.name == "宋体" and ws["A4"].border.left.style == "thin"
    assert ws["A4"].quotePrefix and not ws["A9"].quotePrefix  # "=cmd…" and "<script>…"
    assert ws["C4"].fill.fgColor.rgb == "FFF8CBAD" and ws["C4"].font.b
    assert ws["B4"].number_format == "yyyy-mm-dd"


def test_calamine_reads_it_and_undoes_excels_escape(data):
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    rows = book.get_sheet_by_name("明细 ' 表").to_python()
    assert [r[0] for r in rows[3:]] == [clean_text(v) for v in HOSTILE]


def test_the_package_passes_our_own_upload_checks_and_every_part_is_well_formed(data):
    inspection = inspect_xlsx(io.BytesIO(data), max_rows=1000)
    assert [s.name for s in inspection.sheets] == ["明细 ' 表", "第二页"]
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        assert package.testzip() is None
        for name in package.namelist():
            ElementTree.fromstring(package.read(name))  # raises on malformed XML
        workbook = package.read("xl/workbook.xml").decode()
    assert "&apos;明细 &apos;&apos; 表&apos;!$3:$3" in workbook or "'明细 '' 表'!$3:$3" in workbook


def test_a_failed_export_leaves_no_file_behind(tmp_path):
    target = tmp_path / "x.xlsx"
    with pytest.raises(RuntimeError), Workbook(target) as book:
        book.add_sheet("a", [8]).write_row(0, '<c r="A1"><v>1</v></c>')
        raise RuntimeError("the database went away")
    assert not target.exists()


def test_rows_must_come_in_order():
    book = Workbook(io.BytesIO())
    sheet = book.add_sheet("a", [8])
    sheet.write_row(3, "")
    with pytest.raises(ValueError):
        sheet.write_row(3, "")
    book.discard()
