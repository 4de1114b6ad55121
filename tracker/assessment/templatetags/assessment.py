"""Points as people write them on the 考核 pages: 40.00 → 40, 0.50 → 0.5."""

from decimal import Decimal, InvalidOperation

from django import template

from tracker.assessment.models import num

register = template.Library()


@register.filter
def points(value) -> str:
    try:
        return num(Decimal(str(value)))
    except (InvalidOperation, ValueError, TypeError):
        return value
