"""Item reference codes (编号): YEAR-NNN, numbered on from the highest of the year."""

from django.db.models.functions import Length

from checklist.models import ChecklistItem


def last_code_number(year: int) -> int:
    """The highest NNN among the year's codes (2026-014 → 14), 0 when the year has none."""
    prefix = f"{year}-"
    # Longest and then highest first: 2026-1000 sorts after 2026-999 only by length.
    codes = (
        ChecklistItem.objects.filter(code__startswith=prefix)
        .annotate(code_length=Length("code"))
        .order_by("-code_length", "-code")
        .values_list("code", flat=True)
    )
    for code in codes.iterator(chunk_size=200):
        tail = code[len(prefix) :]
        if tail.isascii() and tail.isdigit():  # "²".isdigit() too, and int() refuses it
            return int(tail)
    return 0


def next_item_code(year: int) -> str:
    """The next free 编号 of the year (2026-015 after 2026-014), as the Excel import numbers."""
    return f"{year}-{last_code_number(year) + 1:03d}"
