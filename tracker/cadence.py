"""Where a reporting cadence's periods fall: pure date arithmetic, no database.

每周 / 每周五前: Monday to Sunday; the report is due on the given weekday (1 = Monday … 7 =
Sunday; a larger number is read as Sunday), by default on Sunday.
每月 / 每月28日前: the calendar month; due on that day, or the month's last day if it is
shorter (每月31日前 is due on 30 April), by default on the last day.
每季度 / 每季度末月20日前: the calendar quarter; due on that day of its last month.
每半年 / 每半年末月20日前: January–June and July–December; due on that day of June or December.

Every period runs from its first day to its last, the next starts the day after, and its
deadline lies within it. Periods are computed from the cadence whenever they are needed (see
tracker.periods for why they are not stored).
"""

import calendar
from datetime import date, timedelta
from typing import NamedTuple

CADENCES = ("weekly", "monthly", "quarterly", "semiannual")
_MONTHS = {"monthly": 1, "quarterly": 3, "semiannual": 6}


class Period(NamedTuple):
    start: date  # the first day
    deadline: date  # the last day a report is on time
    end: date  # the last day; the next period starts the day after


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def period_of(cadence: str, day: int | None, anchor: date) -> Period | None:
    """The period holding this day; None for items without a cadence (不定期)."""
    if cadence == "weekly":
        start = anchor - timedelta(days=anchor.weekday())
        weekday = min(day, 7) if day else 7
        return Period(start, start + timedelta(days=weekday - 1), start + timedelta(days=6))
    months = _MONTHS.get(cadence)
    if months is None:
        return None
    first_month = months * ((anchor.month - 1) // months) + 1
    end = _month_end(anchor.year, first_month + months - 1)
    deadline = end.replace(day=min(day, end.day)) if day else end
    return Period(date(anchor.year, first_month, 1), deadline, end)


def next_period(cadence: str, day: int | None, period: Period) -> Period:
    return period_of(cadence, day, period.end + timedelta(days=1))


def last_due(cadence: str, day: int | None, today: date) -> Period | None:
    """The latest period whose report deadline has passed (deadline before today).

    Before this period's deadline, the previous period is the last one due.
    """
    period = period_of(cadence, day, today)
    if period is None or period.deadline < today:
        return period
    return period_of(cadence, day, period.start - timedelta(days=1))


def next_due(cadence: str, day: int | None, today: date) -> Period | None:
    """The first period whose report deadline is today or later."""
    period = period_of(cadence, day, today)
    if period is None or period.deadline >= today:
        return period
    return next_period(cadence, day, period)


def periods_between(cadence: str, day: int | None, first: date, last: date) -> list[Period]:
    """The periods from the one holding `first` to the one holding `last`, in order."""
    period = period_of(cadence, day, first)
    found = []
    while period is not None and period.start <= last:
        found.append(period)
        period = next_period(cadence, day, period)
    return found


def due_period(cadence: str, day: int | None, today: date) -> tuple[date, date] | None:
    """(first day, deadline) of the latest period whose deadline has passed."""
    period = last_due(cadence, day, today)
    return (period.start, period.deadline) if period else None


def current_period(cadence: str, day: int | None, today: date) -> tuple[date, date] | None:
    """(first day, deadline) of the period holding today."""
    period = period_of(cadence, day, today)
    return (period.start, period.deadline) if period else None
