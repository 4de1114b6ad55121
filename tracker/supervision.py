"""催办: the office's escalating 督办单 (蓝 → 黄 → 红) on overdue work."""

from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tracker.models import Assignment, StatusUpdate, Supervision, Unit, User
from tracker.notices import notify
from tracker.services import WorkflowError, _lock, _record, _require_office, clean_text

# 催办 presses the unit; only work the unit holds can be pressed, not work the office holds.
HELD_BY_UNIT = (Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS)

NEXT_LEVEL = {
    None: Supervision.Level.BLUE,
    Supervision.Level.BLUE: Supervision.Level.YELLOW,
    Supervision.Level.YELLOW: Supervision.Level.RED,
}


def escalation_days() -> int:
    return getattr(settings, "SUPERVISION_ESCALATION_DAYS", 3)


@transaction.atomic
def supervise(
    *, assignment: Assignment, user: User, note: str = "", at: datetime | None = None
) -> Supervision:
    """Issue the next 督办单 on an overdue assignment.

    The first is blue; each later one goes up a level, but only when the previous one has been
    ignored (no report since) for the set number of days. A report closes the open one, and the
    next 催办 starts again at blue.
    """
    _require_office(user)
    at = at or timezone.now()
    locked = _lock(assignment, None)
    today = timezone.localdate(at)
    if locked.status == Assignment.Status.VERIFIED:
        raise WorkflowError("该任务已办结，无需催办。")
    if locked.status not in HELD_BY_UNIT:
        raise WorkflowError("该任务已提交审核，正等待安委办审核，无需催办责任单位。")
    if locked.due_date is None or locked.due_date >= today:
        raise WorkflowError("该任务尚未逾期，不能催办。")
    current = locked.supervisions.filter(resolved_at__isnull=True).first()
    if current is not None:
        if current.level == Supervision.Level.RED:
            raise WorkflowError("该任务已是红色督办，请直接联系责任单位。")
        waited = (today - timezone.localdate(current.issued_at)).days
        if waited < escalation_days():
            raise WorkflowError(
                f"已于 {timezone.localdate(current.issued_at):%m月%d日} 发出{current.get_level_display()}，"
                f"{escalation_days()} 天内未报送才能升级（还需 {escalation_days() - waited} 天）。"
            )
        current.resolved_at = at
        current.save(update_fields=["resolved_at"])
    level = NEXT_LEVEL[current.level if current else None]
    supervision = Supervision.objects.create(
        assignment=locked, level=level, note=clean_text(note), issued_by=user, issued_at=at
    )
    days = (today - locked.due_date).days
    text = f"{supervision.get_level_display()}：任务 {locked.item.code} 已逾期 {days} 天，请尽快报送进展。"
    if clean_text(note):
        text += clean_text(note)
    _record(
        assignment=locked,
        user=user,
        kind=StatusUpdate.Kind.REMIND,
        from_status=locked.status,
        at=at,
        note=text,
    )
    notify(
        assignment=locked,
        key=f"supervision:{supervision.pk}",
        title=f"{supervision.get_level_display()}：{locked.item.code} {locked.item.title}",
        body=text,
        level=level,
        at=at,
        text=_message(locked, supervision, days=days, today=today),
    )
    return supervision


def _message(assignment: Assignment, supervision: Supervision, *, days: int, today: date) -> str:
    """The 督办单 as a group message or SMS: what, how late, by when, and what follows."""
    item = assignment.item
    text = f"{item.code} {item.title} 逾期{days}天，{supervision.get_level_display()}"
    following = NEXT_LEVEL.get(supervision.level)
    if following is None:
        text += "，请立即报送进展。"
    else:
        by = today + timedelta(days=escalation_days())
        text += (
            f"，请于{by:%m月%d日}前报送进展，逾期未报将升级为{Supervision.Level(following).label}。"
        )
    if supervision.note:
        text += f"督办要求：{supervision.note}"
    return text


def supervise_unit(
    *, unit: Unit, user: User, note: str = "", today: date | None = None
) -> tuple[int, list[str]]:
    """催办 every overdue assignment the unit holds (not those waiting for review); returns how
    many got a 督办单 and why others not."""
    _require_office(user)
    today = today or timezone.localdate()
    done, skipped = 0, []
    overdue = (
        Assignment.objects.filter(unit=unit, item__state="published", status__in=HELD_BY_UNIT)
        .in_open_years()
        .overdue(today)
    )
    for assignment in overdue.select_related("item"):
        try:
            supervise(assignment=assignment, user=user, note=note)
            done += 1
        except WorkflowError as exc:
            skipped.append(f"{assignment.item.code}：{exc}")
    return done, skipped


def open_supervisions(assignments) -> list[Supervision]:
    return list(
        Supervision.objects.filter(assignment__in=assignments, resolved_at__isnull=True)
        .select_related("assignment__item", "assignment__unit")
        .order_by("-level", "issued_at")
    )


def next_escalation_date(supervision: Supervision) -> date:
    return timezone.localdate(supervision.issued_at) + timedelta(days=escalation_days())
