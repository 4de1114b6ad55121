"""Progress arithmetic and the traffic light: one function, used by every page and export.

Pure functions, no database: they take dates and numbers and give answers.
"""

from dataclasses import dataclass
from datetime import date

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


def progress(*, status: str, percent: int, start: date, due: date | None, today: date) -> Progress:
    """The traffic light (红黄绿灯) of one assignment.

    red: past due, or more than 30 points behind schedule; yellow: due within 7 days, or
    10–30 points behind; green otherwise; grey once verified (the light stops there).
    """
    schedule = schedule_percent(start, due, today)
    behind = max((schedule or 0) - percent, 0)
    days_left = (due - today).days if due else None
    overdue = status != "verified" and due is not None and due < today
    if status == "verified":
        light = GREY
    elif overdue or behind > RED_BEHIND:
        light = RED
    elif (days_left is not None and days_left <= DUE_SOON_DAYS) or behind >= YELLOW_BEHIND:
        light = YELLOW
    else:
        light = GREEN
    return Progress(percent, schedule, behind, overdue, days_left, light)


def format_quantity(value) -> str:
    """40.00 → "40", 12.50 → "12.5"; None → "0"."""
    if value is None:
        return "0"
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text
