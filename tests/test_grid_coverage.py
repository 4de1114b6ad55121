"""Coverage by grid and period, the statistics the speeches ask for, and the counts other parts
ask for (each with exactly the rows behind it)."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tracker.enterprises import selectors, services
from tracker.enterprises.models import Enterprise, GridMember
from tracker.enterprises.periods import month_of, quarter_of


def inspect(world, registers, enterprise, day, who=None):
    return services.inspection_record(
        user=who or world.office, enterprise=enterprise, inspected_on=day, result="clear",
        signature="检查人",
    )  # fmt: skip


def test_county_coverage_counts_open_enterprises_inspected_in_the_quarter(world, registers, today):
    quarter = quarter_of(today)
    inspect(world, registers, registers.tannery, quarter.start)
    inspect(world, registers, registers.tannery, today)  # twice: still one enterprise
    inspect(world, registers, registers.plant, quarter.start - timedelta(days=1))  # last quarter
    county = selectors.county_coverage(world.office, quarter)
    by_name = {row.unit.name: row for row in county.townships}
    assert (by_name["城关镇"].tally.total, by_name["城关镇"].tally.inspected) == (3, 1)
    assert (by_name["河西镇"].tally.total, by_name["河西镇"].tally.inspected) == (1, 0)
    assert (county.total.total, county.total.inspected, county.total.rate) == (4, 1, 25.0)
    # 东关二网格 has a 网格员 without an account: it counts as staffed.
    assert (county.grids, county.grids_without_member, county.without_grid) == (3, 0, 1)


def test_grids_without_a_grid_member_and_enterprises_without_a_grid_are_counted(
    world, registers, today
):
    GridMember.objects.filter(pk=registers.member_a2.pk).delete()
    county = selectors.county_coverage(world.office, quarter_of(today))
    town_a = next(row for row in county.townships if row.unit == world.town_a)
    assert (town_a.grids, town_a.grids_without_member, town_a.without_grid) == (2, 1, 1)


def test_a_townships_tree_rolls_each_grids_figures_up_to_its_village(world, registers, today):
    quarter = quarter_of(today)
    inspect(world, registers, registers.station, today)
    lines = {line.name: line for line in selectors.township_grid_coverage(
        world.staff_a, world.town_a, quarter
    )}  # fmt: skip
    assert (lines["东关二网格"].tally.total, lines["东关二网格"].tally.inspected) == (1, 1)
    assert (lines["东关一网格"].tally.total, lines["东关一网格"].tally.inspected) == (1, 0)
    assert (lines["东关村"].tally.total, lines["东关村"].tally.inspected) == (2, 1)
    assert lines["东关一网格"].leader == "东关村支书 13800000001"
    assert lines["东关一网格"].members == ["刘网格 13800000002"]


def test_a_month_is_a_period_too(world, registers, today):
    month = month_of(today)
    inspect(world, registers, registers.tannery, month.start)
    county = selectors.county_coverage(world.office, month.previous())
    assert county.total.inspected == 0
    assert selectors.county_coverage(world.office, month).total.inspected == 1


def test_grid_members_without_an_inspection_this_month_are_listed(world, registers, today):
    month = month_of(today)
    inspect(world, registers, registers.tannery, today, who=world.grid_a)
    idle = set(selectors.members_without_inspection(world.office, month))
    assert idle == {registers.member_a2, registers.member_b1}


def test_the_grid_page_shows_a_township_its_own_tree_and_idle_members(login, world, registers):
    page = login(world.staff_a).get(reverse("enterprises:grid_coverage"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "东关一网格" in text and "河西一网格" not in text
    assert "陈网格" in text  # no inspection this month


def test_the_office_sees_every_township_then_one(login, world, registers):
    client = login(world.office)
    county = client.get(reverse("enterprises:grid_coverage")).content.decode()
    assert "城关镇" in county and "河西镇" in county and "全县" in county
    one = client.get(reverse("enterprises:grid_coverage"), {"township": world.town_b.pk})
    assert "河西一网格" in one.content.decode() and "东关一网格" not in one.content.decode()


def test_a_grid_member_sees_only_their_own_grids_on_the_grid_page(login, world, registers):
    text = login(world.grid_a).get(reverse("enterprises:grid_coverage")).content.decode()
    assert "东关一网格" in text and "东关二网格" not in text


def test_a_department_is_told_grids_are_the_townships(login, world, django_user_model):
    dept_staff = django_user_model.objects.create_user(
        "dept", password="x", role="staff", unit=world.dept
    )
    response = login(dept_staff).get(reverse("enterprises:grid_coverage"))
    assert response.status_code == 403


def test_the_county_coverage_costs_the_same_queries_for_more_townships_and_grids(
    login, world, registers, django_assert_max_num_queries, today
):
    client = login(world.office)
    client.get(reverse("enterprises:grid_coverage"))
    for n in range(5):
        township = world.town_a.__class__.objects.create(name=f"新镇{n}", kind="township")
        village = services.grid_create(user=world.office, township=township, name="村")
        for g in range(3):
            services.grid_create(
                user=world.office, township=township, name=f"格{g}", parent=village
            )
    with django_assert_max_num_queries(12):
        assert client.get(reverse("enterprises:grid_coverage")).status_code == 200


# --- the counts other parts ask for ------------------------------------------------------------


def test_enterprise_count_gives_the_number_the_rows_and_their_list(login, world, registers):
    Enterprise.objects.filter(pk=registers.snack.pk).update(state="closed")
    measure = selectors.enterprise_count(world.town_a)
    assert measure.count == 2
    assert set(measure.queryset) == {registers.tannery, registers.station}
    listed = login(world.office).get(measure.url).content.decode()
    assert "城关皮革制品有限公司" in listed and "东关小吃店" not in listed
    assert selectors.enterprise_count(world.dept).count == 3  # 工贸 and 危化 it supervises
    assert selectors.enterprise_count(None).count == 3


def test_inspection_coverage_gives_the_inspected_out_of_the_open_ones(
    login, world, registers, today
):
    quarter = quarter_of(today)
    inspect(world, registers, registers.tannery, today)
    measure = selectors.inspection_coverage(world.town_a, quarter)
    assert (measure.count, measure.total, measure.rate) == (1, 3, 33.3)
    assert list(measure.queryset) == [registers.tannery]
    listed = login(world.office).get(measure.url).content.decode()
    assert "城关皮革制品有限公司" in listed and "城关加油站" not in listed


def test_standardized_count_gives_the_enterprises_that_reached_it_in_the_year(
    login, world, registers, today
):
    jan = today.replace(month=1, day=1)
    for enterprise, level, code in [
        (registers.tannery, "small", "XW-1"),
        (registers.station, "third", "AQ-3"),
        (registers.plant, "small", "XW-2"),
    ]:
        services.standardization_create(
            user=world.office, enterprise=enterprise, level=level, state="achieved",
            achieved_on=jan, certificate_no=code, valid_until=jan + timedelta(days=1095),
        )  # fmt: skip
    measure = selectors.standardized_count(world.town_a, today.year, "small")
    assert measure.count == 1 and list(measure.queryset) == [registers.tannery]
    assert selectors.standardized_count(None, today.year).count == 3
    assert selectors.standardized_count(None, today.year - 1).count == 0
    listed = login(world.office).get(measure.url).content.decode()
    assert "城关皮革制品有限公司" in listed and "城关加油站" not in listed


@pytest.mark.parametrize("text", ["2026-Q5", "2026-13", "abcd-Q1", "", None, "２０２６-Q1"])
def test_a_bad_period_in_the_query_string_falls_back_to_this_quarter(login, world, registers, text):
    response = login(world.office).get(reverse("enterprises:grid_coverage"), {"period": text or ""})
    assert response.status_code == 200


@pytest.mark.parametrize("township", ["abc", "-1", "99999999"])
def test_an_unknown_township_on_the_grid_page_is_not_found(login, world, registers, township):
    response = login(world.office).get(reverse("enterprises:grid_coverage"), {"township": township})
    assert response.status_code == 404
