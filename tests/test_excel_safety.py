"""inspect_xlsx: genuine workbooks pass with their facts; hostile files are refused early.

Every file is built here, in memory or in tmp_path: no binary fixtures. How fast the refusals
are is measured by bench/excel_safety_bench.py; the tests check how little is inflated and held.
"""

import io
import re
import struct
import tracemalloc
import warnings
import zipfile

import openpyxl
import pytest
import xlsxwriter

from tracker.excel.safety import Inspection, UnsafeWorkbook, inspect_xlsx

SHEET = "xl/worksheets/sheet1.xml"
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"

PDF = "这是 PDF 文件，不是 Excel 工作簿（.xlsx）。"
OLE = "这是旧版 .xls（或加密的）文件，请在 Excel 中“另存为” .xlsx 后再上传。"
RENAMED = "文件不是 .xlsx 工作簿（可能是其他文件改了扩展名）。"
CORRUPT = "文件不完整或已损坏，无法打开。请在 Excel 中重新保存后再上传。"
MACRO = "工作簿含有宏（.xlsm），为安全起见已拒绝。请另存为不含宏的 .xlsx。"
NOT_XLSX = "文件不是 .xlsx 工作簿。"
BOMB = "文件解压后异常巨大（疑似压缩炸弹），已拒绝。"
XML = "工作簿含有不安全的 XML 内容（DTD、实体或外部引用），已拒绝。"
NO_SHEET = "工作簿中没有工作表。"

XXE = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']>\n<sst xmlns="'
    + NS.encode()
    + b'" count="1" uniqueCount="1"><si><t>&lol9;</t></si></sst>'
)


# -- building workbooks ----------------------------------------------------------------------


def openpyxl_bytes(rows: int = 2, *, title: str = "任务") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for r in range(1, rows + 1):
        ws.cell(row=r, column=1, value=r)
        ws.cell(row=r, column=2, value=f"事项{r}")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def rebuild(data: bytes, *, replace=None, add=None, drop=()) -> bytes:
    """The workbook's members with some replaced, added or dropped, zipped again."""
    parts = {name: body for name, body in members(data).items() if name not in drop}
    parts.update(replace or {})
    parts.update(add or {})
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in parts.items():
            zf.writestr(name, body)
    return out.getvalue()


def sheet_xml(rows: str, *, dimension: str = "A1:C3", prolog: bytes = b"") -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        + prolog
        + f'<worksheet xmlns="{NS}"><dimension ref="{dimension}"/>'
        f"<sheetData>{rows}</sheetData></worksheet>".encode()
    )


def numbered_rows(count: int) -> str:
    return "".join(f'<row r="{r}"><c r="A{r}"><v>{r}</v></c></row>' for r in range(1, count + 1))


def with_doctype(xml: bytes, doctype: bytes = XXE) -> bytes:
    """The XML with a DTD inserted just before its root element."""
    match = re.search(rb"<[A-Za-z]", xml)
    return xml[: match.start()] + doctype + xml[match.start() :]


def patch_declared_size(data: bytes, member: str, size: int) -> bytes:
    """Forge the uncompressed size of one member, in its local header and central directory."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        local = zf.getinfo(member).header_offset
    patched = bytearray(data)
    assert patched[local : local + 4] == b"PK\x03\x04"
    struct.pack_into("<L", patched, local + 22, size)
    found = False
    pos = patched.find(b"PK\x01\x02")
    while pos >= 0:
        (name_len,) = struct.unpack_from("<H", patched, pos + 28)
        if patched[pos + 46 : pos + 46 + name_len] == member.encode():
            struct.pack_into("<L", patched, pos + 24, size)
            found = True
        pos = patched.find(b"PK\x01\x02", pos + 4)
    assert found
    return bytes(patched)


def refusal(data: bytes, **limits) -> str:
    with pytest.raises(UnsafeWorkbook) as caught:
        inspect_xlsx(io.BytesIO(data), **limits)
    return str(caught.value)


@pytest.fixture(scope="module")
def bomb(tmp_path_factory) -> bytes:
    """A valid workbook whose sheet inflates to 300 MB, written by streaming 1 MB at a time."""
    path = tmp_path_factory.mktemp("bomb") / "bomb.xlsx"
    genuine = members(openpyxl_bytes())
    row = b'<row r="1"><c r="A1"><v>1</v></c></row>'
    chunk = row * (1024 * 1024 // len(row))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, body in genuine.items():
            if name != SHEET:
                zf.writestr(name, body)
        with zf.open(SHEET, "w") as sheet:
            sheet.write(f'<?xml version="1.0"?><worksheet xmlns="{NS}"><sheetData>'.encode())
            for _ in range(300):
                sheet.write(chunk)
            sheet.write(b"</sheetData></worksheet>")
    return path.read_bytes()


@pytest.fixture
def inflated(monkeypatch) -> dict[str, int]:
    """Decompressed bytes handed out so far, per zip member, by every ZipExtFile.read."""
    counts: dict[str, int] = {}
    original = zipfile.ZipExtFile.read

    def read(self, n=-1):
        data = original(self, n)
        counts[self.name] = counts.get(self.name, 0) + len(data)
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", read)
    return counts


def refused_and_measured(data: bytes) -> tuple[str, int]:
    """The refusal message and the peak traced memory in bytes while inspecting."""
    source = io.BytesIO(data)
    tracemalloc.start()
    try:
        with pytest.raises(UnsafeWorkbook) as caught:
            inspect_xlsx(source)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return str(caught.value), peak


# -- genuine workbooks -----------------------------------------------------------------------


def test_an_openpyxl_workbook_passes_with_its_formula_cell_rows_and_sheets_in_order():
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "任务分解表"
    ws["A1"], ws["A2"] = 1, 2
    ws["C5"] = "=SUM(A1:A2)"
    wb.create_sheet("填报说明")["A1"] = "请如实填报"
    out = io.BytesIO()
    wb.save(out)

    inspection = inspect_xlsx(out)

    assert isinstance(inspection, Inspection)
    assert [s.name for s in inspection.sheets] == ["任务分解表", "填报说明"]
    first, second = inspection.sheets
    assert first.path == SHEET
    assert first.formula_cells == {"C5"}
    assert first.rows == 3  # rows 1, 2 and 5
    assert second.rows == 1
    assert second.formula_cells == set()


def test_an_xlsxwriter_workbook_passes_with_its_rows_and_formulas(tmp_path):
    path = tmp_path / "回执.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    first = wb.add_worksheet("回执")
    for r in range(4):
        first.write_row(r, 0, [f"单位{r}", r, r * 2])
    first.write_formula("D4", "=B4+C4")
    wb.add_worksheet("空表")
    wb.close()

    inspection = inspect_xlsx(path)

    assert [(s.name, s.rows) for s in inspection.sheets] == [("回执", 4), ("空表", 0)]
    assert inspection.sheets[0].formula_cells == {"D4"}
    assert inspect_xlsx(str(path)) == inspection


def test_a_file_like_source_is_rewound_to_the_start_whether_accepted_or_refused():
    source = io.BytesIO(openpyxl_bytes())
    source.seek(123)
    inspect_xlsx(source)
    assert source.tell() == 0

    source.seek(0, 2)
    with pytest.raises(UnsafeWorkbook):
        inspect_xlsx(source, max_rows=1)
    assert source.tell() == 0


def test_rows_up_to_the_limit_pass_and_one_more_is_refused_with_the_sheet_name():
    assert (
        inspect_xlsx(io.BytesIO(openpyxl_bytes(20, title="名单")), max_rows=20).sheets[0].rows == 20
    )

    message = refusal(openpyxl_bytes(21, title="名单"), max_rows=20)

    assert message == "工作表「名单」超过 20 行的上限，请拆分后再导入。"


def test_a_sheet_claiming_three_rows_but_holding_2500_is_caught_by_the_real_count():
    data = rebuild(openpyxl_bytes(), replace={SHEET: sheet_xml(numbered_rows(2500))})

    assert refusal(data, max_rows=2000) == "工作表「任务」超过 2000 行的上限，请拆分后再导入。"


def test_a_sheet_claiming_the_whole_grid_but_holding_five_rows_passes_with_five():
    xml = sheet_xml(numbered_rows(5), dimension="A1:XFD1048576")
    data = rebuild(openpyxl_bytes(), replace={SHEET: xml})

    assert inspect_xlsx(io.BytesIO(data), max_rows=10).sheets[0].rows == 5


def test_rows_and_formulas_split_across_chunk_boundaries_are_all_counted():
    # About 3 MB of sheet: tags and cells straddle the 1 MB chunks.
    rows = "".join(
        f'<row r="{r}" spans="1:2"><c r="A{r}"><v>{r}</v></c>'
        f'<c r="B{r}"><f>A{r}*2</f><v>{2 * r}</v></c></row>'
        for r in range(1, 40_001)
    )
    data = rebuild(openpyxl_bytes(), replace={SHEET: sheet_xml(rows)})

    facts = inspect_xlsx(io.BytesIO(data)).sheets[0]

    assert facts.rows == 40_000
    assert facts.formula_cells == {f"B{r}" for r in range(1, 40_001)}


def test_formula_cells_without_r_attributes_get_their_implied_positions():
    rows = "<row><c><v>1</v></c><c><f>A1+1</f><v>2</v></c></row><row/><row><c/><c/><c><f>1</f></c></row>"
    data = rebuild(openpyxl_bytes(), replace={SHEET: sheet_xml(rows)})

    facts = inspect_xlsx(io.BytesIO(data)).sheets[0]

    assert facts.rows == 3
    assert facts.formula_cells == {"B1", "C3"}


def test_a_sheet_written_with_a_namespace_prefix_is_counted_too():
    xml = (
        f'<x:worksheet xmlns:x="{NS}"><x:sheetData>'
        '<x:row r="1"><x:c r="A1"><x:f>1+1</x:f><x:v>2</x:v></x:c></x:row>'
        '<x:row r="2"><x:c r="A2"><x:v>3</x:v></x:c></x:row>'
        "</x:sheetData></x:worksheet>"
    ).encode()
    data = rebuild(openpyxl_bytes(), replace={SHEET: xml})

    facts = inspect_xlsx(io.BytesIO(data), max_rows=5).sheets[0]

    assert (facts.rows, facts.formula_cells) == (2, {"A1"})
    assert refusal(data, max_rows=1).startswith("工作表「任务」超过 1 行")


# -- not a workbook at all -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", PDF),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504, OLE),
        ("单位,完成情况\n城关镇,已完成\n".encode(), RENAMED),
        (b"", RENAMED),
    ],
    ids=["pdf", "ole2-xls", "text", "empty"],
)
def test_other_files_renamed_to_xlsx_are_named_for_what_they_are(tmp_path, content, message):
    path = tmp_path / "上报.xlsx"
    path.write_bytes(content)

    with pytest.raises(UnsafeWorkbook) as caught:
        inspect_xlsx(path)

    assert str(caught.value) == message


def test_the_first_half_of_a_workbook_is_refused_as_incomplete():
    data = openpyxl_bytes(50)

    assert refusal(data[: len(data) // 2]) == CORRUPT


def test_a_zip_without_a_workbook_part_is_not_an_xlsx():
    data = rebuild(openpyxl_bytes(), drop={"xl/workbook.xml"})

    assert refusal(data) == NOT_XLSX


def test_a_workbook_listing_no_sheet_is_refused():
    wb = members(openpyxl_bytes())["xl/workbook.xml"]
    empty = re.sub(rb"<sheets>.*</sheets>", b"<sheets/>", wb, flags=re.S)
    assert empty != wb

    assert refusal(rebuild(openpyxl_bytes(), replace={"xl/workbook.xml": empty})) == NO_SHEET


# -- hostile archives ------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["../../evil.xml", "xl/../../evil.xml", "/etc/cron.d/evil"])
def test_member_names_escaping_the_archive_are_refused(name):
    data = rebuild(openpyxl_bytes(), add={name: b"<x/>"})

    assert "不安全" in refusal(data)


def test_two_members_with_the_same_name_are_refused():
    out = io.BytesIO(openpyxl_bytes())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about the duplicate, as it should
        with zipfile.ZipFile(out, "a") as zf:
            zf.writestr(SHEET, sheet_xml(numbered_rows(10)))

    assert "不安全" in refusal(out.getvalue())


def test_more_members_than_allowed_are_refused():
    data = openpyxl_bytes()
    count = len(members(data))

    inspect_xlsx(io.BytesIO(data), max_members=count)
    assert "过多" in refusal(data, max_members=count - 1)


def test_a_vba_project_member_is_refused_as_a_macro_workbook():
    data = rebuild(openpyxl_bytes(), add={"xl/vbaProject.bin": b"\xd0\xcf\x11\xe0 fake vba"})

    assert refusal(data) == MACRO


def test_a_macro_enabled_content_type_is_refused_as_a_macro_workbook():
    types = members(openpyxl_bytes())["[Content_Types].xml"]
    macro = types.replace(
        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
    )
    assert macro != types

    assert refusal(rebuild(openpyxl_bytes(), replace={"[Content_Types].xml": macro})) == MACRO


def test_a_300_mb_sheet_bomb_is_refused_by_its_declared_size_before_the_sheet_is_inflated(
    bomb, inflated
):
    assert len(bomb) < 3 * 1024 * 1024  # the test file itself stays small

    message, peak = refused_and_measured(bomb)

    assert message == BOMB
    assert SHEET not in inflated  # the sheet was never opened, let alone inflated
    assert sum(inflated.values()) < 64 * 1024  # only small parts (content types) were read
    assert peak < 1024 * 1024


def test_the_bomb_with_a_forged_small_size_is_stopped_one_byte_past_its_declared_size(
    bomb, inflated
):
    forged = patch_declared_size(bomb, SHEET, 1000)

    message, peak = refused_and_measured(forged)

    assert message == BOMB
    # Streaming stops at the first byte beyond the declared 1000: not one more chunk is inflated.
    assert inflated[SHEET] == 1001
    assert peak < 10 * 1024 * 1024


def test_a_bomb_under_the_ratio_rule_is_caught_by_the_total_size_limit(bomb):
    assert refusal(bomb, max_ratio=10_000, max_total_bytes=100 * 1024 * 1024) == BOMB


def test_a_genuine_workbook_with_a_forged_sheet_size_is_refused_with_a_user_message():
    data = openpyxl_bytes(200)

    for size in (10, 10**6):  # declared smaller, then larger, than the real data
        with pytest.raises(UnsafeWorkbook) as caught:
            inspect_xlsx(io.BytesIO(patch_declared_size(data, SHEET, size)))
        assert str(caught.value) in {BOMB, CORRUPT}


def test_an_oversized_small_part_is_refused_as_a_bomb():
    styles = members(openpyxl_bytes())["xl/styles.xml"]
    padded = styles.replace(b"<fonts", b"<!--" + b" " * (6 * 1024 * 1024) + b"--><fonts", 1)

    assert refusal(rebuild(openpyxl_bytes(), replace={"xl/styles.xml": padded})) == BOMB


# -- hostile XML -----------------------------------------------------------------------------


def test_billion_laughs_in_the_shared_strings_is_refused():
    out = io.BytesIO()
    wb = xlsxwriter.Workbook(out)
    wb.add_worksheet("任务").write("A1", "城关镇")
    wb.close()
    data = out.getvalue()
    assert inspect_xlsx(io.BytesIO(data)).sheets[0].rows == 1
    assert "xl/sharedStrings.xml" in members(data)

    assert refusal(rebuild(data, replace={"xl/sharedStrings.xml": LAUGHS})) == XML


def test_an_external_entity_in_the_workbook_part_is_refused():
    wb = members(openpyxl_bytes())["xl/workbook.xml"]

    assert refusal(rebuild(openpyxl_bytes(), replace={"xl/workbook.xml": with_doctype(wb)})) == XML


def test_an_external_entity_in_a_worksheet_is_refused():
    xml = with_doctype(
        sheet_xml('<row r="1"><c r="A1" t="inlineStr"><is><t>&e;</t></is></c></row>')
    )

    assert refusal(rebuild(openpyxl_bytes(), replace={SHEET: xml})) == XML


def test_a_doctype_hidden_behind_70_kb_of_comment_is_refused():
    prolog = b"<!--" + b"x" * (70 * 1024) + b"-->" + XXE
    xml = sheet_xml(numbered_rows(1), prolog=prolog)

    assert refusal(rebuild(openpyxl_bytes(), replace={SHEET: xml})) == XML


def test_a_doctype_in_a_utf16_worksheet_is_refused():
    xml = with_doctype(sheet_xml(numbered_rows(1))).decode().replace("UTF-8", "UTF-16")
    utf16 = xml.encode("utf-16")  # with a byte-order mark

    assert refusal(rebuild(openpyxl_bytes(), replace={SHEET: utf16})) == XML


def test_a_clean_utf16_worksheet_passes_with_its_rows_counted():
    xml = sheet_xml(numbered_rows(3)).decode().replace("UTF-8", "UTF-16")

    data = rebuild(openpyxl_bytes(), replace={SHEET: xml.encode("utf-16")})

    assert inspect_xlsx(io.BytesIO(data)).sheets[0].rows == 3


def test_comments_and_processing_instructions_before_the_root_are_harmless():
    prolog = '<!-- 县安委办制表 -->\n<?mso-application progid="Excel.Sheet"?>\n'.encode()
    data = rebuild(openpyxl_bytes(), replace={SHEET: sheet_xml(numbered_rows(4), prolog=prolog)})

    assert inspect_xlsx(io.BytesIO(data)).sheets[0].rows == 4
