"""年度: which year's plan a page shows, and which years are closed (read only).

The current 年度 is the newest year up to this one that has published items and is still
open: in January the office is still closing last year's plan, and until this year's plan is
published its pages would be empty. A year with nothing published falls back to the calendar
year. Closing and carrying over are in year_close.py.
"""

from datetime import date

from django.db.models import Max

from checklist.models import ChecklistItem, WorkYear


def closed_years() -> set[int]:
    return set(WorkYear.objects.filter(state=WorkYear.State.CLOSED).values_list("year", flat=True))


def is_closed(year: int) -> bool:
    return WorkYear.objects.filter(year=year, state=WorkYear.State.CLOSED).exists()


def current_year(*, today: date) -> int:
    newest = (
        ChecklistItem.objects.published()
        .filter(year__lte=today.year)
        .exclude(year__in=WorkYear.objects.filter(state=WorkYear.State.CLOSED).values("year"))
        .aggregate(newest=Max("year"))["newest"]
    )
    return newest or today.year


def year_choices(*, today: date) -> list[int]:
    """Every year that has items or a 年度 row, and the current one, newest first."""
    years = set(ChecklistItem.objects.order_by().values_list("year", flat=True).distinct())
    years |= set(WorkYear.objects.values_list("year", flat=True))
    years.add(current_year(today=today))
    return sorted(years, reverse=True)


def parse_year(value) -> int | None:
    """A 年度 from a query string or form: four digits in 2000–2099, else None."""
    value = str(value or "").strip().removesuffix("年度").removesuffix("年")
    if len(value) == 4 and value.isdigit() and 2000 <= int(value) <= 2099:
        return int(value)
    return None


def selected_year(params, *, today: date) -> int:
    """The ?year= of a page, or the current 年度."""
    return parse_year(params.get("year")) or current_year(today=today)


def figures_day(year: int, *, today: date) -> date:
    """The day a year's figures are counted on: its closing day once closed, else today."""
    closed_on = (
        WorkYear.objects.filter(year=year, state=WorkYear.State.CLOSED)
        .values_list("closed_on", flat=True)
        .first()
    )
    return min(closed_on, today) if closed_on else today
