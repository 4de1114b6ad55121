"""The task list and the header on a 375-px phone: dropdowns filter at once, 全选 ticks the
page, and a bar at the foot of the screen leads to the bulk actions. Any content-security-policy
violation or script error on the page fails the test."""

import re

import pytest
from playwright.sync_api import expect

from tests.test_browser_flow import (
    sign_in,
)
from tracker import services
from tracker.models import Unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def console(page):
    """Every console message and uncaught error of the page, as text."""
    messages = []
    page.on("console", lambda message: messages.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: messages.append(f"pageerror: {error}"))
    return messages


def problems(messages):
    """Content-security-policy violations (an inline handler, say) and script errors."""
    return [m for m in messages if "Content Security Policy" in m or m.startswith("pageerror")]


def row_boxes(page):
    return page.locator("tbody input[name=ids]")


def test_a_township_filters_by_choosing_a_status_without_pressing_the_button(
    page, live_server, world, console
):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=30)
    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator("tbody tr")).to_have_count(2)
    page.get_by_label("状态").select_option("in_progress")
    expect(page).to_have_url(re.compile(r"[?&]status=in_progress(&|$)"))
    expect(page.get_by_label("状态")).to_have_value("in_progress")
    expect(page.locator("tbody tr")).to_have_count(1)
    expect(page.locator("tbody tr").get_by_text(world.item.title)).to_be_visible()
    expect(page.get_by_text("共 1 条")).to_be_visible()
    assert problems(console) == []


def test_the_office_ticks_and_unticks_every_row_with_select_all(page, live_server, world, console):
    sign_in(page, live_server, "office")
    page.goto(f"{live_server.url}/tasks/")
    select_all = page.get_by_label("全选")
    expect(select_all).to_be_visible()
    boxes = row_boxes(page)
    expect(boxes).to_have_count(5)

    select_all.check()
    for i in range(5):
        expect(boxes.nth(i)).to_be_checked()
    expect(page.get_by_text("已选 5 条")).to_be_visible()

    # Unticking one row clears the header box; ticking it again sets it.
    boxes.nth(2).uncheck()
    expect(select_all).not_to_be_checked()
    expect(select_all).to_have_js_property("indeterminate", True)
    expect(page.get_by_text("已选 4 条")).to_be_visible()
    boxes.nth(2).check()
    expect(select_all).to_be_checked()
    expect(select_all).to_have_js_property("indeterminate", False)

    select_all.uncheck()
    for i in range(5):
        expect(boxes.nth(i)).not_to_be_checked()
    expect(page.locator("[data-bulk-bar]")).to_be_hidden()
    assert problems(console) == []


def test_a_township_has_no_selection_column(page, live_server, world, console):
    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/")
    expect(page.locator("tbody tr")).to_have_count(2)
    expect(page.get_by_label("全选")).to_have_count(0)
    expect(page.locator("[data-bulk-bar]")).to_have_count(0)
    assert problems(console) == []


@pytest.fixture
def long_list(world):
    for n in range(30):
        unit = Unit.objects.create(name=f"第{n + 1}村", kind="township", sort_order=100 + n)
        services.assignment_create(item=world.item, unit=unit, user=world.office)


def test_on_a_phone_the_ticked_count_stays_in_view_and_leads_to_the_bulk_form(
    page, live_server, world, long_list, console
):
    sign_in(page, live_server, "office")
    page.goto(f"{live_server.url}/tasks/?status=not_started")
    viewport = page.viewport_size["height"]
    bulk_form = page.get_by_role("group", name="对勾选的任务")
    expect(bulk_form).to_be_attached()
    assert bulk_form.bounding_box()["y"] > 3 * viewport, "the list should be long for this test"
    bar = page.locator("[data-bulk-bar]")
    expect(bar).to_be_hidden()

    for i in range(3):
        row_boxes(page).nth(i).check()
    expect(bar).to_be_visible()
    expect(bar.get_by_text("已选 3 条")).to_be_visible()
    expect(bar).to_be_in_viewport()
    box = bar.bounding_box()
    assert box["y"] + box["height"] <= viewport + 1 and box["y"] > viewport - 100

    # Further down the list the bar is still at the foot of the screen.
    page.evaluate(f"window.scrollTo(0, {2 * viewport})")
    assert page.evaluate("window.scrollY") > viewport, "the page should have scrolled"
    expect(bar).to_be_in_viewport()
    box = bar.bounding_box()
    assert viewport - 100 < box["y"] and box["y"] + box["height"] <= viewport + 1

    bar.get_by_role("link", name="批量操作").click()
    expect(bulk_form.get_by_role("button", name="执行")).to_be_in_viewport()
    expect(bulk_form.get_by_label("批量操作")).to_be_in_viewport()
    assert problems(console) == []


def test_the_header_keeps_sign_out_on_one_line_on_a_phone(page, live_server, world, console):
    world.staff_a.display_name = "城关镇安全生产委员会办公室王干事"
    world.staff_a.save()
    sign_in(page, live_server, "staff_a")
    button = page.get_by_role("button", name="退出")
    expect(button).to_be_visible()
    expect(page.locator(".who .me")).to_be_visible()
    box = button.bounding_box()
    line = button.evaluate("b => parseFloat(getComputedStyle(b).lineHeight)")
    assert box["height"] < 1.5 * line, f"退出 wraps: {box}"
    assert box["x"] + box["width"] <= 375
    name = page.locator(".who .me").bounding_box()
    assert name["y"] <= box["y"] < name["y"] + name["height"], "退出 sits beside the name"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert problems(console) == []
