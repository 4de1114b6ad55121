"""Inspection periods (月 / 季): which days they span, their names in the query string and on
the page. Pure functions, no Django."""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Period:
    kind: str  # "month" | "quarter"
    year: int
    number: int  # month 1–12 or quarter 1–4

    @property
    def start(self) -> date:
        month = self.number if self.kind == "month" else 3 * self.number - 2
        return date(self.year, month, 1)

    @property
    def end(self) -> date:
        """The last day of the period."""
        months = 1 if self.kind == "month" else 3
        month = self.start.month + months
        year = self.year + (month - 1) // 12
        month = (month - 1) % 12 + 1
        return date(year, month, 1) - timedelta(days=1)

    @property
    def key(self) -> str:
        """As the query string carries it: 2026-Q3 or 2026-07."""
        if self.kind == "quarter":
            return f"{self.year}-Q{self.number}"
        return f"{self.year}-{self.number:02d}"

    @property
    def label(self) -> str:
        if self.kind == "quarter":
            return f"{self.year}年第{'一二三四'[self.number - 1]}季度"
        return f"{self.year}年{self.number}月"

    def previous(self) -> "Period":
        if self.number > 1:
            return Period(self.kind, self.year, self.number - 1)
        return Period(self.kind, self.year - 1, 12 if self.kind == "month" else 4)

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


def quarter_of(day: date) -> Period:
    return Period("quarter", day.year, (day.month - 1) // 3 + 1)


def month_of(day: date) -> Period:
    return Period("month", day.year, day.month)


def parse(text: str | None) -> Period | None:
    """2026-Q3, 2026q3 or 2026-07 → the period; anything else → None."""
    text = (text or "").strip().upper()
    year, sep, rest = text.partition("-")
    if not sep or not (year.isascii() and year.isdigit() and len(year) == 4):
        return None
    if not 1900 < int(year) < 2200:
        return None
    if rest.startswith("Q") and rest[1:] in ("1", "2", "3", "4"):
        return Period("quarter", int(year), int(rest[1:]))
    if rest.isascii() and rest.isdigit() and len(rest) <= 2 and 1 <= int(rest) <= 12:
        return Period("month", int(year), int(rest))
    return None


def recent(today: date, kind: str, count: int) -> list[Period]:
    """The current period and the ones before it, newest first."""
    period = quarter_of(today) if kind == "quarter" else month_of(today)
    periods = []
    for _ in range(count):
        periods.append(period)
        period = period.previous()
    return periods
