"""Writes to the catalog. Keyword-only, atomic; views and admin call these, never save() directly."""

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from checklist.models import ChecklistItem


@transaction.atomic
def items_publish(*, items: Iterable[ChecklistItem], at: datetime | None = None) -> int:
    """Publish the given draft items; already published ones keep their first publication time.

    Returns how many items changed from draft to published.
    """
    at = at or timezone.now()
    pks = [item.pk for item in items]
    return ChecklistItem.objects.filter(pk__in=pks, state=ChecklistItem.State.DRAFT).update(
        state=ChecklistItem.State.PUBLISHED, published_at=at, updated_at=at
    )
