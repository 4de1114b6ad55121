"""Filters of the task list. Applied inside the selectors, on an already scoped queryset."""

import json
from datetime import date, timedelta

import django_filters
from django.db import connection
from django.db.models import BooleanField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from checklist.models import ChecklistItem, Source, Theme
from tracker.models import Assignment, Unit, waiting_on_office
from tracker.progress import GREEN, GREY, LIGHT_LABELS, RED, YELLOW, light_bounds
from tracker.work_years import parse_year, years_info

DRAFT = "draft"
# Every 年度 not yet closed: the home page's figures count these, and link here.
OPEN_YEARS = "open"
DUE_WINDOWS = [
    ("overdue", "已逾期"),
    # Past the due date, open, including those submitted in time that wait on the office.
    ("past", "已过时限"),
    ("7", "7天内到期"),
    ("30", "30天内到期"),
    ("long", "长期任务"),
    # Open work whose last due reporting period has no report (reporting.missed_last_period).
    ("missed", "未按期报送"),
]


def open_windows(queryset, today) -> list[tuple[int, date, tuple[int, int]]]:
    """(item, due date, light_bounds) of every start→due window among the open assignments of
    the queryset not yet due: one grouped query, a few thousand rows at most.

    Windows already past their due date are left out: every open assignment in them is red,
    which light_filter() tests on the row itself. The distinct (item, due date) pairs come from
    the index alone; only those few thousand are joined to their item for its start date.
    """
    pairs = (
        queryset.exclude(status=Assignment.Status.VERIFIED)
        .filter(due_date__gte=today)
        .values_list("item_id", "due_date")
        .distinct()
        .order_by()
    )
    sql, params = pairs.query.sql_with_params()
    item_table = ChecklistItem._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f'SELECT w.item_id, i."start_date", w.due_date FROM ({sql}) AS w '
            f'JOIN "{item_table}" AS i ON i."id" = w.item_id',
            params,
        )
        rows = cursor.fetchall()
    return [
        (item_id, due, light_bounds(start=start, due=due, today=today))
        for item_id, start, due in ((i, _date(s), _date(d)) for i, s, d in rows)
    ]


def _date(value) -> date:
    """A date column from a raw cursor: SQLite gives ISO text, PostgreSQL a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def light_filter(light: str, windows, *, today: date) -> Q:
    """The assignments whose traffic light is `light`, as a filter the database applies.

    windows: (item, due date, light_bounds) covering the open assignments not yet due, as
    open_windows() gives them (windows due before today are ignored). Verified is grey, 长期
    and submitted in time (waiting_on_office) are green, every other open assignment due
    before today is red; the others get their light from
    their window's bounds, the same rule as progress(), so the list shows exactly what the
    dashboard counts. Overdue is a plain condition on due_date, so a page ordered by due date
    reads the index in order and stops after its rows, rather than collecting every red id.
    """
    if light == GREY:
        return Q(status=Assignment.Status.VERIFIED)
    index = {RED: 0, YELLOW: 1, GREEN: 2}[light]
    ranges = []
    for item_id, due, (red_below, yellow_below) in windows:
        if due < today:
            continue
        low, high = ((0, red_below), (red_below, yellow_below), (yellow_below, 101))[index]
        if low < high:
            ranges.append((item_id, due, low, high))
    in_windows = _open_in_windows(ranges)  # even when empty: a fixed number of queries
    if light == RED:
        # Nothing due after the last behind-schedule window is red: the count then reads the
        # index only up to that date, and with no such window the ids are not needed at all.
        late = ~Q(status=Assignment.Status.VERIFIED) & ~waiting_on_office()
        if not ranges:
            return late & Q(due_date__lt=today)
        last_due = max(due for _item, due, _low, _high in ranges)
        return late & Q(due_date__lte=last_due) & (Q(due_date__lt=today) | in_windows)
    if light == GREEN:
        in_windows |= Q(due_date__isnull=True) | waiting_on_office()
    return ~Q(status=Assignment.Status.VERIFIED) & in_windows


class AssignmentFilter(django_filters.FilterSet):
    # Choices are the years on record, set per request; the selector defaults it to the
    # current 年度, and an explicit empty value lists every year.
    year = django_filters.ChoiceFilter(
        method="filter_year", choices=[], label="年度", empty_label="全部年度"
    )
    q = django_filters.CharFilter(method="filter_text", label="搜索")
    # One status: a draft item's shares are 草稿 (units do not see them yet), the published
    # ones are in their work status.
    status = django_filters.ChoiceFilter(
        choices=[*Assignment.Status.choices, (DRAFT, "草稿（未发布）")],
        method="filter_status",
        label="状态",
        empty_label="全部状态",
    )
    theme = django_filters.ModelChoiceFilter(
        field_name="item__theme", queryset=Theme.objects.all(), label="领域", empty_label="全部领域"
    )
    role = django_filters.ChoiceFilter(
        choices=Assignment.Role.choices, label="角色", empty_label="全部角色"
    )
    light = django_filters.ChoiceFilter(
        choices=list(LIGHT_LABELS.items()),
        method="filter_light",
        label="红黄绿灯",
        empty_label="全部",
    )
    due = django_filters.ChoiceFilter(
        choices=DUE_WINDOWS, method="filter_due", label="完成时限", empty_label="不限"
    )
    unit = django_filters.ModelChoiceFilter(
        queryset=Unit.objects.all(), label="单位", empty_label="全部单位"
    )
    # The dashboard's figures count published work of 牵头 and 责任 units; a list reached by
    # clicking a figure says counted=1 and holds exactly those rows.
    counted = django_filters.ChoiceFilter(
        choices=[("1", "计入考核（已发布任务的牵头、责任单位）"), ("published", "已发布任务")],
        method="filter_counted",
        label="范围",
        empty_label="全部",
    )
    kind = django_filters.ChoiceFilter(
        field_name="unit__kind",
        choices=Unit.Kind.choices,
        label="单位类别",
        empty_label="全部类别",
    )
    source = django_filters.ModelChoiceFilter(
        field_name="item__directive__source",
        queryset=Source.objects.all(),
        label="来源讲话",
        empty_label="全部讲话",
    )

    class Meta:
        model = Assignment
        fields = [
            "year", "q", "status", "theme", "role", "light", "due", "unit", "counted", "kind",
            "source",
        ]  # fmt: skip

    def __init__(self, data=None, *args, user, **kwargs):
        today = timezone.localdate()
        self.years = years_info(today=today)
        if data is not None and "year" not in data:
            # No year asked for: the current 年度's; an explicit empty value lists every year.
            data = data.copy()
            data["year"] = str(self.years.current)
        super().__init__(data, *args, **kwargs)
        self.filters["year"].extra["choices"] = [
            *((str(y), f"{y}年度") for y in self.years.choices),
            (OPEN_YEARS, "未归档的年度"),
        ]
        self.year = parse_year((self.data or {}).get("year"))
        # A closed 年度 is counted as on its closing day, as on the dashboard.
        self.today = self.years.figures_day(self.year, today=today) if self.year else today
        if not user.sees_all_units:
            # Staff see one unit and published items only: those choices would be noise.
            del self.filters["unit"]
            del self.filters["kind"]
            self.filters["status"].extra["choices"] = Assignment.Status.choices

    def filter_year(self, queryset, name, value):
        if value == OPEN_YEARS:
            return queryset.in_open_years()
        return queryset.filter(in_year(int(value)))

    def filter_status(self, queryset, name, value):
        if value == DRAFT:
            return queryset.filter(item__state=ChecklistItem.State.DRAFT)
        return queryset.filter(status=value, item__state=ChecklistItem.State.PUBLISHED)

    def filter_counted(self, queryset, name, value):
        queryset = queryset.filter(item__state=ChecklistItem.State.PUBLISHED)
        if value == "published":
            return queryset
        return queryset.filter(role__in=Assignment.COUNTED_ROLES)

    def filter_text(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(item__code__icontains=value)
            | Q(item__title__icontains=value)
            | Q(unit__name__icontains=value)
        )

    def filter_light(self, queryset, name, value):
        windows = [] if value == GREY else open_windows(queryset, self.today)
        return queryset.filter(light_filter(value, windows, today=self.today))

    def filter_due(self, queryset, name, value):
        today = self.today
        if value == "overdue":
            return queryset.overdue(today)
        if value == "past":
            return queryset.open().filter(due_date__lt=today)
        if value == "missed":
            from tracker.reporting import missed_last_period  # reporting reads the list's rows

            return missed_last_period(queryset, today=today)[0]
        if value == "long":
            return queryset.filter(due_date__isnull=True)
        days = int(value)
        return queryset.open().filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=days)
        )


def in_year(year: int) -> Q:
    """Assignments of the 年度's items, tested row by row as the page reads its index.

    A join on the item's year lets SQLite start from the items of the year and sort every
    assignment of them; the unary plus keeps it reading assignment_due_item_role in due-date
    order, so a page of 25 stops early (as with the light filter below).
    """
    items = ChecklistItem._meta.db_table
    if connection.vendor == "sqlite":
        table = Assignment._meta.db_table
        return Q(
            RawSQL(
                f'+"{table}"."item_id" IN (SELECT y."id" FROM "{items}" AS y WHERE y."year" = %s)',
                [year],
                output_field=BooleanField(),
            )
        )
    return Q(item_id__in=ChecklistItem.objects.filter(year=year).values("pk"))


def _open_in_windows(ranges: list[tuple[int, date, int, int]]) -> Q:
    """Open assignments of item i due on d with low <= percent < high, for each (i, d, low, high).
    Submitted ones are left out: not yet due, they were submitted in time, and are green.

    The windows go to the database as one JSON parameter joined as a table, so a few thousand
    windows cost one index lookup each (assignment_due_item_role), not a few thousand OR terms
    per row. SQLite builds the list of matching ids once and tests rows against it as it reads
    them in the page's order; PostgreSQL gets the ids as an array (see below).
    """
    table = Assignment._meta.db_table
    data = json.dumps(
        [{"item": i, "due": d.isoformat(), "low": lo, "high": hi} for i, d, lo, hi in ranges]
    )
    vendor = connection.vendor
    if vendor == "sqlite":
        # Materialized, so each window's JSON is read once rather than once per row it meets;
        # CROSS JOIN keeps the windows as the outer loop. The unary plus keeps the planner from
        # fetching rows by these ids (a "MULTI-INDEX OR" with the overdue range, then sorting
        # them all): it reads assignment_due_item_role in due-date order instead and tests each
        # row against the ids, so a page of 25 stops early.
        sql = (
            "WITH w AS MATERIALIZED (SELECT json_extract(value, '$.item') AS item, "
            "json_extract(value, '$.due') AS due, json_extract(value, '$.low') AS low, "
            "json_extract(value, '$.high') AS high FROM json_each(%s)) "
            f'SELECT a."id" FROM w CROSS JOIN "{table}" AS a '
            'WHERE a."item_id" = w.item AND a."due_date" = w.due '
            'AND a."percent" >= w.low AND a."percent" < w.high '
            "AND a.\"status\" NOT IN ('verified', 'submitted')"
        )
        return Q(RawSQL(f'+"{table}"."id" IN ({sql})', [data], output_field=BooleanField()))
    if vendor == "postgresql":
        sql = (
            'SELECT a."id" FROM jsonb_to_recordset(%s::jsonb) '
            "AS w(item integer, due date, low integer, high integer) "
            f'JOIN "{table}" AS a ON a."item_id" = w.item AND a."due_date" = w.due '
            'WHERE a."percent" >= w.low AND a."percent" < w.high '
            "AND a.\"status\" NOT IN ('verified', 'submitted')"
        )
        # PostgreSQL guesses 100 rows for a JSON table and then joins tens of thousands by
        # nested loops; with the ids fetched first, it sees the array's real size.
        with connection.cursor() as cursor:
            cursor.execute(sql, [data])
            ids = [row[0] for row in cursor.fetchall()]
        return Q(RawSQL(f'"{table}"."id" = ANY(%s)', [ids], output_field=BooleanField()))
    q = Q(pk__isnull=True)
    for item_id, due, low, high in ranges:
        q |= Q(item_id=item_id, due_date=due, percent__gte=low, percent__lt=high)
    return q & ~Q(status__in=[Assignment.Status.VERIFIED, Assignment.Status.SUBMITTED])
