"""The task list's first order: open work first, soonest due first, 长期 after the dated,
已办结 last; a page cut across the open and the verified rows keeps that order."""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_tables2 import RequestConfig

from tracker import selectors, services
from tracker.models import Assignment, Unit
from tracker.tables import AssignmentTable, OpenFirst


def ids_on(html: str) -> list[int]:
    body = html[html.index("<tbody") : html.index("</tbody>")]
    return [int(pk) for pk in re.findall(r'<tr data-id="(\d+)"', body)]


def verify(assignment, world):
    target = assignment.item.target_quantity
    services.assignment_submit(assignment=assignment, user=world.office, quantity=target)
    assignment.refresh_from_db()
    services.assignment_approve(assignment=assignment, user=world.office)


@pytest.fixture
def mixed(world, today):
    """Township A's four published shares: the soonest due is verified, one is 长期."""
    a = world
    Assignment.objects.filter(pk=a.a_item.pk).update(due_date=today + timedelta(days=3))
    Assignment.objects.filter(pk=a.a_target.pk).update(due_date=today + timedelta(days=20))
    extra = services.assignment_create(item=a.item_target, unit=a.town_b, user=a.office)
    Assignment.objects.filter(pk=extra.pk).update(due_date=today + timedelta(days=1))
    long_term = services.assignment_create(item=a.item_target, unit=a.dept, user=a.office)
    Assignment.objects.filter(pk=long_term.pk).update(due_date=None)
    for assignment in (a.a_item, a.a_target, extra, long_term):
        assignment.refresh_from_db()
    verify(a.a_item, a)
    return a


def test_a_township_sees_open_work_soonest_due_first_and_verified_after(login, mixed, today):
    w = mixed
    html = login(w.staff_a).get(reverse("assignment_list")).content.decode()
    # a_item is due soonest but verified: it comes after the open a_target.
    assert ids_on(html) == [w.a_target.pk, w.a_item.pk]


def test_the_office_default_list_puts_long_term_after_dated_and_verified_last(login, mixed):
    w = mixed
    html = login(w.office).get(reverse("assignment_list")).content.decode()
    order = ids_on(html)
    verified = [pk for pk in order if Assignment.objects.get(pk=pk).status == "verified"]
    assert verified == [w.a_item.pk] and order[-1] == w.a_item.pk
    open_rows = Assignment.objects.filter(pk__in=order).exclude(status="verified")
    due = {a.pk: a.due_date for a in open_rows}
    open_order = [pk for pk in order if pk in due]
    dated = [pk for pk in open_order if due[pk] is not None]
    assert dated == sorted(dated, key=lambda pk: (due[pk], pk))
    # 长期 (no due date) after every dated open task, before the verified one.
    assert open_order[len(dated) :] == [pk for pk in open_order if due[pk] is None]
    assert len(open_order[len(dated) :]) == 1


@pytest.fixture
def many(world, today):
    """Seven shares of one item, due on the same day: four open, three verified."""
    made = []
    for n in range(7):
        unit = Unit.objects.create(name=f"第{n + 1}村", kind="township", sort_order=100 + n)
        made.append(
            services.assignment_create(item=world.item_target, unit=unit, user=world.office)
        )
    for assignment in made[1::2]:
        assignment.refresh_from_db()
        verify(assignment, world)
    return made


def test_pages_cut_across_open_and_verified_rows_keep_the_order(login, world, many):
    client = login(world.office)
    pages = [
        ids_on(
            client.get(
                reverse("assignment_list"), {"per_page": 3, "page": n, "q": "小微企业"}
            ).content.decode()
        )
        for n in (1, 2, 3)
    ]
    listed = [pk for page in pages for pk in page]
    statuses = [Assignment.objects.get(pk=pk).status for pk in listed]
    # a_target and the four open shares, then the three verified ones; ties by id.
    open_ids = sorted([world.a_target.pk] + [a.pk for a in many[0::2]])
    assert listed == open_ids + [a.pk for a in many[1::2]]
    assert statuses[:5] == [s for s in statuses[:5] if s != "verified"]
    assert set(statuses[5:]) == {"verified"}
    assert [len(page) for page in pages] == [3, 3, 2]


def test_a_page_inside_the_open_work_is_one_count_and_one_read(rf, world, many):
    request = rf.get("/tasks/", {"per_page": 2})
    request.user = world.office
    table = AssignmentTable(
        selectors.assignment_list(world.office, request.GET).qs, show_unit=True, selectable=True
    )
    with CaptureQueriesContext(connection) as ctx:
        RequestConfig(request, paginate={"per_page": 2}).configure(table)
        rows = str(table.tbody_html)
    reads = [q["sql"] for q in ctx.captured_queries if 'FROM "tracker_assignment"' in q["sql"]]
    # The list's count and the page's rows; no count of the open or the verified part.
    assert len(reads) == 2, reads
    assert rows.count("<tr data-id=") == 2


def test_a_page_past_the_open_work_reads_the_verified_rows_in_order(rf, world, many):
    request = rf.get("/tasks/", {"per_page": 2, "page": 4})
    request.user = world.office
    qs = selectors.assignment_list(world.office, {"q": "小微企业"}).qs
    table = AssignmentTable(qs, show_unit=True, selectable=True)
    RequestConfig(request, paginate={"per_page": 2}).configure(table)
    # Five open rows (a_target and four of these), then the verified: page 4 is the last two.
    assert [row.record.pk for row in table.page.object_list] == [many[3].pk, many[5].pk]


def test_sorting_by_another_column_still_works(login, world, many):
    html = login(world.office).get(reverse("assignment_list"), {"sort": "code"}).content.decode()
    codes = re.findall(r'<td data-label="编号">([^<]+)</td>', html)
    assert codes == sorted(codes)


def test_latest_due_first_is_still_offered_on_the_due_date_header(login, mixed, today):
    w = mixed
    html = login(w.staff_a).get(reverse("assignment_list"), {"sort": "-due_date"}).content
    assert ids_on(html.decode()) == [w.a_target.pk, w.a_item.pk]


def test_the_office_list_reads_each_part_in_due_date_order_instead_of_sorting_all(world, many):
    """SQLite reads the open part from assignment_due_item_role and the verified part from
    assignment_status_due in due-date order, sorting at most the ties of one date, so the
    first page stops after its rows however long the list."""
    if connection.vendor != "sqlite":
        pytest.skip("the plan checked is SQLite's")
    parts = OpenFirst(selectors.assignment_list(world.office, {}).qs)
    for part in (parts.open, parts.done):
        plan = part[:25].explain()
        assert "USE TEMP B-TREE FOR ORDER BY" not in plan, plan
