"""send_reminders: one message per unit, in the app and by email, once a day."""

from datetime import timedelta

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import services
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
    services.assignment_create(item=monthly, unit=world.town_a, user=world.office)
    call_command("send_reminders", "--today", day.isoformat())
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
