"""Reads of the registers, scoped by the user asking, and the counts other parts ask for.

Every figure has one function here that its page, its drill-down list and its export read:
`enterprise_count`, `inspection_coverage` and `standardized_count` give a unit's number
together with exactly the rows behind it and the register's URL that lists them.
"""

from dataclasses import dataclass
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Exists, Max, OuterRef, Q, QuerySet
from django.http import Http404
from django.urls import reverse

from tracker.enterprises import permissions
from tracker.enterprises.filters import EnterpriseFilter
from tracker.enterprises.grids import Tree
from tracker.enterprises.models import (
    Enterprise,
    Grid,
    GridMember,
    Inspection,
    Standardization,
)
from tracker.enterprises.periods import Period, month_of
from tracker.enterprises.queries import inspected_in, standardized_in
from tracker.models import Unit, User

# --- scope ---------------------------------------------------------------------------------


def own_grid_ids(user: User) -> set[int]:
    """A 网格员's grids and every grid below them, in their own township only."""
    if not permissions.is_grid_member(user):
        return set()
    cached = getattr(user, "_own_grid_ids", None)
    if cached is not None:
        return cached
    direct = list(
        GridMember.objects.filter(user=user, grid__township_id=user.unit_id).values_list(
            "grid_id", flat=True
        )
    )
    found = Tree.of([user.unit_id]).descendants(direct) if direct else set()
    user._own_grid_ids = found
    return found


def enterprises_for_user(user: User) -> QuerySet[Enterprise]:
    qs = Enterprise.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_units:
        return qs
    if permissions.is_township_staff(user):
        return qs.filter(township_id=user.unit_id)
    if permissions.is_department_staff(user):
        return qs.filter(supervisor_id=user.unit_id)
    if permissions.is_grid_member(user):
        return qs.filter(grid_id__in=own_grid_ids(user), township_id=user.unit_id)
    return qs.none()


def get_enterprise_for_user(user: User, pk) -> Enterprise:
    """The enterprise if the user may see it; 404 otherwise (never 403: no hint)."""
    try:
        return (
            enterprises_for_user(user)
            .select_related("township", "village", "grid", "industry", "supervisor")
            .get(pk=pk)
        )
    except (Enterprise.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该企业") from None


def visible_township_ids(user: User) -> list[int] | None:
    """The townships whose grids the user sees; None for all."""
    if user.sees_all_units:
        return None
    if permissions.is_township_staff(user) or permissions.is_grid_member(user):
        return [user.unit_id]
    return []


def grids_for_user(user: User) -> QuerySet[Grid]:
    if not permissions.sees_grids(user):
        return Grid.objects.none()
    if permissions.is_grid_member(user):
        return Grid.objects.filter(pk__in=own_grid_ids(user))
    townships = visible_township_ids(user)
    qs = Grid.objects.all()
    return qs if townships is None else qs.filter(township_id__in=townships)


def get_inspection_photo_for_user(user: User, pk):
    from tracker.enterprises.models import InspectionPhoto

    try:
        return InspectionPhoto.objects.get(
            pk=pk, inspection__enterprise__in=enterprises_for_user(user)
        )
    except (InspectionPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该照片") from None


def get_standardization_for_user(user: User, pk) -> Standardization:
    try:
        return Standardization.objects.select_related("enterprise").get(
            pk=pk, enterprise__in=enterprises_for_user(user)
        )
    except (Standardization.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该标准化记录") from None


# --- the register ----------------------------------------------------------------------------


def enterprise_list(user: User, params, *, today: date) -> EnterpriseFilter:
    base = enterprises_for_user(user).select_related(
        "township", "village", "grid", "industry", "supervisor"
    )
    filterset = EnterpriseFilter(params, queryset=base, user=user, today=today)
    if filterset.form.is_bound:
        filterset.form.is_valid()  # bad filter values show as form errors, not 500s
    return filterset


def last_inspections(enterprise_ids: list[int]) -> dict[int, date]:
    """The latest inspection day of each of these enterprises (a page of the register)."""
    if not enterprise_ids:
        return {}
    rows = (
        Inspection.objects.filter(enterprise_id__in=enterprise_ids)
        .values("enterprise_id")
        .annotate(last=Max("inspected_on"))
        .values_list("enterprise_id", "last")
    )
    return dict(rows)


def inspections_of(enterprise: Enterprise, limit: int = 50) -> list[Inspection]:
    return list(
        enterprise.inspections.select_related("member", "recorded_by", "inspector_unit")
        .prefetch_related("hazards", "photos")
        .order_by("-inspected_on", "-id")[:limit]
    )


def standardizations_of(enterprise: Enterprise) -> list[Standardization]:
    return list(
        enterprise.standardizations.prefetch_related("changes__author").order_by(
            "-created_at", "-id"
        )
    )


# --- coverage ------------------------------------------------------------------------------


@dataclass
class Tally:
    total: int = 0
    inspected: int = 0

    @property
    def missing(self) -> int:
        return self.total - self.inspected

    @property
    def rate(self) -> float | None:
        return round(100 * self.inspected / self.total, 1) if self.total else None


def coverage_rows(enterprises: QuerySet[Enterprise], period: Period):
    """(township_id, grid_id, open enterprises, of them inspected in the period), one query."""
    return (
        enterprises.filter(state__in=Enterprise.OPEN_STATES)
        .order_by()
        .values_list("township_id", "grid_id")
        .annotate(
            total=Count("pk"),
            inspected=Count("pk", filter=Q(inspected_in(period.start, period.end))),
        )
    )


@dataclass
class TownshipCoverage:
    unit: Unit
    tally: Tally
    grids: int = 0
    grids_without_member: int = 0
    without_grid: int = 0


@dataclass
class CountyCoverage:
    period: Period
    townships: list[TownshipCoverage]
    total: Tally
    grids: int
    grids_without_member: int
    without_grid: int


def county_coverage(user: User, period: Period, only: Unit | None = None) -> CountyCoverage:
    """Per township: enterprises inspected in the period of those open, grids, grids without a
    网格员, enterprises without a grid. Three queries whatever the county's size; ``only``
    keeps to one township (its page needs no other)."""
    townships = visible_township_ids(user)
    units = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP)
    if townships is not None:
        units = units.filter(pk__in=townships)
    if only is not None:
        units = units.filter(pk=only.pk)
    units = list(units.order_by("sort_order", "name"))
    by_unit = {u.pk: TownshipCoverage(unit=u, tally=Tally()) for u in units}
    enterprises = enterprises_for_user(user)
    grids = grids_for_user(user).filter(level=Grid.Level.GRID)
    if only is not None:
        enterprises = enterprises.filter(township=only)
        grids = grids.filter(township=only)
    for township_id, grid_id, total, inspected in coverage_rows(enterprises, period):
        row = by_unit.get(township_id)
        if row is None:
            continue
        row.tally.total += total
        row.tally.inspected += inspected
        if grid_id is None:
            row.without_grid += total
    staffed = GridMember.objects.filter(grid=OuterRef("pk"), role=GridMember.Role.MEMBER)
    for township_id, n, bare in (
        grids.order_by()
        .values_list("township_id")
        .annotate(n=Count("pk"), bare=Count("pk", filter=~Q(Exists(staffed))))
    ):
        row = by_unit.get(township_id)
        if row is not None:
            row.grids, row.grids_without_member = n, bare
    rows = list(by_unit.values())
    return CountyCoverage(
        period=period,
        townships=rows,
        total=Tally(sum(r.tally.total for r in rows), sum(r.tally.inspected for r in rows)),
        grids=sum(r.grids for r in rows),
        grids_without_member=sum(r.grids_without_member for r in rows),
        without_grid=sum(r.without_grid for r in rows),
    )


@dataclass
class GridLine:
    pk: int
    name: str
    level: str
    depth: int
    tally: Tally  # its own enterprises and those of the grids below it
    own: Tally  # its own enterprises only
    leader: str = ""
    members: list[str] | None = None
    accounts: int = 0


def township_grid_coverage(user: User, township: Unit, period: Period) -> list[GridLine]:
    """The township's tree, each line with its coverage rolled up from the grids below."""
    tree = Tree.of([township.pk])
    visible = grids_for_user(user).filter(township=township).values_list("pk", flat=True)
    visible = set(visible)
    own: dict[int, Tally] = {}
    enterprises = enterprises_for_user(user).filter(township=township, grid__isnull=False)
    for _township, grid_id, total, inspected in coverage_rows(enterprises, period):
        own[grid_id] = Tally(total, inspected)
    people: dict[int, list] = {}
    for grid_id, role, name, phone, user_id in GridMember.objects.filter(
        grid__township=township
    ).values_list("grid_id", "role", "name", "phone", "user_id"):
        people.setdefault(grid_id, []).append((role, name, phone, user_id))
    lines = [
        GridLine(
            pk=node.pk,
            name=node.name,
            level=node.level,
            depth=node.depth,
            tally=Tally(),
            own=own.get(node.pk, Tally()),
        )
        for node in tree.walk(township.pk)
        if node.pk in visible
    ]
    by_pk = {line.pk: line for line in lines}
    # Roll each grid's own figures up to every line above it.
    for pk, tally in own.items():
        node, seen = tree.nodes.get(pk), set()
        while node is not None and node.pk not in seen:
            seen.add(node.pk)
            line = by_pk.get(node.pk)
            if line is not None:
                line.tally.total += tally.total
                line.tally.inspected += tally.inspected
            node = tree.nodes.get(node.parent_id) if node.parent_id else None
    for line in lines:
        for role, name, phone, user_id in people.get(line.pk, []):
            if role == GridMember.Role.LEADER:
                line.leader = f"{name} {phone}"
            else:
                line.members = [*(line.members or []), f"{name} {phone}"]
                line.accounts += user_id is not None
    return lines


def members_without_inspection(user: User, month: Period) -> QuerySet[GridMember]:
    """网格员 (not 网格长) of the visible grids with no inspection recorded in the month."""
    done = Inspection.objects.filter(
        member_id=OuterRef("pk"), inspected_on__gte=month.start, inspected_on__lte=month.end
    )
    return (
        GridMember.objects.filter(
            grid__in=grids_for_user(user).filter(level=Grid.Level.GRID),
            role=GridMember.Role.MEMBER,
        )
        .exclude(Exists(done))
        .select_related("grid", "grid__township")
        .order_by("grid__township__sort_order", "grid__name", "name")
    )


# --- a 网格员's home -----------------------------------------------------------------------


def my_grids(user: User) -> list[Grid]:
    return list(grids_for_user(user).select_related("parent").order_by("parent__name", "name"))


def uninspected(user: User, period: Period) -> QuerySet[Enterprise]:
    """The user's open enterprises without an inspection in the period, by name."""
    return (
        enterprises_for_user(user)
        .filter(state__in=Enterprise.OPEN_STATES)
        .exclude(inspected_in(period.start, period.end))
        .select_related("grid")
        .order_by("name", "id")
    )


def search_own(user: User, text: str, limit: int = 20) -> list[Enterprise]:
    """A few characters of a name (or of a 信用代码) → the user's matching enterprises."""
    text = (text or "").strip()[:50]
    if not text:
        return []
    return list(
        enterprises_for_user(user)
        .filter(Q(name__contains=text) | Q(credit_code__startswith=text.upper()))
        .select_related("grid")
        .order_by("name", "id")[:limit]
    )


# --- figures other parts ask for (measured targets) ----------------------------------------


@dataclass
class Measure:
    """A unit's count with exactly the rows behind it and the page that lists them."""

    count: int
    queryset: QuerySet
    url: str
    total: int | None = None  # for a coverage: the enterprises it is a share of

    @property
    def rate(self) -> float | None:
        if self.total is None:
            return None
        return round(100 * self.count / self.total, 1) if self.total else None


def _unit_scope(unit: Unit | None) -> tuple[Q, dict]:
    """The enterprises a unit answers for, and the register's filter that says so: a
    township's by 属地, a department's by 行业监管部门, the county's (None, or the office) all."""
    if unit is None or unit.kind == Unit.Kind.OTHER:
        return Q(), {}
    if unit.kind == Unit.Kind.TOWNSHIP:
        return Q(township_id=unit.pk), {"township": unit.pk}
    return Q(supervisor_id=unit.pk), {"supervisor": unit.pk}


def _register_url(params: dict) -> str:
    url = reverse("enterprises:enterprise_list")
    return f"{url}?{urlencode(params)}" if params else url


def enterprise_count(unit: Unit | None) -> Measure:
    """The unit's enterprises in the register, 关闭 ones left out."""
    scope, params = _unit_scope(unit)
    qs = Enterprise.objects.filter(scope).exclude(state=Enterprise.State.CLOSED)
    return Measure(qs.count(), qs, _register_url({**params, "open": "1"}))


def inspection_coverage(unit: Unit | None, quarter: Period) -> Measure:
    """Open enterprises of the unit inspected in the quarter (count) out of all of them
    (total); the queryset and URL list those inspected."""
    scope, params = _unit_scope(unit)
    open_ones = Enterprise.objects.filter(scope, state__in=Enterprise.OPEN_STATES)
    figures = open_ones.aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(inspected_in(quarter.start, quarter.end)))
    )
    qs = open_ones.filter(inspected_in(quarter.start, quarter.end))
    url = _register_url({**params, "inspected": quarter.key})
    return Measure(figures["done"], qs, url, total=figures["total"])


def standardized_count(unit: Unit | None, year: int, level: str | None = None) -> Measure:
    """Enterprises of the unit that reached 已达标 in the year (at the level, if given)."""
    scope, params = _unit_scope(unit)
    qs = Enterprise.objects.filter(scope).filter(standardized_in(year, level))
    query = {**params, "std_year": year}
    if level:
        query["std_level"] = level
    return Measure(qs.count(), qs, _register_url(query))


def this_month(today: date) -> Period:
    return month_of(today)
