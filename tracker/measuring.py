"""Measured items: each unit's quantity read from its own register rows, never typed.

An item whose 计量来源 names a registered measure (tracker.extensions) takes each open share's
quantity from the register: a township's by 属地, a department's by 行业. The value is written
when it changes, with one 台账计量 history row, not on page views: after a write to one of the
measure's source models commits, and by ``manage.py measure_targets`` (daily, and after bulk
imports that bypass model signals).
"""

from __future__ import annotations

import threading
from datetime import date, datetime

from django.apps import apps
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import extensions
from tracker.extensions import Measure, Reading
from tracker.models import Assignment, StatusUpdate, Unit
from tracker.progress import percent_of_target
from tracker.work_years import is_closed

Status = Assignment.Status

MEASURED_MESSAGE = (
    "该任务的完成数量由台账自动计量，不能手工填写；请在台账中登记，或只填写进展说明和佐证材料。"
)


def reading_for(item: ChecklistItem, unit: Unit | None, *, today: date) -> Reading | None:
    """The unit's (None: the county's) reading of a measured item; None for a typed item or a
    measure whose register is not installed."""
    measure = extensions.measure(item.measure) if item.measure else None
    if measure is None:
        return None
    return measure.read(item=item, unit=unit, today=today)


@transaction.atomic
def measure_item(*, item: ChecklistItem, today: date, at: datetime | None = None) -> int:
    """Reads every open share of a measured item from the register and writes the ones that
    changed, each with one history row; returns how many changed. Shares waiting for review or
    closed keep the figure they were submitted with; a closed or void year's items are left."""
    measure = extensions.measure(item.measure) if item.measure else None
    if measure is None or item.state != ChecklistItem.State.PUBLISHED or is_closed(item.year):
        return 0
    at = at or timezone.now()
    changed = 0
    shares = (
        Assignment.objects.select_for_update()
        .select_related("item", "unit")
        .filter(item=item, status__in=[Status.NOT_STARTED, Status.IN_PROGRESS])
        .order_by("pk")
    )
    for share in shares:
        reading = measure.read(item=item, unit=share.unit, today=today)
        if share.quantity_done is not None and reading.value == share.quantity_done:
            continue
        if share.quantity_done is None and not reading.value:
            continue
        before = share.status
        share.quantity_done = reading.value
        fields = ["quantity_done"]
        if share.target:
            # Without a target the count is shown beside the unit's own percent, not over it.
            share.percent = percent_of_target(reading.value, share.target)
            fields.append("percent")
        if share.status == Status.NOT_STARTED and reading.value:
            share.status = Status.IN_PROGRESS
            fields.append("status")
        share.version += 1
        share.save(update_fields=[*fields, "version", "updated_at"])
        StatusUpdate.objects.create(
            assignment=share,
            author=None,
            kind=StatusUpdate.Kind.MEASURE,
            from_status=before,
            to_status=share.status,
            note=f"{measure.label}：{reading.text or _figure(reading, measure)}",
            percent=share.percent,
            quantity=share.quantity_done,
            created_at=at,
        )
        changed += 1
    return changed


def _figure(reading: Reading, measure: Measure) -> str:
    value = reading.value.normalize()
    return f"{value:f} {measure.unit_word}".replace(" %", "%")


def measure_all(*, today: date, keys: set[str] | None = None) -> int:
    """Measures every published item of an open year that names a measure (of ``keys``)."""
    items = ChecklistItem.objects.filter(state=ChecklistItem.State.PUBLISHED).exclude(measure="")
    if keys is not None:
        items = items.filter(measure__in=keys)
    return sum(measure_item(item=item, today=today) for item in items.order_by("pk"))


# --- measuring again after a register's write commits ----------------------------------------

_pending = threading.local()


def _flush() -> None:
    keys = getattr(_pending, "keys", set())
    _pending.keys = set()
    if keys:
        measure_all(today=timezone.localdate(), keys=keys)


def _changed(key: str):
    def receiver(sender, **kwargs):
        if kwargs.get("raw"):  # fixtures load rows as they are
            return
        keys = getattr(_pending, "keys", None)
        if keys is None:
            keys = _pending.keys = set()
        keys.add(key)
        # The first callback to run measures everything pending; the rest find nothing.
        transaction.on_commit(_flush)

    return receiver


_receivers: list = []  # signals hold receivers weakly


def _connect(measure: Measure) -> None:
    for label in measure.sources:
        model = apps.get_model(label)
        receiver = _changed(measure.key)
        _receivers.append(receiver)
        post_save.connect(receiver, sender=model, weak=False)
        post_delete.connect(receiver, sender=model, weak=False)


def connect() -> None:
    """Called once by the core's AppConfig: every measure registered (now or later) is
    measured again after its source models change."""
    extensions.on_measure_registered(_connect)
