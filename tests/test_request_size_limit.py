"""A request declaring a body over MAX_REQUEST_BYTES is refused before any of it is read."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.models import Evidence, StatusUpdate


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def pdf(size):
    return SimpleUploadedFile(
        "现场.pdf", b"%PDF-1.4\n" + b"0" * size, content_type="application/pdf"
    )


def report(client, assignment, size):
    return client.post(
        reverse("assignment_report", args=[assignment.pk]),
        {"action": "report", "version": assignment.version, "note": "附照片", "files": [pdf(size)]},
    )


def test_the_default_limit_admits_twenty_files_of_twenty_megabytes(settings):
    assert settings.MAX_REQUEST_BYTES >= 20 * 20 * 1024 * 1024


def test_a_declared_half_gigabyte_body_is_refused_unread_with_a_chinese_page(login, world, events):
    client = login(world.staff_a)
    history = StatusUpdate.objects.count()
    # The body actually sent is a few bytes; reading past them would fail the request.
    response = client.generic(
        "POST",
        reverse("assignment_report", args=[world.a_item.pk]),
        b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert response.status_code == 413
    page = response.content.decode()
    assert "上传内容过大" in page and "410 MB" in page and "没有保存" in page
    assert "default-src" in response["Content-Security-Policy"]
    assert StatusUpdate.objects.count() == history
    [event] = [r for r in events() if r.security["action"] == "request_too_large"]
    assert event.security["outcome"] == "refused"
    assert str(500 * 1024 * 1024) in event.getMessage()


def test_a_report_over_a_lowered_limit_is_refused_and_one_under_it_is_saved(login, world, settings):
    settings.MAX_REQUEST_BYTES = 1024 * 1024
    client = login(world.staff_a)
    assert report(client, world.a_item, 2 * 1024 * 1024).status_code == 413
    assert not Evidence.objects.exists()
    world.a_item.refresh_from_db()
    assert report(client, world.a_item, 200 * 1024).status_code == 302
    assert Evidence.objects.count() == 1


def test_a_malformed_length_is_left_to_django(login, world):
    response = login(world.staff_a).get(reverse("assignment_list"), CONTENT_LENGTH="abc")
    assert response.status_code == 200
