"""The dashboard's reads: a fixed handful of queries, whatever the number of assignments.

Everything starts from the user's scoped and filtered published assignments (`_Scope`), and
the same league and traffic-light rules as the task list and the bulletin.
"""

import re
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import NamedTuple

from django.db import connection
from django.db.models import (
    Aggregate,
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    TextField,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistItem, Source, Theme
from tracker.filters import light_filter
from tracker.league import UnitStanding, rank_within_kinds
from tracker.models import Assignment, Unit, User, waiting_on_office
from tracker.progress import GREEN, GREY, RED, YELLOW, light_bounds, progress
from tracker.reporting import missed_last_period
from tracker.selectors import assignments_of_visible_units
from tracker.whole_items import target_figure, target_sums
from tracker.work_years import Years

PERIODS = {"8": 8, "13": 13, "26": 26, "52": 52}
RED_LIST_SIZE = 50


@dataclass
class DashboardFilters:
    weeks: int = 13
    theme: Theme | None = None
    kind: str = ""
    source: Source | None = None
    # 年度: None counts every year's items (used by callers that want the whole ledger).
    year: int | None = None

    @classmethod
    def from_params(cls, params, *, years: Years | None = None) -> "DashboardFilters":
        f = cls()
        if years is not None:
            f.year = years.selected(params)
        f.weeks = PERIODS.get(params.get("weeks", ""), 13)
        theme, source = params.get("theme", ""), params.get("source", "")
        # ASCII digits that fit the id column ("²".isdigit() is true too, and int() refuses it).
        an_id = re.compile(r"[0-9]{1,18}")
        f.theme = Theme.objects.filter(pk=theme).first() if an_id.fullmatch(theme) else None
        f.source = Source.objects.filter(pk=source).first() if an_id.fullmatch(source) else None
        f.kind = params.get("kind", "") if params.get("kind") in ("township", "department") else ""
        return f


@dataclass
class Dashboard:
    today: date
    townships: list[UnitStanding] = field(default_factory=list)
    departments: list[UnitStanding] = field(default_factory=list)
    others: list[UnitStanding] = field(default_factory=list)
    lights: dict[str, int] = field(default_factory=dict)
    red_list: list = field(default_factory=list)
    red_total: int = 0
    themes: list[dict] = field(default_factory=list)
    targets: list[dict] = field(default_factory=list)
    weekly: list[tuple[str, float]] = field(default_factory=list)
    # The same weeks one year earlier, over the previous 年度's items (empty without a year).
    weekly_last_year: list[tuple[str, float]] = field(default_factory=list)
    missing_reports: list[dict] = field(default_factory=list)
    # For a unit's own staff: how many units of each kind its rank is counted among.
    peers: dict[str, int] = field(default_factory=dict)
    total: int = 0
    verified: int = 0
    # The office's own lateness: submitted, past the due date, still not reviewed.
    review_late: int = 0

    @property
    def rate(self) -> float:
        return round(100 * self.verified / self.total, 1) if self.total else 0.0


def build_dashboard(user: User, filters: DashboardFilters, *, today: date) -> Dashboard:
    """Every figure of the page from a fixed set of queries, whatever the number of assignments.

    Two scans of the assignments do the counting, each over an index that holds every column
    it reads (migration 0009): one grouped by unit (the league), one grouped by item, due date
    and role (lights, themes, targets). Item and unit details come from their own small
    tables, joined in Python, so no assignment row is joined to its item or unit.
    """
    board = Dashboard(today=today)
    scope = _Scope.of(user, filters)
    qs = scope.assignments

    # 1. League table: counted per unit, role and status by the database. A unit's own staff
    # see their row ranked among every unit of its kind in the county, not alone in a table
    # of one; only the rank and the number of such units come from the others' rows.
    standings = _league(qs, scope, today)
    if user.sees_all_units:
        groups = rank_within_kinds(standings)
    else:
        county = rank_within_kinds(_league(scope.county, scope, today))
        own = {s.unit_id for s in standings}
        groups = {kind: [s for s in group if s.unit_id in own] for kind, group in county.items()}
        board.peers = {kind: len(group) for kind, group in county.items()}
    board.townships, board.departments = groups["township"], groups["department"]
    board.others = groups["other"]
    board.total = sum(s.total for s in standings)
    board.verified = sum(s.verified for s in standings)

    # 2–4. Lights, progress by theme and counted targets from one scan grouped by item.
    windows = _by_item(qs, scope, today, board)

    # The red list: overdue first, then those behind schedule, oldest due date first. The
    # scan above counted the red assignments of each window, so only the windows holding the
    # first RED_LIST_SIZE of them are asked for; overdue ones are red by their due date alone,
    # so the database reads them in due-date order and stops after RED_LIST_SIZE rows.
    red_rows = (
        qs.filter(role__in=Assignment.COUNTED_ROLES)
        .filter(light_filter(RED, _first_red_windows(windows), today=today))
        .select_related("item", "unit")
        .order_by("due_date", "pk")[:RED_LIST_SIZE]
    )
    detail_url = _detail_url_maker()
    for a in red_rows:
        p = progress(
            status=a.status,
            percent=a.percent,
            start=a.item.start_date,
            due=a.due_date,
            today=today,
            submitted_on=a.submitted_on,
        )
        board.red_list.append(
            {
                "assignment": a,
                "progress": p,
                "days_overdue": -p.days_left if p.overdue else 0,
                "url": detail_url(a.pk),
            }
        )

    # 5. Completion over time, weekly, from the approval times; beside it the same weeks of
    # the year before, over that year's own items.
    board.weekly = _weekly_completion(qs, filters.weeks, today, board.total)
    if filters.year is not None:
        board.weekly_last_year = _last_year_trend(user, filters, today)

    # 6. Submissions waiting for review past their due date: the office's own 逾期.
    if user.sees_all_units:
        board.review_late = qs.filter(role__in=Assignment.COUNTED_ROLES).review_late(today).count()

    # 7. 未按期报送: assignments without a report for their item's last due period.
    board.missing_reports = _missing_reports(qs, scope, today, detail_url)
    return board


def _detail_url_maker():
    """pk → the assignment's page, reversed once: the page links a hundred or more of them,
    and {% url %} resolves the pattern anew for each."""
    marker = 987654321
    pattern = reverse("assignment_detail", args=[marker])
    before, after = pattern.split(str(marker))
    return lambda pk: f"{before}{pk}{after}"


class _Item(NamedTuple):
    """A visible item's fields the dashboard needs: a tuple, as thousands are made per page."""

    code: str
    title: str
    theme_id: int
    start: date
    target: Decimal | None
    target_unit: str
    cadence: str
    cadence_day: int | None


@dataclass
class _Scope:
    """The user's assignments on published items passing the filters, without joins, and the
    visible items and the units by id."""

    assignments: QuerySet
    items: dict[int, _Item]
    units: dict[int, tuple[str, str, str]]
    county: QuerySet
    # Every unit's work is in view (the office or a leader, no 乡镇/部门 filter): the targets
    # are the county's own.
    whole_county: bool = True

    @classmethod
    def of(cls, user: User, filters: DashboardFilters) -> "_Scope":
        visible_items = ChecklistItem.objects.filter(state=ChecklistItem.State.PUBLISHED)
        if filters.year is not None:
            visible_items = visible_items.filter(year=filters.year)
        if filters.theme:
            visible_items = visible_items.filter(theme=filters.theme)
        if filters.source:
            visible_items = visible_items.filter(directive__source=filters.source)
        theme_id = filters.theme.pk if filters.theme else None
        source_id = filters.source.pk if filters.source else None
        year = filters.year
        items, hidden = {}, 0
        for pk, state, source, item_year, code, title, theme, start, target, *rest in _plain_rows(
            ChecklistItem.objects.order_by().values_list(
                "pk", "state", "directive__source_id", "year", "code", "title", "theme_id",
                "start_date", "target_quantity", "target_unit", "cadence", "cadence_day",
            )
        ):  # fmt: skip
            if target is not None and not isinstance(target, Decimal):
                target = Decimal(str(target))
            item = _Item(code, title, theme, _as_date(start), target, *rest)
            # The same conditions as visible_items, which the database applies below.
            if (
                state == ChecklistItem.State.PUBLISHED
                and year in (None, item_year)
                and theme_id in (None, item.theme_id)
                and source_id in (None, source)
            ):
                items[pk] = item
            else:
                hidden += 1

        def narrowed(qs):
            # Whichever list is shorter: usually a few drafts are hidden, or one theme is shown.
            if hidden and hidden < len(items):
                qs = qs.exclude(item_id__in=ChecklistItem.objects.exclude(pk__in=visible_items))
            elif hidden:
                qs = qs.filter(item_id__in=visible_items.values("pk"))
            if filters.kind:
                qs = qs.filter(unit_id__in=Unit.objects.filter(kind=filters.kind).values("pk"))
            return qs.order_by()

        units = {
            pk: (name, short, kind)
            for pk, name, short, kind in Unit.objects.values_list(
                "pk", "name", "short_name", "kind"
            )
        }
        # Every unit's assignments under the same filters, read only to rank a unit among all
        # of its kind when its staff see their own row alone (lazy: the county sees it anyway).
        county = narrowed(Assignment.objects.all())
        return cls(
            narrowed(assignments_of_visible_units(user)),
            items,
            units,
            county,
            whole_county=user.sees_all_units and not filters.kind,
        )


def _plain_rows(queryset: QuerySet) -> list[tuple]:
    """The query's rows as the driver returns them, without the ORM's per-value converters
    (thousands of date parses); dates then arrive as ISO text from SQLite (see _as_date)."""
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


_DATES: dict[str, date] = {}


def _as_date(value) -> date | None:
    if value is None or isinstance(value, date):
        return value
    parsed = _DATES.get(value)
    if parsed is None:
        if len(_DATES) > 100_000:
            _DATES.clear()
        parsed = _DATES[value] = date.fromisoformat(value)
    return parsed


def _league(qs: QuerySet, scope: _Scope, today: date) -> list[UnitStanding]:
    """The same standings as league.league_table, counted by the database per unit."""
    standings: dict[int, UnitStanding] = {}
    rows = (
        qs.filter(role__in=Assignment.COUNTED_ROLES)
        .values_list("unit_id", "role", "status")
        .annotate(n=Count("*"), past=Count("unit_id", filter=Q(due_date__lt=today)))
    )
    # Submitted in time is not the unit's 逾期 (progress.waiting_on_office): those few rows
    # are counted apart, so the scan above stays on its index, which has no submission time.
    waiting_past = dict(
        qs.filter(waiting_on_office(), role__in=Assignment.COUNTED_ROLES, due_date__lt=today)
        .values_list("unit_id")
        .annotate(n=Count("*"))
        .order_by()
    )
    for unit_id, _role, status, n, past in rows:
        s = standings.get(unit_id)
        if s is None:
            name, _short, kind = scope.units[unit_id]
            s = standings[unit_id] = UnitStanding(unit_id, name, kind)
        s.total += n
        setattr(s, status, getattr(s, status) + n)
        if status != Assignment.Status.VERIFIED:
            s.overdue += past
        if status == Assignment.Status.SUBMITTED:
            s.overdue -= waiting_past.get(unit_id, 0)
    return list(standings.values())


class _PercentValues(dict):
    """'42' → 42, looked up rather than parsed: tens of thousands of percents per page, and
    only 101 different ones. Any other text (never written by the forms) is parsed."""

    def __missing__(self, key: str) -> int:
        return int(key)


_PERCENT_VALUES = _PercentValues((str(n), n) for n in range(101))


class _Percents(Aggregate):
    """The percents of a group as one comma-separated string.

    Tens of thousands of (item, due, percent) groups cost more to fetch than to count; one
    string per (item, due date, role) is a few thousand rows.
    """

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        # On the clone's attributes, not as arguments: the FILTER clause wraps the template.
        clone = self.copy()
        clone.function = "STRING_AGG"
        clone.template = "%(function)s((%(expressions)s)::text, ',')"
        return super(_Percents, clone).as_sql(compiler, connection, **extra_context)


def _by_item(qs: QuerySet, scope: _Scope, today: date, board: Dashboard) -> list[tuple]:
    """Lights and themes from one scan grouped by (item, due date, role); and targets.

    Light counts take 牵头/责任 only, and so do the red total and the red list: the tile, the
    list's heading and the task list it links to count the same rows. Open
    assignments not yet due get their light from light_bounds() of their (start, due) window,
    the same rule as progress(). Returns the windows (item, due, bounds, red assignments) for
    the red list.
    """
    counted_roles = set(Assignment.COUNTED_ROLES)
    # In the index's order (assignment_due_item_role), so the groups stream without a sort.
    # Submitted in time is green whatever the date (progress.waiting_on_office): its few rows
    # are counted apart (the index has no submission time) and their percents kept out of the
    # windows' lights.
    waiting_of = {
        (due, item_id, role): n
        for due, item_id, role, n in _plain_rows(
            qs.filter(waiting_on_office())
            .values_list("due_date", "item_id", "role")
            .annotate(n=Count("*"))
            .order_by()
        )
    }
    rows = qs.values_list("due_date", "item_id", "role").annotate(
        n=Count("*"),
        verified=Count("item_id", filter=Q(status=Assignment.Status.VERIFIED)),
        percents=_Percents(
            "percent",
            filter=~Q(status__in=[Assignment.Status.VERIFIED, Assignment.Status.SUBMITTED])
            & Q(due_date__gte=today),
        ),
    )
    # Plain local counters: this loop runs once per group, thousands of times per page.
    red_n = yellow_n = green_n = grey_n = 0
    themes: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    windows = []
    bounds_of = {}
    percent_value = _PERCENT_VALUES.__getitem__
    item_of = scope.items.get
    for due, item_id, role, n, verified, percents in _plain_rows(rows):
        waiting = waiting_of.get((due, item_id, role), 0) if waiting_of else 0
        item = item_of(item_id)
        if item is None:
            continue
        due = _as_date(due)
        counted = role in counted_roles
        open_n = n - verified
        if counted:
            theme = themes[item.theme_id]
            theme[0] += n
            theme[1] += verified
            grey_n += verified
        if due is None:
            if counted:
                green_n += open_n  # no due date: no schedule, never behind
            continue
        if counted:
            green_n += waiting
        if due < today:
            late = open_n - waiting
            if counted:
                red_n += late
                windows.append((item_id, due, (101, 101), late))
            continue
        key = (item.start, due)
        bounds = bounds_of.get(key)
        if bounds is None:
            bounds = bounds_of[key] = light_bounds(start=item.start, due=due, today=today)
        if not percents:
            continue
        # Sorted, the bounds split the group's percents into red, yellow and green.
        values = sorted(map(percent_value, percents.split(",")))
        red = bisect_left(values, bounds[0])
        yellow = bisect_left(values, bounds[1]) - red
        if counted:
            windows.append((item_id, due, bounds, red))
            red_n += red
            yellow_n += yellow
            green_n += len(values) - red - yellow
    board.lights = {RED: red_n, YELLOW: yellow_n, GREEN: green_n, GREY: grey_n}
    board.red_total = red_n

    names, order = {}, {}
    for pk, name, sort_order in Theme.objects.values_list("pk", "name", "sort_order"):
        names[pk], order[pk] = name, sort_order
    for theme_id in sorted(themes, key=lambda t: (order.get(t, 0), names.get(t, ""))):
        total, verified = themes[theme_id]
        board.themes.append(
            {
                "name": names.get(theme_id, ""),
                "total": total,
                "verified": verified,
                "rate": round(100 * verified / total, 1) if total else 0.0,
            }
        )
    # Counted targets: few items have one, so their quantities are summed by index lookups.
    # An item's target is the county's, split among units (分解数量); each unit counts up to its
    # own target, so a unit's surplus does not make up for another's shortfall. Rates are the
    # mean of the units' rates. A view of some units only (a unit's own staff, one kind of
    # unit) sets them against what those units answer for.
    sums = target_sums(qs)
    whole = scope.whole_county
    for item_id in sorted(
        (pk for pk in sums if pk in scope.items), key=lambda pk: scope.items[pk].code
    ):
        item = scope.items[item_id]
        figure = target_figure(
            target=item.target, unit=item.target_unit, sums=sums[item_id], whole=whole
        )
        board.targets.append(
            {
                "code": item.code,
                "title": item.title,
                "theme": names.get(item.theme_id, ""),
                "figure": figure,
                "done": figure.done,
                "target": figure.target,
                "units": figure.units,
                "unit": item.target_unit,
                "rate": figure.percent,
            }
        )
    return windows


def _first_red_windows(windows: list[tuple]) -> list[tuple]:
    """The windows holding the oldest RED_LIST_SIZE red assignments, with every window of the
    last due date taken, as the list is ordered by due date, then id."""
    chosen, red, last_due = [], 0, None
    for item_id, due, bounds, n in sorted(windows, key=lambda w: w[1]):
        if not n:
            continue
        if red >= RED_LIST_SIZE and due != last_due:
            break
        chosen.append((item_id, due, bounds))
        red += n
        last_due = due
    return chosen


def _weekly_completion(
    qs: QuerySet, weeks: int, today: date, total: int
) -> list[tuple[str, float]]:
    """完成率 at the end of each week, from the approval time kept on each assignment.

    verified_at is written by assignment_approve with the time of its 审核通过 history row, and
    已办结 is final, so counting verified_at before each week's end counts the approvals.
    Week ends are local midnights, so a week is the county's week whatever the server's zone.
    """
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    ends = [
        timezone.make_aware(datetime.combine(first + timedelta(weeks=week + 1), time.min))
        for week in range(weeks)
    ]
    per_week = dict(
        qs.filter(role__in=Assignment.COUNTED_ROLES, status=Assignment.Status.VERIFIED)
        .annotate(week=_weeks_before("verified_at", ends, 0, len(ends)))
        .values_list("week")
        .annotate(n=Count("item_id"))
    )
    if not total:
        return []
    points, done = [], 0
    for week in range(weeks):
        done += per_week.get(week, 0)  # week k: approved before ends[k], not before ends[k-1]
        points.append((f"{first + timedelta(weeks=week):%m-%d}", round(100 * done / total, 1)))
    return points


def _last_year_trend(user: User, filters: DashboardFilters, today: date) -> list:
    """完成率 of the previous 年度's items over the same weeks one year (52 weeks) earlier."""
    qs = assignments_of_visible_units(user).filter(
        item__state=ChecklistItem.State.PUBLISHED, item__year=filters.year - 1
    )
    if filters.theme:
        qs = qs.filter(item__theme=filters.theme)
    if filters.source:
        qs = qs.filter(item__directive__source=filters.source)
    if filters.kind:
        qs = qs.filter(unit__kind=filters.kind)
    qs = qs.order_by()
    total = qs.filter(role__in=Assignment.COUNTED_ROLES).count()
    if not total:
        return []
    return _weekly_completion(qs, filters.weeks, today - timedelta(weeks=52), total)


def _weeks_before(field: str, ends: list, low: int, high: int):
    """How many of ends[low:high] are at or before the field's value, plus low: a binary search
    written as nested CASE, so each row costs a handful of comparisons, on any database."""
    if low == high:
        return Value(low)
    middle = (low + high) // 2
    return Case(
        When(**{f"{field}__lt": ends[middle]}, then=_weeks_before(field, ends, low, middle)),
        default=_weeks_before(field, ends, middle + 1, high),
        output_field=IntegerField(),
    )


MISSING_SHOWN = 3  # items named per unit; the count says how many more


def _missing_reports(qs: QuerySet, scope: _Scope, today: date, detail_url) -> list[dict]:
    """未按期报送 by unit: open assignments, dated or long-term, with no report for their
    item's last due period (tracker.reporting.missed_last_period, the reminders' rule too).

    The period depends only on the item's cadence, so it is worked out once per cadence from
    the visible items, and the database returns only the assignments that missed it, in one
    query however many cadences there are.
    """
    cadences = {(item.cadence, item.cadence_day) for item in scope.items.values()}
    missed, periods = missed_last_period(qs, today=today, cadences=cadences)
    rows = _plain_rows(missed.values_list("pk", "unit_id", "item_id"))
    by_unit: dict[int, list] = defaultdict(list)
    items = scope.items
    for pk, unit_id, item_id in rows:
        item = items.get(item_id)
        if item is not None:
            by_unit[unit_id].append((item.code, pk, item_id))
    entries = []
    for unit_id, missed_rows in by_unit.items():
        missed_rows.sort()
        shown = []
        for code, pk, item_id in missed_rows[:MISSING_SHOWN]:
            item = scope.items[item_id]
            deadline = periods[(item.cadence, item.cadence_day)].deadline
            title = item.title if len(item.title) <= 20 else item.title[:19] + "…"
            shown.append(
                {
                    "pk": pk,
                    "url": detail_url(pk),
                    "code": code,
                    "title": title,
                    "deadline": f"{deadline.month}月{deadline.day}日",
                }
            )
        entries.append(
            {
                "unit_id": unit_id,
                "unit": scope.units[unit_id][0],
                "items": shown,
                "count": len(missed_rows),
                "more": len(missed_rows) - len(shown),
            }
        )
    return sorted(entries, key=lambda e: (-e["count"], e["unit"]))


def filter_choices() -> dict:
    return {
        "themes": Theme.objects.filter(active=True),
        "sources": Source.objects.only("pk", "title"),  # not the speeches' full text
        "kinds": [("township", "乡镇街道"), ("department", "部门")],
        "periods": [("8", "近8周"), ("13", "近13周"), ("26", "近半年"), ("52", "近一年")],
    }
