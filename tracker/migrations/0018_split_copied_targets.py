"""An item's 目标数量 was each counted unit's own target: “40家” given to 13 units read 520 家 on
the dashboard. It is now the county's target, split among units by 分解数量. Items written
before keep their meaning, losslessly: each counted unit's share becomes the old target, and
the item's target becomes the old target times its counted units (40 家 × 13 → 520 家, each
unit 40). Every unit's own target and percent stay as they were; one history row per share
says why.

Left alone: items with one counted unit (its share is the whole target either way), rate
targets (%, averaged, never summed) and items some of whose units already have a share.

Reversible: an item whose counted units all carry the same share, adding up to the item's
target, goes back to that share as its target, and the rows written here are removed. A split
made after this migration cannot be written in the old meaning and keeps the county target.
"""

from decimal import Decimal

from django.db import migrations
from django.utils import timezone

COUNTED = ["lead", "responsible"]
MAX_TARGET = Decimal("9999999999.99")
NOTE = "分解数量：未分解→{share}{unit}（原目标数量为每个单位各自的目标，现记为本单位分解数量；全县目标 {whole}{unit}）"
MARK = "分解数量：未分解→"


def _plain(value: Decimal) -> str:
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _is_rate(unit: str) -> bool:
    return unit.strip() in ("%", "％")


def split_copied_targets(apps, schema_editor):
    Item = apps.get_model("checklist", "ChecklistItem")
    Assignment = apps.get_model("tracker", "Assignment")
    StatusUpdate = apps.get_model("tracker", "StatusUpdate")
    now = timezone.now()
    for item in Item.objects.filter(target_quantity__isnull=False).order_by("pk").iterator():
        if _is_rate(item.target_unit):
            continue
        counted = list(Assignment.objects.filter(item_id=item.pk, role__in=COUNTED).order_by("pk"))
        if len(counted) < 2 or any(a.share_quantity is not None for a in counted):
            continue
        share = item.target_quantity
        whole = share * len(counted)
        if whole > MAX_TARGET:
            continue
        Assignment.objects.filter(pk__in=[a.pk for a in counted]).update(share_quantity=share)
        Item.objects.filter(pk=item.pk).update(target_quantity=whole)
        note = NOTE.format(share=_plain(share), whole=_plain(whole), unit=item.target_unit)
        StatusUpdate.objects.bulk_create(
            StatusUpdate(
                assignment_id=a.pk,
                author=None,
                kind="edit",
                from_status=a.status,
                to_status=a.status,
                note=note,
                created_at=now,
            )
            for a in counted
        )


def join_copied_targets(apps, schema_editor):
    Item = apps.get_model("checklist", "ChecklistItem")
    Assignment = apps.get_model("tracker", "Assignment")
    StatusUpdate = apps.get_model("tracker", "StatusUpdate")
    for item in Item.objects.filter(target_quantity__isnull=False).order_by("pk").iterator():
        counted = list(Assignment.objects.filter(item_id=item.pk, role__in=COUNTED))
        shares = {a.share_quantity for a in counted}
        if len(counted) < 2 or len(shares) != 1 or None in shares:
            continue
        (share,) = shares
        if share * len(counted) != item.target_quantity:
            continue
        Assignment.objects.filter(pk__in=[a.pk for a in counted]).update(share_quantity=None)
        Item.objects.filter(pk=item.pk).update(target_quantity=share)
        StatusUpdate.objects.filter(
            assignment_id__in=[a.pk for a in counted],
            kind="edit",
            author__isnull=True,
            note__startswith=MARK,
            note__contains="原目标数量为每个单位各自的目标",
        ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("checklist", "0006_cadence_semiannual"),
        ("tracker", "0017_assignment_share_quantity"),
    ]

    operations = [migrations.RunPython(split_copied_targets, join_copied_targets)]
