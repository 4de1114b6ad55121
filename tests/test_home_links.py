"""Every count on the home page is a link to the list of exactly the rows it counts."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.test_assignment_views import varied_assignments
from tests.test_dashboard_links import figures


@pytest.mark.parametrize("who", ["office", "staff_a", "staff_b"])
def test_each_home_figure_lands_on_a_list_of_that_many_rows(login, world, who):
    varied_assignments(world, timezone.localdate())
    client = login(getattr(world, who))
    links = figures(client.get(reverse("home")).content.decode())
    assert len(links) >= 6
    for count, href in links:
        listed = client.get(href)
        assert listed.context["table"].paginator.count == count, (who, href)


def test_home_counts_leave_out_the_offices_drafts(login, world):
    counts = login(world.office).get(reverse("home")).context["counts"]
    # Five shares in the world, one of them on a draft item.
    assert counts["total"] == 4 and counts["not_started"] == 4
