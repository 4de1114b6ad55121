"""manage.py extract_directives FILE [--json] [--date YYYY-MM-DD]."""

import io
import json
import zipfile

import pytest
from django.core.management import CommandError, call_command

from tracker.models import Unit, UnitAlias

SPEECH = (
    "第一篇：县长在全县安全生产工作会议上的讲话\n"
    "一、全面开展隐患排查\n"
    "今天会议后，各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。\n"
    "县安监局要加强执法检查，年内再完成40家小微企业标准化创建。\n"
    "第二篇：副县长在消防工作会议上的讲话\n"
    "一、抓好消防安全\n"
    "大岭镇要开展消防安全检查。\n"
)


@pytest.fixture
def units(db):
    dept = Unit.objects.create(name="县应急管理局", short_name="应急局", kind="department")
    UnitAlias.objects.create(unit=dept, alias="安监局")
    Unit.objects.create(name="大岭镇", kind="township")
    Unit.objects.create(name="旧镇", kind="township", active=False)


def run(*args):
    out = io.StringIO()
    call_command("extract_directives", *args, stdout=out)
    return out.getvalue()


def test_it_prints_one_block_per_directive_with_position_themes_units_deadline_and_target(
    units, tmp_path
):
    path = tmp_path / "讲话.txt"
    path.write_text(SPEECH, encoding="utf-8")
    out = run(str(path), "--date", "2024-03-16")
    assert out.count("\n#") + out.startswith("#") == 3
    assert "第1篇 > 一、全面开展隐患排查" in out
    assert "时限：2024-03-31（本月底前） 立即办理" in out
    assert "单位：县应急管理局" in out
    assert "目标：40 家" in out
    assert "领域：隐患排查治理" in out
    assert "单位：大岭镇" in out
    assert "共 3 条部署要求。" in out


def test_json_output_is_a_list_with_offsets_into_the_text(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_bytes(SPEECH.encode("gbk"))
    found = json.loads(run(str(path), "--json", "--date", "2024-03-16"))
    assert [d["part"] for d in found] == [1, 1, 2]
    first = found[0]
    assert SPEECH[first["start"] : first["end"]] == first["text"]
    assert first["groups"] == ["township"]
    assert first["deadline"] == "2024-03-31" and first["immediate"] is True
    assert found[1]["units"] == [
        {"name": "县安监局", "unit": "县应急管理局", "group": None, "role": "responsible"}
    ]
    assert found[1]["named_units"] == ["县应急管理局"]
    assert found[1]["target"] == {"quantity": 40.0, "unit": "家"}
    assert found[1]["deadline"] == "2024-12-31"


def test_without_a_date_the_phrase_is_shown_but_not_resolved(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_text("各镇要在本月底前完成隐患排查。", encoding="utf-8")
    out = run(str(path))
    assert "本月底前（未给讲话日期，无法换算）" in out


def test_it_reads_a_docx(units, tmp_path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "word/document.xml",
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>大岭镇要开展消防安全检查。</w:t></w:r></w:p></w:body></w:document>",
        )
    path = tmp_path / "讲话.docx"
    path.write_bytes(buffer.getvalue())
    found = json.loads(run(str(path), "--json"))
    assert [[a["unit"] for a in d["units"]] for d in found] == [["大岭镇"]]


def test_a_speech_without_directives_says_so(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_text("同志们：\n在此，我代表县政府表示衷心的感谢！", encoding="utf-8")
    assert "没有找到部署要求" in run(str(path))
    assert json.loads(run(str(path), "--json")) == []


def test_inactive_units_are_not_labelled(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_text("旧镇要开展隐患排查。", encoding="utf-8")
    found = json.loads(run(str(path), "--json"))[0]
    assert found["named_units"] == []
    assert found["units"] == [{"name": "旧镇", "unit": None, "group": None, "role": "responsible"}]


def test_a_pdf_is_refused_with_a_chinese_message(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_bytes(b"%PDF-1.4\n...")
    with pytest.raises(CommandError, match="PDF"):
        run(str(path))


def test_an_empty_file_is_refused(units, tmp_path):
    path = tmp_path / "讲话.txt"
    path.write_bytes(b"")
    with pytest.raises(CommandError, match="文件是空的"):
        run(str(path))


def test_a_missing_file_is_refused(units, tmp_path):
    with pytest.raises(CommandError, match="找不到文件"):
        run(str(tmp_path / "none.txt"))


@pytest.mark.parametrize("value", ["2024-02-30", "2024/03/16", "三月"])
def test_a_bad_date_is_refused(units, tmp_path, value):
    path = tmp_path / "讲话.txt"
    path.write_text(SPEECH, encoding="utf-8")
    with pytest.raises(CommandError, match="日期格式不对"):
        run(str(path), "--date", value)


def test_every_actor_is_reported_with_its_unit_or_none_and_its_role(units, tmp_path):
    Unit.objects.create(name="县安委办", short_name="安委办", kind="other")
    Unit.objects.create(name="县气象局", short_name="气象局", kind="department")
    path = tmp_path / "讲话.txt"
    path.write_text(
        "县安委办要加强调度，气象局要加强预警预报，纪委监委要严肃追责。\n"
        "由县安委办牵头，会同各乡镇开展消防安全检查。",
        encoding="utf-8",
    )
    found = json.loads(run(str(path), "--json"))
    assert [[(a["name"], a["unit"], a["role"]) for a in d["units"]] for d in found] == [
        [("县安委办", "县安委办", "responsible")],
        [("气象局", "县气象局", "responsible")],
        [("纪委监委", None, "responsible")],
        [("县安委办", "县安委办", "lead"), ("各乡镇", None, "cooperate")],
    ]
    assert found[3]["units"][1]["group"] == "township"
    out = run(str(path))
    assert "责任方：纪委监委→未对应单位（责任）" in out
