"""On a 375-px phone, a refused save comes back scrolled to the form, its message in view."""

import pytest
from playwright.sync_api import expect

from tests.test_browser_flow import sign_in
from tracker.models import Assignment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def long_task(world):
    """A task whose 具体要求 runs long, as the demo's do: the form starts below the first screen."""
    world.item.detail = "\n".join(
        f"{n}. 对辖区内生产经营单位逐一排查，建立台账，明确责任人和整改时限。" for n in range(1, 25)
    )
    world.item.save(update_fields=["detail"])
    return world


def test_a_percent_over_100_is_refused_with_its_message_in_view(page, live_server, long_task):
    world = long_task
    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/{world.a_item.pk}/")
    page.get_by_label("完成百分比").fill("101")
    page.get_by_role("button", name="保存进度").click()
    message = page.locator("#report .error").first
    expect(message).to_be_visible()
    expect(message).to_be_in_viewport()
    assert Assignment.objects.get(pk=world.a_item.pk).percent == 0


def test_a_conflict_is_shown_in_view_after_the_reload(page, live_server, long_task):
    world = long_task
    from tracker import services

    sign_in(page, live_server, "staff_a")
    page.goto(f"{live_server.url}/tasks/{world.a_item.pk}/")
    # Someone else saves the task after this page was opened.
    services.assignment_report(assignment=world.a_item, user=world.office, percent=30)
    page.get_by_label("完成百分比").fill("40")
    page.get_by_role("button", name="保存进度").click()
    message = page.get_by_text("该任务已被他人修改").first
    expect(message).to_be_in_viewport()
    assert Assignment.objects.get(pk=world.a_item.pk).percent == 30
