"""The dashboard tile 事故与控制指标: the year's accidents and deaths against the indicators,
the county total and the units over their indicator for the office and leaders, a unit's own
figures for its staff; every figure links to the register rows behind it."""

import pytest
from django.urls import reverse

from tracker.accidents import services

DASHBOARD = reverse("dashboard")


def record(world, today, township, **extra):
    fields = dict(
        user=world.office, occurred_on=today, place="村道", township=township,
        level="general", deaths=1, injuries=0, description="侧翻", today=today,
    )  # fmt: skip
    fields.update(extra)
    return services.accident_record(**fields)


@pytest.fixture
def year(world, today):
    record(world, today, world.town_a)
    record(world, today, world.town_b, level="large", deaths=3)
    for unit, deaths in ((world.town_a, 1), (world.town_b, 1)):
        services.indicator_set(
            user=world.office, unit=unit, year=today.year, max_deaths=deaths, max_accidents=2
        )


def tile(response) -> str:
    html = response.content.decode()
    assert 'id="accident-tile"' in html
    return html.split('id="accident-tile"')[1].split("</section>")[0]


def test_the_office_sees_the_county_against_the_summed_indicators_and_who_is_over(
    world, year, login, today
):
    html = tile(login(world.office).get(DASHBOARD))
    assert 'data-count="2"' in html and 'data-deaths="4"' in html
    assert "指标 ≤ 2，乡镇合计" in html  # deaths 1 + 1
    assert "河西镇" in html and "城关镇" not in html  # only B is over
    link = f"{reverse('accidents:accident_list')}?unit={world.town_b.pk}&amp;year={today.year}"
    assert link in html


def test_the_tile_counts_link_to_exactly_the_rows_behind_them(world, year, login, today):
    client = login(world.office)
    html = tile(client.get(DASHBOARD))
    href = html.split('href="')[1].split('"')[0].replace("&amp;", "&")
    listed = client.get(href)
    assert listed.context["page"].paginator.count == 2


def test_a_township_sees_its_own_figures_only(world, year, login, today):
    html = tile(login(world.staff_b).get(DASHBOARD))
    assert "河西镇" in html
    assert 'data-count="1"' in html and 'data-deaths="3"' in html
    assert "指标 ≤ 1" in html and 'class="over"' in html


def test_leaders_see_the_tile_and_grid_members_do_not(world, year, login):
    assert 'id="accident-tile"' in login(world.leader).get(DASHBOARD).content.decode()
    page = login(world.grid_a).get(DASHBOARD, follow=True).content.decode()
    assert 'id="accident-tile"' not in page
