"""Writes to the channels: set up, change, remove, 测试发送, and the office's 重新发送.

Who may: the office, any unit's channels and anyone's own; a unit's 联络员, their unit's and
their own, except the kinds that spend the county's money and hold its keys (SMS: OFFICE_ONLY
in the channel's module), which they see but do not change.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from tracker import channels
from tracker.messaging import worker
from tracker.messaging.models import ALL_KINDS, Attempt, Channel, Delivery
from tracker.models import OutboxMessage, Unit, User


class ChannelError(Exception):
    """A refusal with a message for the page, in Chinese."""


def is_unit_staff(user: User, unit: Unit | None) -> bool:
    return bool(
        unit is not None
        and user.is_active
        and user.role == User.Role.STAFF
        and user.unit_id == unit.pk
    )


def can_see_unit(user: User, unit: Unit) -> bool:
    return user.is_office or is_unit_staff(user, unit)


def can_set_up(user: User, kind: str, *, unit: Unit | None = None, owner: User | None = None):
    """May this user set up (or change) a channel of this kind for the unit or the person?"""
    if user.is_office:
        return True
    if channels.get(kind).OFFICE_ONLY:
        return False
    if unit is not None:
        return is_unit_staff(user, unit)
    return owner is not None and owner.pk == user.pk and user.role == User.Role.STAFF


def can_change(user: User, channel: Channel) -> bool:
    return can_set_up(user, channel.kind, unit=channel.unit, owner=channel.user)


def _require(allowed: bool, message: str = "无权设置该消息渠道。") -> None:
    if not allowed:
        raise PermissionDenied(message)


@transaction.atomic
def channel_save(
    *,
    user: User,
    kind: str,
    name: str,
    config: dict,
    kinds: list[str],
    active: bool = True,
    channel: Channel | None = None,
    unit: Unit | None = None,
    owner: User | None = None,
    at: datetime | None = None,
) -> Channel:
    """Create a channel (for `unit` or for the person `owner`) or change `channel`.

    The settings are checked by the channel's own module (a webhook without its token, a
    secret that does not start with SEC, an 11-digit number that is not one …)."""
    at = at or timezone.now()
    if channel is not None:
        channel = Channel.objects.select_for_update().get(pk=channel.pk)
        _require(can_change(user, channel))
        kind, unit, owner = channel.kind, channel.unit, channel.user
    else:
        if (unit is None) == (owner is None):
            raise ChannelError("消息渠道应属于一个单位或一个人。")
        _require(can_set_up(user, kind, unit=unit, owner=owner))
    try:
        cleaned = channels.get(kind).clean(config)
    except channels.ConfigError as exc:
        raise ChannelError(str(exc)) from None
    name = " ".join(str(name or "").split())[:60]
    if not name:
        raise ChannelError("请填写渠道名称，如“城关镇安全生产工作群”。")
    chosen = [k for k in ALL_KINDS if k in set(kinds or [])]
    if not chosen:
        raise ChannelError("请至少选择一类要接收的消息。")
    if channel is None:
        channel = Channel(kind=kind, unit=unit, user=owner, created_by=user, created_at=at)
    channel.name = name
    channel.config = cleaned
    channel.kinds = chosen
    channel.active = bool(active)
    channel.updated_at = at
    channel.save()
    return channel


@transaction.atomic
def channel_delete(*, user: User, channel: Channel) -> None:
    """Remove a channel; its deliveries stay in the log, without it."""
    _require(can_change(user, channel))
    channel.delete()


TEST_TEXT = (
    "这是一条测试消息：本渠道已接入安全生产任务督办台账，今后的督办单、退回、任务提醒将发到这里。"
)


def channel_test(*, user: User, channel: Channel, now: datetime | None = None) -> channels.Result:
    """Send a test message now and return the provider's real answer.

    The one send made inside a request, because the person setting up the robot is waiting
    for the answer; it counts against the provider's rate limit like any other try."""
    _require(can_change(user, channel) or may_test(user, channel))
    now = now or timezone.now()
    endpoint = worker.endpoint_key(channel.kind, channel.config)
    allowed, window = channel.transport.RATE
    recent = Attempt.objects.filter(
        endpoint=endpoint, started_at__gt=now - timedelta(seconds=window)
    ).count()
    if recent >= allowed:
        raise ChannelError(
            f"该渠道 {window} 秒内已发送 {recent} 条，达到服务商的频率上限，请稍后再测试。"
        )
    owner = channel.unit or (channel.user.unit if channel.user else None)
    unit_name = owner.name if owner else str(channel.user)
    message = channels.Message(
        text=f"【安委办测试】{unit_name}：{TEST_TEXT}",
        url=_site(reverse("home")),
        title="测试消息",
        body=TEST_TEXT,
        unit=unit_name,
        summary="测试消息，收到即接入成功",
        kind="test",
        ref=f"t{channel.pk}",
    )
    attempt = Attempt.objects.create(channel=channel, endpoint=endpoint, started_at=now)
    result = channels.send(message, channel, timeout=worker.timeout())
    finished = timezone.now()
    Attempt.objects.filter(pk=attempt.pk).update(
        finished_at=finished, outcome=result.outcome, detail=result.detail
    )
    Channel.objects.filter(pk=channel.pk).update(
        last_test_at=finished, last_test_outcome=result.outcome, last_test_detail=result.detail
    )
    return result


def may_test(user: User, channel: Channel) -> bool:
    # A 联络员 may test their unit's SMS channel that the office set up: it only sends to the
    # unit's own numbers.
    return channel.unit is not None and is_unit_staff(user, channel.unit)


def _site(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def delivery_retry(*, user: User, delivery: Delivery) -> None:
    if not user.is_office:
        raise PermissionDenied("只有安委办可以重新发送。")
    if delivery.state != Delivery.State.FAILED:
        raise ChannelError("只有发送失败的消息可以重新发送。")
    worker.retry_now(delivery=delivery)


def kinds_for_form() -> list[tuple[str, str]]:
    return list(OutboxMessage.Kind.choices)
