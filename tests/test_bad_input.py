"""Bad input to the report form gets a clear message in Chinese and changes nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def post(login, world):
    client = login(world.staff_a)

    def _post(**data):
        payload = {"action": "report", "version": world.a_item.version}
        payload.update(data)
        return client.post(reverse("assignment_report", args=[world.a_item.pk]), payload)

    return _post


def assert_refused(response, world, message):
    assert response.status_code == 400
    assert message in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.version == 1 and world.a_item.history.count() == 1
    assert not world.a_item.evidence.exists()


@pytest.mark.parametrize(
    "value, message",
    [
        ("-1", "完成百分比不能小于 0"),
        ("101", "完成百分比不能大于 100"),
        ("abc", "完成百分比请填写 0 到 100 之间的整数"),
        ("50.5", "完成百分比请填写 0 到 100 之间的整数"),
    ],
)
def test_an_impossible_percent_is_explained(post, world, value, message):
    assert_refused(post(percent=value), world, message)


def test_full_width_digits_are_read_as_numbers(post, world):
    assert post(percent="５０").status_code == 302
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 50


def test_a_one_megabyte_note_is_refused_with_its_length(post, world):
    assert_refused(post(percent="10", note="隐" * 1_000_000), world, "进展说明不能超过 2000 字")


def test_an_empty_report_is_refused(post, world):
    assert_refused(post(), world, "请填写完成进度、进展说明或上传佐证材料")


@pytest.mark.parametrize(
    "name, content",
    [
        ("整改报告.pdf", b"MZ\x90\x00\x03\x00\x00\x00 this program cannot be run in DOS mode"),
        ("现场照片.jpg", b"<html><script>alert(1)</script></html>"),
        (
            "现场照片.png",
            b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        ),
    ],
)
def test_a_file_that_is_not_what_it_claims_is_refused(post, world, name, content):
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")
    assert_refused(post(percent="10", files=[upload]), world, "不是允许的类型")


def test_more_than_twenty_files_in_one_post_are_refused(post, world):
    files = [
        SimpleUploadedFile(f"p{i}.pdf", PDF, content_type="application/pdf") for i in range(101)
    ]
    assert_refused(post(percent="10", files=files), world, "一次最多上传 20 个文件")


def test_a_path_like_file_name_is_reduced_to_its_last_part(post, world):
    upload = SimpleUploadedFile("../../x.pdf", PDF, content_type="application/pdf")
    assert post(percent="10", files=[upload]).status_code == 302
    evidence = world.a_item.evidence.get()
    assert evidence.original_name == "x.pdf"
    assert ".." not in evidence.file.name and evidence.file.name.startswith("evidence/")


def test_an_empty_file_is_refused(post, world):
    upload = SimpleUploadedFile("空.pdf", b"", content_type="application/pdf")
    assert_refused(post(percent="10", files=[upload]), world, "空文件")


def test_a_stale_or_missing_version_is_not_a_500(post, world):
    response = post(percent="10", version="abc")
    assert response.status_code == 400
