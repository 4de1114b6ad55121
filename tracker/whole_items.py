"""The task as a whole (整体): one item across every unit it was given to.

An item is 已办结 when every counted (牵头 + 责任) share of it is verified; nothing stores
that, it is read from the shares. The office can 销号 every share waiting for review in one
step; the 牵头单位 sees its item's other units and writes the item's 汇总情况, kept as a history
row (with its files) on the lead's own share, so the item's history is its shares' history.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce, Least
from django.http import Http404
from django.utils import timezone

from checklist.models import ChecklistItem
from checklist.shares import SplitState, format_share, is_rate_unit, split_state
from tracker import services
from tracker.models import Assignment, Evidence, StatusUpdate, User

Status = Assignment.Status
COUNTED = Assignment.COUNTED_ROLES


# Reads --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetSums:
    """An item's counted shares summed by the database (target_sums)."""

    done: Decimal  # every unit's quantity as reported
    units: int  # counted units
    capped: Decimal  # each unit's quantity up to its own target, summed
    own: Decimal  # the counted units' own targets, summed (an unsplit unit's is the whole)


def target_sums(assignments: QuerySet) -> dict[int, TargetSums]:
    """Per item with a target: its counted (牵头、责任) shares' quantities, in one query.

    Each unit counts up to its own target (its 分解数量, else the whole target): one unit's
    surplus does not make up for another's shortfall.
    """
    done_so_far = Coalesce("quantity_done", Value(Decimal(0)))
    own = Coalesce("share_quantity", F("item__target_quantity"))
    rows = (
        assignments.filter(
            role__in=COUNTED,
            item_id__in=ChecklistItem.objects.filter(target_quantity__isnull=False).values("pk"),
        )
        .values_list("item_id")
        .annotate(
            done=Sum(done_so_far),
            units=Count("pk"),
            capped=Sum(Least(done_so_far, own)),
            own=Sum(own),
        )
        .order_by()
    )
    return {
        item_id: TargetSums(_decimal(done), units, _decimal(capped), _decimal(own))
        for item_id, done, units, capped, own in rows
    }


def _decimal(value) -> Decimal:
    # SQLite may hand back a float or an int for a sum of decimals.
    return value if isinstance(value, Decimal) else Decimal(str(value or 0))


@dataclass(frozen=True)
class TargetFigure:
    """An item's county figure against its target, as the dashboard and the item pages show it.

    A quantity target (40 家): the units' quantities, each up to its own target, summed and
    capped at the county target. A rate target (持证上岗率 100 %): the mean of the counted
    units' rates, a unit without a report counting 0.
    """

    target: Decimal
    unit: str
    units: int
    done: Decimal  # the county figure: capped sum, or mean rate
    reported: Decimal  # the sum as reported, surplus included (rates: the same mean)
    is_rate: bool

    @property
    def percent(self) -> float:
        if not self.target:
            return 0.0
        return round(min(float(self.done) / float(self.target) * 100, 100.0), 1)

    @property
    def text(self) -> str:
        """32 / 40 家, or 平均 95.5% / 100%."""
        if self.is_rate:
            return f"平均 {format_share(self.done)}% / {format_share(self.target)}%"
        return f"{format_share(self.done)} / {format_share(self.target)} {self.unit}"

    @property
    def surplus(self) -> Decimal:
        """Quantities reported beyond a unit's own target, which make up no one else's."""
        return Decimal(0) if self.is_rate else self.reported - self.done


def target_figure(
    *, target: Decimal, unit: str, sums: TargetSums | None, whole: bool = True
) -> TargetFigure:
    """The county figure of an item from its sums. ``whole=False`` for a view of some units
    only (a unit's own staff, one kind of unit): the target is then what those units answer
    for, their own targets summed, never more than the county's."""
    target = Decimal(target)
    sums = sums or TargetSums(Decimal(0), 0, Decimal(0), Decimal(0))
    if is_rate_unit(unit):
        mean = (sums.done / sums.units).quantize(Decimal("0.1")) if sums.units else Decimal(0)
        return TargetFigure(target, unit, sums.units, mean, mean, True)
    if not whole:
        target = min(target, sums.own)
    done = min(sums.capped, target)
    return TargetFigure(target, unit, sums.units, done, sums.done, False)


def item_figure(item: ChecklistItem) -> TargetFigure | None:
    """The item's county figure against its target (None without a target)."""
    if item.target_quantity is None:
        return None
    sums = target_sums(Assignment.objects.filter(item=item))
    return target_figure(target=item.target_quantity, unit=item.target_unit, sums=sums.get(item.pk))


def item_split_state(item: ChecklistItem, shares: Sequence[Assignment]) -> SplitState | None:
    """How the item's county target is split among its counted units (None: nothing to
    split, no target or a rate)."""
    if item.target_quantity is None or is_rate_unit(item.target_unit):
        return None
    return split_state(
        item.target_quantity,
        [(share.unit.label, share.share_quantity) for share in shares if share.role in COUNTED],
    )


def items_for_user(user: User) -> QuerySet[ChecklistItem]:
    """Items seen as a whole: every item for the office (drafts too) and leaders (published);
    for a unit's staff, the published items it leads (牵头). Void items are in no list."""
    qs = ChecklistItem.objects.exclude(state=ChecklistItem.State.VOID)
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.is_office:
        return qs
    published = qs.filter(state=ChecklistItem.State.PUBLISHED)
    if user.is_leader:
        return published
    if user.role == User.Role.STAFF and user.unit_id:
        # By id, not by a join: counts annotated later must see every share, not the lead's.
        led = Assignment.objects.filter(unit_id=user.unit_id, role=Assignment.Role.LEAD)
        return published.filter(pk__in=led.values("item_id"))
    return qs.none()


def get_item_for_user(user: User, pk) -> ChecklistItem:
    """The item if the user may see it as a whole; 404 otherwise (never 403: no hint)."""
    try:
        return items_for_user(user).select_related("theme", "directive__source").get(pk=pk)
    except (ChecklistItem.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该任务") from None


@dataclass
class ItemRow:
    """One row of the 按任务 view: the item, its lead, its counted shares by status."""

    item: ChecklistItem
    lead: str = ""
    total: int = 0
    verified: int = 0
    submitted: int = 0
    in_progress: int = 0
    not_started: int = 0
    cooperating: int = 0
    figure: TargetFigure | None = None
    badges: list[tuple[str, str, str]] = field(default_factory=list)  # (unit, status, label)

    @property
    def whole_done(self) -> bool:
        return self.total > 0 and self.verified == self.total

    @property
    def rate(self) -> float:
        return round(100 * self.verified / self.total, 1) if self.total else 0.0

    @property
    def target_text(self) -> str:
        return self.figure.text if self.figure else ""


def item_rows(items: Sequence[ChecklistItem]) -> list[ItemRow]:
    """The rows of one page of items: two queries whatever the page's size."""
    rows = {item.pk: ItemRow(item) for item in items}
    shares = (
        Assignment.objects.filter(item_id__in=rows)
        .select_related("unit")
        .order_by("item_id", "role", "unit__kind", "unit__sort_order", "unit__name")
    )
    for a in shares:
        row = rows[a.item_id]
        if a.role == Assignment.Role.LEAD:
            row.lead = a.unit.label
        if a.role not in COUNTED:
            row.cooperating += 1
            continue
        row.total += 1
        setattr(row, a.status, getattr(row, a.status) + 1)
        row.badges.append((a.unit.label, a.status, a.get_status_display()))
    sums = target_sums(Assignment.objects.filter(item_id__in=rows))
    for item_id, row in rows.items():
        item = row.item
        if item.target_quantity is not None:
            row.figure = target_figure(
                target=item.target_quantity, unit=item.target_unit, sums=sums.get(item_id)
            )
    return list(rows.values())


WHOLE_STATES = [("open", "未办结"), ("waiting", "有待审核"), ("done", "已整体办结")]


def item_page(user: User, params, *, year: int | None, per_page: int = 25):
    """The 按任务 view's page: the user's items of the year, filtered by whole state and text.

    Returns (page, rows, total). Whole state is read from the counted shares, in the database.
    """
    qs = items_for_user(user)
    if year is not None:
        qs = qs.filter(year=year)
    text = (params.get("q") or "").strip()
    if text:
        qs = qs.filter(Q(code__icontains=text) | Q(title__icontains=text))
    counted = Q(assignments__role__in=COUNTED)
    qs = qs.annotate(
        n_counted=Count("assignments", filter=counted),
        n_verified=Count("assignments", filter=counted & Q(assignments__status=Status.VERIFIED)),
        n_submitted=Count("assignments", filter=counted & Q(assignments__status=Status.SUBMITTED)),
    )
    state = params.get("state") or ""
    if state == "done":
        qs = qs.filter(n_counted__gt=0, n_verified=F("n_counted"))
    elif state == "open":
        qs = qs.exclude(n_counted__gt=0, n_verified=F("n_counted"))
    elif state == "waiting":
        qs = qs.filter(n_submitted__gt=0)
    paginator = Paginator(qs.order_by("code", "pk"), per_page)
    page = paginator.get_page(params.get("page"))
    return page, item_rows(list(page.object_list)), paginator.count


def shares_of(item: ChecklistItem) -> list[Assignment]:
    """Every unit's share of the item, lead first, for the item's page."""
    return list(
        Assignment.objects.filter(item=item)
        .select_related("unit", "item")
        .order_by("role", "unit__kind", "unit__sort_order", "unit__name")
    )


def item_history(item: ChecklistItem, *, limit: int = 100) -> list[StatusUpdate]:
    """The item's own record: 汇总情况, 批示 and 销号 rows across its shares, newest first."""
    kinds = [StatusUpdate.Kind.SUMMARY, StatusUpdate.Kind.INSTRUCTION, StatusUpdate.Kind.APPROVE]
    return list(
        StatusUpdate.objects.filter(assignment__item=item, kind__in=kinds)
        .select_related("author", "assignment__unit")
        .prefetch_related("evidence")
        .order_by("-created_at", "-id")[:limit]
    )


def lead_share(item: ChecklistItem) -> Assignment | None:
    return Assignment.objects.filter(item=item, role=Assignment.Role.LEAD).first()


def can_summarize(user: User, item: ChecklistItem, lead: Assignment | None) -> bool:
    """The lead unit's staff (or the office on its behalf) write the item's 汇总情况."""
    if lead is None or item.state != ChecklistItem.State.PUBLISHED:
        return False
    return user.is_office or (user.role == User.Role.STAFF and user.unit_id == lead.unit_id)


# Writes -------------------------------------------------------------------------------------


@transaction.atomic
def item_close(*, item: ChecklistItem, user: User, note: str = "", at: datetime | None = None):
    """销号 every share of the item waiting for review, in one step; one history row each.

    Returns the number closed. Shares still with their units stay open: the item is 已办结 only
    when every counted share is verified.
    """
    services._require_office(user)
    services.require_open_year(item)
    at = at or timezone.now()
    waiting = list(
        Assignment.objects.select_for_update()
        .filter(item=item, status=Status.SUBMITTED)
        .order_by("pk")
    )
    if not waiting:
        raise services.WorkflowError("该任务没有待审核的责任分解可以销号。")
    for share in waiting:
        services.assignment_approve(assignment=share, user=user, note=note, at=at)
    return len(waiting)


def item_summary(
    *,
    item: ChecklistItem,
    user: User,
    note: str,
    files: Sequence[UploadedFile] = (),
    at: datetime | None = None,
) -> StatusUpdate:
    """The 牵头单位's 汇总情况 of the whole item: a history row on its own share, with files.

    Changes no status or figure of any share; the office reads it when it closes the item.
    As with a report, the transaction is opened inside the clean-up: no file without its row.
    """
    lead = lead_share(item)
    if not can_summarize(user, item, lead):
        raise PermissionDenied("只有牵头单位可以填写汇总情况。")
    services.require_open_year(item)
    if not services.clean_text(note):
        raise services.WorkflowError("请填写汇总情况：各责任单位完成情况和总体进展。")
    at = at or timezone.now()
    written: list[str] = []
    try:
        with transaction.atomic():
            locked = services._lock(lead, None)
            update = services._record(
                assignment=locked,
                user=user,
                kind=StatusUpdate.Kind.SUMMARY,
                from_status=locked.status,
                at=at,
                note=note,
            )
            services._attach(update=update, files=files, user=user, at=at, written=written)
            return update
    except BaseException:
        services.remove_files(Evidence._meta.get_field("file").storage, written)
        raise


def whole_state(shares: Sequence[Assignment]) -> dict:
    """Counts of the counted shares by status, and whether the item is done as a whole."""
    counts = defaultdict(int)
    for share in shares:
        if share.role in COUNTED:
            counts[share.status] += 1
    total = sum(counts.values())
    return {
        "total": total,
        "verified": counts[Status.VERIFIED],
        "submitted": counts[Status.SUBMITTED],
        "done": total > 0 and counts[Status.VERIFIED] == total,
    }
