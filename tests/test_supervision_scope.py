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


@pytest.fixture
def submitted_under_red(world, today):
    """A submitted task that still carries a red 督办单 (issued while it was held by the unit,
    before the rule above, or through the admin)."""
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    world.a_item.refresh_from_db()
    return Supervision.objects.create(
        assignment=world.a_item,
        level=Supervision.Level.RED,
        issued_by=world.office,
        issued_at=timezone.now() - timedelta(days=2),
    )


def test_closing_the_work_resolves_its_open_supervision_at_the_approval_time(
    world, submitted_under_red
):
    update = services.assignment_approve(
        assignment=world.a_item, user=world.office, note="同意销号"
    )
    submitted_under_red.refresh_from_db()
    assert submitted_under_red.resolved_at == update.created_at
    assert update.note == "同意销号；督办单（红色督办）随销号办结"


def test_an_approval_without_a_note_still_records_the_supervision_it_closed(
    world, submitted_under_red
):
    update = services.assignment_approve(assignment=world.a_item, user=world.office)
    assert update.note == "督办单（红色督办）随销号办结"


def test_the_banner_leaves_the_units_home_page_once_the_work_is_closed(
    login, world, submitted_under_red
):
    client = login(world.staff_a)
    assert "红色督办" in client.get(reverse("home")).content.decode()
    services.assignment_approve(assignment=world.a_item, user=world.office)
    assert "红色督办" not in client.get(reverse("home")).content.decode()
