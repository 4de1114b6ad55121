"""send_reminders: one message per unit, in the app and (through send_notifications) by
email, once a day."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from checklist.models import ChecklistItem
from tests.conftest import local
from tracker import services
from tracker.cadence import next_due
from tracker.models import Notice


def test_each_unit_gets_one_message_with_its_due_overdue_and_missing_work(world):
    day = world.today.replace(day=22)  # before the 28th: last month's report is the one missing
    last_months_report = (day.replace(day=1) - timedelta(days=1)).replace(day=28)
    world.staff_a.email = "chengguan@example.cn"
    world.staff_a.save()
    services.assignment_change(
        assignment=world.a_item, user=world.office, due_date=day + timedelta(days=7)
    )
    services.assignment_change(
        assignment=world.a_target, user=world.office, due_date=day - timedelta(days=21)
    )
    monthly = ChecklistItem.objects.create(
        code=f"{world.year}-080", title="网格员每月巡查", theme=world.theme,
        start_date=world.item.start_date, cadence="monthly", cadence_day=28, state="published",
        published_at=timezone.now(),
    )  # fmt: skip
    services.assignment_create(
        item=monthly, unit=world.town_a, user=world.office, at=local(monthly.start_date)
    )
    call_command("send_reminders", "--today", day.isoformat())
    assert not mail.outbox  # written, not sent: the messaging worker sends it
    call_command("send_notifications")
    notice = Notice.objects.get(unit=world.town_a)
    assert world.item_target.code in notice.body and "逾期 21 天" in notice.body
    assert world.item.code in notice.body and "7 天后到期" in notice.body
    assert monthly.code in notice.body and f"{last_months_report:%m月%d日}" in notice.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["chengguan@example.cn"]
    assert "逾期 1 项" in mail.outbox[0].subject


def test_running_twice_on_the_same_day_sends_nothing_new(world):
    day = world.today
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=day - timedelta(days=21)
    )
    call_command("send_reminders", "--today", day.isoformat())
    first = Notice.objects.count()
    call_command("send_reminders", "--today", day.isoformat())
    assert Notice.objects.count() == first == 1
    call_command("send_reminders", "--today", (day + timedelta(days=1)).isoformat())
    assert Notice.objects.count() == 2


def test_units_with_nothing_pressing_get_nothing(world):
    call_command("send_reminders", "--today", world.today.isoformat())
    assert not Notice.objects.exists()


def monthly_item(world, code, *, start, dated=False):
    return ChecklistItem.objects.create(
        code=f"{world.year}-{code}", title=f"每月报送任务{code}", theme=world.theme,
        start_date=start, deadline=start + timedelta(days=365) if dated else None,
        cadence="monthly", cadence_day=28, state="published", published_at=local(start),
    )  # fmt: skip


def test_a_period_report_is_reminded_three_days_and_one_day_before_it_is_due(world, today):
    deadline = next_due("monthly", 28, today + timedelta(days=3)).deadline
    # Begun this month: no earlier period is owed, so nothing else is reminded.
    item = monthly_item(world, "081", start=deadline - timedelta(days=20), dated=True)
    services.assignment_create(
        item=item, unit=world.town_a, user=world.office, at=local(item.start_date)
    )
    for days_left in (3, 2, 1):
        call_command("send_reminders", "--today", (deadline - timedelta(days_left)).isoformat())
    notices = Notice.objects.filter(unit=world.town_a).order_by("created_at", "pk")
    assert len(notices) == 2
    assert "本期待报送 1 项" in notices[0].title and "还有 3 天" in notices[0].body
    assert f"请于 {deadline:%m月%d日} 前报送本期进展" in notices[0].body
    assert "每月28日前" in notices[0].body and "还有 1 天" in notices[1].body


def test_a_period_reported_already_is_not_reminded(world, today):
    deadline = next_due("monthly", 28, today + timedelta(days=3)).deadline
    item = monthly_item(world, "082", start=deadline - timedelta(days=100))
    a = services.assignment_create(
        item=item, unit=world.town_a, user=world.office, at=local(item.start_date)
    )
    day = deadline - timedelta(days=3)
    services.assignment_report(
        assignment=a, user=world.staff_a, note="本月已巡查", at=local(day.replace(day=1))
    )
    call_command("send_reminders", "--today", day.isoformat())
    assert not Notice.objects.filter(unit=world.town_a).exists()


def test_a_dated_task_that_missed_its_last_period_is_reminded(world, today):
    item = monthly_item(world, "083", start=today - timedelta(days=120), dated=True)
    services.assignment_create(
        item=item, unit=world.town_b, user=world.office, at=local(item.start_date)
    )
    call_command("send_reminders", "--today", today.isoformat())
    notice = Notice.objects.get(unit=world.town_b)
    assert "未按期报送 1 项" in notice.title and item.code in notice.body
