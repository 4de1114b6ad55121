"""Reads of the 事故台账 and the 控制指标. One selector per figure: the list page, the xlsx,
the dashboard tile and the assessment read the same functions.

Scope of a unit: a township answers for the accidents on its ground (属地); a department for
those of the industries it supervises (行业监管); the 安委办 and other units for the county.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet, Sum
from django.http import Http404

from tracker.accidents.models import Accident, ControlIndicator
from tracker.enterprises import permissions as registers
from tracker.models import Unit, User


def _unit_filter(unit: Unit) -> Q:
    if unit.kind == Unit.Kind.TOWNSHIP:
        return Q(township_id=unit.pk)
    if unit.kind == Unit.Kind.DEPARTMENT:
        return Q(supervisor_id=unit.pk)
    return Q()


def accidents_for_unit(unit: Unit, *, year: int, until: date) -> QuerySet[Accident]:
    """The unit's accidents of ``year`` up to ``until`` (inclusive), voided ones left out."""
    return Accident.objects.filter(
        _unit_filter(unit),
        voided=False,
        occurred_on__gte=date(year, 1, 1),
        occurred_on__lte=min(until, date(year, 12, 31)),
    )


def indicator_for(unit: Unit, *, year: int) -> ControlIndicator | None:
    return ControlIndicator.objects.filter(unit=unit, year=year).first()


def accidents_for_user(user: User) -> QuerySet[Accident]:
    """Every accident the user may see, voided ones included (the list hides them)."""
    qs = Accident.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_units:
        return qs
    if registers.is_township_staff(user):
        return qs.filter(township_id=user.unit_id)
    if registers.is_department_staff(user):
        return qs.filter(supervisor_id=user.unit_id)
    # 网格员 and the staff of other units keep no accident register.
    return qs.none()


def get_accident_for_user(user: User, pk) -> Accident:
    """The accident if the user may see it; 404 otherwise, whatever the id (never 403)."""
    try:
        return (
            accidents_for_user(user)
            .select_related("township", "industry", "supervisor", "enterprise", "recorded_by")
            .get(pk=pk)
        )
    except (Accident.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该事故") from None


def history_of(accident: Accident):
    return list(accident.history.select_related("author").order_by("created_at", "id"))


@dataclass(frozen=True)
class UnitTally:
    """A unit's year so far against its 控制指标."""

    unit: Unit
    accidents: int
    deaths: int
    indicator: ControlIndicator | None

    @property
    def over_deaths(self) -> bool:
        return self.indicator is not None and self.deaths > self.indicator.max_deaths

    @property
    def over_accidents(self) -> bool:
        return self.indicator is not None and self.accidents > self.indicator.max_accidents

    @property
    def over(self) -> bool:
        return self.over_deaths or self.over_accidents


def tally(unit: Unit, *, year: int, until: date) -> tuple[int, int]:
    """(accidents, deaths) of the unit's year up to ``until``."""
    agg = accidents_for_unit(unit, year=year, until=until).aggregate(n=Count("id"), d=Sum("deaths"))
    return agg["n"] or 0, agg["d"] or 0


def unit_tallies(*, year: int, until: date) -> list[UnitTally]:
    """Every active township and department with its year so far and its 控制指标, in a fixed
    number of queries: townships first, then departments, in the units' order."""
    units = list(
        Unit.objects.filter(kind__in=[Unit.Kind.TOWNSHIP, Unit.Kind.DEPARTMENT], active=True)
    )
    base = Accident.objects.filter(
        voided=False,
        occurred_on__gte=date(year, 1, 1),
        occurred_on__lte=min(until, date(year, 12, 31)),
    )
    by_township = {
        r["township_id"]: (r["n"], r["d"] or 0)
        for r in base.values("township_id").annotate(n=Count("id"), d=Sum("deaths"))
    }
    by_supervisor = {
        r["supervisor_id"]: (r["n"], r["d"] or 0)
        for r in base.exclude(supervisor=None)
        .values("supervisor_id")
        .annotate(n=Count("id"), d=Sum("deaths"))
    }
    indicators = {i.unit_id: i for i in ControlIndicator.objects.filter(year=year, unit__in=units)}
    rows = []
    for unit in units:
        source = by_township if unit.kind == Unit.Kind.TOWNSHIP else by_supervisor
        n, d = source.get(unit.pk, (0, 0))
        rows.append(UnitTally(unit=unit, accidents=n, deaths=d, indicator=indicators.get(unit.pk)))
    return rows


def accident_list(user: User, params, *, today: date):
    """The register as this user may read it, filtered (voided rows only when asked): the
    filterset for the form and the rows. With ``unit`` and ``year`` the rows are exactly
    ``accidents_for_unit(unit, year=…, until=today)`` within what the user may see."""
    from tracker.accidents.filters import AccidentFilter

    base = accidents_for_user(user).select_related("township", "industry", "enterprise")
    if params.get("voided") != "1":
        base = base.filter(voided=False)
    filterset = AccidentFilter(
        params, queryset=base.order_by("-occurred_on", "-id"), user=user, today=today
    )
    if filterset.form.is_bound and not filterset.form.is_valid():
        # A bad value (an unknown unit, a year of letters) shows as a form error and lists
        # nothing, rather than everything.
        return filterset, base.none()
    return filterset, filterset.qs
