"""The office's review: approve or return submissions, decide extensions, bulk actions."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from tracker import services


def review(client, assignment, **data):
    payload = {"version": assignment.version}
    payload.update(data)
    return client.post(reverse("assignment_review", args=[assignment.pk]), payload)


def test_the_office_approves_a_submission_and_records_who_and_when(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    response = review(login(world.office), world.a_item, decision="approve", note="符合要求")
    assert response.status_code == 302
    world.a_item.refresh_from_db()
    assert world.a_item.status == "verified"
    assert world.a_item.verified_by == world.office and world.a_item.verified_at


def test_returning_without_a_reason_is_refused_with_a_message(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    response = review(login(world.office), world.a_item, decision="return", note="")
    assert response.status_code == 400
    assert "退回时请填写原因" in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted"


def test_a_return_goes_back_to_in_progress_with_the_reason_in_history(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    review(login(world.office), world.a_item, decision="return", note="缺少现场照片")
    world.a_item.refresh_from_db()
    assert world.a_item.status == "in_progress"
    page = (
        login(world.staff_a)
        .get(reverse("assignment_detail", args=[world.a_item.pk]))
        .content.decode()
    )
    assert "缺少现场照片" in page


def test_two_reviewers_at_once_the_second_is_told_of_the_conflict(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    seen_version = world.a_item.version
    services.assignment_return(assignment=world.a_item, user=world.office, reason="先退回")
    response = review(login(world.office), world.a_item, decision="approve", version=seen_version)
    assert response.status_code == 409
    assert "已被他人修改" in response.content.decode()


def test_the_office_approves_an_extension_from_the_queue(login, world):
    extension = services.extension_request(
        assignment=world.a_item,
        user=world.staff_a,
        new_due_date=world.item.deadline + timedelta(days=90),
        reason="冬季停工",
    )
    client = login(world.office)
    assert extension in list(client.get(reverse("review_queue")).context["extensions"])
    client.post(reverse("extension_decide", args=[extension.pk]), {"decision": "approve"})
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == world.item.deadline + timedelta(days=90)


def test_refusing_an_extension_needs_a_reason(login, world):
    extension = services.extension_request(
        assignment=world.a_item,
        user=world.staff_a,
        new_due_date=world.item.deadline + timedelta(days=90),
        reason="冬季停工",
    )
    client = login(world.office)
    response = client.post(
        reverse("extension_decide", args=[extension.pk]), {"decision": "refuse"}, follow=True
    )
    assert "不同意延期时请填写理由" in response.content.decode()
    extension.refresh_from_db()
    assert extension.state == "pending"


def test_bulk_set_due_date_touches_only_the_chosen_rows_and_writes_history(login, world):
    client = login(world.office)
    later = world.item.deadline + timedelta(days=20)
    client.post(
        reverse("bulk_action"),
        {"action": "set_due", "due_date": later, "ids": [world.a_item.pk, world.b_item.pk]},
    )
    world.a_item.refresh_from_db()
    world.lead.refresh_from_db()
    assert world.a_item.due_date == later
    assert world.lead.due_date == world.item.deadline
    assert world.a_item.history.filter(kind="edit").exists()


def test_bulk_return_acts_only_on_submissions(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    client = login(world.office)
    response = client.post(
        reverse("bulk_action"),
        {"action": "return", "reason": "材料不全", "ids": [world.a_item.pk, world.b_item.pk]},
        follow=True,
    )
    world.a_item.refresh_from_db()
    assert world.a_item.status == "in_progress"
    assert "已退回 1 条" in response.content.decode()
    assert "未处理 1 条" in response.content.decode()


def test_a_bulk_return_that_returns_nothing_is_not_reported_as_a_success(login, world):
    response = login(world.office).post(
        reverse("bulk_action"),
        {"action": "return", "reason": "材料不全", "ids": [world.a_item.pk]},
        follow=True,
    )
    page = response.content.decode()
    assert "已退回 0 条" not in page
    assert (
        "未处理 1 条：" in page
        and "可以退回。" in page
        and "。；" not in page
        and "。。" not in page
    )


def test_a_bulk_due_date_in_the_past_is_refused_and_nothing_changes(login, world):
    yesterday = timezone.localdate() - timedelta(days=1)
    before = world.a_item.due_date
    response = login(world.office).post(
        reverse("bulk_action"),
        {"action": "set_due", "due_date": yesterday.isoformat(), "ids": [world.a_item.pk]},
        follow=True,
    )
    assert "新的完成时限不能早于今天" in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == before
    assert not world.a_item.history.filter(kind="edit").exists()


def test_bulk_publish_publishes_the_items_of_the_chosen_rows(login, world):
    login(world.office).post(
        reverse("bulk_action"), {"action": "publish", "ids": [world.a_draft.pk]}
    )
    world.draft.refresh_from_db()
    assert world.draft.state == "published"
    # The unit hears of its new task in the bell and on its channels.
    from tracker.models import Notice, OutboxMessage

    assert Notice.objects.filter(unit=world.town_a, assignment=world.a_draft).exists()
    assert OutboxMessage.objects.filter(kind=OutboxMessage.Kind.TASK).exists()


def test_staff_cannot_use_bulk_actions(login, world):
    response = login(world.staff_a).post(
        reverse("bulk_action"),
        {
            "action": "set_due",
            "due_date": world.item.deadline + timedelta(20),
            "ids": [world.a_item.pk],
        },
    )
    assert response.status_code == 403
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == world.item.deadline
