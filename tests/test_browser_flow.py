"""The whole loop in a real browser: a township reports from a phone, the office closes it."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")


def sign_out(page, live_server):
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")


def shot(page, name):
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"flow-{name}.png"), full_page=True)


def test_a_township_reports_submits_and_the_office_verifies(
    page, live_server, world, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server, "staff_a")
    # The home page has the same heading: wait for the list itself.
    page.get_by_role("link", name="我的任务").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    expect(page.get_by_role("heading", name="城关镇 · 我的任务")).to_be_visible()
    shot(page, "1-my-tasks")
    page.get_by_role("link", name=world.item.title).click()
    expect(page).to_have_url(f"{live_server.url}/tasks/{world.a_item.pk}/")

    # Report 60 % with a PDF, in one screen on a 375-px phone.
    page.get_by_label("完成百分比（%）").fill("60")
    page.get_by_label("进展说明").fill("已排查企业32家，发现隐患9处，已整改7处。")
    page.get_by_label("佐证材料").set_input_files(
        [{"name": "整改台账.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    shot(page, "2-report-form")
    page.get_by_role("button", name="保存进度").click()
    expect(page.get_by_text("进度已保存。")).to_be_visible()
    expect(page.get_by_role("link", name="整改台账.pdf")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is wider than the phone: {width}px"

    page.get_by_label("完成百分比（%）").fill("100")
    page.get_by_label("进展说明").fill("全部整改完成。")
    page.get_by_role("button", name="提交审核").click()
    expect(page.get_by_text("已提交审核，请等待安委办审核。")).to_be_visible()
    expect(page.get_by_text("已提交审核").first).to_be_visible()
    shot(page, "3-submitted")
    sign_out(page, live_server)

    sign_in(page, live_server, "office")
    page.get_by_role("link", name="待审核").click()
    expect(page).to_have_url(f"{live_server.url}/review/")
    row = page.locator("tr", has_text=world.item.title)
    expect(row.get_by_text("城关镇")).to_be_visible()
    shot(page, "4-review-queue")
    row.get_by_role("button", name="通过").click()
    expect(page.get_by_text("没有待审核的任务。")).to_be_visible()
    expect(row).to_have_count(0)
    sign_out(page, live_server)

    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/{world.a_item.pk}/")
    expect(page.locator(".facts .status")).to_have_text("已办结", use_inner_text=True)
    expect(page.get_by_text("审核通过").first).to_be_visible()
    shot(page, "5-verified")
    world.a_item.refresh_from_db()
    assert world.a_item.status == "verified" and world.a_item.verified_by == world.office


def test_a_bad_percent_is_explained_on_the_phone(page, live_server, world):
    sign_in(page, live_server, "staff_b")
    page.goto(f"{live_server.url}/tasks/{world.b_item.pk}/")
    page.get_by_label("完成百分比（%）").fill("150")
    page.get_by_role("button", name="保存进度").click()
    expect(page.get_by_text("完成百分比不能大于 100。")).to_be_visible()
    expect(page.get_by_text("进度已保存。")).to_have_count(0)
    world.b_item.refresh_from_db()
    assert world.b_item.percent == 0
