"""Evidence uploads are judged by their content, and get a safe name; no database.

How fast hostile files are refused is measured by bench/excel_safety_bench.py.
"""

import io
import struct
import tracemalloc
import zipfile
import zlib

import openpyxl
import pytest

from tracker.uploads import (
    MAX_EVIDENCE_BYTES,
    CheckedFile,
    RejectedFile,
    check_evidence,
    safe_filename,
)

NOT_ALLOWED = "只能上传照片（JPG、PNG）、PDF、Word 或 Excel 文件。"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- sample files, built in memory ---------------------------------------------------------


def jpeg() -> bytes:
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 64


def png() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    chunk = b"IHDR" + ihdr
    return (
        b"\x89PNG\r\n\x1a\n"
        + struct.pack(">I", len(ihdr))
        + chunk
        + struct.pack(">I", zlib.crc32(chunk))
    )


def pdf() -> bytes:
    return b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def ole2(directory_name: str = "") -> bytes:
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    return header + directory_name.encode("utf-16-le") + b"\x00" * 512


def office_zip(*names: str, extra: dict | None = None) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in names:
            archive.writestr(name, "<?xml version='1.0'?><x/>")
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buf.getvalue()


def docx() -> bytes:
    return office_zip("[Content_Types].xml", "_rels/.rels", "word/document.xml")


def xlsx() -> bytes:
    book = openpyxl.Workbook()
    book.active["A1"] = "隐患整改台账"
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def check(data: bytes, name: str, size: int | None = None) -> CheckedFile:
    return check_evidence(io.BytesIO(data), name, len(data) if size is None else size)


def refusal(data: bytes, name: str, size: int | None = None) -> str:
    with pytest.raises(RejectedFile) as caught:
        check(data, name, size)
    return str(caught.value)


@pytest.fixture(scope="module")
def zip_bomb() -> bytes:
    """30 MB of zeros pretending to be the body of a Word document; ~30 KB on disk."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * (30 * 1024 * 1024))
    return buf.getvalue()


# --- what is accepted ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name", "kind", "content_type", "safe_name"),
    [
        (jpeg(), "现场照片.jpg", "jpg", "image/jpeg", "现场照片.jpg"),
        (png(), "截图.png", "png", "image/png", "截图.png"),
        (pdf(), "整改报告.pdf", "pdf", "application/pdf", "整改报告.pdf"),
        (ole2("WordDocument"), "通知.doc", "doc", "application/msword", "通知.doc"),
        (ole2("Workbook"), "台账.xls", "xls", "application/vnd.ms-excel", "台账.xls"),
        (docx(), "方案.docx", "docx", DOCX_TYPE, "方案.docx"),
        (xlsx(), "台账.xlsx", "xlsx", XLSX_TYPE, "台账.xlsx"),
    ],
)
def test_each_accepted_kind_is_recognised_by_its_content(data, name, kind, content_type, safe_name):
    assert check(data, name) == CheckedFile(
        safe_name=safe_name, kind=kind, content_type=content_type
    )


def test_a_photo_named_jpeg_or_with_no_extension_is_fine():
    assert check(jpeg(), "现场.jpeg").safe_name == "现场.jpeg"
    assert check(jpeg(), "现场.JPG").safe_name == "现场.JPG"
    checked = check(jpeg(), "IMG_001")
    assert (checked.kind, checked.safe_name) == ("jpg", "IMG_001.jpg")


def test_the_name_gets_the_extension_of_the_real_content():
    assert check(pdf(), "整改报告.exe").safe_name == "整改报告.pdf"
    assert check(png(), "照片.jpg").safe_name == "照片.png"
    assert check(docx(), "方案.zip").safe_name == "方案.docx"
    assert check(xlsx(), "台账.xls").safe_name == "台账.xlsx"
    # A suffix that is not an extension is kept, and the real one appended.
    assert check(pdf(), "会议纪要2026.3").safe_name == "会议纪要2026.3.pdf"


def test_a_pdf_may_have_junk_before_its_header_but_not_too_much():
    assert check(b"\x00\x01garbage\r\n" + pdf(), "a.pdf").kind == "pdf"
    assert NOT_ALLOWED in refusal(b"x" * 1100 + pdf(), "a.pdf")


def test_an_old_office_file_without_a_telling_extension_is_judged_by_its_directory():
    assert check(ole2("WordDocument"), "通知").kind == "doc"
    assert check(ole2("Workbook"), "台账.bin").safe_name == "台账.xls"
    assert check(ole2("Book"), "excel95").kind == "xls"
    # The extension decides when it is .doc or .xls.
    assert check(ole2("Workbook"), "通知.doc").kind == "doc"


def test_an_old_office_file_that_is_neither_word_nor_excel_is_refused():
    assert NOT_ALLOWED in refusal(ole2("PowerPoint Document"), "幻灯片.ppt")


# --- what is refused -----------------------------------------------------------------------


def test_a_renamed_exe_is_refused():
    exe = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 56 + b"This program cannot be run in DOS mode."
    for name in ("报告.pdf", "照片.jpg", "setup.exe"):
        message = refusal(exe, name)
        assert message == f"文件「{name}」不是允许的类型。{NOT_ALLOWED}"


def test_an_exe_with_a_pdf_header_planted_near_its_start_is_refused():
    assert NOT_ALLOWED in refusal(b"MZ\x90\x00" + b"%PDF-1.4\n" + b"\x00" * 100, "x.pdf")


def test_html_named_jpg_is_refused():
    html = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    assert NOT_ALLOWED in refusal(html, "photo.jpg")
    # Even when it smuggles a PDF header into its first kilobyte.
    assert NOT_ALLOWED in refusal(b"<html><!-- %PDF-1.4 --></html>", "x.pdf")


def test_an_svg_named_png_is_refused():
    svg = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>'
    assert NOT_ALLOWED in refusal(svg, "图片.png")
    assert NOT_ALLOWED in refusal(b"\xef\xbb\xbf  " + svg, "图片.png")


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"GIF89a\x01\x00\x01\x00\x80\x00\x00", "动图.gif"),
        ("这是一段文字。".encode(), "说明.txt"),
        (b"#!/bin/sh\nrm -rf /\n", "run.sh"),
        (b"#!/bin/sh\n%PDF-1.4\n", "run.pdf"),
        (b"\x7fELF\x02\x01\x01", "a.jpg"),
    ],
)
def test_other_content_is_refused_with_the_list_of_what_is_accepted(data, name):
    assert refusal(data, name) == f"文件「{name}」不是允许的类型。{NOT_ALLOWED}"


def test_a_plain_zip_is_refused():
    assert NOT_ALLOWED in refusal(office_zip("readme.txt", "photos/1.jpg"), "材料.zip")
    assert NOT_ALLOWED in refusal(office_zip("readme.txt"), "材料.docx")


@pytest.mark.parametrize(
    "names",
    [
        ("META-INF/MANIFEST.MF", "com/example/Main.class"),  # .jar
        ("AndroidManifest.xml", "classes.dex", "META-INF/CERT.RSA"),  # .apk
        ("mimetype", "content.xml", "META-INF/manifest.xml"),  # .odt
        ("[Content_Types].xml", "ppt/presentation.xml"),  # .pptx
        ("word/document.xml",),  # no [Content_Types].xml
    ],
)
def test_other_zip_based_formats_are_refused(names):
    assert NOT_ALLOWED in refusal(office_zip(*names), "材料.docx")


def test_a_macro_enabled_document_renamed_docx_is_refused():
    data = office_zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")
    assert "宏" in refusal(data, "方案.docx")


def test_a_broken_zip_is_refused():
    message = refusal(docx()[:40], "方案.docx")
    assert message.startswith("文件「方案.docx」已损坏")


def test_a_zip_bomb_in_disguise_of_a_docx_is_refused_without_inflating_anything(
    zip_bomb, monkeypatch
):
    assert len(zip_bomb) < 100 * 1024
    opened = []
    original_open = zipfile.ZipFile.open

    def spy_open(archive, name, *args, **kwargs):
        opened.append(name)
        return original_open(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", spy_open)
    source = io.BytesIO(zip_bomb)
    tracemalloc.start()
    try:
        with pytest.raises(RejectedFile) as caught:
            check_evidence(source, "方案.docx", len(zip_bomb))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

    assert str(caught.value) == "文件「方案.docx」内容异常（压缩比过大），已拒绝。"
    assert opened == []  # judged by the central directory alone: no member was opened
    assert peak < 1024 * 1024  # the 30 MB body was never held in memory


def test_a_zip_declaring_over_200_mb_in_total_is_refused():
    data = bytearray(office_zip("[Content_Types].xml", "word/document.xml", "word/a.xml"))
    # Declare 90 MB for each entry in the central directory; nothing is ever unpacked.
    position = data.find(b"PK\x01\x02")
    while position != -1:
        data[position + 24 : position + 28] = struct.pack("<I", 90 * 1024 * 1024)
        position = data.find(b"PK\x01\x02", position + 4)
    assert "解压后过大" in refusal(bytes(data), "方案.docx")


def test_a_zip_with_over_10000_entries_is_refused():
    names = ["[Content_Types].xml", "word/document.xml"]
    names += [f"word/media/{i}.xml" for i in range(10_000)]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name in names:
            archive.writestr(name, "")
    assert "条目过多" in refusal(buf.getvalue(), "方案.docx")


def test_an_empty_file_is_refused():
    assert refusal(b"", "空白.pdf") == "文件「空白.pdf」是空文件。"


def test_a_file_over_20_mb_is_refused():
    message = refusal(pdf(), "大文件.pdf", size=20 * 1024 * 1024 + 1)
    assert message == "文件「大文件.pdf」超过 20 MB，请压缩后再上传。"
    assert check(pdf(), "刚好.pdf", size=MAX_EVIDENCE_BYTES).kind == "pdf"


def test_the_refusal_names_the_file_by_its_safe_name():
    assert refusal(b"", "C:\\temp\\<b>x.pdf") == "文件「_b_x.pdf」是空文件。"
    assert refusal(b"", "a\r\nb.pdf") == "文件「ab.pdf」是空文件。"


# --- the file position ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [(pdf(), "a.pdf"), (docx(), "a.docx"), (b"MZ" + b"\x00" * 100, "a.pdf"), (b"PK\x03\x04x", "a")],
)
def test_the_file_position_is_back_at_0_after_checking(data, name):
    fileobj = io.BytesIO(data)
    fileobj.seek(3)  # even if it did not start there
    try:
        check_evidence(fileobj, name, len(data))
    except RejectedFile:
        pass
    assert fileobj.tell() == 0
    assert fileobj.read() == data


def test_only_the_head_of_a_large_file_is_read():
    class CountingFile(io.BytesIO):
        most = 0

        def read(self, size=-1):
            chunk = super().read(size)
            CountingFile.most = max(CountingFile.most, len(chunk))
            return chunk

    data = pdf() + b"\x00" * (5 * 1024 * 1024)
    assert check_evidence(CountingFile(data), "大.pdf", len(data)).kind == "pdf"
    assert CountingFile.most <= 64 * 1024


# --- safe_filename -------------------------------------------------------------------------


def test_a_path_like_name_is_reduced_to_its_last_part():
    assert safe_filename("../../x.pdf") == "x.pdf"
    assert safe_filename("..\\..\\boot.ini") == "boot.ini"
    assert safe_filename("C:\\Users\\张三\\Desktop\\整改报告.docx") == "整改报告.docx"
    assert safe_filename("/etc/passwd") == "passwd"


def test_control_characters_are_dropped():
    assert safe_filename("a\r\nb.pdf") == "ab.pdf"
    assert safe_filename("a\x00b\tc.pdf") == "abc.pdf"


def test_a_right_to_left_override_cannot_disguise_the_extension():
    assert safe_filename("报告\u202efdp.exe") == "报告fdp.exe"


def test_unsafe_characters_become_underscores():
    assert safe_filename('a<b>c:d"e|f?g*h;i.pdf') == "a_b_c_d_e_f_g_h_i.pdf"


def test_whitespace_is_collapsed_and_leading_dots_are_stripped():
    assert safe_filename("  整改   报告\u3000 第一期 .pdf ") == "整改 报告 第一期 .pdf"
    assert safe_filename(".hidden.pdf") == "hidden.pdf"
    assert safe_filename("...  x.pdf") == "x.pdf"


def test_a_name_that_is_only_an_extension_becomes_wenjian_with_it():
    assert safe_filename("....pdf") == "文件.pdf"
    assert safe_filename(".pdf") == "文件.pdf"


def test_nothing_left_falls_back_to_wenjian():
    assert safe_filename("") == "文件"
    assert safe_filename("...") == "文件"
    assert safe_filename(" \r\n ") == "文件"
    assert safe_filename("../") == "文件"


def test_chinese_names_stay_as_they_are():
    assert safe_filename("关于安全生产隐患排查整改的报告（第二批）.pdf") == (
        "关于安全生产隐患排查整改的报告（第二批）.pdf"
    )


def test_a_long_name_is_cut_to_120_characters_keeping_the_extension():
    name = safe_filename("隐" * 300 + ".xlsx")
    assert len(name) == 120
    assert name == "隐" * 115 + ".xlsx"
    assert len(safe_filename("a" * 300)) == 120


def test_a_long_name_still_ends_with_the_real_extension_after_checking():
    checked = check(pdf(), "报" * 200 + ".exe")
    assert len(checked.safe_name) == 120
    assert checked.safe_name.endswith("报.pdf")


def test_a_name_the_parser_would_drop_is_refused_by_its_placeholder():
    from tracker.uploads import placeholder_name

    assert placeholder_name("整改报告.pdf", "整改报告.pdf") is None
    assert refusal(pdf(), placeholder_name("..", None)) == (
        "文件「..」的名称无效（不能只是“.”“..”或空白），请改名后重新上传。"
    )
    assert "文件「a/」的名称无效" in refusal(pdf(), placeholder_name("a/", None))


def test_a_name_over_1_kb_is_refused_showing_only_its_beginning():
    from tracker.uploads import placeholder_name

    sent = "很" * 400 + ".pdf"
    assert refusal(pdf(), placeholder_name(sent, sent)) == (
        f"文件「{'很' * 30}…」的名称过长（超过 1024 字节），请改短文件名后重新上传。"
    )
