"""Reporting periods of long-term items (每周 / 每月28日前 / 每季度): pure date arithmetic."""

import calendar
from datetime import date, timedelta


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _period(cadence: str, day: int | None, anchor: date) -> tuple[date, date]:
    if cadence == "weekly":
        start = anchor - timedelta(days=anchor.weekday())
        return start, start + timedelta(days=6)
    if cadence == "monthly":
        start = anchor.replace(day=1)
        end = _month_end(anchor.year, anchor.month)
        return start, end.replace(day=min(day, end.day)) if day else end
    if cadence == "quarterly":
        first_month = 3 * ((anchor.month - 1) // 3) + 1
        start = date(anchor.year, first_month, 1)
        end = _month_end(anchor.year, first_month + 2)
        return start, end.replace(day=min(day, end.day)) if day else end
    raise ValueError(f"no reporting period for cadence {cadence!r}")


def due_period(cadence: str, day: int | None, today: date) -> tuple[date, date] | None:
    """The latest period whose report deadline has passed: (first day, deadline), inclusive.

    Before this period's deadline, the previous period is the one that can be missing.
    """
    if cadence not in ("weekly", "monthly", "quarterly"):
        return None
    start, deadline = _period(cadence, day, today)
    if deadline < today:
        return start, deadline
    return _period(cadence, day, start - timedelta(days=1))


def current_period(cadence: str, day: int | None, today: date) -> tuple[date, date] | None:
    """This period (first day, report deadline), for reminders of reports still to come."""
    if cadence not in ("weekly", "monthly", "quarterly"):
        return None
    return _period(cadence, day, today)
