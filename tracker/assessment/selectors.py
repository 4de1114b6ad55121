"""The figures of 年度考核: one selector per rule kind, read by the page, the drill-down list,
the league and both exports.

Each kind has one base queryset over every unit (`_base`), so that a unit's rows
(`line_figure`: the count, exactly those rows and the page listing them) and the counts of
every unit at once (`facts_for_units`: one grouped query per kind) cannot disagree.

"As of" a day: the rules read the tracked data as it stands now, judged on that day (a task
due before it and still open is overdue on it; 督办单 and 退回 issued up to it count). A
closed 年度 (年度归档) is judged on its closing day.

The wings this reads (hazards, registers, accidents) are imported when installed and only
then; without one its rules count nothing.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from urllib.parse import urlencode

from django.apps import apps
from django.db.models import Count, QuerySet
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from checklist.shares import is_rate_unit
from tracker.assessment.models import Rule
from tracker.assessment.scoring import Fact
from tracker.models import Assignment, StatusUpdate, Supervision, Unit
from tracker.periods import MISSED, period_statuses

K = Rule.Kind
# Kinds read from a single model with a unit column: (count rows, group by).
ASSIGNMENT_KINDS = {K.OVERDUE}
HISTORY_KINDS = {K.RETURNED}
SUPERVISION_KINDS = {K.YELLOW, K.RED}
LARGE_LEVELS = ("large", "major", "extraordinary")
ACCIDENT_LEVELS = {"general": "一般", "large": "较大", "major": "重大", "extraordinary": "特别重大"}


@dataclass
class Figure:
    """A line's count, exactly the rows behind it, and the page that lists them."""

    count: int
    rows: QuerySet | list
    url: str
    fact: Fact


def judged_on(year: int, as_of: date) -> date:
    """A closed 年度 is judged on its closing day, an open one on the day asked."""
    closed = (
        WorkYear.objects.filter(year=year, state=WorkYear.State.CLOSED)
        .values_list("closed_on", flat=True)
        .first()
    )
    return min(closed, as_of) if closed else as_of


def _end_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _year_assignments(year: int) -> QuerySet[Assignment]:
    """The year's counted work: 牵头 and 责任 shares of its published items."""
    return Assignment.objects.filter(
        item__year=year, item__state=ChecklistItem.State.PUBLISHED
    ).counted()


def _base(kind: str, *, year: int, as_of: date) -> tuple[QuerySet, str] | None:
    """The rows of a single-table kind over every unit, and the path to their unit.

    History and 督办单 rows are tied to the year's counted work by joins, not by a subquery of
    every assignment: filtered by a unit, the database then starts from that unit's shares."""
    if kind == K.OVERDUE:
        return _year_assignments(year).overdue(as_of), "unit_id"
    counted = {
        "assignment__item__year": year,
        "assignment__item__state": ChecklistItem.State.PUBLISHED,
        "assignment__role__in": Assignment.COUNTED_ROLES,
    }
    if kind == K.RETURNED:
        start = timezone.make_aware(datetime(year, 1, 1))
        rows = StatusUpdate.objects.filter(
            kind=StatusUpdate.Kind.RETURN,
            created_at__gte=start,
            created_at__lt=_end_of(as_of),
            **counted,
        )
        return rows, "assignment__unit_id"
    if kind in SUPERVISION_KINDS:
        issued = Supervision.objects.filter(level=kind, issued_at__lt=_end_of(as_of))
        # 督办单 are few: their ids first, so the database never walks the assignments.
        ids = list(issued.values_list("pk", flat=True))
        return Supervision.objects.filter(pk__in=ids, **counted), "assignment__unit_id"
    return None


def _hazards(as_of: date) -> QuerySet | None:
    if not apps.is_installed("tracker.hazards"):
        return None
    from tracker.hazards.filters import overdue_q
    from tracker.hazards.models import Hazard

    return Hazard.objects.filter(
        overdue_q(as_of), level=Hazard.Level.MAJOR, voided=False, found_on__lte=as_of
    )


def _unit_column(unit_kind: str) -> str:
    """Registers and hazards answer to a township by 属地, to a department by 行业监管."""
    return "township_id" if unit_kind == Unit.Kind.TOWNSHIP else "supervisor_id"


def _enterprises():
    if not apps.is_installed("tracker.enterprises"):
        return None
    from tracker.enterprises.models import Enterprise

    return Enterprise


def coverage_quarter(as_of: date):
    from tracker.enterprises.periods import quarter_of

    return quarter_of(as_of)


def _shortfall_rows(year: int, as_of: date) -> QuerySet[Assignment]:
    """Counted shares with a quantity target whose time is up on the day: dated ones due
    before it, long-term ones at the year's end; not yet 办结."""
    rows = (
        _year_assignments(year)
        .filter(item__target_quantity__isnull=False)
        .exclude(status=Assignment.Status.VERIFIED)
    )
    if as_of < date(year, 12, 31):
        rows = rows.filter(due_date__lt=as_of)
    return rows


def _shortfall(a_share, a_target, a_unit, done) -> Decimal | None:
    """The unreached share (0–1] of one assignment's target, None when reached or no target."""
    if a_target is None or is_rate_unit(a_unit):
        return None
    target = a_share if a_share is not None else a_target
    if not target:
        return None
    missing = (Decimal(target) - Decimal(done or 0)) / Decimal(target)
    return min(Decimal(1), missing) if missing > 0 else None


def _shortfall_values(rows: QuerySet):
    return rows.values_list(
        "pk", "unit_id", "share_quantity", "item__target_quantity", "item__target_unit",
        "quantity_done",
    ).order_by()  # fmt: skip


# --- accidents (the accidents wing's API) ---------------------------------------------------


def _accident_api():
    if not apps.is_installed("tracker.accidents"):
        return None
    try:
        from tracker.accidents import selectors as accident_selectors
    except ImportError:
        return None
    return accident_selectors


def accidents_of(unit: Unit, *, year: int, as_of: date):
    api = _accident_api()
    if api is None:
        return None
    return api.accidents_for_unit(unit, year=year, until=as_of)


def accident_url(unit: Unit, year: int) -> str:
    try:
        return reverse("accidents:accident_list") + f"?unit={unit.pk}&year={year}"
    except Exception:  # the wing's pages are not there
        return ""


@dataclass
class AccidentFacts:
    count: int = 0
    deaths: int = 0
    large: list[str] | None = None
    max_deaths: int | None = None
    max_accidents: int | None = None


def _describe(accident) -> str:
    level = ACCIDENT_LEVELS.get(accident.level, accident.level)
    text = f"{accident.occurred_on:%Y-%m-%d} {level}事故"
    if accident.deaths:
        text += f"，死亡 {accident.deaths} 人"
    return text


def accident_facts(units: list[Unit], *, year: int, as_of: date) -> dict[int, AccidentFacts]:
    """Each unit's accidents of the year up to the day and its 控制指标: the units' accidents
    in one query (a union of each unit's), their indicators in one more."""
    api = _accident_api()
    found = {u.pk: AccidentFacts(large=[]) for u in units}
    if api is None or not units:
        return found
    from django.db.models import IntegerField, Value

    parts = [
        api.accidents_for_unit(u, year=year, until=as_of)
        .annotate(for_unit=Value(u.pk, output_field=IntegerField()))
        .order_by()
        for u in units
    ]
    union = parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]
    for accident in union:
        f = found[accident.for_unit]
        f.count += 1
        f.deaths += accident.deaths or 0
        if accident.level in LARGE_LEVELS:
            f.large.append(_describe(accident))
    for unit_id, indicator in _indicators(api, units, year).items():
        found[unit_id].max_deaths = indicator.max_deaths
        found[unit_id].max_accidents = indicator.max_accidents
    return found


def _indicators(api, units: list[Unit], year: int) -> dict:
    """The units' 控制指标: read at once from the model when it has a unit column, else one
    by one through the wing's selector."""
    try:
        from tracker.accidents.models import ControlIndicator

        rows = ControlIndicator.objects.filter(year=year, unit__in=units)
        return {row.unit_id: row for row in rows}
    except Exception:
        found = {}
        for u in units:
            indicator = api.indicator_for(u, year=year)
            if indicator is not None:
                found[u.pk] = indicator
        return found


# --- one line of one unit -----------------------------------------------------------------


def rows_url(rule: Rule, unit: Unit, as_of: date) -> str:
    url = reverse("assessment:line_rows", args=[rule.pk, unit.pk])
    return f"{url}?{urlencode({'as_of': as_of.isoformat()})}"


def task_list_url(unit: Unit, year: int) -> str:
    params = {"unit": unit.pk, "year": year, "due": "overdue", "counted": "1"}
    return f"{reverse('assignment_list')}?{urlencode(params)}"


@dataclass
class MissedPeriod:
    assignment: Assignment
    name: str
    deadline: date


def missed_periods(unit: Unit, *, year: int, as_of: date) -> list[MissedPeriod]:
    """The unit's 未报 periods of the year's work up to the day, one row per period."""
    from tracker.reporting import facts

    shares = _year_assignments(year).filter(unit=unit)
    found = []
    pks = []
    for f in facts(shares, today=as_of):
        for status in period_statuses(f.cadence, f.day, f.track, today=min(f.today, as_of)):
            if status.status == MISSED and status.due:
                found.append((f.pk, status))
                pks.append(f.pk)
    by_pk = Assignment.objects.select_related("item").in_bulk(pks)
    return [MissedPeriod(by_pk[pk], s.name, s.deadline) for pk, s in found]


def line_url(rule: Rule, unit: Unit, *, year: int, as_of: date, today: date) -> str:
    """The page listing exactly a line's rows, without counting them: the task list for
    today's overdue work, the register for coverage and 标准化, the accident register, and
    this wing's own list otherwise."""
    kind = rule.kind
    if kind == K.OVERDUE and as_of == today:
        return task_list_url(unit, year)
    if kind in (K.COVERAGE, K.STANDARD):
        if _enterprises() is None or unit.kind == Unit.Kind.OTHER:
            return ""
        column = "township" if unit.kind == Unit.Kind.TOWNSHIP else "supervisor"
        if kind == K.COVERAGE:
            params = {column: unit.pk, "inspected": coverage_quarter(as_of).key}
        else:
            params = {column: unit.pk, "std_year": year}
        return f"{reverse('enterprises:enterprise_list')}?{urlencode(params)}"
    if kind == K.ACCIDENT:
        return accident_url(unit, year) if _accident_api() is not None else ""
    return rows_url(rule, unit, as_of)


def line_figure(rule: Rule, unit: Unit, *, year: int, as_of: date, today: date) -> Figure:
    """One line of one unit: its count, the rows and the page listing exactly them."""
    kind = rule.kind
    own = rows_url(rule, unit, as_of)
    base = _base(kind, year=year, as_of=as_of)
    if base is not None:
        rows, path = base
        rows = rows.filter(**{path: unit.pk})
        n = rows.count()
        return Figure(n, rows, line_url(rule, unit, year=year, as_of=as_of, today=today), Fact(n))
    if kind == K.MISSED:
        periods = missed_periods(unit, year=year, as_of=as_of)
        return Figure(len(periods), periods, own, Fact(len(periods)))
    if kind == K.HAZARD:
        hazards = _hazards(as_of)
        if hazards is None or unit.kind not in (Unit.Kind.TOWNSHIP, Unit.Kind.DEPARTMENT):
            return Figure(0, [], own, Fact())
        rows = hazards.filter(**{_unit_column(unit.kind): unit.pk})
        n = rows.count()
        return Figure(n, rows, own, Fact(n))
    if kind == K.SHORTFALL:
        rows = _shortfall_rows(year, as_of).filter(unit=unit)
        shares = {}
        for pk, _u, share, target, target_unit, done in _shortfall_values(rows):
            missing = _shortfall(share, target, target_unit, done)
            if missing is not None:
                shares[pk] = missing
        rows = rows.filter(pk__in=list(shares))
        return Figure(
            len(shares), rows, own, Fact(len(shares), shortfall=sum(shares.values(), Decimal(0)))
        )
    if kind in (K.COVERAGE, K.STANDARD):
        if _enterprises() is None or unit.kind == Unit.Kind.OTHER:
            return Figure(0, [], "", Fact(0, total=0))
        from tracker.enterprises import selectors as registers

        if kind == K.COVERAGE:
            m = registers.inspection_coverage(unit, coverage_quarter(as_of))
            return Figure(m.count, m.queryset, m.url, Fact(m.count, total=m.total))
        m = registers.standardized_count(unit, year)
        among = registers.enterprise_count(unit).count
        return Figure(m.count, m.queryset, m.url, Fact(m.count, total=among))
    if kind == K.ACCIDENT:
        rows = accidents_of(unit, year=year, as_of=as_of)
        if rows is None:
            return Figure(0, [], "", Fact())
        n = rows.count()
        return Figure(n, rows, accident_url(unit, year), Fact(n))
    raise ValueError(f"unknown rule kind {kind!r}")


# --- every unit at once -------------------------------------------------------------------


def facts_for_units(
    kinds: set[str], units: list[Unit], *, year: int, as_of: date
) -> dict[str, dict[int, Fact]]:
    """kind → unit id → Fact for every unit: one or two grouped queries per kind, whatever
    the number of units or rows."""
    wanted = {u.pk for u in units}
    found: dict[str, dict[int, Fact]] = {}
    for kind in kinds:
        counts: dict[int, Fact] = {}
        base = _base(kind, year=year, as_of=as_of)
        if base is not None:
            rows, path = base
            for unit_id, n in rows.order_by().values_list(path).annotate(n=Count("pk")):
                if unit_id in wanted:
                    counts[unit_id] = Fact(n)
        elif kind == K.MISSED:
            from tracker.reporting import unit_tallies

            shares = _year_assignments(year).filter(unit_id__in=wanted)
            for unit_id, tally in unit_tallies(shares, today=as_of).items():
                counts[unit_id] = Fact(tally.missed)
        elif kind == K.HAZARD:
            hazards = _hazards(as_of)
            if hazards is not None:
                counts = _grouped_by_unit(hazards, units, lambda qs: qs.annotate(n=Count("pk")))
                counts = {u: Fact(row["n"]) for u, row in counts.items()}
        elif kind == K.SHORTFALL:
            sums: dict[int, list] = defaultdict(lambda: [0, Decimal(0)])
            rows = _shortfall_rows(year, as_of).filter(unit_id__in=wanted)
            for _pk, unit_id, share, target, target_unit, done in _shortfall_values(rows):
                missing = _shortfall(share, target, target_unit, done)
                if missing is not None:
                    sums[unit_id][0] += 1
                    sums[unit_id][1] += missing
            counts = {u: Fact(n, shortfall=s) for u, (n, s) in sums.items()}
        elif kind in (K.COVERAGE, K.STANDARD):
            counts = _register_facts(kind, units, year=year, as_of=as_of)
        elif kind == K.ACCIDENT:
            counts = {
                u: Fact(f.count)
                for u, f in accident_facts(units, year=year, as_of=as_of).items()
                if f.count
            }
        found[kind] = counts
    return found


def _grouped_by_unit(qs: QuerySet, units: list[Unit], annotate) -> dict[int, dict]:
    """Rows of a register grouped by township (for townships) and by 监管部门 (for
    departments): two grouped queries."""
    found = {}
    for unit_kind, column in ((Unit.Kind.TOWNSHIP, "township_id"), (Unit.Kind.DEPARTMENT, "supervisor_id")):  # fmt: skip
        ids = {u.pk for u in units if u.kind == unit_kind}
        if not ids:
            continue
        grouped = annotate(qs.filter(**{f"{column}__in": ids}).order_by().values(column))
        for row in grouped:
            found[row[column]] = row
    return found


def _register_facts(kind: str, units: list[Unit], *, year: int, as_of: date) -> dict[int, Fact]:
    Enterprise = _enterprises()
    if Enterprise is None:
        return {}
    from django.db.models import Q

    from tracker.enterprises.queries import inspected_in, standardized_in

    if kind == K.COVERAGE:
        quarter = coverage_quarter(as_of)
        qs = Enterprise.objects.filter(state__in=Enterprise.OPEN_STATES)
        done = Q(inspected_in(quarter.start, quarter.end))

        def annotate(rows):
            return rows.annotate(total=Count("pk"), n=Count("pk", filter=done))

        grouped = _grouped_by_unit(qs, units, annotate)
        return {u: Fact(row["n"], total=row["total"]) for u, row in grouped.items()}
    # The unit's 已达标 enterprises of the year (as standardized_count counts them) among its
    # enterprises in the register (as enterprise_count counts them).
    reached = Q(standardized_in(year))
    listed = ~Q(state=Enterprise.State.CLOSED)

    def annotate(rows):
        return rows.annotate(n=Count("pk", filter=reached), total=Count("pk", filter=listed))

    grouped = _grouped_by_unit(Enterprise.objects.all(), units, annotate)
    return {u: Fact(row["n"], total=row["total"]) for u, row in grouped.items()}
