"""Reading uploaded speeches: encodings, Word documents, and files that are not speeches."""

import io
import zipfile

import pytest

from checklist.extract import SpeechFileError, read_speech
from checklist.speech_text import matching_text

SPEECH = "同志们：\n各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。\n"


def docx(body_xml: str, extra: dict | None = None, compress=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compress) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body>{body_xml}</w:body></w:document>",
        )
        for name, data in (extra or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def paragraph(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def test_it_reads_utf8():
    assert read_speech(SPEECH.encode("utf-8"), "讲话.txt") == SPEECH


def test_it_drops_a_utf8_bom():
    assert read_speech(b"\xef\xbb\xbf" + SPEECH.encode("utf-8")) == SPEECH


def test_it_reads_gbk_text():
    assert read_speech(SPEECH.encode("gbk"), "讲话.txt") == SPEECH


def test_it_reads_gb18030_text():
    assert read_speech(SPEECH.encode("gb18030")) == SPEECH


def test_it_reads_utf16_with_a_bom():
    assert read_speech(SPEECH.encode("utf-16")) == SPEECH


def test_windows_line_ends_become_newlines():
    assert read_speech(SPEECH.replace("\n", "\r\n").encode("gbk")) == SPEECH


@pytest.mark.parametrize("data", [b"", b"   \r\n\t ", b"\xef\xbb\xbf\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(SpeechFileError, match="空"):
        read_speech(data, "空.txt")


def test_a_binary_file_is_refused():
    with pytest.raises(SpeechFileError, match="二进制"):
        read_speech(bytes(range(256)) * 8, "讲话.txt")


def test_random_bytes_that_happen_to_decode_are_refused():
    noise = bytes((i * 37 + 11) % 256 for i in range(4000) if (i * 37 + 11) % 256 > 0x1F)
    with pytest.raises(SpeechFileError):
        read_speech(noise, "讲话.txt")


def test_a_pdf_renamed_to_txt_is_refused_with_advice():
    with pytest.raises(SpeechFileError, match="PDF"):
        read_speech(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "讲话.txt")


def test_an_executable_is_refused():
    with pytest.raises(SpeechFileError, match="可执行"):
        read_speech(b"MZ\x90\x00\x03" + b"\x00" * 100, "讲话.docx")


def test_an_old_word_file_is_refused_with_advice():
    with pytest.raises(SpeechFileError, match="docx"):
        read_speech(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "讲话.doc")


def test_a_docx_name_on_plain_text_is_refused():
    with pytest.raises(SpeechFileError, match="不是 Word"):
        read_speech(SPEECH.encode("utf-8"), "讲话.docx")


def test_it_reads_the_paragraphs_of_a_docx_as_lines():
    data = docx(paragraph("同志们：") + paragraph("各镇要开展隐患排查，本月底前完成。"))
    assert read_speech(data, "讲话.docx") == "同志们：\n各镇要开展隐患排查，本月底前完成。"


def test_runs_of_one_paragraph_are_joined():
    data = docx("<w:p><w:r><w:t>各镇要开展</w:t></w:r><w:r><w:t>隐患排查。</w:t></w:r></w:p>")
    assert read_speech(data, "讲话.docx") == "各镇要开展隐患排查。"


def test_a_zip_bomb_docx_is_refused_by_its_ratio():
    data = docx(paragraph("安" * 3_000_000))
    with pytest.raises(SpeechFileError, match="压缩"):
        read_speech(data, "讲话.docx")


def test_a_docx_whose_text_is_too_large_is_refused():
    data = docx(paragraph("".join(chr(0x4E00 + (i * 7919) % 20000) for i in range(7_500_000))))
    with pytest.raises(SpeechFileError, match="过大"):
        read_speech(data, "讲话.docx")


def test_an_xml_entity_bomb_in_a_docx_is_refused():
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:body><w:p><w:r><w:t>&lol2;</w:t></w:r></w:p></w:body></w:document>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", bomb)
    with pytest.raises(SpeechFileError, match="不安全"):
        read_speech(buffer.getvalue(), "讲话.docx")


def test_a_macro_document_is_refused():
    data = docx(paragraph("各镇要开展隐患排查。"), {"word/vbaProject.bin": b"\x00" * 10})
    with pytest.raises(SpeechFileError, match="宏"):
        read_speech(data, "讲话.docm")


def test_an_excel_workbook_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("xl/workbook.xml", "<workbook/>")
    with pytest.raises(SpeechFileError, match="Excel"):
        read_speech(buffer.getvalue(), "讲话.xlsx")


def test_any_other_zip_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    with pytest.raises(SpeechFileError, match="压缩包"):
        read_speech(buffer.getvalue(), "讲话.zip")


def test_a_damaged_docx_is_refused():
    data = docx(paragraph("各镇要开展隐患排查。"))
    with pytest.raises(SpeechFileError, match="损坏"):
        read_speech(data[:60], "讲话.docx")


def test_the_matching_text_keeps_every_offset():
    original = "各鎮要對轄區開展隱患排查，４０家企業在本月底前完成(整改)!"
    matched = matching_text(original)
    assert len(matched) == len(original)
    assert matched == "各镇要对辖区开展隐患排查，40家企业在本月底前完成（整改）！"


def test_the_matching_text_leaves_simplified_text_alone():
    text = "呼吁各镇著力排查隐患，后续整改。"
    assert matching_text(text) == text
