"""Progress arithmetic and the traffic light: one function, used by every page and export.

Pure functions, no database: they take dates and numbers and give answers.
"""

from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal


def percent_of_target(quantity, target) -> int:
    """A quantity done as a whole percent of its target, rounded down, at most 100."""
    ratio = (Decimal(quantity) * 100 / Decimal(target)).to_integral_value(rounding=ROUND_FLOOR)
    return int(min(ratio, 100))


RED, YELLOW, GREEN, GREY = "red", "yellow", "green", "grey"
LIGHT_LABELS = {RED: "红灯", YELLOW: "黄灯", GREEN: "绿灯", GREY: "已办结"}
DUE_SOON_DAYS = 7
YELLOW_BEHIND = 10
RED_BEHIND = 30


@dataclass(frozen=True)
class Progress:
    percent: int
    schedule: int | None  # 序时进度: the share of the start→due window that has passed
    behind: int  # points behind schedule, 0 when on or ahead of it
    overdue: bool
    days_left: int | None
    light: str

    @property
    def light_label(self) -> str:
        return LIGHT_LABELS[self.light]


def schedule_percent(start: date, due: date | None, today: date) -> int | None:
    """How far through its window an assignment should be, 0–100; None when there is no due date."""
    if due is None:
        return None
    if today >= due:
        return 100
    if today <= start:
        return 0
    return round(100 * (today - start).days / max((due - start).days, 1))


def _light(*, verified: bool, overdue: bool, days_left: int | None, behind: int) -> str:
    """The rule itself, on the window's arithmetic already done."""
    if verified:
        return GREY
    if overdue or behind > RED_BEHIND:
        return RED
    if (days_left is not None and days_left <= DUE_SOON_DAYS) or behind >= YELLOW_BEHIND:
        return YELLOW
    return GREEN


def waiting_on_office(*, status: str, due: date | None, submitted_on: date | None) -> bool:
    """Submitted for 销号 on or before its due date: the unit did its part in time, and until
    the office reviews it the next move is the office's. Such a task is never the unit's
    逾期, whatever the date; a submission after the due date was late and stays so."""
    return (
        status == "submitted" and submitted_on is not None and (due is None or submitted_on <= due)
    )


def progress(
    *,
    status: str,
    percent: int,
    start: date,
    due: date | None,
    today: date,
    submitted_on: date | None = None,
) -> Progress:
    """The traffic light (红黄绿灯) of one assignment.

    red: past due, or more than 30 points behind schedule; yellow: due within 7 days, or
    10–30 points behind; green otherwise; grey once verified (the light stops there).
    Submitted in time (waiting_on_office) is green: the unit is done and not late.
    submitted_on is the county date of the submission, for submitted assignments.
    """
    schedule = schedule_percent(start, due, today)
    behind = max((schedule or 0) - percent, 0)
    days_left = (due - today).days if due else None
    if waiting_on_office(status=status, due=due, submitted_on=submitted_on):
        return Progress(percent, schedule, behind, False, days_left, GREEN)
    overdue = status != "verified" and due is not None and due < today
    light = _light(
        verified=status == "verified", overdue=overdue, days_left=days_left, behind=behind
    )
    return Progress(percent, schedule, behind, overdue, days_left, light)


def light_bounds(*, start: date, due: date | None, today: date) -> tuple[int, int]:
    """(red_below, yellow_below) of an open assignment of this start→due window.

    The same rule as progress(), turned round for pages that count or filter thousands of
    assignments by window instead of one by one: an open assignment not waiting on the office
    (neither verified nor submitted in time, which are grey and green) is red when
    its percent is below the first bound, yellow when below the second and not red, green
    otherwise. Overdue: (101, 101), every percent is red; 长期 (no due date): (0, 0), green.
    """
    days_left = (due - today).days if due else None
    if due is not None and due < today:
        return 101, 101
    schedule = schedule_percent(start, due, today) or 0
    # behind = schedule - percent: red when behind > RED_BEHIND, yellow when >= YELLOW_BEHIND.
    red_below = min(max(schedule - RED_BEHIND, 0), 101)
    yellow_below = min(max(schedule - YELLOW_BEHIND + 1, 0), 101)
    if days_left is not None and days_left <= DUE_SOON_DAYS:
        yellow_below = 101
    return red_below, max(red_below, yellow_below)


def light_from_bounds(percent: int, bounds: tuple[int, int]) -> str:
    """The light of an open assignment from its window's light_bounds()."""
    red_below, yellow_below = bounds
    return RED if percent < red_below else YELLOW if percent < yellow_below else GREEN


def format_quantity(value) -> str:
    """40.00 → "40", 12.50 → "12.5"; None → "0"."""
    if value is None:
        return "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
