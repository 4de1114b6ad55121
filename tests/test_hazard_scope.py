"""Who sees which hazard: a township its own, a department its industries', a 网格员 their
grids', the office and leaders all; everything else is the same 404, whatever the id."""

import pytest
from django.http import Http404

from tests.hazard_helpers import record
from tracker.hazards.selectors import get_hazard_for_user, hazards_for_user


@pytest.fixture
def hazards(world, registers, today, django_user_model):
    h = type("H", (), {})()
    h.tannery = record(world.office, today, enterprise=registers.tannery)  # A, grid a1, dept
    h.station = record(world.office, today, enterprise=registers.station)  # A, grid a2, dept
    h.snack = record(world.office, today, enterprise=registers.snack)  # A, no grid, no dept
    h.plant = record(world.office, today, enterprise=registers.plant)  # B, grid b1, dept
    h.road = record(world.office, today, township=world.town_b, location="河西大桥")
    h.dept_staff = django_user_model.objects.create_user(
        username="dept_staff", password="x", role="staff", unit=world.dept
    )
    return h


def visible(user):
    return set(hazards_for_user(user).values_list("pk", flat=True))


def test_each_user_sees_exactly_their_hazards(world, hazards):
    h = hazards
    every = {h.tannery.pk, h.station.pk, h.snack.pk, h.plant.pk, h.road.pk}
    assert visible(world.office) == every
    assert visible(world.leader) == every
    assert visible(world.staff_a) == {h.tannery.pk, h.station.pk, h.snack.pk}
    assert visible(world.staff_b) == {h.plant.pk, h.road.pk}
    assert visible(h.dept_staff) == {h.tannery.pk, h.station.pk, h.plant.pk}
    assert visible(world.grid_a) == {h.tannery.pk}
    assert visible(world.grid_b) == {h.plant.pk}


@pytest.mark.parametrize("pk", ["other", 0, 10**9, "1; drop"])
def test_an_unseen_or_missing_or_malformed_id_is_the_same_404(world, hazards, pk):
    target = hazards.plant.pk if pk == "other" else pk
    with pytest.raises(Http404, match="没有找到该隐患"):
        get_hazard_for_user(world.staff_a, target)
    with pytest.raises(Http404, match="没有找到该隐患"):
        get_hazard_for_user(world.grid_a, hazards.station.pk if pk == "other" else pk)
