"""The 隐患台账 in a real browser on a 375-px phone: a township records a hazard with a photo,
落实整改 with the five measures, and submits it for 验收 with the photos after."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, PASSWORD
from tracker.hazards.models import Hazard

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def sign_in(page, live_server, username):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/**")


def narrow(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the page is wider than the phone: {width}px"


def test_a_township_records_rectifies_and_submits_a_hazard_on_a_phone(
    page, live_server, world, registers, settings, tmp_path, today
):
    settings.MEDIA_ROOT = tmp_path
    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/hazards/new/?enterprise={registers.tannery.pk}")
    expect(page.get_by_role("heading", name="登记隐患")).to_be_visible()
    expect(page.get_by_text("城关皮革制品有限公司")).to_be_visible()
    page.get_by_label("隐患描述").fill("配电箱无漏电保护")
    page.get_by_label("整改前照片").set_input_files(
        [{"name": "现场.png", "mimeType": "image/png", "buffer": PNG}]
    )
    narrow(page)
    page.get_by_role("button", name="保存隐患").click()

    expect(page.get_by_text("待整改").first).to_be_visible()
    plan = page.locator("details", has=page.locator("summary", has_text="落实整改"))
    plan.get_by_label("整改措施").fill("加装漏电保护器")
    plan.get_by_label("整改责任人").fill("王厂长")
    plan.get_by_label("整改资金（元）").fill("800")
    plan.get_by_label("整改时限").fill((today + timedelta(days=7)).isoformat())
    plan.get_by_label("应急预案/防范措施").fill("断电挂牌")
    narrow(page)
    plan.get_by_role("button", name="落实整改（五落实）").click()

    expect(page.get_by_text("整改中").first).to_be_visible()
    page.locator("summary", has_text="提交验收").click()
    submit = page.locator("details", has=page.locator("summary", has_text="提交验收"))
    submit.get_by_label("整改情况").fill("已加装并试跳正常")
    submit.get_by_label("整改后照片").set_input_files(
        [{"name": "整改后.png", "mimeType": "image/png", "buffer": PNG}]
    )
    submit.get_by_role("button", name="提交验收").click()

    expect(page.locator("h1").get_by_text("待验收")).to_be_visible()
    expect(page.get_by_text("提交验收（整改中 → 待验收）")).to_be_visible()
    narrow(page)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "hazards-submitted.png"), full_page=True)
    hazard = Hazard.objects.get()
    assert hazard.state == "review" and hazard.photos.count() == 2
    assert list(hazard.changes.values_list("kind", flat=True)) == ["record", "plan", "submit"]
