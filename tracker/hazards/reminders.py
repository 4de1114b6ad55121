"""Chasing 整改: notices 7, 3 and 1 days before a 整改时限 to the township and the supervising
department, and the office's 催办 with the tasks' ladder (blue → yellow → red)."""

from datetime import date, datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tracker.hazards.filters import overdue_q
from tracker.hazards.models import Hazard
from tracker.hazards.selectors import hazards_for_user
from tracker.models import OutboxMessage, Unit, User
from tracker.notices import notify_unit

REMINDER_DAYS = (7, 3, 1)
LADDER = {1: "blue", 2: "yellow"}  # the third 催办 and after: red


def urge_colour(times: int) -> str:
    return LADDER.get(times, "red") if times else ""


def _units(hazard: Hazard) -> list[int]:
    return list(dict.fromkeys(u for u in (hazard.township_id, hazard.supervisor_id) if u))


def due_reminders(*, today: date, at: datetime | None = None) -> int:
    """One notice per hazard, threshold and unit: running the job twice a day sends each once;
    a hazard first seen with 2 days left gets only the 3-day one."""
    at = at or timezone.now()
    hazards = Hazard.objects.filter(
        voided=False,
        state__in=[Hazard.State.PENDING, Hazard.State.FIXING],
        deadline__gte=today,
        deadline__lte=today + timedelta(days=max(REMINDER_DAYS)),
    ).select_related("enterprise", "township")
    written = 0
    units = Unit.objects.in_bulk()
    with transaction.atomic():
        for hazard in hazards:
            left = (hazard.deadline - today).days
            threshold = min(d for d in REMINDER_DAYS if left <= d)
            for unit_id in _units(hazard):
                unit = units[unit_id]
                notice = notify_unit(
                    unit=unit,
                    key=f"hazard-due-{hazard.pk}-{hazard.deadline:%Y%m%d}-{threshold}-{unit_id}",
                    title=f"隐患整改{left}天后到期：{hazard.place}",
                    body=(
                        f"{hazard.township.name} {hazard.place} 的隐患 {hazard.number}"
                        f"（{hazard.get_level_display()}）：{hazard.description[:100]}。"
                        f"整改时限 {hazard.deadline:%Y-%m-%d}，还有 {left} 天，请督促按期整改。"
                    ),
                    kind=OutboxMessage.Kind.REGISTER,
                    text=(
                        f"隐患 {hazard.number} {hazard.place} 整改时限 {hazard.deadline:%m月%d日}，"
                        f"还有 {left} 天，请督促按期整改。"
                    ),
                    path=reverse("hazards:hazard_detail", args=[hazard.pk]),
                    level="red" if threshold == 1 else "yellow" if threshold == 3 else "blue",
                    at=at,
                )
                written += notice is not None
    return written


def urge_notice(hazard: Hazard, *, at: datetime) -> None:
    """The office's 催办 reaches the township and the department as a notice."""
    colour = urge_colour(hazard.urge_level)
    for unit_id in _units(hazard):
        notify_unit(
            unit=Unit.objects.get(pk=unit_id),
            key=f"hazard-urge-{hazard.pk}-{hazard.urge_level}-{unit_id}",
            title=f"安委办催办（第{hazard.urge_level}次）：隐患 {hazard.number} {hazard.place}",
            body=(
                f"{hazard.place} 的隐患“{hazard.description[:100]}”"
                f"（{hazard.get_state_display()}），请抓紧整改并提交验收。"
            ),
            kind=OutboxMessage.Kind.REGISTER,
            text=(
                f"隐患 {hazard.number} {hazard.place}（{hazard.get_state_display()}）"
                f"第{hazard.urge_level}次催办，请抓紧整改并提交验收。"
            ),
            path=reverse("hazards:hazard_detail", args=[hazard.pk]),
            level=colour,
            at=at,
        )


def listing_notice(hazard: Hazard, *, at: datetime) -> None:
    """挂牌督办 reaches the township and the department, in the bell and on their channels."""
    for unit_id in _units(hazard):
        notify_unit(
            unit=Unit.objects.get(pk=unit_id),
            key=f"hazard-list-{hazard.pk}-{hazard.listing}-{hazard.listed_on:%Y%m%d}-{unit_id}",
            title=f"{hazard.get_listing_display()}挂牌督办：重大隐患 {hazard.number} {hazard.place}",
            body=(
                f"{hazard.place} 的重大隐患“{hazard.description[:100]}”已由"
                f"{hazard.get_listing_display()}挂牌督办（督办单 {hazard.listing_doc}），"
                + (f"整改时限 {hazard.deadline:%Y-%m-%d}，" if hazard.deadline else "")
                + "请按五落实要求整改。"
            ),
            kind=OutboxMessage.Kind.REGISTER,
            text=(
                f"重大隐患 {hazard.number} {hazard.place} 已{hazard.get_listing_display()}"
                f"挂牌督办（{hazard.listing_doc}），请按期整改。"
            ),
            path=reverse("hazards:hazard_detail", args=[hazard.pk]),
            level="red",
            at=at,
        )


def overdue_for_user(user: User, *, today: date, limit: int = 20):
    """逾期未整改 hazards the user sees, oldest deadline first: for home pages."""
    qs = hazards_for_user(user).filter(overdue_q(today), voided=False)
    return qs.select_related("enterprise", "township").order_by("deadline", "pk")[:limit]
