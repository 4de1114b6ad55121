"""The demo county's 事故台账: a handful of accidents over the demo year up to today, one 较大
with 3 deaths in one township (over its indicator), one voided, and a 控制指标 for every
township and department; loaded once."""

from datetime import date

import pytest

from tests.registers_demo import load_registers_demo
from tracker.accidents import demo, selectors
from tracker.accidents.models import Accident, ControlIndicator
from tracker.demo_calendar import plan_year
from tracker.models import Unit


@pytest.fixture(scope="module")
def registers(committed):
    """The registers loaded once for the module: the day they are dated from."""
    today, _ = committed(load_registers_demo)
    return today


@pytest.fixture
def county(registers, db, today):
    assert today == registers  # the registers are dated from the day the tests run on


def test_the_demo_has_a_handful_of_accidents_in_the_year_up_to_today(county, today):
    year = plan_year(today)
    written = demo.load(today, year=year)
    assert written == Accident.objects.count()
    live = Accident.objects.filter(voided=False)
    assert 4 <= live.count() <= 10
    assert all(date(year, 1, 1) <= a.occurred_on <= today for a in Accident.objects.all())
    assert Accident.objects.filter(voided=True).count() == 1
    assert {"investigating", "closed"} <= set(live.values_list("state", flat=True))
    assert demo.load(today, year=year) == 0
    assert Accident.objects.count() == written


def test_one_township_has_a_large_accident_with_three_deaths_and_only_it_is_over(county, today):
    year = plan_year(today)
    demo.load(today, year=year)
    large = Accident.objects.get(level="large")
    assert large.deaths == 3 and large.township.name == demo.LARGE_TOWNSHIP
    until = min(today, date(year, 12, 31))
    tallies = {t.unit.name: t for t in selectors.unit_tallies(year=year, until=until)}
    assert tallies[demo.LARGE_TOWNSHIP].over_deaths
    assert [name for name, t in tallies.items() if t.over] == [demo.LARGE_TOWNSHIP]
    serious = Accident.objects.filter(level__in=Accident.SERIOUS_LEVELS, voided=False)
    assert serious.count() == 1


def test_every_township_and_department_has_an_indicator_for_the_year(county, today):
    year = plan_year(today)
    demo.load(today, year=year)
    units = Unit.objects.filter(kind__in=["township", "department"], active=True)
    assert ControlIndicator.objects.filter(year=year).count() == units.count()
    for unit in units:
        assert selectors.indicator_for(unit, year=year) is not None


def test_each_demo_accident_has_its_history(county, today):
    demo.load(today)
    for accident in Accident.objects.all():
        kinds = list(accident.history.values_list("kind", flat=True))
        assert kinds[0] == "record"
        assert (accident.state != "investigating") == ("state" in kinds)
        assert accident.voided == ("void" in kinds)
