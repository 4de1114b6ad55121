"""From speech to checklist in a real browser on a phone: the office pastes a speech, accepts one
candidate for a township and publishes; the township then finds the task in 我的任务."""

import re
from datetime import date

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from checklist import extract
from checklist.models import DirectiveCandidate
from tests.fake_extract import one_per_ordering_sentence
from tests.test_browser_flow import (
    shot,
    sign_in,
    sign_out,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _fixed_extraction(monkeypatch):
    monkeypatch.setattr(extract, "extract_directives", one_per_ordering_sentence)


SPEECH = (
    "一、全面开展隐患排查\n"
    "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。县应急管理局要牵头组织专家检查。\n"
    "今年全县安全形势平稳。\n"
    "各部门要落实监管责任；各企业要在年底前开展自查。"
)
REVIEW_URL = re.compile(r"/speeches/\d+/review/$")


def test_the_office_turns_a_speech_into_a_published_task_a_township_then_sees(
    page, live_server, world
):
    # Given today, so that the task is current whatever the date the suite runs on.
    today = timezone.localdate()
    sign_in(page, live_server, "office")
    page.get_by_role("link", name="讲话分解").click()
    expect(page).to_have_url(f"{live_server.url}/speeches/")
    page.get_by_role("link", name="＋ 讲话录入").click()
    expect(page).to_have_url(f"{live_server.url}/speeches/new/")
    page.get_by_label("讲话标题").fill("全县安全生产工作会议讲话（三月）")
    page.get_by_label("讲话人").fill("王县长")
    page.get_by_label("讲话日期").fill(today.isoformat())
    page.get_by_label("讲话全文").fill(SPEECH)
    shot(page, "speech-1-new")
    page.get_by_role("button", name="识别部署要求").click()
    expect(page).to_have_url(REVIEW_URL)
    expect(page.get_by_text("识别出 3 条部署要求")).to_be_visible()

    first = DirectiveCandidate.objects.order_by("start").first()
    expect(page.locator(f"mark#m{first.pk}.cand-pending")).to_be_visible()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the review page is wider than the phone: {width}px"
    shot(page, "speech-2-review")

    # Keyboard path: the highlighted sentence links to its form. Following the link is a
    # navigation within the page: wait for it instead of reading the address at once.
    card = page.locator(f"#c{first.pk}")
    page.locator(f"mark#m{first.pk} a").focus()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(rf"/speeches/\d+/review/#c{first.pk}$"))
    expect(card).to_be_in_viewport()

    expect(card.get_by_label("任务名称")).to_have_value("对辖区生产经营场所开展拉网式排查")
    card.get_by_label("领域").select_option(label="隐患排查治理")
    card.get_by_label("责任单位").fill("城关镇")
    # Within the speech's year: a late-year speech whose deadline falls next year plans next
    # year's work, which 我的任务 shows only once that year has come.
    card.get_by_label("完成时限").fill(date(today.year, 12, 31).isoformat())
    card.get_by_role("button", name="接受为草稿").click()
    # Accepting redirects back to the candidate's page of the review: ?page=1#c12.
    expect(page).to_have_url(re.compile(rf"/speeches/\d+/review/\?page=\d+#c{first.pk}$"))
    expect(page.get_by_text("发布前各单位看不到")).to_be_visible()
    expect(page.locator(f"mark#m{first.pk}.cand-accepted")).to_have_count(1)
    shot(page, "speech-3-accepted")

    page.get_by_role("button", name="发布已接受的任务").click()
    expect(page.get_by_text("已发布 1 项任务")).to_be_visible()
    expect(page.locator(f"mark#m{first.pk}.cand-published")).to_have_count(1)
    sign_out(page, live_server)

    sign_in(page, live_server, "staff_a")
    page.get_by_role("link", name="我的任务").click()
    expect(page).to_have_url(f"{live_server.url}/tasks/")
    page.get_by_role("link", name="对辖区生产经营场所开展拉网式排查").click()
    expect(page).to_have_url(re.compile(r"/tasks/\d+/$"))
    expect(
        page.get_by_text("各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。")
    ).to_be_visible()
    shot(page, "speech-4-township-sees-it")
    sign_out(page, live_server)

    sign_in(page, live_server, "staff_b")
    page.get_by_role("link", name="我的任务").click()
    # Absence is only worth checking on the whole list: wait until it has loaded.
    page.wait_for_url(f"{live_server.url}/tasks/", wait_until="load")
    expect(page.get_by_role("heading", name="河西镇 · 我的任务")).to_be_visible()
    expect(page.get_by_role("link", name="对辖区生产经营场所开展拉网式排查")).to_have_count(0)


def test_a_refused_acceptance_opens_at_the_candidate_and_its_message(page, live_server, world):
    sign_in(page, live_server, "office")
    page.goto(f"{live_server.url}/speeches/new/")
    page.get_by_label("讲话标题").fill("全县安全生产工作会议讲话（四月）")
    page.get_by_label("讲话日期").fill(timezone.localdate().isoformat())
    page.get_by_label("讲话全文").fill(SPEECH + "\n" + SPEECH.replace("一、", "二、"))
    page.get_by_role("button", name="识别部署要求").click()
    # The candidates exist once the review page is shown, not as soon as the button is pressed.
    expect(page).to_have_url(REVIEW_URL)
    expect(page.get_by_text("识别出 6 条部署要求")).to_be_visible()
    last = DirectiveCandidate.objects.order_by("start").last()
    card = page.locator(f"#c{last.pk}")
    card.get_by_label("领域").select_option(label="隐患排查治理")
    card.get_by_label("完成时限").fill("")
    card.get_by_role("button", name="接受为草稿").click()
    expect(page).to_have_url(re.compile(rf"#c{last.pk}$"))
    error = page.locator(f"#c{last.pk}").get_by_text("请填写完成时限")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    box = error.bounding_box()
    assert box is not None and 0 <= box["y"] < page.viewport_size["height"], box
    assert DirectiveCandidate.objects.get(pk=last.pk).state == "pending"
