"""Every figure on the dashboard is a link to the list of exactly the rows it counts."""

import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_assignment_views import varied_assignments

FIGURE = re.compile(
    r'<a[^>]*data-count="(\d+)"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*data-count="(\d+)"'
)


def figures(page: str) -> list[tuple[int, str]]:
    found = []
    for count, href, href2, count2 in FIGURE.findall(page):
        found.append((int(count or count2), html.unescape(href or href2)))
    return found


@pytest.fixture
def dept_staff(world, django_user_model):
    return django_user_model.objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept, display_name="应急局刘干事"
    )


@pytest.mark.parametrize("who", ["office", "leader", "staff_a", "dept"])
def test_each_dashboard_figure_lands_on_a_list_of_that_many_rows(login, world, dept_staff, who):
    varied_assignments(world, timezone.localdate())
    user = dept_staff if who == "dept" else getattr(world, who)
    client = login(user)
    for params in ({}, {"kind": "township"}, {"theme": world.theme.pk}):
        page = client.get(reverse("dashboard"), params).content.decode()
        # The task figures; the registers' tiles link to their own lists, tested with them.
        tasks = reverse("assignment_list")
        links = [(count, href) for count, href in figures(page) if href.startswith(tasks)]
        assert len(links) >= 6, page  # 应完成, 已办结, three lights, at least one league row
        for count, href in links:
            listed = client.get(href)
            assert listed.status_code == 200
            assert listed.context["table"].paginator.count == count, (who, params, href)


def test_the_red_tile_and_the_red_list_count_the_same_rows(login, world):
    varied_assignments(world, timezone.localdate())
    board = login(world.office).get(reverse("dashboard")).context["board"]
    assert board.red_total == board.lights["red"]
