"""The demo county's calendar, computed from the day it is loaded.

The fixtures keep what is true of the speeches (passages, units, themes, targets) and write
their plan in one template year: meetings in January–March, work starting in spring, deadlines
from June to the next June, long-term items reported monthly or quarterly. Loading moves the
whole plan by whole years so that the day of loading falls where the plan is mid-stream: from
May on, this year's plan; before May, last year's, whose deadlines still run into this spring
(the office is then still closing it, and this year's plan is not yet out).

Pure: no database; every function takes the dates it needs.
"""

from datetime import date, datetime

# The year the fixtures' dates are written in.
TEMPLATE_YEAR = 2026
# From this month on, the demo shows the current year's plan; before it, last year's.
NEW_PLAN_MONTH = 5


def plan_year(today: date) -> int:
    """The 年度 of the demo's plan when loaded on ``today``."""
    return today.year if today.month >= NEW_PLAN_MONTH else today.year - 1


def shift_date(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a common year
        return day.replace(year=day.year + years, day=28)


def shift_value(value: str | None, years: int) -> str | None:
    """An ISO date or datetime of the fixtures moved by whole years; None stays None."""
    if not value or not years:
        return value
    if len(value) == 10:
        return shift_date(date.fromisoformat(value), years).isoformat()
    moment = datetime.fromisoformat(value)
    day = shift_date(moment.date(), years)
    return moment.replace(year=day.year, month=day.month, day=day.day).isoformat()


def shift_code(code: str, years: int) -> str:
    """2026-015 → 2027-015: each 编号 keeps its number in its plan's year."""
    head, sep, tail = code.partition("-")
    if sep and head.isascii() and head.isdigit() and len(head) == 4:
        return f"{int(head) + years}-{tail}"
    return code


def shift_source(fields: dict, years: int, plan: int) -> dict:
    """A speech of the collections, dated in the plan's year on its own month and day."""
    out = dict(fields)
    if out.get("date"):
        original = date.fromisoformat(out["date"])
        out["date"] = shift_date(original, plan - original.year).isoformat()
    out["created_at"] = shift_value(out.get("created_at"), years)
    return out


def shift_item(fields: dict, years: int) -> dict:
    out = dict(fields)
    out["code"] = shift_code(out["code"], years)
    out["year"] = TEMPLATE_YEAR + years
    for name in ("start_date", "deadline", "published_at", "created_at", "updated_at"):
        out[name] = shift_value(out.get(name), years)
    return out
