"""The report form refuses, naming the file or field, what it could not keep as sent: an evidence
name that is only dots or too long, and invisible characters in a note. Nothing is saved."""

import pytest
from django.test import Client
from django.urls import reverse

from tracker.models import Evidence, StatusUpdate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
BOUNDARY = "evidence-names-boundary"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def multipart(fields: dict, files: list[tuple[str, bytes]]) -> bytes:
    """The body a browser sends; built by hand, since Django's test client cleans file names."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    for name, data in files:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; filename="{name}"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{BOUNDARY}--\r\n".encode())
    return b"".join(parts)


def post_files(client, world, files, **fields):
    url = reverse("assignment_report", args=[world.a_item.pk])
    data = {"action": "report", "version": world.a_item.version, "note": "已排查", **fields}
    return client.post(
        url, multipart(data, files), content_type=f"multipart/form-data; boundary={BOUNDARY}"
    )


def refusals(response) -> str:
    return " ".join(str(e) for errors in response.context["form"].errors.values() for e in errors)


def nothing_saved(world):
    return (
        not Evidence.objects.exists()
        and not StatusUpdate.objects.filter(assignment=world.a_item, note="已排查").exists()
    )


@pytest.mark.parametrize("name", ["..", ".", "材料/"])
def test_a_file_whose_name_is_only_dots_is_refused_by_name_and_nothing_is_saved(login, world, name):
    response = post_files(login(world.staff_a), world, [("整改前.pdf", PDF), (name, PDF)])

    assert response.status_code == 400
    assert f"文件「{name}」的名称无效" in refusals(response)
    assert "进度已保存" not in response.content.decode()
    assert nothing_saved(world)


def test_a_file_name_over_1_kb_is_refused_by_its_beginning_and_nothing_is_saved(login, world):
    name = "整改报告" + "很" * 600 + ".pdf"

    response = post_files(login(world.staff_a), world, [(name, PDF)])

    assert response.status_code == 400
    message = refusals(response)
    assert "文件「整改报告很很" in message and "」的名称过长" in message
    assert len(message) < 200
    assert nothing_saved(world)


def test_a_refused_name_is_named_even_when_the_csrf_check_reads_the_form_first(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.staff_a)
    client.get(reverse("assignment_detail", args=[world.a_item.pk]))
    token = client.cookies["csrftoken"].value

    response = post_files(client, world, [("..", PDF)], csrfmiddlewaretoken=token)

    assert response.status_code == 400
    assert "文件「..」的名称无效" in refusals(response)
    assert nothing_saved(world)


def test_a_nul_character_in_the_note_is_refused_naming_the_field(login, world):
    response = post_files(login(world.staff_a), world, [], note="已排查\x00完毕")

    assert response.status_code == 400
    assert response.context["form"].errors["note"] == [
        "进展说明中含有不可见的控制字符，请删除后重试。"
    ]
    assert nothing_saved(world)
