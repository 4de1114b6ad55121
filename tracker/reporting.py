"""Reads for reporting periods (按期 / 迟报 / 未报): who owes a period's report, and each
assignment's report days for tracker.periods.

Two ways in, by what the question needs:
- "Who has not reported for this period yet?" (the dashboard's and the unit's 未按期报送, the
  reminders) is about one period per cadence, and an assignment's row answers it: nothing
  reported since the period began means last_reported_at (written by the report and submit
  services with their history row's time) is older than its first day. One query, whatever the
  number of assignments or cadences.
- "How did each period go?" (the task page's calendar, the bulletin's 报送情况) needs every
  report day: one query returns, per assignment, its first history day and its report,
  submission, return and approval days as one string (see _facts), and tracker.periods does
  the rest.

Both apply the same rule as tracker.periods: for an assignment that reported nothing since
the period began, the period is 未报 exactly when it counts (work began a week before its
deadline, the due date is not earlier, the office did not hold a submission on that day).
"""

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    CharField,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from tracker.cadence import CADENCES, Period, last_due, next_due
from tracker.models import Assignment, StatusUpdate, User
from tracker.periods import (
    GRACE_DAYS,
    Calendar,
    PeriodStatus,
    Tally,
    Track,
    period_name,
    period_statuses,
)
from tracker.periods import tally as tally_of
from tracker.selectors import assignments_for_user

Kind = StatusUpdate.Kind
# A submission waiting for review cannot be reported on (the services refuse it), and an
# approved one owes nothing more: only these owe a period's report now.
REPORTING = [Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS]
REPORT_KINDS = [Kind.REPORT, Kind.SUBMIT]

CadenceKey = tuple[str, int | None]


def _midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def cadences_in_use() -> list[CadenceKey]:
    return list(
        ChecklistItem.objects.published()
        .filter(cadence__in=CADENCES)
        .values_list("cadence", "cadence_day")
        .distinct()
        .order_by()
    )


def unreported(assignments: QuerySet, periods: dict[CadenceKey, Period]) -> QuerySet:
    """The assignments that owe the given period of their item's cadence and have reported
    nothing since it began: still 未报 if its deadline has passed, still to do if not.

    Open 年度 only: a closed year's work can no longer be reported.
    """
    closed_years = WorkYear.objects.filter(state=WorkYear.State.CLOSED).values("year")
    owing = Q(pk__isnull=True)  # always false: the query stays one query when nothing is due
    for (cadence, day), period in periods.items():
        if period is None:
            continue
        # The work began at least GRACE_DAYS before the deadline, the deadline day included:
        # the item had started, and the unit had been given it (its row, or the first history
        # row, which keeps the time the office gave when the two differ).
        latest_start = period.deadline - timedelta(days=GRACE_DAYS - 1)
        given_before = _midnight(latest_start + timedelta(days=1))
        items = (
            ChecklistItem.objects.published()
            .filter(cadence=cadence, cadence_day=day, start_date__lte=latest_start)
            .exclude(year__in=closed_years)
            .values("pk")
        )
        # Subqueries not correlated, here and below: PostgreSQL costs a correlated one once
        # per row, and an estimate that high compiles the query (JIT) for longer than it runs.
        given_in_time = Q(created_at__lt=given_before) | Q(
            pk__in=StatusUpdate.objects.filter(
                assignment__in=Assignment.objects.filter(created_at__gte=given_before),
                created_at__lt=given_before,
            ).values("assignment_id")
        )
        # Returned after the deadline: the office held the submission on that day.
        held_then = Q(
            pk__in=StatusUpdate.objects.filter(
                kind=Kind.RETURN, created_at__gte=_midnight(period.deadline + timedelta(days=1))
            ).values("assignment_id")
        )
        owing |= (
            Q(item_id__in=items)
            & (Q(last_reported_at__isnull=True) | Q(last_reported_at__lt=_midnight(period.start)))
            & (Q(due_date__isnull=True) | Q(due_date__gte=period.deadline))
            & given_in_time
            & ~held_then
        )
    return assignments.filter(status__in=REPORTING).filter(owing)


def missed_last_period(
    assignments: QuerySet, *, today: date, cadences: Iterable[CadenceKey] | None = None
) -> tuple[QuerySet, dict[CadenceKey, Period]]:
    """未按期报送: the assignments with no report for their last due period (its deadline has
    passed), dated and long-term alike, and that period per cadence."""
    keys = cadences_in_use() if cadences is None else cadences
    periods = {key: last_due(*key, today) for key in set(keys)}
    return unreported(assignments, periods), periods


def reports_due_in(
    assignments: QuerySet, *, today: date, days: Iterable[int], cadences=None
) -> tuple[QuerySet, dict[CadenceKey, Period]]:
    """The assignments whose next period report is due in one of these numbers of days and
    not made yet, and that period per cadence."""
    keys = cadences_in_use() if cadences is None else cadences
    periods = {}
    for key in set(keys):
        period = next_due(*key, today)
        if period is not None and (period.deadline - today).days in days:
            periods[key] = period
    return unreported(assignments, periods), periods


@dataclass
class Owed:
    assignment: Assignment
    period: Period

    @property
    def period_name(self) -> str:
        return period_name(self.assignment.item.cadence, self.period)


def missed_reports_of(user: User, *, today: date) -> list[Owed]:
    """The user's 未按期报送: the assignments of the units they may see, with the period
    each missed, in item code order (the unit's home lists its own)."""
    scoped = assignments_for_user(user).filter(item__state=ChecklistItem.State.PUBLISHED)
    missed, periods = missed_last_period(scoped, today=today)
    rows = missed.select_related("item", "unit").order_by("item__code", "unit__sort_order")
    return [Owed(a, periods[(a.item.cadence, a.item.cadence_day)]) for a in rows]


# --- every period: report days from the history --------------------------------------------


@cache
def _fixed_offset() -> timedelta | None:
    """The county's offset from UTC if it never changes (Asia/Shanghai: +8 since 1991), so
    that SQLite can take local dates with its own date() instead of a Python function."""
    zone = ZoneInfo(settings.TIME_ZONE)
    offsets = {
        datetime(year, month, 1, tzinfo=zone).utcoffset()
        for year in range(1992, 2100)
        for month in (1, 7)
    }
    return offsets.pop() if len(offsets) == 1 else None


class _LocalDay(Func):
    """The county's date of a stored moment, computed by the database: a day number (that of
    date.toordinal()) on SQLite with a fixed offset and on PostgreSQL, ISO text elsewhere.
    Integers are the cheapest to make, compare and send for a million history rows."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(Cast(TruncDate(*self.source_expressions), CharField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_offset()
        if offset is None:  # Django's own conversion, a Python function called per row
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.source_expressions[0])
        # julianday() is .5 at midnight UTC; + 0.5 + the offset, floored, is the local day's
        # Julian day number, which is date.toordinal() + 1721425.
        shift = 0.5 + offset.total_seconds() / 86400
        return f"(CAST(julianday({sql}) + {shift!r} AS INTEGER) - {_JULIAN})", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return (
            f"((({sql}) AT TIME ZONE %s)::date - DATE '0001-01-01' + 1)",
            (*params, settings.TIME_ZONE),
        )


_JULIAN = 1721425


class _Events(Aggregate):
    """A group's values as one comma-separated string: a hundred thousand strings cost less
    to fetch than a million rows."""

    function = "GROUP_CONCAT"
    output_field = CharField()

    def as_postgresql(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.function = "STRING_AGG"
        clone.template = "%(function)s((%(expressions)s)::text, ',')"
        return super(_Events, clone).as_sql(compiler, connection, **extra_context)


# A letter after the day for the office's side of a submission; a report is the day alone.
# A submission is both: the unit's report, and the start of the office's hold.
_EVENT_LETTER = {Kind.SUBMIT: "s", Kind.RETURN: "b", Kind.APPROVE: "a"}


def _rows(queryset: QuerySet) -> Iterator[tuple]:
    """The query's rows as the driver returns them, without the ORM's per-value converters;
    on PostgreSQL through a server-side cursor, so memory stays flat."""
    sql, params = queryset.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


_DAYS: dict = {}


def _day(value) -> date | None:
    """A day number or ISO text (from _LocalDay, as a number or inside a string) or a date →
    a date, looked up: a county's history has a few hundred days a year, a million events."""
    if value is None or type(value) is date:
        return value
    day = _DAYS.get(value)
    if day is None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        if isinstance(value, int):
            day = date.fromordinal(value)
        elif "-" in value:
            day = date.fromisoformat(value[:10])
        else:
            day = date.fromordinal(int(value))
        _DAYS[value] = day
    return day


def _split_events(text: str | None) -> tuple[tuple[date, ...], str]:
    """(report days ascending, the hold events) from an assignment's event string."""
    if not text:
        return (), ""
    tokens = text.split(",")
    holds = [t for t in tokens if t[-1] > "9"]  # ends with a letter, not a digit
    if holds:
        tokens = [t[:-1] if t[-1] == "s" else t for t in tokens if t[-1] <= "9" or t[-1] == "s"]
    known = _DAYS.get
    return tuple(sorted({known(t) or _day(t) for t in tokens})), ",".join(holds)


def _holds(text: str | None) -> tuple[tuple[date, date | None], ...]:
    """The days the office held the work, from the distinct (day, kind) events of its
    submissions, returns and approval.

    Submissions and returns alternate; a day with both leaves the hold as it was (returned and
    resubmitted, or submitted and returned the same day), since periods are held or not by the
    day.
    """
    if not text:
        return ()
    by_day: dict[date, str] = {}
    for token in text.split(","):
        day = _day(token[:-1])
        by_day[day] = by_day.get(day, "") + token[-1]
    held, since = [], None
    for day in sorted(by_day):
        letters = by_day[day]
        if "a" in letters:  # approved: final
            return (*held, (since or day, None))
        if "s" in letters and "b" in letters:
            continue
        if "s" in letters and since is None:
            since = day
        elif "b" in letters and since is not None:
            held.append((since, day))
            since = None
    if since is not None:
        held.append((since, None))
    return tuple(held)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the periods of one assignment need, and whose they are."""

    pk: int
    unit_id: int
    cadence: str
    day: int | None
    track: Track
    today: date  # a closed 年度's work counts as on the day it was closed


def _cadence_items(today: date) -> dict[int, tuple]:
    """pk → (cadence, day, start, as of) of every item with a 报送频次; as of is today, or the
    day its 年度 was closed."""
    closed_on = dict(
        WorkYear.objects.filter(state=WorkYear.State.CLOSED).values_list("year", "closed_on")
    )
    return {
        pk: (cadence, day, _day(start), min(today, closed_on.get(year) or today))
        for pk, cadence, day, start, year in _rows(
            ChecklistItem.objects.filter(cadence__in=CADENCES)
            .values_list("pk", "cadence", "cadence_day", "start_date", "year")
            .order_by()
        )
    }


def _event_token(prefix: str = "") -> Case:
    """A history row as the day alone (a report) or the day and a letter (a submission's
    events); other rows are NULL, which the aggregate leaves out."""
    day = Cast(_LocalDay(f"{prefix}created_at"), CharField())
    return Case(
        When(**{f"{prefix}kind": Kind.REPORT}, then=day),
        *(
            When(**{f"{prefix}kind": kind}, then=Concat(day, Value(letter)))
            for kind, letter in _EVENT_LETTER.items()
        ),
        output_field=CharField(),
    )


def _facts(assignments: QuerySet, items: dict[int, tuple]) -> Iterator[tuple]:
    """(pk, unit_id, item, Track) of every assignment of these items: one query, whatever
    their number.

    The assignments are read with their history, never used as a subquery of the history:
    the task list's filters name the assignment table in raw SQL, which a subquery's alias
    would break. SQLite reads each assignment's history by subqueries on it (a short range of
    the history's index, so a million joined rows are never sorted); PostgreSQL, which runs
    a subquery per row more slowly, joins and hashes them. Events come as they are (a day may
    repeat): removing the repeats costs the database more than Python.
    """
    if connection.vendor == "sqlite":
        history = StatusUpdate.objects.filter(assignment=OuterRef("pk")).order_by()
        first = Subquery(history.order_by("created_at").values("created_at")[:1])
        events = Subquery(
            history.values("assignment_id").annotate(e=_Events(_event_token())).values("e")
        )
    else:
        first = Min("history__created_at")
        events = _Events(_event_token("history__"))
    rows = (
        assignments.filter(item__cadence__in=CADENCES)
        .order_by()
        .values_list("pk", "unit_id", "item_id", "due_date")
        .annotate(
            created=_LocalDay("created_at"),
            # The first history row (下达 or 导入) keeps the time the office gave the work.
            first=_LocalDay(first),
            events=events,
        )
    )
    known = _DAYS.get
    for pk, unit_id, item_id, due, created, first, events in _rows(rows):
        item = items.get(item_id)
        if item is None:
            continue
        given = known(created) or _day(created)
        if first is not None:
            given = min(given, known(first) or _day(first))
        reports, holds = _split_events(events)
        start = item[2]
        track = Track(
            start if start > given else given,
            reports,
            _holds(holds) if holds else (),
            due if due is None else known(due) or _day(due),
        )
        yield pk, unit_id, item, track


def facts(assignments: QuerySet, *, today: date) -> Iterator[Facts]:
    """Every assignment of an item with a 报送频次, with its report days and holds: two
    queries, whatever their number."""
    items = _cadence_items(today)
    for pk, unit_id, (cadence, day, _start, as_of), track in _facts(assignments, items):
        yield Facts(pk, unit_id, cadence, day, track, as_of)


def unit_tallies(assignments: QuerySet, *, today: date) -> dict[int, Tally]:
    """报送情况 per unit: 应报 N 期，按期 N，迟报 N，未报 N over every period due so far.

    One calendar per cadence, from the earliest start among its items (no assignment's work
    begins before its item's start), is shared by every assignment of that cadence. Three
    queries, whatever the number of assignments.
    """
    items = _cadence_items(today)
    first: dict[CadenceKey, date] = {}
    for cadence, day, start, _as_of in items.values():
        first[(cadence, day)] = min(start, first.get((cadence, day), start))
    calendars = {key: Calendar(*key, min(start, today), today) for key, start in first.items()}
    counts: dict[int, list[int]] = {}
    for _pk, unit_id, (cadence, day, _start, as_of), track in _facts(assignments, items):
        calendar = calendars[(cadence, day)]
        t = tally_of(calendar, track, today=as_of)
        if t.due:
            c = counts.get(unit_id)
            if c is None:
                counts[unit_id] = list(t)
            else:
                for n, value in enumerate(t):
                    c[n] += value
    return {unit_id: Tally(*c) for unit_id, c in counts.items()}


def assignment_periods(assignment: Assignment, *, today: date) -> list[PeriodStatus]:
    """The task page's period calendar: every period that counts, up to the next one due.

    The assignment comes from the view's get-for-user, so it is already the user's to see.
    """
    if assignment.item.cadence not in CADENCES:
        return []
    one = Assignment.objects.filter(pk=assignment.pk)
    for f in facts(one, today=today):
        return period_statuses(f.cadence, f.day, f.track, today=f.today)
    return []
