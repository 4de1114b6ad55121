"""The header on a 375-px phone. Any content-security-policy violation fails the test."""

import pytest

from tests.test_browser_flow import sign_in

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


def test_the_header_keeps_sign_out_on_one_line_on_a_phone(page, live_server, world, console):
    world.staff_a.display_name = "城关镇安全生产委员会办公室王干事"
    world.staff_a.save()
    sign_in(page, live_server, "staff_a")
    button = page.get_by_role("button", name="退出")
    box = button.bounding_box()
    line = button.evaluate("b => parseFloat(getComputedStyle(b).lineHeight)")
    assert box["height"] < 1.5 * line, f"退出 wraps: {box}"
    assert box["x"] + box["width"] <= 375
    name = page.locator(".who .me").bounding_box()
    assert name["y"] <= box["y"] < name["y"] + name["height"], "退出 sits beside the name"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    assert problems(console) == []
