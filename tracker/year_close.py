"""年度归档: closing a year's plan, freezing its figures, carrying long-term work over (结转).

Closing writes the year's figures as they stand (totals, lights, the league of each kind) into
its WorkYear row; from then on the services refuse every change to the year's assignments
(services.require_open_year), so its pages, counted as on the closing day, keep showing them.
Unfinished long-term items chosen by the office become items of the next year that link back
(carried_from); both sides get a history row, so neither loses its past.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from checklist.codes import next_item_code
from checklist.models import ChecklistItem, WorkYear
from tracker import services
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.models import Assignment, ExtensionRequest, User
from tracker.work_years import is_closed

OPEN = [s for s in Assignment.Status.values if s != Assignment.Status.VERIFIED]


def carry_over_candidates(year: int) -> QuerySet[ChecklistItem]:
    """The year's published long-term items that some unit has not finished, not yet carried."""
    return (
        ChecklistItem.objects.published()
        .filter(year=year, deadline__isnull=True, carried_to__isnull=True)
        .annotate(open_shares=Count("assignments", filter=Q(assignments__status__in=OPEN)))
        .filter(open_shares__gt=0)
        .select_related("theme")
        .order_by("code")
    )


@dataclass
class ClosingPreview:
    """What the confirmation page shows before a year is closed."""

    year: int
    items: int
    candidates: list[ChecklistItem]
    submitted: int  # 待审核 shares that will stay unreviewed
    pending_extensions: int
    open_dated: int  # dated shares not finished: they stay in the closed year as they are
    year_not_over: bool


def closing_preview(year: int, *, today: date) -> ClosingPreview:
    shares = Assignment.objects.filter(item__year=year, item__state="published")
    return ClosingPreview(
        year=year,
        items=ChecklistItem.objects.filter(year=year)
        .exclude(state=ChecklistItem.State.VOID)
        .count(),
        candidates=list(carry_over_candidates(year)),
        submitted=shares.filter(status=Assignment.Status.SUBMITTED).count(),
        pending_extensions=ExtensionRequest.objects.filter(
            assignment__item__year=year, state=ExtensionRequest.State.PENDING
        ).count(),
        open_dated=shares.filter(status__in=OPEN, due_date__isnull=False).count(),
        year_not_over=today.year <= year,
    )


def year_figures(year: int, *, today: date) -> dict:
    """The county's figures of the year as the dashboard counts them on ``today``."""
    reader = User(username="year-close", role=User.Role.LEADER, is_active=True)
    board = build_dashboard(reader, DashboardFilters(year=year), today=today)

    def standing(s):
        return {
            "unit": s.name,
            "total": s.total,
            "verified": s.verified,
            "submitted": s.submitted,
            "in_progress": s.in_progress,
            "not_started": s.not_started,
            "overdue": s.overdue,
            "rate": s.rate,
            "rank": s.rank,
        }

    return {
        "as_of": today.isoformat(),
        "total": board.total,
        "verified": board.verified,
        "rate": board.rate,
        "lights": dict(board.lights),
        "townships": [standing(s) for s in board.townships],
        "departments": [standing(s) for s in board.departments],
        "others": [standing(s) for s in board.others],
    }


@transaction.atomic
def year_close(
    *,
    year: int,
    user: User,
    carry_item_ids: list[int],
    today: date,
    note: str = "",
    at: datetime | None = None,
) -> WorkYear:
    """Close the 年度: freeze its figures, carry the chosen long-term items into the next one."""
    services._require_office(user)
    at = at or timezone.now()
    work_year, _ = WorkYear.objects.select_for_update().get_or_create(year=year)
    if work_year.is_closed:
        raise services.WorkflowError(
            f"{year}年度已于 {work_year.closed_on:%Y-%m-%d} 归档，不能重复归档。"
        )
    if year > today.year:
        raise services.WorkflowError(f"{year}年度尚未开始，不能归档。")
    if not ChecklistItem.objects.filter(year=year).exists():
        raise services.WorkflowError(f"{year}年度没有任务，无需归档。")
    if is_closed(year + 1):
        raise services.WorkflowError(f"{year + 1}年度已归档，不能再向其结转任务。")
    candidates = {item.pk: item for item in carry_over_candidates(year)}
    unknown = [pk for pk in carry_item_ids if pk not in candidates]
    if unknown:
        raise services.WorkflowError("所选结转任务已不是本年度未完成的长期任务，请刷新后重试。")

    work_year.frozen = year_figures(year, today=today)
    for pk in sorted(set(carry_item_ids), key=lambda pk: candidates[pk].code):
        _carry_over(candidates[pk], user=user, at=at)
    WorkYear.objects.get_or_create(year=year + 1)
    work_year.state = WorkYear.State.CLOSED
    work_year.closed_on = today
    work_year.closed_at = at
    work_year.closed_by = user
    work_year.note = note.strip()
    work_year.save()
    return work_year


def _carry_over(item: ChecklistItem, *, user: User, at: datetime) -> ChecklistItem:
    new_year = item.year + 1
    published = item.state == ChecklistItem.State.PUBLISHED
    new = ChecklistItem.objects.create(
        code=next_item_code(new_year),
        year=new_year,
        title=item.title,
        detail=item.detail,
        theme=item.theme,
        directive=item.directive,
        start_date=date(new_year, 1, 1),
        deadline=None,
        cadence=item.cadence,
        cadence_day=item.cadence_day,
        target_quantity=item.target_quantity,
        target_unit=item.target_unit,
        state=item.state,
        published_at=at if published else None,
        carried_from=item,
    )
    for old in item.assignments.select_related("unit").order_by("unit__sort_order", "pk"):
        services.assignment_create(
            item=new,
            unit=old.unit,
            user=user,
            role=old.role,
            share_quantity=old.share_quantity,
            at=at,
            note=(
                f"由{item.year}年度 {item.code} 结转，下达给{old.unit.name}"
                f"（{old.get_role_display()}）；上年度状态：{old.get_status_display()}"
            ),
        )
        services.assignment_mark_carried(
            assignment=old,
            user=user,
            note=f"{item.year}年度归档，本任务结转至{new_year}年度 {new.code}",
            at=at,
        )
    return new
