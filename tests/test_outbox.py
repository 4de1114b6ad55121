"""The outbox: every notice a unit gets also leaves a message for its channels (钉钉, 企业微信,
SMS, e-mail), written in the same transaction as the change, in the short form staff expect."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse

from tests.conftest import local
from tracker import services
from tracker.instructions import instruction_write
from tracker.models import Notice, OutboxMessage
from tracker.supervision import supervise


def overdue(world, days=3):
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.today - timedelta(days=days)
    )
    world.b_item.refresh_from_db()
    return world.b_item


def test_a_supervision_leaves_one_message_in_the_form_staff_expect(world):
    assignment = overdue(world)
    supervise(assignment=assignment, user=world.office, note="请于3个工作日内报送。")
    message = OutboxMessage.objects.get()
    by = world.today + timedelta(days=3)
    assert message.kind == "supervision" and message.unit == world.town_b
    assert message.text.startswith(
        f"【安委办督办】河西镇：{world.item.code} 开展拉网式隐患排查 逾期3天"
    )
    assert f"请于{by:%m月%d日}前报送进展" in message.text and "黄色警示" in message.text
    assert message.path == reverse("assignment_detail", args=[assignment.pk])
    assert message.notice == Notice.objects.get() and message.dispatched_at is None


def test_a_change_rolled_back_leaves_neither_notice_nor_message(world):
    assignment = overdue(world)
    with pytest.raises(RuntimeError), transaction.atomic():
        supervise(assignment=assignment, user=world.office)
        raise RuntimeError("the request failed after the 催办")
    assert not Notice.objects.exists() and not OutboxMessage.objects.exists()


def test_a_return_says_why(world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, note="已完成")
    services.assignment_return(assignment=world.a_item, user=world.office, reason="缺少照片")
    message = OutboxMessage.objects.get()
    assert message.kind == "return"
    assert message.text == (
        f"【安委办退回】城关镇：{world.item.code} 开展拉网式隐患排查 的办结材料被退回，"
        "原因：缺少照片。请补充后重新提交。"
    )


def test_an_extension_decision_names_the_new_due_date(world):
    wanted = world.a_item.due_date + timedelta(days=30)
    extension = services.extension_request(
        assignment=world.a_item, user=world.staff_a, new_due_date=wanted, reason="汛期"
    )
    services.extension_decide(extension=extension, user=world.office, approve=True)
    message = OutboxMessage.objects.get()
    assert message.kind == "extension" and message.text.startswith("【安委办延期审批】城关镇：")
    assert f"同意延期，完成时限由 {world.a_item.due_date:%Y-%m-%d} 延至 {wanted:%Y-%m-%d}" in (
        message.text
    )


def test_a_leaders_instruction_reaches_each_open_unit(world):
    instruction_write(user=world.leader, item=world.item, note="务必按期完成")
    texts = dict(OutboxMessage.objects.values_list("unit__name", "text"))
    assert set(texts) == {"城关镇", "河西镇", "县应急管理局"}
    assert texts["城关镇"].startswith("【领导批示】城关镇：李县长对")
    assert "“务必按期完成”" in texts["城关镇"]


def test_the_daily_reminder_leaves_one_short_message_per_unit_once(world):
    services.assignment_change(
        assignment=world.a_item, user=world.office, due_date=world.today - timedelta(days=5)
    )
    services.assignment_change(
        assignment=world.a_target, user=world.office, due_date=world.today + timedelta(days=3)
    )
    call_command("send_reminders", "--today", world.today.isoformat())
    call_command("send_reminders", "--today", world.today.isoformat())
    message = OutboxMessage.objects.get()
    assert message.kind == "reminder" and message.path == reverse("assignment_list")
    assert message.text == (
        "【安委办提醒】城关镇：逾期1项、即将到期1项，请及时办理并在系统中报送。"
        f"其中{world.item.code} 开展拉网式隐患排查已逾期5天。"
    )


def test_a_message_keeps_the_time_of_the_change(world):
    at = local(
        world.today - timedelta(days=1),
    )
    assignment = overdue(world, days=5)
    supervise(assignment=assignment, user=world.office, at=at)
    assert OutboxMessage.objects.get().created_at == at


def test_publishing_a_draft_tells_each_of_its_units_once(world):
    from tracker.notices import items_publish

    assert items_publish(items=[world.draft, world.item]) == 1
    message = OutboxMessage.objects.get()
    due = world.a_draft.due_date
    assert message.kind == "task" and message.unit == world.town_a
    assert message.text == (
        f"【安委办新任务】城关镇：{world.draft.code} 草稿任务，本单位为责任单位，"
        f"完成时限{due:%Y-%m-%d}。请登录查看任务要求。"
    )
    assert Notice.objects.get().title == f"新任务：{world.draft.code} 草稿任务"
    assert items_publish(items=[world.draft]) == 0
    assert OutboxMessage.objects.count() == 1
