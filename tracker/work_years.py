"""年度: which year's plan a page shows, and which years are closed (read only).

The current 年度 is the newest year up to this one that has published items and is still
open: in January the office is still closing last year's plan, and until this year's plan is
published its pages would be empty. A year with nothing published falls back to the calendar
year. Closing and carrying over are in year_close.py.
"""

import re
from dataclasses import dataclass
from datetime import date

from checklist.models import ChecklistItem, WorkYear


def closed_years() -> set[int]:
    return set(WorkYear.objects.filter(state=WorkYear.State.CLOSED).values_list("year", flat=True))


def is_closed(year: int) -> bool:
    return WorkYear.objects.filter(year=year, state=WorkYear.State.CLOSED).exists()


def current_year(*, today: date) -> int:
    return years_info(today=today).current


def year_choices(*, today: date) -> list[int]:
    """Every year that has items or a 年度 row, and the current one, newest first."""
    return years_info(today=today).choices


def parse_year(value) -> int | None:
    """A 年度 from a query string or form: four digits in 2000–2099, else None."""
    value = str(value or "").strip().removesuffix("年度").removesuffix("年")
    # ASCII digits only: "²²²²".isdigit() is true too, and int() refuses it.
    if re.fullmatch(r"[0-9]{4}", value) and 2000 <= int(value) <= 2099:
        return int(value)
    return None


@dataclass(frozen=True)
class Years:
    """What a page with a 年度 switcher needs, read in two queries: the current 年度, the years
    to offer, and the closing day of each closed one."""

    current: int
    choices: list[int]
    closed_on: dict[int, date]

    def selected(self, params) -> int:
        return parse_year(params.get("year")) or self.current

    def figures_day(self, year: int, *, today: date) -> date:
        closed_on = self.closed_on.get(year)
        return min(closed_on, today) if closed_on else today


def years_info(*, today: date) -> Years:
    """The current 年度, the years to offer and each closed year's closing day, in two queries."""
    records = list(WorkYear.objects.values_list("year", "state", "closed_on"))
    closed_on = {y: day for y, state, day in records if state == WorkYear.State.CLOSED and day}
    closed = {y for y, state, _ in records if state == WorkYear.State.CLOSED}
    item_years = set(ChecklistItem.objects.order_by().values_list("year", "state").distinct())
    open_published = [
        y
        for y, state in item_years
        if state == ChecklistItem.State.PUBLISHED and y <= today.year and y not in closed
    ]
    current = max(open_published) if open_published else today.year
    choices = {y for y, _ in item_years} | {y for y, _, _ in records} | {current}
    return Years(current=current, choices=sorted(choices, reverse=True), closed_on=closed_on)
