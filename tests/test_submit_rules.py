"""提交审核 (asking for 销号) needs the work done: 100 %, or a counted target reached."""

from decimal import Decimal

import pytest
from django.urls import reverse

from tracker import services
from tracker.models import Assignment


@pytest.fixture
def at_seventy(world):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=70)
    world.a_item.refresh_from_db()
    return world.a_item


def submit_form(client, assignment, **data):
    payload = {"action": "submit", "version": assignment.version}
    payload.update(data)
    return client.post(reverse("assignment_report", args=[assignment.pk]), payload)


def test_a_task_at_seventy_percent_cannot_be_submitted(world, at_seventy):
    with pytest.raises(services.WorkflowError, match=r"提交审核需完成100%（当前70%）"):
        services.assignment_submit(assignment=at_seventy, user=world.staff_a, percent=70)
    at_seventy.refresh_from_db()
    assert (at_seventy.status, at_seventy.percent) == ("in_progress", 70)
    assert not at_seventy.history.filter(kind="submit").exists()


def test_a_task_submitted_at_full_percent_is_approved_at_full_percent(world, at_seventy):
    services.assignment_submit(assignment=at_seventy, user=world.staff_a, percent=100)
    services.assignment_approve(assignment=at_seventy, user=world.office)
    at_seventy.refresh_from_db()
    assert (at_seventy.status, at_seventy.percent) == ("verified", 100)


def test_a_long_term_task_follows_the_same_rule(world, at_seventy):
    services.assignment_change(assignment=at_seventy, user=world.office, long_term=True)
    with pytest.raises(services.WorkflowError, match=r"当前70%"):
        services.assignment_submit(assignment=at_seventy, user=world.staff_a, percent=70)


def test_a_counted_target_cannot_be_submitted_short_of_its_quantity(world):
    with pytest.raises(services.WorkflowError, match=r"提交审核需完成目标数量（当前28 / 40 家）"):
        services.assignment_submit(assignment=world.a_target, user=world.staff_a, quantity=28)
    world.a_target.refresh_from_db()
    assert world.a_target.status == Assignment.Status.NOT_STARTED


def test_a_counted_target_reported_short_cannot_be_submitted_without_a_quantity(world):
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=28)
    with pytest.raises(services.WorkflowError, match=r"当前28 / 40 家"):
        services.assignment_submit(assignment=world.a_target, user=world.staff_a)
    world.a_target.refresh_from_db()
    assert (world.a_target.status, world.a_target.percent) == ("in_progress", 70)


def test_a_counted_target_reached_is_submitted_at_full_percent(world):
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=40)
    services.assignment_submit(assignment=world.a_target, user=world.staff_a)
    world.a_target.refresh_from_db()
    assert world.a_target.status == "submitted"
    assert (world.a_target.quantity_done, world.a_target.percent) == (Decimal("40"), 100)


def test_the_form_shows_why_a_task_at_seventy_percent_is_not_submitted(login, world, at_seventy):
    response = submit_form(login(world.staff_a), at_seventy, percent="70", note="基本完成")
    assert response.status_code == 400
    assert "提交审核需完成100%（当前70%）" in response.content.decode()
    at_seventy.refresh_from_db()
    assert at_seventy.status == "in_progress"


def test_the_review_pages_show_the_quantity_being_approved(login, world):
    services.assignment_submit(assignment=world.a_target, user=world.staff_a, quantity=42)
    client = login(world.office)
    queue = client.get(reverse("review_queue")).content.decode()
    assert "42 / 40 家" in queue
    detail = client.get(reverse("assignment_detail", args=[world.a_target.pk]))
    review = detail.content.decode().split('id="review"')[1]
    assert "42 / 40 家（100%）" in review
