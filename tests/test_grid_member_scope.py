"""A 网格员 in the core: they see no task of their township, and every core scope returns
nothing for them rather than something wrong."""

import pytest
from django.db import IntegrityError
from django.urls import reverse

from tracker import selectors
from tracker.models import User
from tracker.whole_items import items_for_user


def test_the_core_scopes_return_nothing_for_a_grid_member(world):
    for scope in (
        selectors.assignments_for_user,
        selectors.assignments_of_visible_units,
        items_for_user,
        selectors.speeches_for_user,
    ):
        assert not scope(world.grid_a).exists(), scope.__name__


def test_a_grid_member_gets_no_task_of_their_township(login, world):
    client = login(world.grid_a)
    assert client.get(reverse("assignment_detail", args=[world.a_item.pk])).status_code == 404
    listed = client.get(reverse("assignment_list")).content.decode()
    assert world.item.title not in listed


def test_a_grid_member_cannot_report_on_their_townships_task(login, world):
    response = login(world.grid_a).post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "percent": "50", "version": world.a_item.version},
    )
    assert response.status_code == 404
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 0


def test_a_grid_member_needs_a_township(django_user_model):
    with pytest.raises(IntegrityError):
        django_user_model.objects.create_user("loose", password="x", role=User.Role.GRID)


def test_a_grid_member_does_not_read_their_townships_task_notices(login, world):
    from tracker import services

    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    services.assignment_return(
        assignment=world.a_item, user=world.office, reason="佐证材料不全，城关镇机密退回原因"
    )
    page = login(world.grid_a).get(reverse("notice_list")).content.decode()
    assert "城关镇机密退回原因" not in page
