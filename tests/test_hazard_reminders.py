"""Chasing 整改: reminders 7 / 3 / 1 days before the 整改时限 to the township and the
department, once each; the office's 催办 climbs blue → yellow → red."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from tests.hazard_helpers import plan, record
from tracker.hazards import services
from tracker.hazards.reminders import due_reminders, overdue_for_user
from tracker.models import Notice


@pytest.fixture
def due(world, registers, today):
    hazard = record(world.office, today, enterprise=registers.tannery)
    return plan(world.office, hazard, today, deadline=today + timedelta(days=3))


def test_the_township_and_the_department_are_reminded_once_per_threshold(world, due, today):
    assert due_reminders(today=today) == 2
    assert due_reminders(today=today) == 0
    assert set(Notice.objects.values_list("unit_id", flat=True)) == {world.town_a.pk, world.dept.pk}
    assert due_reminders(today=today + timedelta(days=2)) == 2
    assert due_reminders(today=today + timedelta(days=4)) == 0  # past due: overdue, not due


def test_the_office_urges_and_the_ladder_climbs(world, due):
    colours = []
    for _ in range(3):
        services.hazard_urge(user=world.office, hazard=due)
        colours.append(Notice.objects.filter(unit=world.town_a).first().level)
    assert colours == ["blue", "yellow", "red"]
    with pytest.raises(PermissionDenied):
        services.hazard_urge(user=world.staff_a, hazard=due)


def test_overdue_hazards_are_listed_for_their_own_township_only(world, due, today):
    later = today + timedelta(days=5)
    assert list(overdue_for_user(world.staff_a, today=later)) == [due]
    assert list(overdue_for_user(world.staff_b, today=later)) == []


def test_reminders_and_urges_also_reach_the_units_channels(world, due, today):
    from tracker.models import OutboxMessage

    due_reminders(today=today)
    services.hazard_urge(user=world.office, hazard=due)
    messages = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.REGISTER)
    assert messages.count() == 4  # two units, a reminder and an urge each
    assert all(m.path.endswith(f"/hazards/{due.pk}/") for m in messages)
