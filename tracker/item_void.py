"""作废: undoing an item imported or published by mistake.

Items are never deleted: their assignments have history, and history is kept for good. A void
item leaves every list, count and export; its history stays, and says who voided it and why.
"""

from datetime import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker.models import Assignment, StatusUpdate, User
from tracker.services import WorkflowError, clean_text
from tracker.work_years import is_closed

REASON_REQUIRED_MESSAGE = "请填写作废原因。"


@transaction.atomic
def item_void(
    *, item: ChecklistItem, user: User, reason: str, at: datetime | None = None
) -> ChecklistItem:
    """Void the item and append one 作废 history row, with the reason, to each of its assignments."""
    if not (user and user.is_office):
        raise PermissionDenied("只有安委办可以作废任务。")
    reason = clean_text(reason)
    if not reason:
        raise WorkflowError(REASON_REQUIRED_MESSAGE)
    at = at or timezone.now()
    locked = ChecklistItem.objects.select_for_update().get(pk=item.pk)
    if locked.state == ChecklistItem.State.VOID:
        raise WorkflowError(f"任务 {locked.code} 已作废，不能重复作废。")
    if is_closed(locked.year):
        raise WorkflowError(f"{locked.year}年度已归档，其任务只能查看，不能作废。")
    locked.state = ChecklistItem.State.VOID
    locked.void_reason = reason
    locked.voided_at = at
    locked.voided_by = user
    locked.save(update_fields=["state", "void_reason", "voided_at", "voided_by", "updated_at"])
    for assignment in Assignment.objects.select_for_update().filter(item=locked).order_by("pk"):
        # A form opened before the item was voided must not save over it unnoticed.
        assignment.version = F("version") + 1
        assignment.save(update_fields=["version", "updated_at"])
        StatusUpdate(
            assignment=assignment,
            author=user,
            kind=StatusUpdate.Kind.VOID,
            from_status=assignment.status,
            to_status=assignment.status,
            percent=assignment.percent,
            quantity=assignment.quantity_done,
            note=reason,
            created_at=at,
        ).save()
    item.refresh_from_db()
    return locked
