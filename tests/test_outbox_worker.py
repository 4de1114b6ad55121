"""send_notifications: the outbox reaches each unit's channels, with retries and backoff, within
the providers' rate limits, and a failed channel stops neither the others nor the office's view
of what happened."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command

from tests.fake_provider import (  # noqa: F401
    DINGTALK_SECRET,
    TOKEN,
    add_channel,
    dingtalk_config,
    provider_fixture,
    wecom_config,
)
from tracker import services
from tracker.messaging import worker
from tracker.messaging.models import Attempt, Delivery
from tracker.models import OutboxMessage, Unit
from tracker.notices import notify_unit
from tracker.supervision import supervise


def overdue(world, assignment, days=3):
    services.assignment_change(
        assignment=assignment, user=world.office, due_date=world.today - timedelta(days=days)
    )
    assignment.refresh_from_db()
    return assignment


def press(world, assignment=None):
    return supervise(assignment=overdue(world, assignment or world.b_item), user=world.office)


def message(unit, n=1, kind="register"):
    return notify_unit(
        unit=unit, key=f"test:{unit.pk}:{n}", title=f"测试{n}", body="正文", kind=kind,
        text=f"第{n}条测试消息", path="/tasks/",
    )  # fmt: skip


def test_a_supervision_reaches_the_units_dingtalk_group_when_the_worker_runs(world, provider):
    robot = add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b, name="河西镇群")
    press(world)
    call_command("send_notifications")
    (request,) = provider.of("dingtalk")
    content = request.json["text"]["content"]
    assert content.startswith(f"【安委办督办】河西镇：{world.item.code} 开展拉网式隐患排查 逾期3天")
    assert content.endswith(f"http://127.0.0.1:8000/tasks/{world.b_item.pk}/")
    assert request.checks["sign_ok"]
    delivery = Delivery.objects.get()
    assert delivery.channel == robot and delivery.state == "sent" and delivery.attempts == 1
    assert delivery.detail == "errcode 0：ok" and delivery.target == "钉钉群机器人 · 河西镇群"
    assert OutboxMessage.objects.get().dispatched_at is not None


def test_a_unit_chooses_which_kinds_go_to_which_channel(world, provider):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b, kinds=["reminder"])
    add_channel("wecom", wecom_config(provider), unit=world.town_b, kinds=["supervision"])
    add_channel("wecom", wecom_config(provider, key="other"), unit=world.town_a)
    press(world)
    worker.run_once()
    assert not provider.of("dingtalk")
    assert [r.query["key"] for r in provider.of("wecom")] == [
        wecom_config(provider)["webhook"][-36:]
    ]


def test_a_stopped_channel_gets_nothing(world, provider):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b, active=False)
    press(world)
    worker.run_once()
    assert not provider.received and not Delivery.objects.exists()


def test_server_errors_are_retried_with_a_doubling_wait_until_sent(world, provider, clock):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    provider.script("dingtalk", "server_error", "server_error")
    press(world)
    start = clock.now
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == "retrying" and delivery.next_attempt_at == start + timedelta(
        seconds=30
    )
    assert delivery.detail.startswith("HTTP 500")
    worker.run_once()  # not due yet
    assert len(provider.received) == 1
    clock.advance(seconds=30)
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == "retrying" and delivery.attempts == 2
    assert delivery.next_attempt_at == clock.now + timedelta(seconds=60)
    clock.advance(seconds=60)
    worker.run_once()
    delivery.refresh_from_db()
    assert delivery.state == "sent" and delivery.attempts == 3 and len(provider.received) == 3
    assert list(Attempt.objects.order_by("started_at").values_list("outcome", flat=True)) == [
        "retry",
        "retry",
        "sent",
    ]


def test_a_timeout_is_retried(world, provider, settings):
    settings.CHANNEL_TIMEOUT = 0.5
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    provider.script("dingtalk", "timeout")
    press(world)
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == "retrying" and "超时" in delivery.detail


def test_dingtalks_rate_limit_holds_every_message_to_that_robot_for_ten_minutes(
    world, provider, clock
):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    provider.script("dingtalk", "rate_limit")
    message(world.town_b, 1)
    worker.run_once()
    message(world.town_b, 2)
    worker.run_once()
    first, second = Delivery.objects.order_by("id")
    assert first.state == "retrying" and "130101" in first.detail
    assert first.next_attempt_at == clock.now + timedelta(seconds=600)
    assert second.state == "pending"  # written after the answer, yet held all the same
    assert len(provider.received) == 1
    clock.advance(seconds=599)
    worker.run_once()
    assert len(provider.received) == 1
    clock.advance(seconds=1)
    worker.run_once()
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_a_permanent_error_stops_is_shown_and_does_not_stop_the_other_channel(world, provider):
    add_channel("dingtalk", dingtalk_config(provider) | {"secret": "SECwrong"}, unit=world.town_b)
    add_channel("wecom", wecom_config(provider), unit=world.town_b)
    press(world)
    worker.run_once()
    worker.run_once()
    states = dict(Delivery.objects.values_list("transport", "state"))
    assert states == {"dingtalk": "failed", "wecom": "sent"}
    failed = Delivery.objects.get(transport="dingtalk")
    assert failed.attempts == 1 and failed.detail.startswith("errcode 310000：sign not match")


def test_after_eight_tries_a_delivery_is_failed_with_the_last_answer(world, provider, clock):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    provider.script("dingtalk", *["server_error"] * 8)
    press(world)
    for _ in range(8):
        worker.run_once()
        clock.advance(hours=1)
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.attempts == 8
    assert delivery.detail.startswith("已尝试 8 次仍未成功，停止重试。最后应答：HTTP 500")
    worker.run_once()
    assert len(provider.received) == 8


def test_a_days_reminders_for_forty_units_go_out_in_one_run(world, provider):
    units = [
        Unit.objects.create(name=f"测试镇{i:02d}", kind="township", sort_order=100 + i)
        for i in range(40)
    ]
    for i, unit in enumerate(units):
        add_channel("dingtalk", dingtalk_config(provider, token=f"robot{i:02d}"), unit=unit)
        message(unit, kind="reminder")
    totals = worker.run_once()
    assert totals == {"sent": 40}
    assert sorted(r.query["access_token"] for r in provider.received) == [
        f"robot{i:02d}" for i in range(40)
    ]


def test_one_robot_shared_by_many_units_gets_no_more_than_twenty_a_minute(world, provider, clock):
    for i in range(25):
        unit = Unit.objects.create(name=f"共享群镇{i:02d}", kind="township", sort_order=100 + i)
        add_channel("dingtalk", dingtalk_config(provider), unit=unit)
        message(unit, kind="reminder")
    assert worker.run_once() == {"sent": 20}
    assert worker.run_once() == {}
    clock.advance(seconds=61)
    assert worker.run_once() == {"sent": 5}
    assert len(provider.received) == 25
    assert all(r.answer == "ok" for r in provider.received)


def test_the_daily_reminder_still_reaches_each_liaisons_own_email(world):
    world.staff_a.email = "chengguan@example.cn"
    world.staff_a.save()
    message(world.town_a, kind="reminder")
    message(world.town_a, 2, kind="supervision")
    worker.run_once()
    (sent,) = mail.outbox
    assert sent.to == ["chengguan@example.cn"] and sent.subject == "【督办台账】测试1"
    assert sent.body == "正文\n\n在系统中查看：http://127.0.0.1:8000/tasks/"
    assert Delivery.objects.get().target == "电子邮件 · 城关镇王干事"


def test_a_liaisons_own_channel_gets_their_units_messages(world, provider):
    add_channel("wecom", wecom_config(provider), user=world.staff_b, kinds=["supervision"])
    add_channel("wecom", wecom_config(provider, key="a-own"), user=world.staff_a)
    press(world)
    worker.run_once()
    (request,) = provider.of("wecom")
    assert request.query["key"] != "a-own"
    assert Delivery.objects.get().target.startswith("企业微信群机器人 · 河西镇赵干事")


def test_dispatching_twice_makes_one_delivery_per_channel(world, provider):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    press(world)
    assert worker.dispatch() == 1
    OutboxMessage.objects.update(dispatched_at=None)  # as if a second worker raced the first
    worker.dispatch()
    assert Delivery.objects.count() == 1


def test_a_channel_removed_before_sending_is_failed_with_why(world, provider):
    robot = add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    press(world)
    worker.dispatch()
    robot.delete()
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == "failed" and delivery.detail == "渠道已删除，未发送。"
    assert not provider.received


def test_a_claim_whose_worker_died_is_taken_over_after_its_lease(world, provider, clock):
    add_channel("dingtalk", dingtalk_config(provider), unit=world.town_b)
    press(world)
    worker.dispatch()
    (lost,) = worker.claim()  # the worker dies before sending
    worker.run_once()
    assert not provider.received  # still leased to the dead worker
    clock.advance(seconds=worker.timeout() + worker.LEASE_MARGIN + 1)
    worker.run_once()
    delivery = Delivery.objects.get()
    assert delivery.state == "sent" and delivery.attempts == 2 and len(provider.received) == 1
    # The dead worker's answer, arriving late, does not overwrite the one that took over.
    from tracker import channels

    assert worker.record(lost, channels.Result(channels.FAILED, "late")) == "stale"
    assert Delivery.objects.get().state == "sent"


def test_no_secret_reaches_the_log_or_the_delivery_log(world, provider, caplog):
    caplog.set_level(logging.INFO, logger="tracker.messaging")
    add_channel("dingtalk", dingtalk_config(provider) | {"secret": "SECwrong"}, unit=world.town_b)
    add_channel("dingtalk", dingtalk_config(provider, token="good"), unit=world.town_b)
    press(world)
    worker.run_once()
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "sign not match" in logged and "outcome=sent" in logged
    for secret in (TOKEN, DINGTALK_SECRET, "SECwrong"):
        assert secret not in logged
        assert not Delivery.objects.filter(detail__contains=secret).exists()
        assert not Delivery.objects.filter(target__contains=secret).exists()


@pytest.mark.parametrize("attempts, wait", [(1, 30), (2, 60), (3, 120), (6, 960), (7, 1800)])
def test_the_wait_doubles_and_stops_growing_at_half_an_hour(attempts, wait):
    assert worker.backoff(attempts) == timedelta(seconds=wait)
