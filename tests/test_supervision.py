"""催办: 蓝 → 黄 → 红, each step only after the previous one was ignored; a report answers it."""

from datetime import time, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.conftest import local
from tracker import services
from tracker.models import Notice, Supervision
from tracker.supervision import supervise, supervise_unit


@pytest.fixture
def due(today):
    """The day the overdue work was due: a month ago."""
    return today - timedelta(days=30)


@pytest.fixture
def overdue(world, due):
    services.assignment_change(assignment=world.a_item, user=world.office, due_date=due)
    world.a_item.refresh_from_db()
    return world.a_item


@pytest.fixture
def at(due):
    """10:00 on the given day after the due date."""
    return lambda days: local(due + timedelta(days=days), time(10))


def test_the_first_supervision_is_blue_and_reaches_the_unit(world, overdue, at):
    s = supervise(assignment=overdue, user=world.office, note="请本周内报送", at=at(2))
    assert s.level == Supervision.Level.BLUE
    notice = Notice.objects.get(unit=world.town_a)
    assert "蓝色提醒" in notice.title and "逾期 2 天" in notice.body
    assert overdue.history.filter(kind="remind").exists()


def test_it_escalates_only_after_being_ignored_for_the_set_days(world, overdue, at, settings):
    settings.SUPERVISION_ESCALATION_DAYS = 3
    supervise(assignment=overdue, user=world.office, at=at(2))
    with pytest.raises(services.WorkflowError, match="还需 2 天"):
        supervise(assignment=overdue, user=world.office, at=at(3))
    assert supervise(assignment=overdue, user=world.office, at=at(5)).level == "yellow"
    assert supervise(assignment=overdue, user=world.office, at=at(8)).level == "red"
    with pytest.raises(services.WorkflowError, match="红色督办"):
        supervise(assignment=overdue, user=world.office, at=at(20))
    assert Supervision.objects.filter(assignment=overdue, resolved_at__isnull=True).count() == 1


def test_a_report_answers_the_supervision_and_the_next_one_starts_blue(world, overdue, at):
    supervise(assignment=overdue, user=world.office, at=at(2))
    services.assignment_report(assignment=overdue, user=world.staff_a, percent=30, at=at(3))
    assert not Supervision.objects.filter(assignment=overdue, resolved_at__isnull=True).exists()
    assert supervise(assignment=overdue, user=world.office, at=at(10)).level == "blue"


def test_work_that_is_not_overdue_cannot_be_supervised(world, at):
    with pytest.raises(services.WorkflowError, match="尚未逾期"):
        supervise(assignment=world.a_item, user=world.office, at=at(2))


def test_a_whole_unit_is_supervised_in_one_step(world, overdue, due):
    services.assignment_change(assignment=world.a_target, user=world.office, due_date=due)
    done, skipped = supervise_unit(unit=world.town_a, user=world.office, today=timezone.localdate())
    assert done == 2 and skipped == []
    assert Notice.objects.filter(unit=world.town_a).count() == 2
    assert not Notice.objects.filter(unit=world.town_b).exists()


def test_staff_see_the_open_supervision_until_they_report(login, world, overdue):
    supervise(assignment=overdue, user=world.office)
    client = login(world.staff_a)
    assert "蓝色提醒" in client.get(reverse("home")).content.decode()
    assert client.get(reverse("home")).context["unread_notices"] == 1
    services.assignment_report(assignment=overdue, user=world.staff_a, percent=50)
    assert "蓝色提醒" not in client.get(reverse("home")).content.decode()
    assert login(world.staff_b).get(reverse("home")).context["unread_notices"] == 0


def test_only_the_office_may_press_the_button(login, world, overdue):
    response = login(world.staff_a).post(reverse("assignment_supervise", args=[overdue.pk]))
    assert response.status_code == 403
    response = login(world.leader).post(reverse("unit_supervise", args=[world.town_a.pk]))
    assert response.status_code == 403
    assert not Supervision.objects.exists()
    login(world.office).post(reverse("assignment_supervise", args=[overdue.pk]))
    assert Supervision.objects.get().level == "blue"


def test_marking_notices_read_clears_the_bell(login, world, overdue):
    supervise(assignment=overdue, user=world.office)
    client = login(world.staff_a)
    client.post(reverse("notices_seen"))
    assert client.get(reverse("notice_list")).context["unread_notices"] == 0
    assert timezone.now() - world.staff_a.__class__.objects.get(
        pk=world.staff_a.pk
    ).notices_seen_at < timedelta(minutes=1)


def test_a_returned_submission_reaches_the_units_bell_with_a_link_to_the_task(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_return(assignment=world.a_item, user=world.office, reason="缺少整改照片")
    client = login(world.staff_a)
    assert client.get(reverse("home")).context["unread_notices"] == 1
    page = client.get(reverse("notice_list")).content.decode()
    assert "退回原因：缺少整改照片" in page
    assert f'href="{reverse("assignment_detail", args=[world.a_item.pk])}"' in page
    other = login(world.staff_b).get(reverse("notice_list")).content.decode()
    assert "缺少整改照片" not in other
