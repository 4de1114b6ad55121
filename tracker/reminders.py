"""Daily reminders: one message per unit listing what is due soon, overdue or unreported.

Sent as an in-app notice and by email; a notice's key makes a second run on the same day a
no-op.
"""

from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from tracker.cadence import due_period
from tracker.models import Assignment, Notice, Unit, User

REMIND_DAYS = (7, 3, 1)


@dataclass
class UnitReminder:
    unit: Unit
    due_soon: list[tuple[int, Assignment]] = field(default_factory=list)
    overdue: list[tuple[int, Assignment]] = field(default_factory=list)
    missing: list[tuple[date, Assignment]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.due_soon or self.overdue or self.missing)

    def text(self) -> str:
        lines = [f"{self.unit.name}：以下安全生产任务请及时办理并在系统中报送。"]
        if self.overdue:
            lines.append(f"\n已逾期（{len(self.overdue)}项）：")
            lines += [f"  {a.item.code} {a.item.title}（逾期 {d} 天）" for d, a in self.overdue]
        if self.due_soon:
            lines.append(f"\n即将到期（{len(self.due_soon)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（{d} 天后到期，{a.due_date:%m月%d日}）"
                for d, a in self.due_soon
            ]
        if self.missing:
            lines.append(f"\n未按期报送（{len(self.missing)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（应于 {d:%m月%d日} 前报送）"
                for d, a in self.missing
            ]
        return "\n".join(lines)


def collect(today: date) -> list[UnitReminder]:
    by_unit: dict[int, UnitReminder] = {}
    open_work = (
        Assignment.objects.filter(item__state="published")
        .in_open_years()
        .exclude(status__in=["verified", "submitted"])
        .select_related("item", "unit")
        .annotate(
            last_report=Max("history__created_at", filter=Q(history__kind__in=["report", "submit"]))
        )
        .order_by("unit__sort_order", "due_date", "item__code")
    )
    for a in open_work:
        entry = by_unit.setdefault(a.unit_id, UnitReminder(a.unit))
        if a.due_date is not None:
            days = (a.due_date - today).days
            if days < 0:
                entry.overdue.append((-days, a))
            elif days in REMIND_DAYS:
                entry.due_soon.append((days, a))
            continue
        period = due_period(a.item.cadence, a.item.cadence_day, today)
        if period and (a.last_report is None or timezone.localdate(a.last_report) < period[0]):
            entry.missing.append((period[1], a))
    return [r for r in by_unit.values() if r]


def send(today: date) -> tuple[int, int]:
    """Send today's reminders; returns (notices created, emails sent). Idempotent per day."""
    notices = emails = 0
    for reminder in collect(today):
        key = f"reminder:{reminder.unit.pk}:{today:%Y-%m-%d}"
        title = f"{today:%m月%d日}任务提醒：逾期 {len(reminder.overdue)} 项，即将到期 {len(reminder.due_soon)} 项，未按期报送 {len(reminder.missing)} 项"
        body = reminder.text()
        try:
            with transaction.atomic():
                Notice.objects.create(unit=reminder.unit, key=key, title=title, body=body)
        except IntegrityError:
            continue  # already sent today
        notices += 1
        recipients = list(
            User.objects.filter(unit=reminder.unit, is_active=True, role=User.Role.STAFF)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if recipients:
            emails += send_mail(
                f"【督办台账】{title}",
                body,
                settings.DEFAULT_FROM_EMAIL,
                recipients,
                fail_silently=False,
            )
    return notices, emails
