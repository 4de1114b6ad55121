"""Reporting periods, without a database, on fixed days: month ends, weeks and quarters are
the point."""

from datetime import date

from tracker.cadence import current_period, due_period


def test_a_monthly_report_by_the_28th_is_missing_only_after_the_28th():
    assert due_period("monthly", 28, date(2026, 11, 29)) == (date(2026, 11, 1), date(2026, 11, 28))
    assert due_period("monthly", 28, date(2026, 11, 28)) == (date(2026, 10, 1), date(2026, 10, 28))


def test_a_monthly_day_past_the_month_end_falls_on_the_last_day():
    assert current_period("monthly", 31, date(2026, 2, 10)) == (date(2026, 2, 1), date(2026, 2, 28))


def test_a_weekly_period_runs_monday_to_sunday():
    assert current_period("weekly", None, date(2026, 11, 25)) == (
        date(2026, 11, 23),
        date(2026, 11, 29),
    )
    assert due_period("weekly", None, date(2026, 11, 25)) == (
        date(2026, 11, 16),
        date(2026, 11, 22),
    )


def test_a_quarterly_period_ends_with_its_quarter():
    assert current_period("quarterly", None, date(2026, 11, 22)) == (
        date(2026, 10, 1),
        date(2026, 12, 31),
    )
    assert due_period("quarterly", None, date(2026, 11, 22)) == (
        date(2026, 7, 1),
        date(2026, 9, 30),
    )
    assert due_period("quarterly", None, date(2026, 1, 5)) == (
        date(2025, 10, 1),
        date(2025, 12, 31),
    )


def test_items_without_a_cadence_have_no_period():
    assert due_period("none", None, date(2026, 11, 22)) is None
