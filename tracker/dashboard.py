"""The dashboard's reads: a fixed handful of queries, whatever the number of assignments.

Everything starts from `dashboard_assignments`, the user's scoped and filtered published
assignments, and the same league and traffic-light functions as the task list and the bulletin.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from checklist.models import ChecklistItem, Source, Theme
from tracker.cadence import due_period
from tracker.league import UnitStanding, rank_standings
from tracker.models import Assignment, StatusUpdate, User
from tracker.progress import GREEN, GREY, RED, YELLOW, progress
from tracker.selectors import assignments_for_user

PERIODS = {"8": 8, "13": 13, "26": 26, "52": 52}
RED_LIST_SIZE = 50


@dataclass
class DashboardFilters:
    weeks: int = 13
    theme: Theme | None = None
    kind: str = ""
    source: Source | None = None

    @classmethod
    def from_params(cls, params) -> "DashboardFilters":
        f = cls()
        f.weeks = PERIODS.get(params.get("weeks", ""), 13)
        theme, source = params.get("theme", ""), params.get("source", "")
        f.theme = Theme.objects.filter(pk=theme).first() if theme.isdigit() else None
        f.source = Source.objects.filter(pk=source).first() if source.isdigit() else None
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
    missing_reports: list[dict] = field(default_factory=list)
    total: int = 0
    verified: int = 0

    @property
    def rate(self) -> float:
        return round(100 * self.verified / self.total, 1) if self.total else 0.0


def dashboard_assignments(user: User, filters: DashboardFilters) -> QuerySet[Assignment]:
    qs = assignments_for_user(user).filter(item__state=ChecklistItem.State.PUBLISHED)
    if filters.theme:
        qs = qs.filter(item__theme=filters.theme)
    if filters.kind:
        qs = qs.filter(unit__kind=filters.kind)
    if filters.source:
        qs = qs.filter(item__directive__source=filters.source)
    return qs


def build_dashboard(user: User, filters: DashboardFilters, *, today: date) -> Dashboard:
    qs = dashboard_assignments(user, filters)
    board = Dashboard(today=today)

    # 1. League table: counted per unit by the database.
    standings = _league(qs, today)
    for s in standings:
        {"township": board.townships, "department": board.departments}.get(
            s.kind, board.others
        ).append(s)
    for group in (board.townships, board.departments, board.others):
        _rerank(group)
    board.total = sum(s.total for s in standings)
    board.verified = sum(s.verified for s in standings)

    # 2. Traffic lights and the red list, without loading every assignment (see _lights).
    lights, red_total, red_rows = _lights(qs, today)
    board.lights = lights
    board.red_total = red_total
    chosen = [pk for pk, _ in red_rows[:RED_LIST_SIZE]]
    by_pk = Assignment.objects.select_related("item", "unit").in_bulk(chosen)
    for pk in chosen:
        a = by_pk[pk]
        p = progress(
            status=a.status, percent=a.percent, start=a.item.start_date, due=a.due_date, today=today
        )
        board.red_list.append(
            {"assignment": a, "progress": p, "days_overdue": -p.days_left if p.overdue else 0}
        )

    # 3. Progress by theme (counted assignments only).
    counted = qs.filter(role__in=Assignment.COUNTED_ROLES)
    for row in (
        counted.values("item__theme__name", "item__theme__sort_order")
        .annotate(total=Count("pk"), verified=Count("pk", filter=Q(status="verified")))
        .order_by("item__theme__sort_order")
    ):
        rate = round(100 * row["verified"] / row["total"], 1) if row["total"] else 0.0
        board.themes.append(
            {
                "name": row["item__theme__name"],
                "total": row["total"],
                "verified": row["verified"],
                "rate": rate,
            }
        )

    # 4. Counted targets: quantity done summed over the units against the item's target.
    for row in (
        counted.filter(item__target_quantity__isnull=False)
        .values(
            "item__code",
            "item__title",
            "item__target_quantity",
            "item__target_unit",
            "item__theme__name",
        )
        .annotate(done=Sum("quantity_done"))
        .order_by("item__code")
    ):
        target = row["item__target_quantity"]
        done = row["done"] or 0
        board.targets.append(
            {
                "code": row["item__code"],
                "title": row["item__title"],
                "theme": row["item__theme__name"],
                "done": done,
                "target": target,
                "unit": row["item__target_unit"],
                "rate": min(round(float(done) / float(target) * 100, 1), 100.0) if target else 0.0,
            }
        )

    # 5. Completion over time, weekly, from the history of approvals.
    board.weekly = _weekly_completion(counted, filters.weeks, today, board.total)

    # 6. 未按期报送: long-term assignments without a report in their last due period.
    board.missing_reports = _missing_reports(qs, today)
    return board


def _league(qs: QuerySet, today: date) -> list[UnitStanding]:
    """The same standings as league.league_table, counted by the database per unit."""
    counted = Q(role__in=Assignment.COUNTED_ROLES)
    rows = (
        qs.filter(counted)
        .values("unit_id", "unit__name", "unit__kind")
        .annotate(
            total=Count("pk"),
            verified=Count("pk", filter=Q(status="verified")),
            submitted=Count("pk", filter=Q(status="submitted")),
            in_progress=Count("pk", filter=Q(status="in_progress")),
            not_started=Count("pk", filter=Q(status="not_started")),
            overdue=Count("pk", filter=~Q(status="verified") & Q(due_date__lt=today)),
        )
        .order_by()
    )
    standings = [
        UnitStanding(
            r["unit_id"], r["unit__name"], r["unit__kind"], r["total"], r["verified"],
            r["submitted"], r["in_progress"], r["not_started"], r["overdue"],
        )
        for r in rows
    ]  # fmt: skip
    return rank_standings(standings)


def _lights(qs: QuerySet, today: date) -> tuple[dict[str, int], int, list]:
    """Light counts (牵头/责任 only), the number of red assignments (all roles), and red ones
    oldest first as (pk, due) — the same answers as progress() gives row by row.

    Verified, overdue and long-term assignments are counted by the database; only the open
    ones not yet due need progress(), and those are grouped by (start, due, percent) first,
    so the page reads a few thousand groups instead of every assignment.
    """
    counted = Q(role__in=Assignment.COUNTED_ROLES)
    open_ = qs.exclude(status="verified")
    totals = qs.aggregate(
        grey=Count("pk", filter=counted & Q(status="verified")),
        overdue_counted=Count("pk", filter=counted & ~Q(status="verified") & Q(due_date__lt=today)),
        overdue_all=Count("pk", filter=~Q(status="verified") & Q(due_date__lt=today)),
        long_term=Count("pk", filter=counted & ~Q(status="verified") & Q(due_date__isnull=True)),
    )
    lights = Counter({GREY: totals["grey"], RED: totals["overdue_counted"]})
    lights[GREEN] += totals["long_term"]  # no due date: no schedule, never behind
    red_total = totals["overdue_all"]
    red_groups = []
    groups = (
        open_.filter(due_date__gte=today)
        .values_list("item__start_date", "due_date", "percent")
        .annotate(
            n_counted=Count("pk", filter=counted),
            n_all=Count("pk"),
        )
        .order_by()
    )
    for start, due, percent, n_counted, n_all in groups:
        light = progress(
            status="in_progress", percent=percent, start=start, due=due, today=today
        ).light
        lights[light] += n_counted
        if light == RED:
            red_total += n_all
            red_groups.append((due, start, percent))
    red = list(
        open_.filter(due_date__lt=today)
        .order_by("due_date", "pk")
        .values_list("pk", "due_date")[:RED_LIST_SIZE]
    )
    if len(red) < RED_LIST_SIZE and red_groups:
        behind = Q()
        for due, start, percent in sorted(red_groups)[:RED_LIST_SIZE]:
            behind |= Q(due_date=due, item__start_date=start, percent=percent)
        red += list(
            open_.filter(behind)
            .order_by("due_date", "pk")
            .values_list("pk", "due_date")[: RED_LIST_SIZE - len(red)]
        )
    return {key: lights.get(key, 0) for key in (RED, YELLOW, GREEN, GREY)}, red_total, red


def _rerank(group: list[UnitStanding]) -> None:
    previous = None
    for position, s in enumerate(group, start=1):
        key = (s.rate, s.overdue)
        s.rank = previous[1] if previous and previous[0] == key else position
        previous = (key, s.rank)


def _weekly_completion(
    counted: QuerySet, weeks: int, today: date, total: int
) -> list[tuple[str, float]]:
    if not total:
        return []
    monday = today - timedelta(days=today.weekday())
    first = monday - timedelta(weeks=weeks - 1)
    # Approvals counted per local day by the database; an assignment is approved once, as
    # 已办结 is final.
    approvals = (
        StatusUpdate.objects.filter(
            assignment__in=counted.filter(status="verified"), kind=StatusUpdate.Kind.APPROVE
        )
        .annotate(day=TruncDate("created_at"))
        .values_list("day")
        .annotate(n=Count("assignment_id", distinct=True))
        .order_by()
    )
    per_week = defaultdict(int)
    before = 0
    for day, n in approvals:
        if day < first:
            before += n
        else:
            per_week[(day - first).days // 7] += n
    points, done = [], before
    for week in range(weeks):
        done += per_week.get(week, 0)
        label = f"{first + timedelta(weeks=week):%m-%d}"
        points.append((label, round(100 * done / total, 1)))
    return points


def _missing_reports(qs: QuerySet, today: date) -> list[dict]:
    """Long-term assignments with no report since their last due period began, by unit.

    The period depends only on the item's cadence, so it is worked out once per cadence and
    the database returns only the assignments that missed it.
    """
    long_term = qs.filter(due_date__isnull=True).exclude(item__cadence="none")
    long_term = long_term.exclude(status="verified")
    periods = {}
    for cadence, day in long_term.values_list("item__cadence", "item__cadence_day").distinct():
        period = due_period(cadence, day, today)
        if period is not None:
            periods[(cadence, day)] = period
    if not periods:
        return []
    missed = Q()
    for (cadence, day), (start, _deadline) in periods.items():
        began = timezone.make_aware(datetime.combine(start, time.min))
        missed |= Q(item__cadence=cadence, item__cadence_day=day) & (
            Q(last_report__isnull=True) | Q(last_report__lt=began)
        )
    rows = (
        long_term.annotate(
            last_report=Max("history__created_at", filter=Q(history__kind__in=["report", "submit"]))
        )
        .filter(missed)
        .order_by("unit__name", "item__code")
        .values_list(
            "pk", "unit_id", "unit__name", "item__code", "item__title", "item__cadence",
            "item__cadence_day", "last_report",
        )
    )  # fmt: skip
    by_unit: dict[int, dict] = {}
    for pk, unit_id, unit_name, code, title, cadence, day, last in rows:
        deadline = periods[(cadence, day)][1]
        entry = by_unit.setdefault(unit_id, {"unit_id": unit_id, "unit": unit_name, "items": []})
        entry["items"].append(
            {"pk": pk, "code": code, "title": title, "deadline": deadline, "last": last}
        )
    return sorted(by_unit.values(), key=lambda e: (-len(e["items"]), e["unit"]))


def filter_choices() -> dict:
    return {
        "themes": Theme.objects.filter(active=True),
        "sources": Source.objects.all(),
        "kinds": [("township", "乡镇街道"), ("department", "部门")],
        "periods": [("8", "近8周"), ("13", "近13周"), ("26", "近半年"), ("52", "近一年")],
    }
