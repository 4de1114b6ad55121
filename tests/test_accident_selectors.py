"""The reads the assessment and the pages share: a unit's accidents of a year up to a day, its
控制指标, and every unit's tally against its indicator in a fixed number of queries."""

from datetime import date, timedelta

import pytest

from tracker.accidents import selectors, services
from tracker.models import Unit


def record(world, today, township, **extra):
    fields = dict(
        user=world.office, occurred_on=today, place="村道", township=township,
        level="general", deaths=1, injuries=0, description="侧翻", today=today,
    )  # fmt: skip
    fields.update(extra)
    return services.accident_record(**fields)


@pytest.fixture
def spread(world, registers, today):
    """In A: one at the tannery (工贸, the department's) today, one on a road on 1 January, one
    last year, one voided; in B: one 较大 with 3 deaths."""
    year = today.year
    r = {
        "tannery": record(world, today, world.town_a, enterprise=registers.tannery),
        "road": record(world, today, world.town_a, occurred_on=date(year, 1, 1)),
        "last_year": record(world, today, world.town_a, occurred_on=date(year - 1, 12, 31)),
        "voided": record(world, today, world.town_a),
        "large": record(world, today, world.town_b, level="large", deaths=3),
    }
    services.accident_void(user=world.office, accident=r["voided"], reason="重复")
    return r


def ids(qs):
    return set(qs.values_list("pk", flat=True))


def test_a_townships_accidents_are_those_on_its_ground_this_year(world, spread, today):
    got = selectors.accidents_for_unit(world.town_a, year=today.year, until=today)
    assert ids(got) == {spread["tannery"].pk, spread["road"].pk}


def test_a_departments_accidents_are_those_of_the_industries_it_supervises(world, spread, today):
    got = selectors.accidents_for_unit(world.dept, year=today.year, until=today)
    assert ids(got) == {spread["tannery"].pk}


def test_the_office_and_other_units_count_the_whole_county(world, spread, today):
    got = selectors.accidents_for_unit(world.office_unit, year=today.year, until=today)
    assert ids(got) == {spread["tannery"].pk, spread["road"].pk, spread["large"].pk}


def test_until_cuts_the_year_at_that_day(world, spread, today):
    if today == date(today.year, 1, 1):
        pytest.skip("the year has only started")
    got = selectors.accidents_for_unit(world.town_a, year=today.year, until=today - timedelta(1))
    assert ids(got) == {spread["road"].pk}


def test_last_years_accidents_are_read_by_last_years_year(world, spread, today):
    got = selectors.accidents_for_unit(world.town_a, year=today.year - 1, until=today)
    assert ids(got) == {spread["last_year"].pk}


def test_indicator_for_is_the_units_of_that_year_or_none(world, today):
    assert selectors.indicator_for(world.town_a, year=today.year) is None
    made = services.indicator_set(
        user=world.office, unit=world.town_a, year=today.year, max_deaths=1, max_accidents=2
    )
    assert selectors.indicator_for(world.town_a, year=today.year) == made
    assert selectors.indicator_for(world.town_a, year=today.year - 1) is None


def test_unit_tallies_put_each_unit_against_its_indicator_in_fixed_queries(
    world, spread, today, django_assert_max_num_queries
):
    services.indicator_set(
        user=world.office, unit=world.town_b, year=today.year, max_deaths=2, max_accidents=3
    )
    services.indicator_set(
        user=world.office, unit=world.town_a, year=today.year, max_deaths=2, max_accidents=3
    )
    for n in range(5):  # more units must not mean more queries
        Unit.objects.create(name=f"新镇{n}", kind="township", sort_order=50 + n)
    with django_assert_max_num_queries(4):
        tallies = {t.unit: t for t in selectors.unit_tallies(year=today.year, until=today)}
    a, b, dept = tallies[world.town_a], tallies[world.town_b], tallies[world.dept]
    assert (a.accidents, a.deaths, a.over) == (2, 2, False)
    assert (b.accidents, b.deaths, b.over_deaths, b.over_accidents) == (1, 3, True, False)
    assert (dept.accidents, dept.deaths, dept.indicator) == (1, 1, None)
    assert not dept.over  # no indicator, nothing to be over
    assert world.office_unit not in tallies


def test_a_user_reads_only_their_scope(world, spread, django_user_model):
    dept_staff = django_user_model.objects.create_user(
        username="d", password="x", role="staff", unit=world.dept
    )
    assert ids(selectors.accidents_for_user(world.staff_b)) == {spread["large"].pk}
    assert ids(selectors.accidents_for_user(dept_staff)) == {spread["tannery"].pk}
    assert ids(selectors.accidents_for_user(world.grid_a)) == set()
    assert len(ids(selectors.accidents_for_user(world.leader))) == 5
