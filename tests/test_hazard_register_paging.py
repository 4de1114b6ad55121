"""The register's pages at scale: a page reads its 25 ids from the indexes and then those rows,
so its queries do not grow with the register; a keyword search pages on without counting
every match; a 隐患编号 is found by its own column."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.hazard_helpers import plan, record
from tracker.hazards.models import Hazard


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def _get(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return response.content.decode(), len(ctx.captured_queries)


def _overdue(world, enterprise, today, n):
    for i in range(n):
        hazard = record(
            world.office, today, enterprise=enterprise, description=f"灭火器过期{i:03d}",
            found_on=today - timedelta(days=30),
        )  # fmt: skip
        plan(world.office, hazard, today, deadline=today - timedelta(days=1))


@pytest.mark.parametrize("query", ["", "?overdue=1", "?q=灭火器", "?level=general&open=1"])
def test_a_register_page_reads_the_same_number_of_queries_however_many_hazards(
    client, login, world, registers, today, query
):
    _overdue(world, registers.tannery, today, 3)
    login(world.office)
    url = reverse("hazards:hazard_list") + query
    _, before = _get(client, url)
    _overdue(world, registers.plant, today, 30)
    page, after = _get(client, url)
    assert after == before
    assert page.count("灭火器过期") == 25


def test_the_overdue_page_lists_exactly_the_overdue_rows_newest_found_first(
    client, login, world, registers, today
):
    _overdue(world, registers.tannery, today, 2)
    later = record(world.office, today, enterprise=registers.plant, description="未逾期")
    plan(world.office, later, today, deadline=today + timedelta(days=5))
    login(world.office)
    page, _ = _get(client, reverse("hazards:hazard_list") + "?overdue=1")
    assert "共 2 处" in page and "未逾期" not in page
    assert page.index("灭火器过期001") < page.index("灭火器过期000")  # same day: newest id first


def test_a_keyword_search_pages_on_without_a_total(client, login, world, registers, today):
    _overdue(world, registers.tannery, today, 30)
    login(world.office)
    url = reverse("hazards:hazard_list") + "?q=灭火器"
    first, _ = _get(client, url)
    assert "共 " not in first and "下一页" in first and first.count("灭火器过期") == 25
    second, _ = _get(client, url + "&page=2")
    assert "下一页" not in second and "上一页" in second and second.count("灭火器过期") == 5
    assert "灭火器过期000" in second


def test_a_keyword_finds_the_enterprise_by_name_and_the_place_of_a_road_hazard(
    client, login, world, registers, today
):
    record(world.office, today, enterprise=registers.station, description="油罐区静电接地缺失")
    road = record(
        world.staff_a, today, township=world.town_a, location="东关村急弯", description="无警示"
    )
    login(world.office)
    page, _ = _get(client, reverse("hazards:hazard_list") + "?q=加油站")
    assert "油罐区静电接地缺失" in page and "无警示" not in page
    page, _ = _get(client, reverse("hazards:hazard_list") + "?q=急弯")
    assert road.number in page and "油罐区" not in page


def test_a_hazard_number_finds_exactly_that_hazard(client, login, world, registers, today):
    record(world.office, today, enterprise=registers.tannery, description="配电箱甲未接地")
    second = record(world.office, today, enterprise=registers.tannery, description="配电箱乙未接地")
    login(world.office)
    page, _ = _get(client, reverse("hazards:hazard_list") + f"?q={second.number}")
    assert "配电箱乙未接地" in page and "配电箱甲未接地" not in page
    wrong_year = f"YH{second.found_on.year - 1}{second.pk:06d}"
    page, _ = _get(client, reverse("hazards:hazard_list") + f"?q={wrong_year}")
    assert "没有符合条件的隐患" in page


def test_a_keyword_never_reaches_another_townships_hazards(client, login, world, registers, today):
    other = record(world.office, today, enterprise=registers.plant, description="储罐区无喷淋")
    login(world.staff_a)
    page, _ = _get(client, reverse("hazards:hazard_list") + f"?q={other.number}")
    assert "储罐区无喷淋" not in page
    page, _ = _get(client, reverse("hazards:hazard_list") + "?q=储罐")
    assert "储罐区无喷淋" not in page


def test_the_summary_page_reads_the_same_queries_with_more_townships_and_industries(
    client, login, world, registers, today
):
    login(world.office)
    url = reverse("hazards:hazard_summary")
    _, before = _get(client, url)
    record(world.office, today, enterprise=registers.plant)
    record(world.office, today, enterprise=registers.snack)
    record(world.office, today, enterprise=registers.station, level="major")
    page, after = _get(client, url)
    assert after == before
    assert Hazard.objects.count() == 3 and "河西镇" in page and "九小场所" in page


def test_a_keyword_and_another_filter_list_only_the_rows_matching_both(
    client, login, world, registers, today
):
    record(world.office, today, enterprise=registers.tannery, description="消防通道堵塞")
    record(world.office, today, enterprise=registers.plant, description="消防泵故障")
    record(world.office, today, enterprise=registers.plant, description="储罐区无喷淋")
    login(world.office)
    url = reverse("hazards:hazard_list") + f"?q=消防&township={world.town_b.pk}"
    page, _ = _get(client, url)
    assert "消防泵故障" in page and "消防通道堵塞" not in page and "储罐区无喷淋" not in page
