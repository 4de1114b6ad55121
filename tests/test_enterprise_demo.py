"""The demo county's registers: believable, dated from today, and loaded once."""

from datetime import timedelta

import pytest

from tests.registers_demo import load_registers_demo
from tracker import demo_calendar
from tracker.enterprises import demo, selectors
from tracker.enterprises.models import Enterprise, Grid, GridMember, Inspection, Standardization
from tracker.enterprises.periods import quarter_of
from tracker.models import Unit, User


@pytest.fixture(scope="module")
def registers(committed):
    """The registers loaded once for the module: the day and what the load said it wrote."""
    return committed(load_registers_demo)


@pytest.fixture
def county(registers, db, today):
    day, loaded = registers
    assert day == today  # the registers are dated from the day the tests run on
    return loaded


def test_the_demo_county_gets_about_a_thousand_enterprises_in_grids(county, today):
    loaded = county
    assert 900 <= loaded.enterprises <= 1300
    assert Enterprise.objects.count() == loaded.enterprises
    townships = Unit.objects.filter(kind="township")
    for township in townships:
        assert Grid.objects.filter(township=township, level="grid").exists(), township
        assert Enterprise.objects.filter(township=township, industry__name="九小场所").exists()
    # The seed town's coal mines and 非煤矿山 are there, and only there.
    coal = Enterprise.objects.filter(industry__name="煤矿")
    assert coal.exists() and set(coal.values_list("township__name", flat=True)) == {"河西镇"}
    assert Enterprise.objects.filter(industry__name="非煤矿山", township__name="河西镇").exists()
    # Some enterprises still lack a grid, some grids a 网格员: the figures have something to show.
    county_figures = selectors.county_coverage(
        User.objects.get(username="anweiban"), quarter_of(today)
    )
    assert county_figures.without_grid > 0
    assert county_figures.total.total > 0


def test_a_year_of_inspections_ends_today(county, today):
    loaded = county
    days = Inspection.objects.values_list("inspected_on", flat=True)
    assert loaded.inspections == len(days) > 3000
    assert min(days) >= today - timedelta(days=365) and max(days) <= today
    assert Inspection.objects.filter(result="hazards", hazards__isnull=False).exists()


def test_the_demo_grid_member_has_work_left_this_quarter(county, today, client):
    account = User.objects.get(username=demo.GRID_ACCOUNT)
    assert account.role == "grid" and account.unit.kind == "township"
    assert GridMember.objects.filter(user=account).count() == 2
    own = selectors.enterprises_for_user(account)
    assert own.exists()
    assert selectors.uninspected(account, quarter_of(today)).exists()
    assert client.login(username=demo.GRID_ACCOUNT, password="demo-pass")


def test_standardization_records_include_this_years_and_expiring_certificates(county, today):
    # 年内: the demo plan's year (until May, last year's).
    plan = demo_calendar.plan_year(today)
    assert selectors.standardized_count(None, plan, "small").count >= 20
    expiring = Standardization.objects.filter(
        state="achieved", valid_until__gte=today, valid_until__lte=today + timedelta(days=90)
    )
    assert expiring.exists()
    assert Standardization.objects.filter(state__in=["building", "applied", "reviewed"]).exists()


def test_loading_twice_adds_nothing(county, today):
    counts = (Enterprise.objects.count(), Grid.objects.count(), Inspection.objects.count())
    again = demo.load(today + timedelta(days=40))
    assert again.enterprises == again.inspections == 0
    assert (Enterprise.objects.count(), Grid.objects.count(), Inspection.objects.count()) == counts
