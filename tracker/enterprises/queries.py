"""The conditions every count and its drill-down list share, so they never disagree."""

from datetime import date

from django.db.models import Exists, OuterRef

from tracker.enterprises.models import Inspection, Standardization


def inspected_in(start: date, end: date) -> Exists:
    """The enterprise has an inspection dated in [start, end]: one probe of
    inspection_enterprise_day per enterprise."""
    return Exists(
        Inspection.objects.filter(
            enterprise_id=OuterRef("pk"), inspected_on__gte=start, inspected_on__lte=end
        )
    )


def standardized_in(year: int, level: str | None = None) -> Exists:
    """The enterprise reached 已达标 in that year (at the level, if given), not revoked since."""
    records = Standardization.objects.filter(
        enterprise_id=OuterRef("pk"),
        state=Standardization.State.ACHIEVED,
        achieved_on__gte=date(year, 1, 1),
        achieved_on__lte=date(year, 12, 31),
    )
    if level:
        records = records.filter(level=level)
    return Exists(records)
