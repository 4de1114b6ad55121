"""The dashboard's reads: a fixed handful of queries, whatever the number of assignments.

Everything starts from `dashboard_assignments`, the user's scoped and filtered published
assignments, and the same league and traffic-light functions as the task list and the bulletin.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.utils import timezone

from checklist.models import ChecklistItem, Source, Theme
from tracker.cadence import due_period
from tracker.league import UnitStanding, league_table
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

    # 1. Every assignment once: league table, traffic lights, red list candidates.
    rows = list(
        qs.values_list(
            "pk", "unit_id", "unit__name", "unit__kind", "role", "status", "due_date",
            "percent", "item__start_date",
        )
    )  # fmt: skip
    standings = league_table(((r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows), today=today)
    for s in standings:
        {"township": board.townships, "department": board.departments}.get(
            s.kind, board.others
        ).append(s)
    for group in (board.townships, board.departments, board.others):
        _rerank(group)
    board.total = sum(s.total for s in standings)
    board.verified = sum(s.verified for s in standings)
    lights = Counter()
    red = []
    for pk, _u, _n, _k, role, status, due, percent, start in rows:
        light = progress(status=status, percent=percent, start=start, due=due, today=today).light
        if role in ("lead", "responsible"):
            lights[light] += 1
        if light == RED:
            red.append((due or date.max, pk))
    board.lights = {key: lights.get(key, 0) for key in (RED, YELLOW, GREEN, GREY)}
    board.red_total = len(red)

    # 2. The oldest red ones, with what the page shows of them.
    chosen = [pk for _, pk in sorted(red)[:RED_LIST_SIZE]]
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
    approvals = StatusUpdate.objects.filter(
        assignment__in=counted.filter(status="verified"), kind=StatusUpdate.Kind.APPROVE
    ).values_list("assignment_id", "created_at")
    first_approval: dict[int, date] = {}
    for assignment_id, created in approvals:
        day = timezone.localdate(created)
        if assignment_id not in first_approval or day < first_approval[assignment_id]:
            first_approval[assignment_id] = day
    per_week = defaultdict(int)
    before = 0
    for day in first_approval.values():
        if day < first:
            before += 1
        else:
            per_week[(day - first).days // 7] += 1
    points, done = [], before
    for week in range(weeks):
        done += per_week.get(week, 0)
        label = f"{first + timedelta(weeks=week):%m-%d}"
        points.append((label, round(100 * done / total, 1)))
    return points


def _missing_reports(qs: QuerySet, today: date) -> list[dict]:
    long_term = (
        qs.filter(due_date__isnull=True)
        .exclude(item__cadence="none")
        .exclude(status="verified")
        .annotate(
            last_report=Max("history__created_at", filter=Q(history__kind__in=["report", "submit"]))
        )
        .values_list(
            "pk",
            "unit_id",
            "unit__name",
            "item__code",
            "item__title",
            "item__cadence",
            "item__cadence_day",
            "last_report",
        )
    )
    by_unit: dict[int, dict] = {}
    for pk, unit_id, unit_name, code, title, cadence, day, last in long_term:
        period = due_period(cadence, day, today)
        if period is None:
            continue
        start, deadline = period
        if last is not None and start <= timezone.localdate(last):
            continue
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
