"""The 排查 task's measured progress (tracker.extensions): the hazards linked to the task,
found by the unit (属地 for a township, 行业 for a department) or by the county."""

from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.urls import reverse

from tracker import extensions
from tracker.extensions import Measure, Reading
from tracker.hazards.summary import task_counts
from tracker.models import Unit


def _scope(unit: Unit | None) -> dict:
    if unit is None or unit.kind == Unit.Kind.OTHER:
        return {}
    if unit.kind == Unit.Kind.TOWNSHIP:
        return {"township": unit.pk}
    return {"supervisor": unit.pk}


def _task(*, item, unit, today: date) -> Reading:
    scoped = unit if unit is not None and unit.kind != Unit.Kind.OTHER else None
    counts = task_counts(item, unit=scoped)
    url = f"{reverse('hazards:hazard_list')}?{urlencode({'task': item.pk, **_scope(unit)})}"
    return Reading(Decimal(counts.enterprises), url, counts.text())


def register() -> None:
    extensions.register_measure(
        Measure(
            key="hazards.task",
            label="排查企业数（本任务登记的隐患）",
            unit_word="家",
            read=_task,
            sources=("hazards.Hazard",),
            help="登记隐患时关联本任务的排查企业数，并列出发现隐患、已整改和整改率",
        )
    )


def measure_demo_task(today: date) -> int:
    """The demo's 拉网式排查 task reads its counts from the hazards linked to it."""
    from checklist.models import ChecklistItem
    from tracker.measuring import measure_item

    items = ChecklistItem.objects.filter(hazards__isnull=False).distinct().order_by("pk")
    changed = 0
    for item in items:
        if item.measure != "hazards.task":
            ChecklistItem.objects.filter(pk=item.pk).update(measure="hazards.task")
            item.measure = "hazards.task"
        changed += measure_item(item=item, today=today)
    return changed
