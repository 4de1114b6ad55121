"""The dashboard tile 事故与控制指标: the year's accidents and deaths against the indicators.
The office and leaders see the county and every unit over its indicator; a township's or a
department's staff see their own unit. Every figure links to the register rows behind it."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from django.db.models import Count, Q, Sum
from django.urls import reverse

from tracker.accidents import permissions, selectors
from tracker.accidents.models import Accident
from tracker.models import Unit, User


def _url(**params) -> str:
    return f"{reverse('accidents:accident_list')}?{urlencode(params)}"


def tile(*, user: User, today: date) -> dict | None:
    if not permissions.may_view(user):
        return None
    year = today.year
    if not user.sees_all_units:
        unit = user.unit
        accidents, deaths = selectors.tally(unit, year=year, until=today)
        indicator = selectors.indicator_for(unit, year=year)
        own = selectors.UnitTally(
            unit=unit, accidents=accidents, deaths=deaths, indicator=indicator
        )
        serious = (
            selectors.accidents_for_unit(unit, year=year, until=today)
            .filter(level__in=Accident.SERIOUS_LEVELS)
            .count()
        )
        return {
            "year": year,
            "today": today,
            "county": False,
            "unit": unit,
            "accidents": accidents,
            "deaths": deaths,
            "serious": serious,
            "max_accidents": indicator.max_accidents if indicator else None,
            "max_deaths": indicator.max_deaths if indicator else None,
            "over_accidents": own.over_accidents,
            "over_deaths": own.over_deaths,
            "url": _url(unit=unit.pk, year=year),
            "over": [],
        }
    figures = Accident.objects.filter(
        voided=False, occurred_on__gte=date(year, 1, 1), occurred_on__lte=today
    ).aggregate(
        n=Count("id"),
        d=Sum("deaths"),
        s=Count("id", filter=Q(level__in=Accident.SERIOUS_LEVELS)),
    )
    tallies = selectors.unit_tallies(year=year, until=today)
    townships = [t for t in tallies if t.unit.kind == Unit.Kind.TOWNSHIP]
    set_for = [t for t in townships if t.indicator is not None]
    # The county's figures against the townships' indicators summed: every accident has a
    # township, so the 属地 indicators together are the county's.
    max_accidents = sum(t.indicator.max_accidents for t in set_for) if set_for else None
    max_deaths = sum(t.indicator.max_deaths for t in set_for) if set_for else None
    return {
        "year": year,
        "today": today,
        "county": True,
        "accidents": figures["n"] or 0,
        "deaths": figures["d"] or 0,
        "serious": figures["s"] or 0,
        "max_accidents": max_accidents,
        "max_deaths": max_deaths,
        "over_accidents": max_accidents is not None and (figures["n"] or 0) > max_accidents,
        "over_deaths": max_deaths is not None and (figures["d"] or 0) > max_deaths,
        "unset": len(townships) - len(set_for),
        "url": _url(year=year),
        "over": [{"tally": t, "url": _url(unit=t.unit.pk, year=year)} for t in tallies if t.over],
        "indicators_url": f"{reverse('accidents:indicators')}?year={year}",
    }
