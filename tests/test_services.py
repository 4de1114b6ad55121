import hashlib
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile

from tracker import services
from tracker.models import Assignment, Notice, StatusUpdate, Unit


def later(world, days):
    """The little world's due date moved by so many days."""
    return world.item.deadline + timedelta(days=days)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_a_unit_reports_progress_with_a_note_and_a_photo(world):
    photo = SimpleUploadedFile(
        "现场照片.jpg", b"\xff\xd8\xff jpeg bytes", content_type="image/jpeg"
    )
    update = services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=40, note="已排查12家", files=[photo]
    )
    world.a_item.refresh_from_db()
    assert world.a_item.status == "in_progress"
    assert world.a_item.percent == 40
    assert world.a_item.version == 2
    assert (update.from_status, update.to_status, update.author) == (
        "not_started",
        "in_progress",
        world.staff_a,
    )
    evidence = update.evidence.get()
    assert evidence.original_name == "现场照片.jpg"
    assert evidence.size == len(b"\xff\xd8\xff jpeg bytes")
    assert evidence.sha256 == hashlib.sha256(b"\xff\xd8\xff jpeg bytes").hexdigest()
    assert "现场照片" not in evidence.file.name  # stored under a generated name
    assert evidence.file.read() == b"\xff\xd8\xff jpeg bytes"


def test_a_quantity_against_a_target_sets_the_percent(world):
    services.assignment_report(
        assignment=world.a_target, user=world.staff_a, quantity=Decimal("10")
    )
    world.a_target.refresh_from_db()
    assert world.a_target.quantity_done == Decimal("10")
    assert world.a_target.percent == 25


def test_an_empty_report_is_refused(world):
    with pytest.raises(services.WorkflowError, match="请填写"):
        services.assignment_report(assignment=world.a_item, user=world.staff_a)
    assert world.a_item.history.count() == 1


def test_an_empty_file_is_refused_and_nothing_is_written(world):
    empty = SimpleUploadedFile("空.pdf", b"", content_type="application/pdf")
    with pytest.raises(services.WorkflowError, match="空文件"):
        services.assignment_report(
            assignment=world.a_item, user=world.staff_a, percent=10, files=[empty]
        )
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 0
    assert world.a_item.history.count() == 1


def test_it_refuses_another_units_assignment(world):
    with pytest.raises(PermissionDenied):
        services.assignment_report(assignment=world.a_item, user=world.staff_b, percent=50)
    with pytest.raises(PermissionDenied):
        services.assignment_submit(assignment=world.a_item, user=world.staff_b)


def test_a_leader_cannot_report_or_review(world):
    with pytest.raises(PermissionDenied):
        services.assignment_report(assignment=world.a_item, user=world.leader, percent=50)
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    with pytest.raises(PermissionDenied):
        services.assignment_approve(assignment=world.a_item, user=world.leader)


def test_submit_then_approve_closes_the_assignment(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, note="已全部完成")
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted" and world.a_item.submitted_at
    services.assignment_approve(assignment=world.a_item, user=world.office, note="同意销号")
    world.a_item.refresh_from_db()
    assert world.a_item.status == "verified"
    assert world.a_item.verified_by == world.office
    kinds = list(world.a_item.history.order_by("created_at", "id").values_list("kind", flat=True))
    assert kinds == ["assign", "submit", "approve"]


def test_staff_cannot_approve_their_own_submission(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    with pytest.raises(PermissionDenied):
        services.assignment_approve(assignment=world.a_item, user=world.staff_a)


def test_returning_needs_a_reason_and_goes_back_to_in_progress(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    with pytest.raises(services.WorkflowError, match="退回原因"):
        services.assignment_return(assignment=world.a_item, user=world.office, reason="  ")
    services.assignment_return(assignment=world.a_item, user=world.office, reason="缺少整改照片")
    world.a_item.refresh_from_db()
    assert world.a_item.status == "in_progress"
    assert world.a_item.history.filter(kind="return", note="缺少整改照片").exists()


def test_a_returned_submission_leaves_the_unit_a_notice_with_the_reason(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_return(assignment=world.a_item, user=world.office, reason="缺少整改照片")
    [notice] = Notice.objects.all()
    assert notice.unit == world.town_a and notice.assignment == world.a_item
    assert notice.title.startswith(f"退回：{world.a_item.item.code}")
    assert "退回原因：缺少整改照片" in notice.body


def test_a_failed_return_leaves_no_notice(world):
    with pytest.raises(services.WorkflowError, match="只有待审核"):
        services.assignment_return(assignment=world.a_item, user=world.office, reason="缺材料")
    assert not Notice.objects.exists()


def test_a_verified_assignment_takes_no_more_reports(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    with pytest.raises(services.WorkflowError, match="已办结"):
        services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=10)


def test_a_stale_version_is_a_conflict_not_an_overwrite(world):
    loaded_version = world.a_item.version
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=30, expected_version=loaded_version
    )
    with pytest.raises(services.ConflictError, match="已被他人修改"):
        services.assignment_report(
            assignment=world.a_item, user=world.office, percent=90, expected_version=loaded_version
        )
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 30


def test_a_second_lead_unit_is_refused_with_a_message(world):
    with pytest.raises(services.WorkflowError, match="已有牵头单位"):
        services.assignment_create(
            item=world.item, unit=world.office_unit, user=world.office, role="lead"
        )


def test_only_the_office_assigns(world):
    with pytest.raises(PermissionDenied):
        services.assignment_create(item=world.item_target, unit=world.town_b, user=world.staff_a)


def test_assigning_to_all_townships_skips_those_that_have_it(world):
    Unit.objects.create(name="经济开发区", kind="township", sort_order=40)
    Unit.objects.create(name="已撤并乡", kind="township", sort_order=50, active=False)
    created = services.assign_to_all_townships(item=world.item, user=world.office)
    assert [a.unit.name for a in created] == ["经济开发区"]
    assert Assignment.objects.filter(item=world.item).count() == 4


def test_changing_the_due_date_keeps_the_old_one_in_history(world):
    services.assignment_change(
        assignment=world.a_item, user=world.office, due_date=later(world, 31), note="雨雪天气顺延"
    )
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == later(world, 31)
    edit = world.a_item.history.get(kind=StatusUpdate.Kind.EDIT)
    assert (edit.from_due_date, edit.to_due_date) == (world.item.deadline, later(world, 31))
    assert "雨雪天气顺延" in edit.note


def test_an_approved_extension_moves_the_due_date_and_history_keeps_the_old_one(world):
    extension = services.extension_request(
        assignment=world.a_item,
        user=world.staff_a,
        new_due_date=later(world, 59),
        reason="汛期施工受阻",
    )
    assert extension.current_due_date == world.item.deadline
    services.extension_decide(extension=extension, user=world.office, approve=True, note="同意")
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == later(world, 59)
    decision = world.a_item.history.get(kind="extension_approve")
    assert (decision.from_due_date, decision.to_due_date) == (world.item.deadline, later(world, 59))
    extension.refresh_from_db()
    assert extension.state == "approved" and extension.decided_by == world.office


def test_a_refused_extension_needs_a_reason_and_keeps_the_due_date(world):
    extension = services.extension_request(
        assignment=world.a_item,
        user=world.staff_a,
        new_due_date=later(world, 59),
        reason="人手不足",
    )
    with pytest.raises(services.WorkflowError, match="理由"):
        services.extension_decide(extension=extension, user=world.office, approve=False)
    services.extension_decide(
        extension=extension, user=world.office, approve=False, note="年底前必须完成"
    )
    world.a_item.refresh_from_db()
    assert world.a_item.due_date == world.item.deadline


def test_the_unit_is_told_of_either_extension_decision(world):
    def ask():
        return services.extension_request(
            assignment=world.a_item,
            user=world.staff_a,
            new_due_date=later(world, 59),
            reason="汛期",
        )

    services.extension_decide(extension=ask(), user=world.office, approve=False, note="按期完成")
    services.extension_decide(extension=ask(), user=world.office, approve=True)
    approved, refused = Notice.objects.filter(unit=world.town_a, assignment=world.a_item)
    assert refused.title.startswith("不同意延期：")
    assert refused.body == f"完成时限仍为 {world.item.deadline:%Y-%m-%d}。安委办意见：按期完成"
    assert approved.title.startswith("同意延期：")
    assert (
        approved.body
        == f"完成时限由 {world.item.deadline:%Y-%m-%d} 延至 {later(world, 59):%Y-%m-%d}。"
    )


def test_only_one_extension_request_waits_at_a_time(world):
    services.extension_request(
        assignment=world.a_item, user=world.staff_a, new_due_date=later(world, 59), reason="原因"
    )
    with pytest.raises(services.WorkflowError, match="待审批"):
        services.extension_request(
            assignment=world.a_item,
            user=world.staff_a,
            new_due_date=later(world, 90),
            reason="再延",
        )


def test_an_extension_must_move_the_date_later(world):
    with pytest.raises(services.WorkflowError, match="晚于"):
        services.extension_request(
            assignment=world.a_item, user=world.staff_a, new_due_date=later(world, -30), reason="x"
        )


def test_staff_cannot_decide_extensions(world):
    extension = services.extension_request(
        assignment=world.a_item, user=world.staff_a, new_due_date=later(world, 59), reason="原因"
    )
    with pytest.raises(PermissionDenied):
        services.extension_decide(extension=extension, user=world.staff_a, approve=True)


def test_a_long_term_task_has_no_extension_to_ask_for(login, world):
    from django.urls import reverse

    from tracker.models import ExtensionRequest

    services.assignment_change(assignment=world.a_item, user=world.office, long_term=True)
    world.a_item.refresh_from_db()
    assert world.a_item.due_date is None
    with pytest.raises(services.WorkflowError, match="长期任务"):
        services.extension_request(
            assignment=world.a_item,
            user=world.staff_a,
            new_due_date=world.today + timedelta(days=60),
            reason="冬季停工",
        )
    assert not ExtensionRequest.objects.exists()
    page = login(world.staff_a).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert "申请延期" not in page.content.decode()
