"""A task submitted before its due date waits on the office, not on the unit: after the due
date it is 待审核 and green, not 逾期, on every page and export; the office counts it as its own
逾期待审核."""

import io

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tracker import services
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.models import Assignment


def _past_the_due_date(world, clock):
    """城关镇 submits in time; 河西镇 only reports; the 牵头 department submits after the due
    date. Then the clock moves a week past the due date."""
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    services.assignment_report(assignment=world.b_item, user=world.staff_b, percent=50)
    clock.advance(weeks=8, days=3)
    services.assignment_submit(assignment=world.lead, user=world.office, percent=100)
    clock.advance(days=4)
    return timezone.localdate()


def _pks(response):
    return {row.record.pk for row in response.context["table"].rows}


def test_a_task_submitted_in_time_is_not_overdue_after_its_due_date(world, clock):
    today = _past_the_due_date(world, clock)
    overdue = set(Assignment.objects.overdue(today).values_list("pk", flat=True))
    assert world.a_item.pk not in overdue
    assert {world.b_item.pk, world.lead.pk} <= overdue  # reported only; submitted late


def test_the_dashboard_counts_it_green_and_gives_the_office_its_own_late_review_count(world, clock):
    today = _past_the_due_date(world, clock)
    board = build_dashboard(world.office, DashboardFilters(), today=today)
    town_a = next(s for s in board.townships if s.name == "城关镇")
    assert town_a.overdue == 1  # its target task only, not the one waiting for review
    assert world.a_item.pk not in {r["assignment"].pk for r in board.red_list}
    assert board.lights["green"] == 1 and board.lights["red"] == 3
    assert board.review_late == 2  # waiting past the due date: in time and late alike


def test_the_task_list_agrees_with_the_dashboard_on_both_counts(login, world, clock):
    _past_the_due_date(world, clock)
    client = login(world.office)
    page = client.get(reverse("dashboard"))
    assert "逾期待审核" in page.content.decode()
    overdue = _pks(client.get(reverse("assignment_list"), {"due": "overdue"}))
    assert world.a_item.pk not in overdue and world.b_item.pk in overdue
    red = _pks(client.get(reverse("assignment_list"), {"light": "red"}))
    assert world.a_item.pk not in red
    green = _pks(client.get(reverse("assignment_list"), {"light": "green"}))
    assert world.a_item.pk in green
    late_review = _pks(
        client.get(reverse("assignment_list"), {"status": "submitted", "due": "past"})
    )
    assert late_review == {world.a_item.pk, world.lead.pk}
    assert len(late_review) == page.context["board"].review_late


def test_the_bulletin_lists_it_neither_as_overdue_nor_in_the_units_overdue_count(
    login, world, clock
):
    _past_the_due_date(world, clock)
    export = login(world.office).get(reverse("bulletin_export"))
    book = load_workbook(io.BytesIO(b"".join(export.streaming_content)))
    overdue_rows = {
        (r[0], r[2]) for r in book["逾期清单"].iter_rows(min_row=4, values_only=True) if r[0]
    }
    assert (world.item.code, "城关镇") not in overdue_rows
    assert (world.item.code, "河西镇") in overdue_rows
    assert (world.item.code, "县应急管理局") in overdue_rows
    lights = {
        (r[0], r[3]): r[9] for r in book["任务明细"].iter_rows(min_row=4, values_only=True) if r[0]
    }
    assert lights[(world.item.code, "城关镇")] == "绿灯"
    summary = {r[1]: r[8] for r in book["汇总排名"].iter_rows(min_row=4, values_only=True) if r[1]}
    assert summary["城关镇"] == 1


def test_a_return_puts_it_back_in_the_units_hands_and_red_again(world, clock):
    today = _past_the_due_date(world, clock)
    services.assignment_return(assignment=world.a_item, user=world.office, reason="佐证不全。")
    overdue = set(Assignment.objects.overdue(today).values_list("pk", flat=True))
    assert world.a_item.pk in overdue


def test_the_units_pages_show_it_submitted_in_time_not_overdue(login, world, clock):
    _past_the_due_date(world, clock)
    client = login(world.staff_a)
    home = client.get(reverse("home"))
    assert home.context["counts"]["overdue"] == 1  # the target task, not the one in review
    row = next(a for a in home.context["assignments"] if a.pk == world.a_item.pk)
    assert not row.late
    listed = client.get(reverse("assignment_list")).content.decode()
    assert "按期提交" in listed
    page = client.get(reverse("assignment_detail", args=[world.a_item.pk])).content.decode()
    assert "按期提交，待安委办审核" in page and "已逾期" not in page and "还有 -" not in page


def test_the_county_date_of_a_submission_is_kept_with_it_and_cleared_on_return(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    share = Assignment.objects.get(pk=world.a_item.pk)
    assert share.submitted_date == timezone.localdate(share.submitted_at)
    services.assignment_return(assignment=share, user=world.office, reason="佐证材料不全")
    share = Assignment.objects.get(pk=world.a_item.pk)
    assert share.submitted_at is None and share.submitted_date is None
    # A time without its date (a write that bypasses save()) is refused by the database.
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=share.pk).update(submitted_at=timezone.now())
