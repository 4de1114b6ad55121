"""The office's bell lights for what is news to it (units' submissions and 延期申请 waiting for
it), not for the notices it sent the units itself; units keep their own bell as before."""

import re
from datetime import timedelta

from django.urls import reverse

from tracker import services


def badge(page: str) -> str | None:
    found = re.search(r'<span class="badge"[^>]*>([^<]+)</span>', page)
    return found.group(1) if found else None


def home(client) -> str:
    return client.get(reverse("home")).content.decode()


def submit_and_return(world, assignment, reason="缺少照片"):
    services.assignment_submit(assignment=assignment, user=world.staff_a)
    assignment.refresh_from_db()
    services.assignment_return(assignment=assignment, user=world.office, reason=reason)


def test_the_office_bell_stays_dark_for_its_own_outgoing_notices(login, world):
    submit_and_return(world, world.a_item)  # a 退回 notice to township A
    extension = services.extension_request(
        assignment=world.b_item,
        user=world.staff_b,
        new_due_date=world.b_item.due_date + timedelta(days=10),
        reason="雨季停工",
    )
    services.extension_decide(extension=extension, user=world.office, approve=True)
    assert badge(home(login(world.office))) is None
    # The units see theirs.
    assert badge(home(login(world.staff_a))) == "1"
    assert badge(home(login(world.staff_b))) == "1"


def test_a_submission_and_an_extension_request_light_the_office_bell(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    client = login(world.office)
    assert badge(home(client)) == "1"
    services.extension_request(
        assignment=world.b_item,
        user=world.staff_b,
        new_due_date=world.b_item.due_date + timedelta(days=10),
        reason="雨季停工",
    )
    assert badge(home(client)) == "2"


def test_handled_news_no_longer_lights_the_bell(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    services.assignment_approve(assignment=world.a_item, user=world.office)
    assert badge(home(login(world.office))) is None


def test_marking_all_read_clears_the_office_bell_until_the_next_submission(
    login, world, _frozen_clock
):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    client = login(world.office)
    client.post(reverse("notices_seen"))
    assert badge(home(client)) is None
    _frozen_clock.shift(timedelta(minutes=5))
    services.assignment_submit(assignment=world.b_item, user=world.staff_b)
    assert badge(home(client)) == "1"


def test_the_office_notices_page_lists_its_news_and_its_sent_notices_apart(login, world):
    submit_and_return(world, world.a_item, reason="照片不清晰")
    services.assignment_submit(assignment=world.b_item, user=world.staff_b)
    page = login(world.office).get(reverse("notice_list")).content.decode()
    news = page[page.index("待处理") : page.index("已发给各单位的通知")]
    sent = page[page.index("已发给各单位的通知") :]
    assert f"提交审核：{world.item.code}" in news and "河西镇" in news
    assert 'class="card notice unread"' in news
    assert "#review" in news
    assert "照片不清晰" in sent and "发给城关镇" in sent
    assert "unread" not in sent


def test_a_units_notices_page_still_lists_its_notices_as_unread(login, world):
    submit_and_return(world, world.a_item, reason="照片不清晰")
    page = login(world.staff_a).get(reverse("notice_list")).content.decode()
    assert "照片不清晰" in page and "unread" in page
    assert "已发给各单位的通知" not in page
