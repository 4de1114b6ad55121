"""Reads for reporting periods (按期 / 迟报 / 未报): who owes a period's report, and each
assignment's report days for tracker.periods.

Two ways in, by what the question needs:
- "Who has not reported for this period yet?" (the dashboard's and the unit's 未按期报送, the
  reminders) is about one period per cadence, and an assignment's row answers it: nothing
  reported since the period began means last_reported_at (written by the report and submit
  services with their history row's time) is older than its first day. One query, whatever the
  number of assignments or cadences.
- "How did each period go?" (the task page's calendar, the bulletin's 报送情况) needs every
  report day: one grouped query over the history returns, per assignment, its first history
  day and its distinct (day, kind) events as one string, and tracker.periods does the rest.

Both apply the same rule as tracker.periods: for an assignment that reported nothing since
the period began, the period is 未报 exactly when it counts (work began a week before its
deadline, the due date is not earlier, the office did not hold a submission on that day).
"""

from collections import defaultdict
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
    Exists,
    Func,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat, TruncDate
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from tracker.cadence import CADENCES, Period, last_due, next_due
from tracker.models import Assignment, StatusUpdate, User
from tracker.periods import GRACE_DAYS, Calendar, PeriodStatus, Tally, Track, period_statuses
from tracker.periods import tally as tally_of

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
        given_in_time = Q(created_at__lt=given_before) | Exists(
            StatusUpdate.objects.filter(assignment=OuterRef("pk"), created_at__lt=given_before)
        )
        # Returned after the deadline: the office held the submission on that day.
        held_then = Exists(
            StatusUpdate.objects.filter(
                assignment=OuterRef("pk"),
                kind=Kind.RETURN,
                created_at__gte=_midnight(period.deadline + timedelta(days=1)),
            )
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


def missed_reports_of(user: User, *, today: date) -> list[Owed]:
    """The user's 未按期报送: the assignments of the units they may see, with the period
    each missed, in item code order (the unit's home lists its own)."""
    from tracker.selectors import assignments_for_user

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
    """The county's date of a stored moment as YYYY-MM-DD text, computed by the database."""

    output_field = CharField()

    def as_sql(self, compiler, connection, **extra_context):
        return compiler.compile(Cast(TruncDate(*self.source_expressions), CharField()))

    def as_sqlite(self, compiler, connection, **extra_context):
        offset = _fixed_offset()
        if offset is None:  # Django's own conversion, a Python function called per row
            return self.as_sql(compiler, connection, **extra_context)
        sql, params = compiler.compile(self.source_expressions[0])
        return f"date({sql}, '{int(offset.total_seconds() // 60):+d} minutes')", params

    def as_postgresql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.source_expressions[0])
        return f"to_char(({sql}) AT TIME ZONE %s, 'YYYY-MM-DD')", (*params, settings.TIME_ZONE)


class _Events(Aggregate):
    """An assignment's distinct history events as one comma-separated string: many thousand
    rows cost more to fetch than to join."""

    function = "GROUP_CONCAT"
    output_field = CharField()
    allow_distinct = True

    def as_postgresql(self, compiler, connection, **extra_context):
        clone = self.copy()
        clone.function = "STRING_AGG"
        clone.template = "%(function)s(%(distinct)s%(expressions)s, ',')"
        return super(_Events, clone).as_sql(compiler, connection, **extra_context)


# One letter per event kind that matters, after the day, so that sorting the text sorts by day.
_EVENT_LETTER = {Kind.REPORT: "r", Kind.SUBMIT: "s", Kind.RETURN: "b", Kind.APPROVE: "a"}


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
    """ISO text (SQLite, to_char) or a date (PostgreSQL's date columns) → a date, looked up:
    a county's history has a few hundred days per year, and a million events."""
    if value is None or type(value) is date:
        return value
    day = _DAYS.get(value)
    if day is None:
        if len(_DAYS) > 100_000:
            _DAYS.clear()
        day = _DAYS[value] = date.fromisoformat(value)
    return day


def _events(text: str | None) -> tuple[tuple[date, ...], tuple[tuple[date, date | None], ...]]:
    """Report days and the office's holds, from the distinct (day, kind) events.

    Submissions and returns alternate; a day with both leaves the hold as it was (returned
    and resubmitted, or submitted and returned the same day), since periods are held or not by
    the day.
    """
    if not text:
        return (), ()
    by_day: dict[str, str] = {}
    for token in text.split(","):
        by_day[token[:-1]] = by_day.get(token[:-1], "") + token[-1]
    reports, held = [], []
    since, approved = None, False
    for day_text in sorted(by_day):
        letters, day = by_day[day_text], _day(day_text)
        if "r" in letters or "s" in letters:
            reports.append(day)
        if approved:
            continue
        if "a" in letters:
            since, approved = since or day, True
        elif "s" in letters and "b" in letters:
            continue
        elif "s" in letters and since is None:
            since = day
        elif "b" in letters and since is not None:
            held.append((since, day))
            since = None
    if since is not None:
        held.append((since, None))
    return tuple(reports), tuple(held)


@dataclass(frozen=True, slots=True)
class Facts:
    """What the periods of one assignment need, and whose they are."""

    pk: int
    unit_id: int
    cadence: str
    day: int | None
    track: Track
    today: date  # a closed 年度's work counts as on the day it was closed


def facts(assignments: QuerySet, *, today: date) -> Iterator[Facts]:
    """Every assignment of an item with a 报送频次, with its report days and holds: three
    queries (items, assignments, history grouped per assignment), whatever their number."""
    closed_on = dict(
        WorkYear.objects.filter(state=WorkYear.State.CLOSED).values_list("year", "closed_on")
    )
    items = {
        pk: (cadence, day, _day(start), min(today, closed_on.get(year) or today))
        for pk, cadence, day, start, year in _rows(
            ChecklistItem.objects.filter(cadence__in=CADENCES)
            .values_list("pk", "cadence", "cadence_day", "start_date", "year")
            .order_by()
        )
    }
    with_cadence = assignments.filter(
        item__cadence__in=CADENCES  # the join costs less than a list of item ids
    ).order_by()
    day = _LocalDay("created_at")
    token = Case(
        *(When(kind=k, then=Concat(day, Value(letter))) for k, letter in _EVENT_LETTER.items()),
        output_field=CharField(),
    )
    history = (
        StatusUpdate.objects.filter(assignment_id__in=with_cadence.values("pk"))
        .values_list("assignment_id")
        .annotate(first=Min(day), events=_Events(token, distinct=True))
        .order_by()
    )
    events = {pk: (first, text) for pk, first, text in _rows(history)}
    rows = with_cadence.annotate(created_day=_LocalDay("created_at")).values_list(
        "pk", "unit_id", "item_id", "due_date", "created_day"
    )
    for pk, unit_id, item_id, due, created in _rows(rows):
        item = items.get(item_id)
        if item is None:
            continue
        cadence, cadence_day, start, as_of = item
        first, text = events.get(pk, (None, None))
        given = _day(min(created, first or created))
        reports, held = _events(text)
        track = Track(max(start, given), reports, held, _day(due))
        yield Facts(pk, unit_id, cadence, cadence_day, track, as_of)


def unit_tallies(assignments: QuerySet, *, today: date) -> dict[int, Tally]:
    """报送情况 per unit: 应报 N 期，按期 N，迟报 N，未报 N over every period due so far."""
    found = list(facts(assignments, today=today))
    first: dict[CadenceKey, date] = {}
    for f in found:
        key = (f.cadence, f.day)
        if key not in first or f.track.began < first[key]:
            first[key] = f.track.began
    calendars = {key: Calendar(*key, min(began, today), today) for key, began in first.items()}
    counts: dict[int, Tally] = defaultdict(Tally)
    for f in found:
        counts[f.unit_id] += tally_of(calendars[(f.cadence, f.day)], f.track, today=f.today)
    return dict(counts)


def assignment_periods(assignment: Assignment, *, today: date) -> list[PeriodStatus]:
    """The task page's period calendar: every period that counts, up to the next one due.

    The assignment comes from the view's get-for-user, so it is already the user's to see.
    """
    one = Assignment.objects.filter(pk=assignment.pk)
    for f in facts(one, today=today):
        return period_statuses(f.cadence, f.day, f.track, today=f.today)
    return []
