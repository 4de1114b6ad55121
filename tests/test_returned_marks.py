"""A task the office sent back (退回) carries a 退回 mark, with its reason, until the unit
submits it again: in the task list, on the home page (with a count that lists them) and on
the task's own page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tracker import selectors, services
from tracker.models import Assignment, Unit


def returned(assignment, world, reason="缺少现场照片"):
    target = assignment.item.target_quantity
    services.assignment_submit(assignment=assignment, user=world.staff_a, quantity=target)
    assignment.refresh_from_db()
    services.assignment_return(assignment=assignment, user=world.office, reason=reason)
    assignment.refresh_from_db()
    return assignment


def row_of(html: str, pk: int) -> str:
    return re.search(rf'<tr data-id="{pk}".*?</tr>', html, re.S).group(0)


def test_the_task_list_marks_a_returned_task_with_its_reason(login, world, today):
    returned(world.a_item, world)
    html = login(world.staff_a).get(reverse("assignment_list")).content.decode()
    row = row_of(html, world.a_item.pk)
    assert re.search(r'<span class="tag-returned" title="[^"]*退回：缺少现场照片">退回</span>', row)
    assert "tag-returned" not in row_of(html, world.a_target.pk)


def test_the_mark_stays_through_reports_and_goes_once_submitted_again(login, world):
    returned(world.a_item, world)
    services.assignment_report(assignment=world.a_item, user=world.staff_a, note="补充照片中")
    client = login(world.staff_a)
    assert "tag-returned" in row_of(
        client.get(reverse("assignment_list")).content.decode(), world.a_item.pk
    )
    world.a_item.refresh_from_db()
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, note="已补充")
    html = client.get(reverse("assignment_list")).content.decode()
    assert "tag-returned" not in html


def test_returned_twice_shows_the_latest_reason(login, world):
    returned(world.a_item, world, reason="第一次：缺照片")
    returned(world.a_item, world, reason="第二次：照片不清晰")
    html = login(world.office).get(reverse("assignment_list")).content.decode()
    row = row_of(html, world.a_item.pk)
    assert "第二次：照片不清晰" in row and "第一次" not in row


def test_the_home_page_counts_returned_tasks_and_links_to_them(login, world):
    returned(world.a_item, world)
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert re.search(
        r'<a href="/tasks/\?returned=1&amp;year="><strong>1</strong><span>被退回</span></a>', page
    )
    assert "有 1 项任务被安委办退回" in page
    row = re.search(
        r"<tr[^>]*>\s*<td data-label=\"编号\">" + world.item.code + r".*?</tr>", page, re.S
    )
    assert 'class="tag-returned"' in row.group(0) and "缺少现场照片" in row.group(0)


def test_with_nothing_returned_the_home_page_shows_zero_and_no_alert(login, world):
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert "<strong>0</strong><span>被退回</span>" in page
    assert "被安委办退回" not in page and "tag-returned" not in page


def test_the_returned_link_lists_only_the_returned_tasks(login, world):
    returned(world.a_item, world)
    client = login(world.staff_a)
    html = client.get(reverse("assignment_list"), {"returned": "1", "year": ""}).content.decode()
    assert re.findall(r'<tr data-id="(\d+)"', html) == [str(world.a_item.pk)]
    assert "共 1 条" in html and "只列出被安委办退回" in html
    # The filters keep to the returned tasks when changed.
    assert '<input type="hidden" name="returned" value="1">' in html


def test_another_township_sees_neither_the_mark_nor_the_count(login, world):
    returned(world.a_item, world)
    client = login(world.staff_b)
    assert "<strong>0</strong><span>被退回</span>" in client.get(reverse("home")).content.decode()
    html = client.get(reverse("assignment_list"), {"returned": "1"}).content.decode()
    assert "共 0 条" in html


def test_the_task_page_shows_the_return_and_its_reason_until_resubmitted(login, world):
    returned(world.a_item, world)
    client = login(world.staff_a)
    url = reverse("assignment_detail", args=[world.a_item.pk])
    page = client.get(url).content.decode()
    assert re.search(r'class="notice returned-note".*?已被退回.*?缺少现场照片', page, re.S)
    world.a_item.refresh_from_db()
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    assert "已被退回" not in client.get(url).content.decode()


@pytest.fixture
def returned_rows(world):
    def make(count):
        made = []
        for _ in range(count):
            n = Unit.objects.count()
            unit = Unit.objects.create(name=f"退回村{n}", kind="township", sort_order=200 + n)
            a = services.assignment_create(item=world.item, unit=unit, user=world.office)
            services.assignment_submit(assignment=a, user=world.office)
            a.refresh_from_db()
            services.assignment_return(assignment=a, user=world.office, reason=f"原因{n}")
            made.append(a)
        return made

    return make


def test_marking_a_page_costs_the_same_queries_for_one_returned_row_or_many(
    login, world, returned_rows
):
    client = login(world.office)
    returned_rows(1)
    client.get(reverse("assignment_list"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("assignment_list"))
    returned_rows(4)
    with CaptureQueriesContext(connection) as five:
        html = client.get(reverse("assignment_list")).content.decode()
    assert html.count('class="tag-returned"') == 5
    assert len(five) == len(one)


def test_currently_returned_agrees_with_the_marks(world, returned_rows):
    made = returned_rows(2)
    services.assignment_submit(assignment=made[1], user=world.office)
    ids = set(
        Assignment.objects.filter(selectors.currently_returned()).values_list("pk", flat=True)
    )
    assert ids == {made[0].pk} == set(selectors.returns_of([made[0].pk, made[1].pk]))
