"""On the phone, files over the limit are named before anything is sent, not after the upload."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_flow import (
    PDF,
    sign_in,
)
from tracker.models import StatusUpdate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BIG = b"%PDF-1.4\n" + b"0" * (21 * 1024 * 1024) + b"\n%%EOF\n"


def small(name):
    return {"name": name, "mimeType": "application/pdf", "buffer": PDF}


@pytest.fixture
def report_form(page, live_server, world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/{world.a_item.pk}/")
    posts = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    return posts


def test_a_file_over_20_mb_is_named_at_once_and_the_report_is_not_sent(page, world, report_form):
    history = StatusUpdate.objects.count()
    files = page.get_by_label("佐证材料")
    files.set_input_files(
        [small("台账.pdf"), {"name": "现场视频.pdf", "mimeType": "application/pdf", "buffer": BIG}]
    )
    warning = page.get_by_text("文件「现场视频.pdf」超过 20 MB，请压缩后再上传。")
    expect(warning).to_be_visible()
    expect(page.get_by_text("台账.pdf」超过")).to_have_count(0)

    page.get_by_label("进展说明").fill("已整改。")
    page.get_by_role("button", name="保存进度").click()
    # The page stopped the sending itself: it puts the cursor back on the files.
    expect(files).to_be_focused()
    expect(warning).to_be_visible()
    assert report_form == []  # nothing went to the server
    assert StatusUpdate.objects.count() == history

    files.set_input_files([small("台账.pdf")])
    expect(warning).to_be_hidden()
    page.get_by_role("button", name="保存进度").click()
    expect(page.get_by_text("进度已保存。")).to_be_visible()
    assert len(report_form) == 1
    expect(page.get_by_role("link", name="台账.pdf")).to_be_visible()


def test_more_than_20_files_are_refused_before_sending(page, report_form):
    files = page.get_by_label("佐证材料")
    files.set_input_files([small(f"照片{i}.pdf") for i in range(21)])
    too_many = page.get_by_text("一次最多上传 20 个文件，您选择了 21 个。")
    expect(too_many).to_be_visible()
    page.get_by_role("button", name="提交审核").click()
    # The page stopped the sending itself: it puts the cursor back on the files.
    expect(files).to_be_focused()
    expect(too_many).to_be_visible()
    assert report_form == []
