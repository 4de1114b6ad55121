"""Notices to a unit: the bell's in-app notice and, beside it, the message for the channels
people read (钉钉 and 企业微信 groups, SMS, e-mail).

Both are written inside the caller's transaction, so they exist exactly when the change they
announce was committed. Nothing is sent here: the messaging wing's worker
(``manage.py send_notifications``) delivers the outbox rows, outside any request.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistItem
from checklist.services import items_publish as publish
from tracker.models import Assignment, Notice, OutboxMessage, Unit

Kind = OutboxMessage.Kind

# Who speaks, in the brackets staff know from SMS and group messages: 【安委办督办】…
SENDERS = {
    Kind.REMINDER: "安委办提醒",
    Kind.SUPERVISION: "安委办督办",
    Kind.RETURN: "安委办退回",
    Kind.EXTENSION: "安委办延期审批",
    Kind.TASK: "安委办新任务",
    Kind.INSTRUCTION: "领导批示",
    Kind.REGISTER: "安委办提醒",
}


def message_text(*, kind: str, unit: Unit, text: str) -> str:
    """【安委办督办】河西镇：2026-015 … 逾期3天，请于…前报送。"""
    return f"【{SENDERS[kind]}】{unit.name}：{text}"


def _kind_from_key(key: str) -> str:
    # Callers written before the outbox pass only a key such as "return:12"; its prefix names
    # the kind. Anything else is a register's reminder.
    prefix = key.split(":", 1)[0]
    return prefix if prefix in Kind.values else Kind.REGISTER


def notify(
    *,
    assignment: Assignment,
    key: str,
    title: str,
    body: str,
    at: datetime,
    level: str = "",
    kind: str | None = None,
    text: str = "",
) -> Notice:
    """A notice to the assignment's unit about it, and its message for the unit's channels.

    `text` is the short form for the channels (without the 【…】单位： prefix); by default the
    notice's title and body.
    """
    notice = Notice.objects.create(
        unit_id=assignment.unit_id,
        assignment=assignment,
        key=key,
        title=title[:200],
        body=body,
        level=level,
        created_at=at,
    )
    kind = kind or _kind_from_key(key)
    OutboxMessage.objects.create(
        kind=kind,
        unit_id=assignment.unit_id,
        notice=notice,
        text=message_text(kind=kind, unit=assignment.unit, text=text or f"{title}。{body}"),
        path=reverse("assignment_detail", args=[assignment.pk]),
        created_at=at,
    )
    return notice


@transaction.atomic
def notify_unit(
    *,
    unit: Unit,
    key: str,
    title: str,
    body: str,
    kind: str,
    text: str,
    path: str = "",
    level: str = "",
    at: datetime | None = None,
) -> Notice | None:
    """A notice about several tasks or a register (daily reminders, certificates, hazards) and
    its message. Once per key: returns None when a notice with this key exists, so a job run
    twice a day sends nothing new."""
    at = at or timezone.now()
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                unit=unit, key=key, title=title[:200], body=body, level=level, created_at=at
            )
    except IntegrityError:
        return None
    OutboxMessage.objects.create(
        kind=kind,
        unit=unit,
        notice=notice,
        text=message_text(kind=kind, unit=unit, text=text),
        path=path,
        created_at=at,
    )
    return notice


@transaction.atomic
def items_publish(*, items, at: datetime | None = None) -> int:
    """checklist.services.items_publish, and a 新任务 notice and message to every unit of each
    item that was a draft until now. The tracker's publishing places call this one; the catalog
    cannot, as it knows nothing of units."""
    at = at or timezone.now()
    pks = [item.pk for item in items]
    drafts = list(
        ChecklistItem.objects.select_for_update()
        .filter(pk__in=pks, state=ChecklistItem.State.DRAFT)
        .values_list("pk", flat=True)
    )
    count = publish(items=items, at=at)
    shares = (
        Assignment.objects.filter(item_id__in=drafts)
        .select_related("item", "unit")
        .order_by("item__code", "unit__sort_order", "pk")
    )
    for share in shares:
        item = share.item
        due = (
            f"完成时限{share.due_date:%Y-%m-%d}"
            if share.due_date
            else f"长期，{item.cadence_label}"
        )
        notify(
            assignment=share,
            key=f"task:{share.pk}",
            title=f"新任务：{item.code} {item.title}",
            body=f"安委办发布了新任务，本单位为{share.get_role_display()}单位，{due}。",
            at=at,
            kind=Kind.TASK,
            text=f"{item.code} {item.title}，本单位为{share.get_role_display()}单位，{due}。"
            "请登录查看任务要求。",
        )
    return count
