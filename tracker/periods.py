"""Reporting periods of one assignment: 按期, 迟报, 未报 or 未到期, from its report days.

Pure functions of an assignment's facts (`Track`) and `today`; no database. tracker.reporting
reads the facts; the dashboard, the reminders, the bulletin and the task page all ask here.

Every item with a 报送频次 has periods (tracker.cadence), dated items as well as 长期 ones.

What counts as a report
    A 报送进度 or 提交审核 row of the assignment's history; its day is the county's date of its
    time. Reports carry no period: each says where the work stands on that day.

When a period is 按期, 迟报 or 未报
    按期: a report from the period's first day to its deadline, both included.
    迟报: no such report, and the first report after the deadline comes no later than the next
    period's deadline; late by (that report's day − the deadline) days. The same report is
    also the next period's report if it falls in that period's window, as it tells where the
    work stands for both: 11月 reported on 3 December is 11月 迟报 5 days and 12月 按期.
    未报: no report from the first day to the next period's deadline. Until that deadline it
    can still be made up (迟报); after it, it stays 未报.
    未到期: the deadline is today or later and nothing is reported yet (a period reported
    early is 按期 already).

Which periods count (应报)
    Only those whose deadline has passed (before today); the rest are shown, not counted.
    From the first period whose deadline is at least GRACE_DAYS days, the deadline day included,
    after the work began: the later of the item's start date and the day the unit was given it
    (its first history row). A unit given the work on the 25th owes the next month's report, not
    this month's by the 28th.
    A dated assignment's periods stop at its due date: a period whose deadline is later does
    not count (being late is then 逾期, counted apart).
    Not while the office holds the work: a period whose deadline fell after the unit submitted
    it for review and before it was returned (退回) does not count, nor any after an approved
    submission (已办结); the unit could not report then. A report in such a period's window
    still makes it 按期 (the submission itself is one).
    A closed 年度's items count as on the day the year was closed (the caller passes that day).

Why computed, not stored
    A year of monthly periods over 100,000 assignments is 1.2 million slots that would only
    restate the history: every report, 退回, 延期 or change of an item's cadence or start date
    would have to rewrite them, and a stored slot that missed one rewrite would disagree with
    the history it came from. The facts needed are few (the report days, the submissions'
    review stretches, the start), one grouped query reads them for any number of assignments,
    and the dashboard asks only about each assignment's last due period, which its row's
    last_reported_at answers (tracker.reporting).
"""

from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import NamedTuple

from tracker.cadence import Period, next_period, period_of, periods_between

GRACE_DAYS = 7

ON_TIME, LATE, MISSED, NOT_DUE, PAUSED = "on_time", "late", "missed", "not_due", "paused"
LABELS = {ON_TIME: "按期", LATE: "迟报", MISSED: "未报", NOT_DUE: "未到期", PAUSED: "不计"}
SYMBOLS = {ON_TIME: "✔", LATE: "⚠", MISSED: "✘", NOT_DUE: "…", PAUSED: "—"}


class Track(NamedTuple):
    """One assignment's facts for its periods (a tuple: a bulletin makes 100,000)."""

    began: date  # the later of the item's start and the day the unit was given the work
    reports: tuple[date, ...] = ()  # report days, ascending, each once
    # Days the office held the work: (submitted, returned), returned None while it waits for
    # review or after it was approved.
    held: tuple[tuple[date, date | None], ...] = ()
    due: date | None = None  # a dated assignment's due date

    def held_on(self, day: date) -> bool:
        return any(s <= day and (r is None or day < r) for s, r in self.held)


@dataclass(frozen=True, slots=True)
class PeriodStatus:
    period: Period
    status: str
    reported_on: date | None = None  # the report that answered it (on time or late)
    late_days: int | None = None
    name: str = ""
    due: bool = False  # its deadline has passed: it counts in 应报 if it counts at all

    @property
    def start(self) -> date:
        return self.period.start

    @property
    def deadline(self) -> date:
        return self.period.deadline

    @property
    def label(self) -> str:
        if self.status == LATE:
            return f"迟报 {self.late_days} 天"
        return LABELS[self.status]

    @property
    def symbol(self) -> str:
        return SYMBOLS[self.status]

    @property
    def counted(self) -> bool:
        return self.status in (ON_TIME, LATE, MISSED)


class Tally(NamedTuple):
    """A unit's or an assignment's 应报 N 期，按期 N，迟报 N，未报 N."""

    due: int = 0
    on_time: int = 0
    late: int = 0
    missed: int = 0
    late_days: int = 0

    def __add__(self, other):  # NamedTuple's + would concatenate
        return Tally(*(a + b for a, b in zip(self, other, strict=True)))

    @property
    def on_time_rate(self) -> float | None:
        return round(100 * self.on_time / self.due, 1) if self.due else None

    @property
    def text(self) -> str:
        return f"应报 {self.due} 期，按期 {self.on_time}，迟报 {self.late}，未报 {self.missed}"


@dataclass
class Calendar:
    """One cadence's periods from the one holding `first` to two past the one holding `last`,
    shared by every assignment of that cadence (a bulletin walks 100,000 of them)."""

    cadence: str
    day: int | None
    first: date
    last: date
    periods: list[Period] = field(init=False)
    deadlines: list[date] = field(init=False)
    starts: list[date] = field(init=False)
    _index: dict[date, int] = field(init=False, repr=False)

    def __post_init__(self):
        periods = periods_between(self.cadence, self.day, self.first, self.last)
        if not periods:
            raise ValueError(f"no reporting period for cadence {self.cadence!r}")
        for _ in range(2):  # the period due next, and its successor's deadline for 迟报
            periods.append(next_period(self.cadence, self.day, periods[-1]))
        self.periods = periods
        self.deadlines = [p.deadline for p in periods]
        self.starts = [p.start for p in periods]
        self._index = {}

    def index(self, day: date) -> int:
        """The index of the period holding this day (-1 before the first), looked up."""
        k = self._index.get(day)
        if k is None:
            k = self._index[day] = bisect_right(self.starts, day) - 1
        return k


def walk(calendar: Calendar, track: Track, *, today: date, upcoming: bool = True):
    """(index, status, reported_on) of each period that counts, in order; with upcoming, ends
    with the first period not yet due, else stops before it.

    The calendar must reach today and begin on or before the track's first period.
    """
    periods, deadlines = calendar.periods, calendar.deadlines
    if periods[0].start > track.began:
        raise ValueError("the calendar begins after the assignment's work began")
    k = bisect_left(deadlines, track.began + timedelta(days=GRACE_DAYS - 1))
    reports, due = track.reports, track.due
    j, n = 0, len(reports)
    last = len(periods) - 1  # only there for the 迟报 limit of the one before it
    while k < last:
        start, deadline, _end = periods[k]
        if due is not None and deadline > due:
            return
        if deadline >= today and not upcoming:
            return
        while j < n and reports[j] < start:
            j += 1
        first = reports[j] if j < n else None
        if first is not None and first <= deadline:
            yield k, ON_TIME, first
        elif track.held and track.held_on(deadline):
            yield k, PAUSED, None
        elif deadline >= today:
            yield k, NOT_DUE, None
        elif first is not None and first <= deadlines[k + 1]:
            yield k, LATE, first
        else:
            yield k, MISSED, None
        if deadline >= today:
            return
        k += 1
    if deadlines[last] < today:
        raise ValueError("the calendar ends before today")


def period_statuses(
    cadence: str, day: int | None, track: Track, *, today: date
) -> list[PeriodStatus]:
    """Every counted period of one assignment up to the first one not yet due (the task page's
    calendar), with the periods the office held shown as 不计."""
    if period_of(cadence, day, today) is None:
        return []
    calendar = Calendar(cadence, day, min(track.began, today), today)
    found = []
    for k, status, reported in walk(calendar, track, today=today):
        period = calendar.periods[k]
        late = (reported - period.deadline).days if status == LATE else None
        name = period_name(cadence, period)
        found.append(PeriodStatus(period, status, reported, late, name, period.deadline < today))
    return found


def summarize(statuses: list[PeriodStatus]) -> Tally:
    """The Tally of one assignment's calendar: the same figures as tally() over its periods."""
    due = [p for p in statuses if p.due and p.counted]
    return Tally(
        len(due),
        sum(p.status == ON_TIME for p in due),
        sum(p.status == LATE for p in due),
        sum(p.status == MISSED for p in due),
        sum(p.late_days or 0 for p in due),
    )


def tally(calendar: Calendar, track: Track, *, today: date) -> Tally:
    """应报, 按期, 迟报, 未报 and the days late of one assignment, as of today.

    The same answer as counting walk()'s periods (tally_by_walking), reached faster: a
    county's bulletin counts a million periods. Each report falls in one period, on time or
    after its deadline; a period without an on-time report is late if its own period holds a
    report after the deadline, or the next period one on time (the first report after the
    deadline is then no later than the next deadline), and missed otherwise. Work the office
    held is rare and takes the walk.
    """
    if track.held:
        return tally_by_walking(calendar, track, today=today)
    if calendar.periods[0].start > track.began:
        raise ValueError("the calendar begins after the assignment's work began")
    deadlines = calendar.deadlines
    first = bisect_left(deadlines, track.began + timedelta(days=GRACE_DAYS - 1))
    last_day = today - timedelta(days=1)
    if track.due is not None and track.due < last_day:
        last_day = track.due
    end = bisect_right(deadlines, last_day)  # periods first..end-1 are due and count
    if end <= first:
        return Tally()
    if end >= len(deadlines):
        raise ValueError("the calendar ends before today")
    index, known = calendar.index, calendar._index.get
    on_time, first_in = set(), {}
    for day in track.reports:  # ascending: the first seen in a period is its first
        k = known(day)
        if k is None:
            k = index(day)
        if k not in first_in:
            first_in[k] = day
        if day <= deadlines[k]:
            on_time.add(k)
    n_on_time = late = late_days = 0
    for k in range(first, end):
        if k in on_time:
            n_on_time += 1
        elif k in first_in:
            late += 1
            late_days += (first_in[k] - deadlines[k]).days
        elif k + 1 in on_time:
            late += 1
            late_days += (first_in[k + 1] - deadlines[k]).days
    due = end - first
    return Tally(due, n_on_time, late, due - n_on_time - late, late_days)


def tally_by_walking(calendar: Calendar, track: Track, *, today: date) -> Tally:
    due = on_time = late = missed = late_days = 0
    deadlines = calendar.deadlines
    for k, status, reported in walk(calendar, track, today=today, upcoming=False):
        if status == ON_TIME:
            on_time += 1
        elif status == LATE:
            late += 1
            late_days += (reported - deadlines[k]).days
        elif status == MISSED:
            missed += 1
        else:
            continue
        due += 1
    return Tally(due, on_time, late, missed, late_days)


def period_name(cadence: str, period: Period) -> str:
    start = period.start
    if cadence == "weekly":
        end = period.end
        return f"{start.month}月{start.day}日–{end.month}月{end.day}日"
    if cadence == "quarterly":
        return f"{start.year}年第{(start.month + 2) // 3}季度"
    if cadence == "semiannual":
        return f"{start.year}年{'上' if start.month <= 6 else '下'}半年"
    return f"{start.year}年{start.month}月"
