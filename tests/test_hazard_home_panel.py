"""逾期未整改 hazards on the home pages: a township's home shows its own, the office's home and
the leaders' dashboard the county's, a 网格员's home those of their grids; nobody sees another
township's; nothing shows when nothing is overdue; the queries do not grow with the rows."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.hazard_helpers import plan, record


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def overdue(world, enterprise, today, description, days=3):
    hazard = record(world.office, today, enterprise=enterprise, description=description)
    plan(world.office, hazard, today, deadline=today - timedelta(days=days))
    return hazard


@pytest.fixture
def late(world, registers, today):
    return (
        overdue(world, registers.tannery, today, "配电箱未接地"),
        overdue(world, registers.plant, today, "储罐区无喷淋", days=5),
    )


def _page(client, name) -> str:
    response = client.get(reverse(name), follow=True)
    assert response.status_code == 200
    return response.content.decode()


def test_a_townships_home_lists_its_own_overdue_hazards_only(client, login, world, late):
    login(world.staff_a)
    page = _page(client, "home")
    assert "逾期未整改隐患" in page and late[0].number in page and "已逾期 3 天" in page
    assert "储罐区无喷淋" not in page
    assert reverse("hazards:hazard_list") + "?overdue=1" in page


def test_a_departments_home_lists_the_overdue_hazards_of_its_industries(
    client, login, world, late, django_user_model
):
    login(django_user_model.objects.create_user("dept_staff", role="staff", unit=world.dept))
    page = _page(client, "home")
    assert late[1].number in page and late[0].number in page  # 工贸 and 危险化学品


def test_the_office_home_and_the_leaders_dashboard_show_the_county(client, login, world, late):
    login(world.office)
    page = _page(client, "home")
    assert late[0].number in page and late[1].number in page and "2 处" in page
    login(world.leader)
    page = _page(client, "dashboard")
    assert late[0].number in page and late[1].number in page


def test_a_grid_members_home_lists_the_overdue_hazards_of_their_grids(client, login, world, late):
    login(world.grid_a)
    page = _page(client, "enterprises:grid_home")
    assert late[0].number in page and "储罐区无喷淋" not in page


def test_nothing_shows_when_nothing_is_overdue(client, login, world, registers, today):
    hazard = record(world.office, today, enterprise=registers.tannery)
    plan(world.office, hazard, today, deadline=today + timedelta(days=3))
    login(world.staff_a)
    assert "逾期未整改隐患" not in _page(client, "home")
    login(world.grid_a)
    assert "逾期未整改隐患" not in _page(client, "enterprises:grid_home")


def test_the_panel_reads_the_same_queries_however_many_hazards_are_overdue(
    client, login, world, registers, today, late
):
    login(world.staff_a)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("home")).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(12):
        overdue(world, registers.tannery, today, f"灭火器过期{i}")
    page = _page(client, "home")
    assert count() == before
    assert "13 处" in page and "只列出时限最早的 10 处" in page
