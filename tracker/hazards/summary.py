"""The monthly summary offices send upward and the figures behind it: per township or per
industry, 排查企业数, 发现隐患数 (一般/重大), 已整改, 整改率, 逾期未整改, 重大隐患挂牌 / 已销号.
The page, the export and the task's measured progress read these functions; each figure
carries the register URL that lists exactly its rows."""

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.urls import reverse

from tracker.enterprises.models import Enterprise, Industry, Inspection
from tracker.hazards.filters import overdue_q
from tracker.hazards.models import Hazard
from tracker.hazards.selectors import hazards_for_user
from tracker.models import Unit, User


@dataclass
class Line:
    key: int | None
    name: str
    enterprises: int = 0
    found: int = 0
    general: int = 0
    major: int = 0
    closed: int = 0
    overdue: int = 0
    listed: int = 0
    listed_closed: int = 0
    links: dict = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return round(100 * self.closed / self.found, 1) if self.found else None


FIGURES = {
    "found": {},
    "general": {"level": "general"},
    "major": {"level": "major"},
    "closed": {"state": "closed"},
    "overdue": {"overdue": "1"},
    "listed": {"level": "major", "listed_any": "1"},
}


def _counts(hazards: QuerySet[Hazard], groups: list[str], today: date):
    return (
        hazards.order_by()
        .values_list(*groups)
        .annotate(
            found=Count("pk"),
            general=Count("pk", filter=Q(level="general")),
            major=Count("pk", filter=Q(level="major")),
            closed=Count("pk", filter=Q(state="closed")),
            overdue=Count("pk", filter=overdue_q(today)),
            listed=Count("pk", filter=~Q(listing="")),
            listed_closed=Count("pk", filter=~Q(listing="") & Q(state="closed")),
        )
    )


def period_hazards(user: User, start: date, end: date) -> QuerySet[Hazard]:
    return hazards_for_user(user).filter(voided=False, found_on__gte=start, found_on__lte=end)


GROUPS = {"township": "township_id", "industry": "industry_id"}
FIGURE_NAMES = ("found", "general", "major", "closed", "overdue", "listed", "listed_closed")


def summary(
    user: User,
    *,
    start: date,
    end: date,
    today: date,
    by: str = "township",
    enterprises: bool = True,
):
    """(lines, total): one line per township (or industry) the user sees, and the county.
    `enterprises=False` leaves 排查企业数 at 0: the dashboard does not show it, and over a
    whole year it is the one costly figure."""
    by = by if by == "township" else "industry"
    return summaries(user, start=start, end=end, today=today, bys=(by,), enterprises=enterprises)[
        by
    ]


def summaries(
    user: User,
    *,
    start: date,
    end: date,
    today: date,
    bys: tuple[str, ...] = ("township", "industry"),
    enterprises: bool = True,
) -> dict[str, tuple[list, "Line"]]:
    """`summary` for several groupings at once: by → (lines, total). One grouped query counts
    the hazards per township and industry together (each grouping adds up its cells), and one
    more the 排查企业 when asked, whatever the number of townships, industries or rows."""
    hazards = period_hazards(user, start, end)
    # Industry first: grouped in this order SQLite counts from the hazard_period index alone
    # (by township first it would rather walk the township index and read every row).
    cells = list(
        _counts(hazards, ["industry_id", "township_id"], today).values_list(
            "industry_id", "township_id", *FIGURE_NAMES
        )
    )
    cell_enterprises: list = []
    if enterprises:
        # 排查企业: inspected in the period, or with a hazard found in it.
        seen = Enterprise.objects.filter(pk__in=_enterprise_scope(user)).filter(
            Exists(Inspection.objects.filter(
                enterprise=OuterRef("pk"), inspected_on__gte=start, inspected_on__lte=end
            )) | Exists(hazards.filter(enterprise=OuterRef("pk")))
        )  # fmt: skip
        cell_enterprises = list(
            seen.order_by().values_list("township_id", "industry_id").annotate(n=Count("pk"))
        )
    result = {}
    for by in bys:
        at = 1 if by == "township" else 0
        counts: dict = {}
        for row in cells:
            figures = counts.setdefault(row[at], [0] * len(FIGURE_NAMES))
            for i, value in enumerate(row[2:]):
                figures[i] += value
        enterprise_counts: dict = {}
        for township, industry, n in cell_enterprises:
            key = township if by == "township" else industry
            enterprise_counts[key] = enterprise_counts.get(key, 0) + n
        result[by] = _lines(user, by, counts, enterprise_counts, start, end)
    return result


def _lines(user: User, by: str, counts: dict, enterprise_counts: dict, start, end):
    if by == "township":
        names = list(Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True)
                     .order_by("sort_order", "name").values_list("pk", "name"))  # fmt: skip
    else:
        names = list(Industry.objects.order_by("sort_order", "name").values_list("pk", "name"))
    keys = set(counts) | set(enterprise_counts)
    if not user.sees_all_units:
        names = [(k, n) for k, n in names if k in keys]
    if None in keys:
        names.append((None, "（未分行业）" if by != "township" else "（无属地）"))
    base = {"found_from": start.isoformat(), "found_to": end.isoformat()}
    lines, total = [], Line(None, "合计")
    for key, name in names:
        line = Line(key, name, enterprises=enterprise_counts.get(key, 0))
        (line.found, line.general, line.major, line.closed, line.overdue, line.listed,
         line.listed_closed) = counts.get(key, (0,) * 7)  # fmt: skip
        scope = {by: key} if key is not None else {}
        line.links = _links({**base, **scope})
        lines.append(line)
        for f in ("enterprises", "found", "general", "major", "closed", "overdue", "listed",
                  "listed_closed"):  # fmt: skip
            setattr(total, f, getattr(total, f) + getattr(line, f))
    total.links = _links(base)
    return lines, total


def _enterprise_scope(user: User):
    from tracker.enterprises.selectors import enterprises_for_user

    return enterprises_for_user(user).values("pk")


def _links(params: dict) -> dict:
    url = reverse("hazards:hazard_list")
    return {name: f"{url}?{urlencode({**params, **extra})}" for name, extra in FIGURES.items()}


@dataclass
class TaskCounts:
    enterprises: int
    found: int
    closed: int

    @property
    def rate(self) -> float | None:
        return round(100 * self.closed / self.found, 1) if self.found else None

    def text(self) -> str:
        rate = f"{self.rate}%" if self.rate is not None else "—"
        return (
            f"排查企业 {self.enterprises} 家 / 发现隐患 {self.found} 处 / "
            f"已整改 {self.closed} 处 / 整改率 {rate}"
        )


def task_counts(task, *, unit: Unit | None = None) -> TaskCounts:
    """An 排查 task's measured progress: the hazards linked to it (of one unit, or all)."""
    hazards = Hazard.objects.filter(task=task, voided=False)
    if unit is not None:
        hazards = hazards.filter(Q(township=unit) | Q(supervisor=unit))
    row = hazards.aggregate(
        found=Count("pk"),
        closed=Count("pk", filter=Q(state="closed")),
        enterprises=Count("enterprise", distinct=True),
    )
    return TaskCounts(row["enterprises"], row["found"], row["closed"])
