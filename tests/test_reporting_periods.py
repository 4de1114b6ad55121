"""Reporting periods from the database: who missed their last period (dated and long-term
items alike), each assignment's period calendar, and each unit's 报送情况."""

from datetime import time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from tests.conftest import local
from tracker import services
from tracker.cadence import last_due, next_due
from tracker.models import Assignment
from tracker.periods import LATE, MISSED, NOT_DUE, ON_TIME, PAUSED, Tally
from tracker.reporting import (
    assignment_periods,
    missed_last_period,
    missed_reports_of,
    reports_due_in,
    unit_tallies,
)


def monthly_item(world, code, *, dated=False, start=None):
    start = start or world.today - timedelta(days=150)
    return ChecklistItem.objects.create(
        code=f"{world.year}-{code}", title=f"每月报送任务{code}", theme=world.theme,
        start_date=start, deadline=world.today + timedelta(days=60) if dated else None,
        cadence="monthly", cadence_day=28, state="published", published_at=local(start),
    )  # fmt: skip


def give(world, item, unit, *, on=None):
    return services.assignment_create(
        item=item, unit=unit, user=world.office, at=local(on or item.start_date)
    )


def report(world, assignment, day, at=time(9)):
    user = world.staff_a if assignment.unit == world.town_a else world.staff_b
    services.assignment_report(assignment=assignment, user=user, note="本期情况", at=local(day, at))


@pytest.fixture
def periods(today):
    """The last period due (its deadline passed) and the one before it."""
    last = last_due("monthly", 28, today)
    return last_due("monthly", 28, last.start), last


def missed(world):
    qs, _ = missed_last_period(Assignment.objects.all(), today=world.today)
    return set(qs)


def test_a_dated_task_reported_monthly_is_missed_like_a_long_term_one(world, periods):
    _, last = periods
    dated = give(world, monthly_item(world, "701", dated=True), world.town_a)
    long_term = give(world, monthly_item(world, "702"), world.town_b)
    reported = give(world, monthly_item(world, "703", dated=True), world.town_b)
    report(world, reported, last.deadline)
    assert missed(world) == {dated, long_term}


def test_a_late_report_takes_the_task_off_the_list_but_stays_late(world, periods):
    _, last = periods
    a = give(world, monthly_item(world, "704"), world.town_a)
    report(world, a, last.deadline + timedelta(days=1))
    assert missed(world) == set()
    calendar = assignment_periods(a, today=world.today)
    entry = next(p for p in calendar if p.period == last)
    assert (entry.status, entry.late_days) == (LATE, 1)


def test_the_county_date_decides_the_period_not_the_servers_utc(world, periods):
    _, last = periods
    a = give(world, monthly_item(world, "705"), world.town_a)
    # 00:30 in the county on the day after the deadline is still the deadline day in UTC.
    report(world, a, last.deadline + timedelta(days=1), at=time(0, 30))
    entry = next(p for p in assignment_periods(a, today=world.today) if p.period == last)
    assert entry.status == LATE
    b = give(world, monthly_item(world, "706"), world.town_b)
    # 07:00 on the first day is the day before in UTC, and already the new period.
    report(world, b, last.start, at=time(7))
    assert missed(world) == set()  # a reported late, b on time
    entry = next(p for p in assignment_periods(b, today=world.today) if p.period == last)
    assert entry.status == ON_TIME


def test_work_given_less_than_a_week_before_the_deadline_owes_nothing_for_that_period(
    world, periods
):
    _, last = periods
    item = monthly_item(world, "707")
    late_given = give(world, item, world.town_a, on=last.deadline - timedelta(days=5))
    in_time = give(world, item, world.town_b, on=last.deadline - timedelta(days=6))
    assert missed(world) == {in_time}
    assert assignment_periods(late_given, today=world.today)[0].period.start > last.start


def test_a_period_whose_deadline_passed_while_the_office_held_the_submission_is_not_missed(
    world, periods
):
    before, last = periods
    a = give(world, monthly_item(world, "708"), world.town_a)
    services.assignment_submit(
        assignment=a, user=world.staff_a, percent=100, note="已完成", at=local(before.deadline)
    )
    services.assignment_return(
        assignment=a, user=world.office, reason="材料不全", at=local(last.deadline + timedelta(1))
    )
    assert missed(world) == set()
    by_period = {p.period: p.status for p in assignment_periods(a, today=world.today)}
    assert by_period[before] == ON_TIME and by_period[last] == PAUSED


def test_a_closed_years_tasks_are_not_chased(world, periods):
    a = give(world, monthly_item(world, "709"), world.town_a)
    assert missed(world) == {a}
    WorkYear.objects.create(
        year=world.year, state="closed", closed_on=world.today, closed_at=timezone.now()
    )
    assert missed(world) == set()


def test_the_calendar_marks_each_period_and_ends_with_the_next_one_due(world, periods):
    before, last = periods
    a = give(world, monthly_item(world, "710"), world.town_a)
    report(world, a, before.deadline)
    calendar = assignment_periods(a, today=world.today)
    # The same report made up the period before, a month late; the earlier ones stay missed.
    assert [p.symbol for p in calendar[-4:]] == ["⚠", "✔", "✘", "…"]
    assert calendar[-4].late_days == (before.deadline - calendar[-4].deadline).days
    assert [p.period for p in calendar[-3:-1]] == list(periods)
    assert calendar[-1].status == NOT_DUE
    assert calendar[-1].period == next_due("monthly", 28, world.today)
    assert {p.status for p in calendar[:-4]} == {MISSED}


def test_a_task_without_a_cadence_has_no_calendar(world):
    assert assignment_periods(world.a_item, today=world.today) == []


def test_each_units_tally_is_the_sum_of_its_tasks_calendars(world, periods):
    before, last = periods
    a1 = give(world, monthly_item(world, "711"), world.town_a)
    a2 = give(world, monthly_item(world, "712", dated=True), world.town_a)
    b1 = give(world, monthly_item(world, "713"), world.town_b)
    report(world, a1, before.deadline)
    report(world, a2, before.deadline + timedelta(days=3))
    report(world, b1, last.start)
    tallies = unit_tallies(Assignment.objects.all(), today=world.today)
    for unit, assignments in ((world.town_a, [a1, a2]), (world.town_b, [b1])):
        due = [
            p
            for a in assignments
            for p in assignment_periods(a, today=world.today)
            if p.counted and p.deadline < world.today
        ]
        assert tallies[unit.pk] == Tally(
            due=len(due),
            on_time=sum(p.status == ON_TIME for p in due),
            late=sum(p.status == LATE for p in due),
            missed=sum(p.status == MISSED for p in due),
            late_days=sum(p.late_days or 0 for p in due),
        )
    # a2 three days late in the last month but one; a1's report made up the month before.
    assert tallies[world.town_a.pk].late == 2
    assert (
        tallies[world.town_a.pk].late_days
        == 3 + (before.deadline - last_due("monthly", 28, before.start).deadline).days
    )
    assert world.dept.pk not in tallies  # no task of it has a cadence


def test_the_tallies_take_a_fixed_number_of_queries(world, periods):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            unit_tallies(Assignment.objects.all(), today=world.today)
        return len(ctx)

    give(world, monthly_item(world, "714"), world.town_a)
    few = count()
    for n in range(5):
        item = monthly_item(world, f"72{n}", dated=n % 2 == 0)
        report(world, give(world, item, world.town_b), periods[0].deadline)
    assert count() == few


def test_a_report_due_in_three_days_is_found_until_it_is_made(world, today):
    coming = next_due("monthly", 28, today + timedelta(days=3))
    day = coming.deadline - timedelta(days=3)
    a = give(world, monthly_item(world, "715", start=day - timedelta(days=90)), world.town_a)
    due, found = reports_due_in(Assignment.objects.all(), today=day, days=(3, 1))
    assert list(due) == [a] and found[("monthly", 28)] == coming
    report(world, a, day)
    assert not reports_due_in(Assignment.objects.all(), today=day, days=(3, 1))[0].exists()


def test_staff_see_only_their_own_units_missed_reports(world, periods):
    item = monthly_item(world, "716")
    give(world, item, world.town_a)
    give(world, item, world.town_b)
    own = missed_reports_of(world.staff_a, today=world.today)
    assert [o.assignment.unit for o in own] == [world.town_a]
    assert own[0].period == periods[1]
    assert len(missed_reports_of(world.office, today=world.today)) == 2


def test_the_dashboard_lists_a_dated_tasks_missed_period_with_its_deadline(world, periods):
    from tracker.dashboard import DashboardFilters, build_dashboard

    _, last = periods
    dated = give(world, monthly_item(world, "730", dated=True), world.town_b)
    board = build_dashboard(world.office, DashboardFilters(), today=world.today)
    [entry] = board.missing_reports
    assert entry["unit"] == world.town_b.name and entry["count"] == 1
    assert entry["items"][0]["pk"] == dated.pk
    assert entry["items"][0]["deadline"] == f"{last.deadline.month}月{last.deadline.day}日"
    staff_board = build_dashboard(world.staff_a, DashboardFilters(), today=world.today)
    assert staff_board.missing_reports == []
