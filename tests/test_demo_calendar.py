"""The demo county's calendar is computed from the day it is loaded (tracker/demo_calendar.py).

Pure rules first, then the whole demo loaded on days of other years: a county mid-stream on
any of them, and a second run that changes nothing.
"""

from datetime import date, datetime, time
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from checklist.models import ChecklistItem, DirectiveCandidate, Source, WorkYear
from tracker import demo
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.demo_calendar import (
    TEMPLATE_YEAR,
    plan_year,
    shift_code,
    shift_date,
    shift_item,
    shift_value,
)
from tracker.models import Assignment, ExtensionRequest, StatusUpdate, Supervision, User
from tracker.work_years import current_year

COUNTY = ZoneInfo("Asia/Shanghai")


def test_from_may_the_demo_shows_this_years_plan_and_before_may_last_years(today):
    assert plan_year(date(today.year, 5, 1)) == today.year
    assert plan_year(date(today.year, 12, 31)) == today.year
    assert plan_year(date(today.year, 1, 1)) == today.year - 1
    assert plan_year(date(today.year, 4, 30)) == today.year - 1


def test_dates_move_by_whole_years_and_a_leap_day_lands_on_the_28th():
    # The template's own dates are the point here: they are what the fixtures hold.
    assert shift_date(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert shift_date(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert shift_value("2026-06-30", 2) == "2028-06-30"
    assert shift_value("2026-02-27T10:07:00+08:00", 1) == "2027-02-27T10:07:00+08:00"
    assert shift_value(None, 3) is None
    assert shift_code("2026-015", 3) == "2029-015"
    assert shift_code("ZX-01", 3) == "ZX-01"


def test_an_item_keeps_its_number_and_moves_into_its_plans_year():
    fields = {
        "code": f"{TEMPLATE_YEAR}-007",
        "start_date": f"{TEMPLATE_YEAR}-03-02",
        "deadline": f"{TEMPLATE_YEAR + 1}-01-31",
        "published_at": f"{TEMPLATE_YEAR}-02-27T10:07:00+08:00",
        "created_at": f"{TEMPLATE_YEAR}-02-26T09:07:00+08:00",
        "updated_at": f"{TEMPLATE_YEAR}-02-27T10:07:00+08:00",
        "title": "拉网式排查",
    }
    moved = shift_item(fields, 2)
    assert moved["code"] == f"{TEMPLATE_YEAR + 2}-007" and moved["year"] == TEMPLATE_YEAR + 2
    assert moved["deadline"] == f"{TEMPLATE_YEAR + 3}-01-31"
    assert moved["title"] == "拉网式排查" and fields["code"] == f"{TEMPLATE_YEAR}-007"


def snapshot():
    return (
        sorted(Assignment.objects.values_list("item__code", "unit__name", "status", "version")),
        StatusUpdate.objects.count(),
        ExtensionRequest.objects.count(),
        Supervision.objects.count(),
        sorted(DirectiveCandidate.objects.values_list("source__key", "start", "state", "item")),
    )


def load_on(day: date) -> str:
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=COUNTY), tick=False):
        out = StringIO()
        call_command("load_demo", stdout=out)
        return out.getvalue()


# Early in a year (last year's plan still running) and late in another (this year's).
@pytest.mark.parametrize("years_on, month, day", [(1, 3, 1), (3, 11, 20)])
def test_loaded_on_any_day_the_demo_is_a_county_mid_stream(db, today, years_on, month, day):
    when = date(today.year + years_on, month, day)
    load_on(when)
    plan = plan_year(when)
    # This year's plan, and last year's, closed on 1 March with its figures frozen.
    assert set(ChecklistItem.objects.values_list("year", flat=True)) == {plan - 1, plan}
    for year, code in ChecklistItem.objects.values_list("year", "code"):
        assert code.startswith(f"{year}-")
    closed = WorkYear.objects.get(year=plan - 1)
    assert closed.is_closed and closed.closed_on == date(plan, 3, 1)
    assert closed.frozen["total"] > 0 and closed.frozen["verified"] > closed.frozen["total"] / 3
    assert not StatusUpdate.objects.filter(
        assignment__item__year=plan - 1, created_at__gt=closed.closed_at
    ).exists()
    assert {s.year for s in Source.objects.values_list("date", flat=True) if s} == {plan}
    # 讲话分解 shows the speeches processed, their accepted candidates this plan's tasks.
    accepted = DirectiveCandidate.objects.filter(state="accepted")
    assert accepted.exists() and set(accepted.values_list("item__year", flat=True)) == {plan}

    with time_machine.travel(datetime.combine(when, time(11), tzinfo=COUNTY), tick=False):
        assert current_year(today=when) == plan
        leader = User.objects.get(username="lingdao")
        board = build_dashboard(leader, DashboardFilters(year=plan), today=when)
        lights = dict(board.lights)
        counted = sum(lights.values())
        assert lights["red"] < counted / 3, lights
        assert lights["grey"] > lights["red"], lights  # most past-due work is closed
        assert lights["yellow"] and lights["green"] > counted / 10, lights
        assert board.red_list and board.missing_reports and board.weekly[-1][1] > 0
        assert board.weekly_last_year and board.weekly_last_year[-1][1] > 0
        this_years = Assignment.objects.filter(item__year=plan)
        assert this_years.filter(status="submitted").count() >= 5
        assert (
            ExtensionRequest.objects.filter(state="pending", assignment__item__year=plan).count()
            >= 2
        )
        assert Supervision.objects.filter(resolved_at__isnull=True).exists()
        # No history from the future: everything the demo wrote happened by today.
        assert not StatusUpdate.objects.filter(created_at__gt=datetime.now(COUNTY)).exists()

        client = Client()
        client.force_login(User.objects.get(username="xiangzhen1"))
        for name in ("home", "dashboard", "assignment_list", "notice_list", "return_sheet"):
            assert client.get(reverse(name)).status_code == 200, name
        tasks = client.get(reverse("assignment_list")).context["table"].data
        assert len(tasks) > 0
        client.force_login(User.objects.get(username="anweiban"))
        queue = client.get(reverse("review_queue")).context
        assert queue["submissions"] and queue["extensions"]
        assert client.get(reverse("bulletin_export")).status_code == 200

    before = snapshot()
    again = load_on(when)
    assert (
        "新增责任分解 0 条，生成演示进度 0 条，延期申请和督办 0 条，讲话分解中的部署要求 0 条"
        in again
    )
    assert snapshot() == before
    # A year later the demo keeps the plan and the story it was first loaded with.
    later = date(when.year + 1, when.month, 1)
    assert f"{plan}年度" in load_on(later)
    assert snapshot() == before
    assert demo.demo_shift(later) == plan - TEMPLATE_YEAR


def test_a_code_with_superscript_digits_is_not_taken_for_a_year():
    from checklist.models import year_of_code

    assert shift_code("²⁰²⁶-015", 1) == "²⁰²⁶-015"
    assert year_of_code("²²²²-001") is None
    assert year_of_code("2031-001") == 2031
