"""Reporting periods of one assignment, without a database: which periods count, and whether
each was reported on time (按期), late (迟报), not at all (未报) or is not due yet (未到期)."""

from datetime import date, timedelta

import pytest

from tracker.cadence import last_due, next_due, period_of, periods_between
from tracker.periods import (
    LATE,
    MISSED,
    NOT_DUE,
    ON_TIME,
    PAUSED,
    Calendar,
    Tally,
    Track,
    period_statuses,
    summarize,
    tally,
    tally_by_walking,
)


@pytest.fixture
def year(today):
    """A whole year before today's, so every date of it has passed."""
    return today.year - 1


def d(year, month, day):
    return date(year, month, day)


def statuses(track, today, cadence="monthly", day=28):
    return [
        (p.period.start.month, p.status, p.late_days)
        for p in period_statuses(cadence, day, track, today=today)
    ]


# --- where periods fall ---------------------------------------------------------------------


def test_a_weekly_report_due_on_friday_is_due_on_the_friday_of_each_monday_to_sunday_week(year):
    wednesday = d(year, 6, 10) + timedelta(days=(2 - d(year, 6, 10).weekday()) % 7)
    week = period_of("weekly", 5, wednesday)
    assert week.start.weekday() == 0 and week.end.weekday() == 6
    assert week.deadline == week.start + timedelta(days=4)
    assert period_of("weekly", None, wednesday).deadline == week.end


def test_a_half_year_runs_january_to_june_and_july_to_december(year):
    assert period_of("semiannual", None, d(year, 3, 5)) == (
        d(year, 1, 1), d(year, 6, 30), d(year, 6, 30)
    )  # fmt: skip
    assert period_of("semiannual", 20, d(year, 8, 5)) == (
        d(year, 7, 1), d(year, 12, 20), d(year, 12, 31)
    )  # fmt: skip


def test_a_quarterly_day_is_a_day_of_the_quarters_last_month(year):
    assert period_of("quarterly", 20, d(year, 4, 2)).deadline == d(year, 6, 20)


def test_a_monthly_day_past_the_month_end_is_due_on_its_last_day(year):
    assert period_of("monthly", 31, d(year, 4, 9)).deadline == d(year, 4, 30)


def test_the_last_due_period_is_the_previous_one_until_this_ones_deadline_has_passed(year):
    assert last_due("monthly", 28, d(year, 11, 28)).start == d(year, 10, 1)
    assert last_due("monthly", 28, d(year, 11, 29)).start == d(year, 11, 1)
    assert next_due("monthly", 28, d(year, 11, 28)).start == d(year, 11, 1)
    assert next_due("monthly", 28, d(year, 11, 29)).start == d(year, 12, 1)


def test_items_without_a_cadence_have_no_periods(year):
    assert period_of("none", None, d(year, 5, 1)) is None
    assert periods_between("none", None, d(year, 1, 1), d(year, 5, 1)) == []
    assert period_statuses("none", None, Track(began=d(year, 1, 1)), today=d(year, 5, 1)) == []


# --- on time, late, missed, not due ---------------------------------------------------------


def test_a_report_from_the_first_day_to_the_deadline_is_on_time(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 1, 1), d(year, 2, 28)))
    assert statuses(track, d(year, 3, 1)) == [(1, ON_TIME, None), (2, ON_TIME, None), (3, NOT_DUE, None)]  # fmt: skip


def test_a_report_after_the_deadline_is_late_by_its_days_and_also_answers_the_next_period(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 2, 3),))
    assert statuses(track, d(year, 3, 1)) == [(1, LATE, 6), (2, ON_TIME, None), (3, NOT_DUE, None)]  # fmt: skip


def test_a_report_in_the_days_after_the_deadline_is_late_for_its_own_month(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 1, 30),))
    assert statuses(track, d(year, 2, 10))[:2] == [(1, LATE, 2), (2, NOT_DUE, None)]


def test_a_missed_period_can_be_made_up_until_the_next_deadline_and_not_after(year):
    began = d(year, 1, 1)
    assert statuses(Track(began), d(year, 2, 20))[0] == (1, MISSED, None)
    made_up = Track(began, reports=(d(year, 2, 28),))
    assert statuses(made_up, d(year, 3, 1))[0] == (1, LATE, 31)
    too_late = Track(began, reports=(d(year, 3, 1),))
    assert statuses(too_late, d(year, 3, 2))[:2] == [(1, MISSED, None), (2, LATE, 1)]


def test_a_period_reported_early_is_on_time_but_not_yet_counted(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 3, 2),))
    today = d(year, 3, 5)
    assert statuses(track, today)[-1] == (3, ON_TIME, None)
    calendar = Calendar("monthly", 28, d(year, 1, 1), today)
    # The same report is February's, late by two days: January alone is missed.
    assert tally(calendar, track, today=today) == Tally(2, on_time=0, late=1, missed=1, late_days=2)


def test_a_weekly_report_due_friday_made_on_saturday_is_one_day_late(year):
    monday = d(year, 6, 1) + timedelta(days=-d(year, 6, 1).weekday() % 7)
    track = Track(began=monday - timedelta(days=14), reports=(monday + timedelta(days=5),))
    found = period_statuses("weekly", 5, track, today=monday + timedelta(days=6))
    assert [(p.status, p.late_days) for p in found] == [(MISSED, None), (LATE, 1), (NOT_DUE, None)]
    assert found[1].label == "迟报 1 天" and found[1].symbol == "⚠"


# --- which periods count --------------------------------------------------------------------


def test_a_period_counts_when_the_work_began_at_least_seven_days_before_its_deadline(year):
    today = d(year, 4, 1)
    assert statuses(Track(began=d(year, 1, 22)), today)[0][0] == 1
    assert statuses(Track(began=d(year, 1, 23)), today)[0][0] == 2


def test_a_dated_assignments_periods_stop_at_its_due_date(year):
    track = Track(began=d(year, 1, 1), due=d(year, 3, 20))
    assert [m for m, *_ in statuses(track, d(year, 6, 1))] == [1, 2]


def test_periods_due_while_the_office_held_the_submission_do_not_count(year):
    # Submitted in January, returned on 5 March: February's deadline fell while it waited.
    track = Track(
        began=d(year, 1, 1),
        reports=(d(year, 1, 10),),
        held=((d(year, 1, 10), d(year, 3, 5)),),
    )
    assert statuses(track, d(year, 4, 1)) == [
        (1, ON_TIME, None), (2, PAUSED, None), (3, MISSED, None), (4, NOT_DUE, None)
    ]  # fmt: skip


def test_no_period_counts_after_an_approved_submission(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 2, 10),), held=((d(year, 2, 10), None),))
    calendar = Calendar("monthly", 28, d(year, 1, 1), d(year, 6, 1))
    assert tally(calendar, track, today=d(year, 6, 1)) == Tally(
        due=2, on_time=1, late=1, missed=0, late_days=13
    )


def test_a_tally_reads_as_the_bulletin_writes_it(year):
    track = Track(began=d(year, 1, 1), reports=(d(year, 1, 5), d(year, 3, 30)))
    calendar = Calendar("monthly", 28, d(year, 1, 1), d(year, 4, 1))
    counts = tally(calendar, track, today=d(year, 4, 1))
    assert counts.text == "应报 3 期，按期 1，迟报 1，未报 1"
    assert (counts + counts).due == 6 and counts.on_time_rate == 33.3


def test_a_calendar_shared_by_many_assignments_gives_each_the_same_answer_as_its_own(year):
    today = d(year, 12, 10)
    shared = Calendar("monthly", 28, d(year, 1, 1), today)
    track = Track(began=d(year, 5, 9), reports=(d(year, 6, 2), d(year, 8, 29), d(year, 9, 1)))
    own = period_statuses("monthly", 28, track, today=today)
    assert tally(shared, track, today=today) == summarize(own)
    assert summarize(own).late == 2 and own[-1].status == NOT_DUE and not own[-1].due
    assert [p.name for p in own][:2] == [f"{year}年5月", f"{year}年6月"]


@pytest.mark.parametrize(
    ("cadence", "day"),
    [("weekly", None), ("weekly", 3), ("monthly", 28), ("monthly", None), ("quarterly", 20),
     ("semiannual", None)],
)  # fmt: skip
def test_the_quick_count_agrees_with_walking_every_period(year, cadence, day):
    import random

    rng = random.Random(f"{cadence}{day}")
    first, today = d(year, 1, 1), d(year + 1, 3, 15)
    calendar = Calendar(cadence, day, first, today)
    for _ in range(300):
        began = first + timedelta(days=rng.randint(0, 400))
        span = (today - began).days
        reports = sorted(
            {
                began + timedelta(days=rng.randint(0, max(span, 0)))
                for _ in range(rng.randint(0, 30))
            }
        )
        due = began + timedelta(days=rng.randint(0, 500)) if rng.random() < 0.5 else None
        track = Track(began, tuple(r for r in reports if r < today), due=due)
        assert tally(calendar, track, today=today) == tally_by_walking(
            calendar, track, today=today
        ), track


def test_a_calendar_that_starts_after_the_work_began_is_refused(year):
    calendar = Calendar("monthly", 28, d(year, 6, 1), d(year, 9, 1))
    with pytest.raises(ValueError):
        tally(calendar, Track(began=d(year, 1, 1)), today=d(year, 9, 1))


def test_an_items_cadence_reads_as_an_office_writes_it():
    from checklist.models import ChecklistItem

    def label(cadence, day):
        return ChecklistItem(cadence=cadence, cadence_day=day).cadence_label

    assert label("weekly", 5) == "每周五前" and label("weekly", None) == "每周"
    assert label("monthly", 28) == "每月28日前"
    assert label("quarterly", 20) == "每季度末月20日前"
    assert label("semiannual", None) == "每半年"
