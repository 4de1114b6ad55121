"""催办 reaches only work the unit holds (未开始/推进中), never work waiting for the office."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tracker import services
from tracker.models import Notice, Supervision
from tracker.supervision import supervise, supervise_unit


@pytest.fixture
def overdue_pair(world, today):
    """Two of township A's tasks a month overdue: one still being worked on, one submitted."""
    due = today - timedelta(days=30)
    for assignment in (world.a_item, world.a_target):
        services.assignment_change(assignment=assignment, user=world.office, due_date=due)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=12)
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    world.a_item.refresh_from_db()
    world.a_target.refresh_from_db()
    return world.a_item, world.a_target


def test_a_submitted_task_cannot_be_supervised(world, overdue_pair):
    submitted, _ = overdue_pair
    with pytest.raises(services.WorkflowError, match="等待安委办审核"):
        supervise(assignment=submitted, user=world.office)
    assert not Supervision.objects.filter(assignment=submitted).exists()
    assert not Notice.objects.exists()


def test_supervising_a_unit_skips_its_submitted_tasks(world, overdue_pair):
    submitted, held = overdue_pair
    done, skipped = supervise_unit(unit=world.town_a, user=world.office, today=timezone.localdate())
    assert done == 1 and skipped == []
    assert Supervision.objects.get().assignment == held
    assert not Supervision.objects.filter(assignment=submitted).exists()


def test_the_supervise_button_is_not_shown_on_a_submitted_task(login, world, overdue_pair):
    submitted, held = overdue_pair
    client = login(world.office)
    url = reverse("assignment_supervise", args=[submitted.pk])
    page = client.get(reverse("assignment_detail", args=[submitted.pk]))
    assert page.context["can_supervise"] is False
    assert url not in page.content.decode()
    page = client.get(reverse("assignment_detail", args=[held.pk]))
    assert page.context["can_supervise"] is True
    assert reverse("assignment_supervise", args=[held.pk]) in page.content.decode()
