"""send_reminders: one message per unit, in the app and by email, once a day."""

from datetime import date

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import services
from tracker.models import Notice


def test_each_unit_gets_one_message_with_its_due_overdue_and_missing_work(world):
    world.staff_a.email = "chengguan@example.cn"
    world.staff_a.save()
    services.assignment_change(
        assignment=world.a_item, user=world.office, due_date=date(2026, 11, 29)
    )
    services.assignment_change(
        assignment=world.a_target, user=world.office, due_date=date(2026, 11, 1)
    )
    monthly = ChecklistItem.objects.create(
        code="2026-080", title="网格员每月巡查", theme=world.theme, start_date=date(2026, 1, 1),
        cadence="monthly", cadence_day=28, state="published", published_at=timezone.now(),
    )  # fmt: skip
    services.assignment_create(item=monthly, unit=world.town_a, user=world.office)
    call_command("send_reminders", "--today", "2026-11-22")
    notice = Notice.objects.get(unit=world.town_a)
    assert "2026-002" in notice.body and "逾期 21 天" in notice.body
    assert "2026-001" in notice.body and "7 天后到期" in notice.body
    assert "2026-080" in notice.body and "10月28日" in notice.body
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["chengguan@example.cn"]
    assert "逾期 1 项" in mail.outbox[0].subject


def test_running_twice_on_the_same_day_sends_nothing_new(world):
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=date(2026, 11, 1)
    )
    call_command("send_reminders", "--today", "2026-11-22")
    first = Notice.objects.count()
    call_command("send_reminders", "--today", "2026-11-22")
    assert Notice.objects.count() == first == 1
    call_command("send_reminders", "--today", "2026-11-23")
    assert Notice.objects.count() == 2


def test_units_with_nothing_pressing_get_nothing(world):
    call_command("send_reminders", "--today", "2026-06-01")
    assert not Notice.objects.exists()
