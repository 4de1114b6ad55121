"""领导批示: a leader's written instruction on an item, or on one unit's share of it.

A 批示 changes no status or figure. It is a history row on each share it concerns and a notice
to each unit; the unit's task page shows it at the top until the unit answers with its next
report (报送进度 or 提交审核) after it. Nothing stores "answered": it is read from the history,
which stays append-only.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import services
from tracker.models import Assignment, StatusUpdate, User
from tracker.notices import notify

Kind = StatusUpdate.Kind
ANSWERS = (Kind.REPORT, Kind.SUBMIT)


def can_instruct(user: User) -> bool:
    return bool(user and user.is_leader)


@transaction.atomic
def instruction_write(
    *,
    user: User,
    item: ChecklistItem,
    note: str,
    assignment: Assignment | None = None,
    at: datetime | None = None,
) -> list[StatusUpdate]:
    """A leader's 批示 on the item (to every unit whose share is still open) or on one share.

    Returns the history rows written, one per share concerned.
    """
    if not can_instruct(user):
        raise PermissionDenied("只有县领导可以作出批示。")
    if item.state != ChecklistItem.State.PUBLISHED:
        raise services.WorkflowError("只能对已发布的任务作出批示。")
    services.require_open_year(item)
    text = services.clean_text(note)
    if not text:
        raise services.WorkflowError("请填写批示内容。")
    at = at or timezone.now()
    if assignment is not None:
        if assignment.item_id != item.pk:
            raise services.WorkflowError("该责任分解不属于这项任务。")
        shares = [assignment]
    else:
        shares = list(
            Assignment.objects.filter(item=item)
            .exclude(status=Assignment.Status.VERIFIED)
            .select_related("unit")
            .order_by("role", "unit__sort_order", "pk")
        )
        if not shares:
            raise services.WorkflowError("该任务各单位均已办结，没有需要批示的单位。")
    rows = []
    for share in shares:
        row = services._record(
            assignment=share,
            user=user,
            kind=Kind.INSTRUCTION,
            from_status=share.status,
            at=at,
            note=text,
        )
        rows.append(row)
        notify(
            assignment=share,
            key=f"instruction:{row.pk}",
            title=f"{user}批示：{item.code} {item.title}"[:200],
            body=f"{text}\n\n请在下次报送进展时一并说明落实情况。",
            at=at,
            level="leader",
            text=f"{user}对{item.code} {item.title}批示：“{text}”请在下次报送进展时说明落实情况。",
        )
    return rows


def unanswered(assignments: QuerySet[Assignment]) -> QuerySet[StatusUpdate]:
    """批示 on these shares with no report or submission of the share after them."""
    answered_at = Subquery(
        StatusUpdate.objects.filter(assignment=OuterRef("assignment"), kind__in=ANSWERS)
        .values("assignment")
        .annotate(last=Max("created_at"))
        .values("last")[:1]
    )
    return (
        StatusUpdate.objects.filter(assignment__in=assignments, kind=Kind.INSTRUCTION)
        .annotate(answered_at=answered_at)
        .filter(Q(answered_at__isnull=True) | Q(answered_at__lt=F("created_at")))
        .select_related("author")
        .order_by("-created_at", "-id")
    )
