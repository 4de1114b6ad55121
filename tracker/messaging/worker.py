"""The worker: the core's outbox → one delivery per channel → sent, with retries.

Three steps, each its own short transaction, so that killing the worker anywhere loses nothing
and repeats nothing a provider acknowledged:

1. dispatch: each outbox message not yet dispatched becomes one delivery per channel that
   wants its kind (the unit's channels, its 联络员's own, and for the daily reminder their
   account's e-mail as before). The message is marked dispatched in the same transaction.
2. claim: due deliveries are marked "sending", with a lease, and an attempt row is written,
   all committed before anything is sent. A provider's rate limit is kept here: no more tries
   on one robot or account within its window than the provider publishes (钉钉 and 企业微信:
   20 a minute), counting the tries of a killed worker too.
3. send and record: each claimed delivery is sent (different endpoints side by side, one
   endpoint's in order) and its answer is committed as soon as it arrives. Sent is final.
   A transient answer (no connection, timeout, 5xx, a rate limit) is retried with
   exponential backoff; a permanent one (wrong key, bad signature) stops and is shown.

A delivery whose worker died between claim and record is claimed again once its lease ends.
Only a message whose answer arrived in the instant before the kill can go out twice; nothing
whose acknowledgement was recorded ever does.
"""

import hashlib
import logging
import queue
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tracker import channels
from tracker.messaging.models import Attempt, Channel, Delivery
from tracker.models import OutboxMessage, User

logger = logging.getLogger("tracker.messaging")

State = Delivery.State
MAX_ATTEMPTS = 8
BACKOFF_FIRST = 30  # seconds; doubles each time: 30 s, 1, 2, 4, 8, 16, 30, 30 min
BACKOFF_MAX = 30 * 60
LEASE_MARGIN = 60  # seconds beyond the sends' own timeouts
DISPATCH_BATCH = 200
CLAIM_BATCH = 200
THREADS = 8


def backoff(attempts: int) -> timedelta:
    """How long to wait after the n-th failed try."""
    return timedelta(seconds=min(BACKOFF_FIRST * 2 ** max(attempts - 1, 0), BACKOFF_MAX))


def endpoint_key(kind: str, config: dict) -> str:
    identity = f"{kind}|{channels.get(kind).endpoint(config)}"
    return hashlib.sha256(identity.encode()).hexdigest()[:32]


def timeout() -> float:
    return float(getattr(settings, "CHANNEL_TIMEOUT", channels.DEFAULT_TIMEOUT))


def _locked(qs):
    # Two workers (a cron run overlapping a --loop service) each take different rows on
    # PostgreSQL; SQLite has one writer at a time anyway (BEGIN IMMEDIATE).
    if connection.features.has_select_for_update_skip_locked:
        return qs.select_for_update(skip_locked=True, of=("self",))
    return qs


# --- 1. dispatch -------------------------------------------------------------------------------


@dataclass
class Target:
    kind: str
    config: dict
    label: str
    channel: Channel | None = None
    address: str = ""


def targets(message: OutboxMessage, unit_channels, personal_channels, staff_emails) -> list[Target]:
    found = [
        Target(c.kind, c.config, f"{c.kind_label} · {c.name}", channel=c)
        for c in unit_channels
        if c.wants(message.kind)
    ]
    found += [
        Target(c.kind, c.config, f"{c.kind_label} · {c.user} · {c.name}", channel=c)
        for c in personal_channels
        if c.wants(message.kind)
    ]
    if message.kind == OutboxMessage.Kind.REMINDER:
        # The daily reminder went to each 联络员's own e-mail before there were channels; it
        # still does, unless they set up their own e-mail channel.
        found += [
            Target("email", {"addresses": [address]}, f"电子邮件 · {name}", address=address)
            for name, address in staff_emails
        ]
    return found


def dispatch(*, now: datetime | None = None, limit: int = DISPATCH_BATCH) -> int:
    """Turn undispatched outbox messages into deliveries; returns how many deliveries."""
    now = now or timezone.now()
    with transaction.atomic():
        messages = list(
            _locked(OutboxMessage.objects.filter(dispatched_at__isnull=True))
            .select_related("unit")
            .order_by("created_at", "id")[:limit]
        )
        if not messages:
            return 0
        unit_ids = {m.unit_id for m in messages}
        by_unit, personal, emails = defaultdict(list), defaultdict(list), defaultdict(list)
        for c in Channel.objects.filter(unit_id__in=unit_ids, active=True).order_by("id"):
            by_unit[c.unit_id].append(c)
        staff = User.objects.filter(unit_id__in=unit_ids, is_active=True, role=User.Role.STAFF)
        for c in (
            Channel.objects.filter(user__in=staff, active=True)
            .select_related("user")
            .order_by("id")
        ):
            personal[c.user.unit_id].append(c)
        own_email = set(
            Channel.objects.filter(user__in=staff, kind="email").values_list("user_id", flat=True)
        )
        for user in staff.exclude(email="").exclude(pk__in=own_email).order_by("pk"):
            emails[user.unit_id].append((str(user), user.email))
        rows = []
        for message in messages:
            for t in targets(message, by_unit[message.unit_id], personal[message.unit_id],
                             emails[message.unit_id]):  # fmt: skip
                try:
                    endpoint = endpoint_key(t.kind, t.config)
                except (channels.ConfigError, KeyError):
                    endpoint = ""
                rows.append(
                    Delivery(
                        message=message,
                        channel=t.channel,
                        address=t.address,
                        transport=t.kind,
                        target=t.label[:120],
                        endpoint=endpoint,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                )
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
        OutboxMessage.objects.filter(pk__in=[m.pk for m in messages]).update(dispatched_at=now)
    return len(rows)


# --- 2. claim ----------------------------------------------------------------------------------


@dataclass
class Claimed:
    delivery: Delivery
    attempt: Attempt
    attempts: int
    kind: str
    config: dict
    message: channels.Message


def _used(endpoints: set[tuple[str, str]], now: datetime) -> dict[str, int]:
    """Tries per endpoint within its provider's window, before this batch; an endpoint the
    provider told us to leave alone for now counts as full."""
    used = {}
    for endpoint, kind in endpoints:
        allowed, window = channels.get(kind).RATE
        recent = Attempt.objects.filter(
            endpoint=endpoint, started_at__gt=now - timedelta(seconds=window)
        )
        held = Attempt.objects.filter(endpoint=endpoint, hold_until__gt=now).exists()
        used[endpoint] = allowed if held else recent.count()
    return used


def claim(*, now: datetime | None = None, limit: int = CLAIM_BATCH) -> list[Claimed]:
    now = now or timezone.now()
    claimed: list[Claimed] = []
    failed: list[tuple[Delivery, str]] = []
    with transaction.atomic():
        due = (
            _locked(
                Delivery.objects.filter(
                    Q(state__in=[State.PENDING, State.RETRYING], next_attempt_at__lte=now)
                    | Q(state=State.SENDING, lease_until__lt=now)
                )
            )
            .select_related("channel", "message__unit", "message__notice")
            .order_by("next_attempt_at", "id")[: limit * 4]
        )
        due = list(due)
        used = _used({(d.endpoint, d.transport) for d in due}, now)
        per_group: dict[str, int] = defaultdict(int)
        for delivery in due:
            if len(claimed) >= limit:
                break
            config, problem = _config(delivery)
            if problem:
                failed.append((delivery, problem))
                continue
            allowed, _window = channels.get(delivery.transport).RATE
            if used[delivery.endpoint] >= allowed:
                continue  # the provider's window is full: next pass
            used[delivery.endpoint] += 1
            per_group[delivery.endpoint] += 1
            # One endpoint's messages go one after another: the lease covers the whole queue.
            lease = now + timedelta(seconds=timeout() * per_group[delivery.endpoint] + LEASE_MARGIN)
            delivery.state = State.SENDING
            delivery.attempts += 1
            delivery.lease_until = lease
            delivery.updated_at = now
            delivery.save(update_fields=["state", "attempts", "lease_until", "updated_at"])
            attempt = Attempt.objects.create(
                delivery=delivery,
                channel=delivery.channel,
                endpoint=delivery.endpoint,
                started_at=now,
            )
            claimed.append(
                Claimed(
                    delivery, attempt, delivery.attempts, delivery.transport, config,
                    message_for(delivery),
                )
            )  # fmt: skip
        for delivery, problem in failed:
            delivery.state = State.FAILED
            delivery.detail = problem
            delivery.updated_at = now
            delivery.save(update_fields=["state", "detail", "updated_at"])
    return claimed


def _config(delivery: Delivery) -> tuple[dict, str]:
    if delivery.address:
        return {"addresses": [delivery.address]}, ""
    if delivery.channel is None:
        return {}, "渠道已删除，未发送。"
    if not delivery.channel.active:
        return {}, "渠道已停用，未发送。"
    return delivery.channel.config, ""


def message_for(delivery: Delivery) -> channels.Message:
    outbox = delivery.message
    notice = outbox.notice
    prefix, sep, rest = outbox.text.partition("：")
    return channels.Message(
        text=outbox.text,
        url=f"{settings.SITE_URL}{outbox.path}" if outbox.path else settings.SITE_URL,
        title=notice.title if notice else "",
        body=notice.body if notice else "",
        unit=outbox.unit.name,
        summary=rest if sep and prefix.startswith("【") else outbox.text,
        kind=outbox.kind,
        ref=f"d{delivery.pk}",
    )


# --- 3. send and record ------------------------------------------------------------------------


def record(item: Claimed, result: channels.Result, *, now: datetime | None = None) -> str:
    """Commit one answer; returns the delivery's new state."""
    now = now or timezone.now()
    delivery = item.delivery
    if result.sent:
        state, next_at = State.SENT, None
    elif result.outcome == channels.RETRY and item.attempts < MAX_ATTEMPTS:
        wait = backoff(item.attempts)
        if result.retry_after:
            wait = max(wait, timedelta(seconds=result.retry_after))
        state, next_at = State.RETRYING, now + wait
    else:
        state, next_at = State.FAILED, None
    detail = result.detail
    if state == State.FAILED and result.outcome == channels.RETRY:
        detail = f"已尝试 {item.attempts} 次仍未成功，停止重试。最后应答：{detail}"
    fields = {"state": state, "detail": detail[:500], "lease_until": None, "updated_at": now}
    if state == State.SENT:
        fields["sent_at"] = now
    if next_at:
        fields["next_attempt_at"] = next_at
    with transaction.atomic():
        # Only the claim we hold: a worker that outlived its lease must not overwrite the
        # answer of the one that took over.
        updated = Delivery.objects.filter(
            pk=delivery.pk, state=State.SENDING, attempts=item.attempts
        ).update(**fields)
        hold = None
        if result.outcome == channels.RETRY and result.retry_after:
            # The provider holds the whole robot, not just this message.
            hold = now + timedelta(seconds=result.retry_after)
            Delivery.objects.filter(
                endpoint=delivery.endpoint,
                state__in=[State.PENDING, State.RETRYING],
                next_attempt_at__lt=hold,
            ).update(next_attempt_at=hold)
        Attempt.objects.filter(pk=item.attempt.pk).update(
            finished_at=now, outcome=result.outcome, detail=result.detail[:500], hold_until=hold
        )
    level = logging.INFO if state == State.SENT else logging.WARNING
    logger.log(
        level,
        "delivery=%s target=%s outcome=%s attempts=%s detail=%s",
        delivery.pk,
        delivery.target,
        state,
        item.attempts,
        detail,
    )
    return state if updated else "stale"


def send_claimed(claimed: list[Claimed], *, threads: int = THREADS) -> dict[str, int]:
    """Send, one thread per endpoint (at most `threads` at once), recording each answer in
    this thread as soon as it arrives."""
    counts: dict[str, int] = defaultdict(int)
    if not claimed:
        return counts
    groups: dict[str, list[Claimed]] = defaultdict(list)
    for item in claimed:
        groups[item.delivery.endpoint].append(item)
    answers: queue.Queue = queue.Queue()
    work: queue.Queue = queue.Queue()
    for group in groups.values():
        work.put(group)
    limit = timeout()

    def run():
        while True:
            try:
                group = work.get_nowait()
            except queue.Empty:
                return
            for item in group:
                try:
                    result = channels.send(item.message, _Channel(item.kind, item.config),
                                           timeout=limit)  # fmt: skip
                except Exception as exc:  # a bug in a channel must not stop the others
                    logger.exception("channel %s raised", item.kind)
                    result = channels.Result(channels.RETRY, f"发送出错：{type(exc).__name__}")
                answers.put((item, result))

    workers = [
        threading.Thread(target=run, daemon=True, name=f"send-{i}")
        for i in range(min(threads, len(groups)))
    ]
    for worker in workers:
        worker.start()
    for _ in claimed:
        item, result = answers.get()
        counts[record(item, result)] += 1
    for worker in workers:
        worker.join()
    return counts


@dataclass(frozen=True)
class _Channel:
    kind: str
    config: dict = field(default_factory=dict)


def run_once(*, threads: int = THREADS, max_rounds: int = 50) -> dict[str, int]:
    """Dispatch everything waiting and send everything due now, as far as the providers' rate
    limits allow; what they do not allow yet waits for the next run."""
    totals: dict[str, int] = defaultdict(int)
    while dispatch():
        pass
    for _ in range(max_rounds):
        claimed = claim()
        if not claimed:
            break
        for state, n in send_claimed(claimed, threads=threads).items():
            totals[state] += n
    return totals


def retry_now(*, delivery: Delivery, now: datetime | None = None) -> None:
    """The office's 重新发送 of a failed delivery, after fixing its channel."""
    now = now or timezone.now()
    # The channel's settings may have changed (that is why it is sent again): so may its robot.
    try:
        endpoint = endpoint_key(delivery.transport, _config(delivery)[0])
    except (channels.ConfigError, KeyError):
        endpoint = delivery.endpoint
    Delivery.objects.filter(pk=delivery.pk, state=State.FAILED).update(
        state=State.PENDING,
        attempts=0,
        next_attempt_at=now,
        endpoint=endpoint,
        detail="",
        updated_at=now,
    )
