"""Daily reminders: one message per unit listing what is due soon, overdue or unreported.

Due soon: a dated task 7, 3 and 1 days before its due date, and a period report (报送频次)
3 and 1 days before its deadline while the period has no report yet. Overdue: dated tasks
past their due date. 未按期报送: the last due period has no report, for dated and long-term
tasks alike (tracker.reporting, the dashboard's rule).

Written as an in-app notice and a message for the unit's channels (钉钉, 企业微信, SMS, and each
联络员's e-mail as before), which the messaging worker (send_notifications) delivers outside this
job, with retries: a mail server that is down no longer stops the other units' reminders. A
notice's key makes a second run on the same day a no-op.
"""

from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from checklist.shares import format_share
from tracker.models import Assignment, OutboxMessage, Unit
from tracker.notices import notify_unit
from tracker.reporting import missed_last_period, reports_due_in

REMIND_DAYS = (7, 3, 1)
REPORT_REMIND_DAYS = (3, 1)


def _share_note(a: Assignment) -> str:
    """A unit's own share of a split county target, so it knows what its count is against."""
    if not a.is_split:
        return ""
    unit = a.item.target_unit
    return (
        f"；本单位分解数量 {format_share(a.share_quantity)}{unit}"
        f"（全县目标 {format_share(a.item.target_quantity)}{unit}）"
    )


@dataclass
class UnitReminder:
    unit: Unit
    due_soon: list[tuple[int, Assignment]] = field(default_factory=list)
    overdue: list[tuple[int, Assignment]] = field(default_factory=list)
    # (days left, the period's report deadline, assignment)
    reports_soon: list[tuple[int, date, Assignment]] = field(default_factory=list)
    missing: list[tuple[date, Assignment]] = field(default_factory=list)

    def __bool__(self):
        return bool(self.due_soon or self.overdue or self.reports_soon or self.missing)

    def text(self) -> str:
        lines = [f"{self.unit.name}：以下安全生产任务请及时办理并在系统中报送。"]
        if self.overdue:
            lines.append(f"\n已逾期（{len(self.overdue)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（逾期 {d} 天{_share_note(a)}）"
                for d, a in self.overdue
            ]
        if self.due_soon:
            lines.append(f"\n即将到期（{len(self.due_soon)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（{d} 天后到期，{a.due_date:%m月%d日}"
                f"{_share_note(a)}）"
                for d, a in self.due_soon
            ]
        if self.reports_soon:
            lines.append(f"\n本期待报送（{len(self.reports_soon)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（{a.item.cadence_label}，"
                f"请于 {deadline:%m月%d日} 前报送本期进展，还有 {d} 天{_share_note(a)}）"
                for d, deadline, a in self.reports_soon
            ]
        if self.missing:
            lines.append(f"\n未按期报送（{len(self.missing)}项）：")
            lines += [
                f"  {a.item.code} {a.item.title}（应于 {d:%m月%d日} 前报送{_share_note(a)}）"
                for d, a in self.missing
            ]
        return "\n".join(lines)

    def summary(self) -> str:
        """The short form for a group message or SMS: the counts, and the most overdue task."""
        counts = [
            ("逾期", self.overdue),
            ("即将到期", self.due_soon),
            ("本期待报送", self.reports_soon),
            ("未按期报送", self.missing),
        ]
        text = "、".join(f"{label}{len(rows)}项" for label, rows in counts if rows)
        text += "，请及时办理并在系统中报送。"
        if self.overdue:
            days, worst = max(self.overdue, key=lambda row: row[0])
            text += f"其中{worst.item.code} {worst.item.title}已逾期{days}天。"
        return text


def collect(today: date) -> list[UnitReminder]:
    by_unit: dict[int, UnitReminder] = {}

    def entry(a: Assignment) -> UnitReminder:
        return by_unit.setdefault(a.unit_id, UnitReminder(a.unit))

    open_work = (
        Assignment.objects.filter(item__state="published")
        .in_open_years()
        .exclude(status__in=["verified", "submitted"])
    )

    def listed(qs):
        return qs.select_related("item", "unit").order_by(
            "unit__sort_order", "due_date", "item__code"
        )

    for a in listed(open_work.filter(due_date__isnull=False)):
        days = (a.due_date - today).days
        if days < 0:
            entry(a).overdue.append((-days, a))
        elif days in REMIND_DAYS:
            entry(a).due_soon.append((days, a))
    soon, periods = reports_due_in(open_work, today=today, days=REPORT_REMIND_DAYS)
    for a in listed(soon):
        deadline = periods[(a.item.cadence, a.item.cadence_day)].deadline
        entry(a).reports_soon.append(((deadline - today).days, deadline, a))
    missed, periods = missed_last_period(open_work, today=today)
    for a in listed(missed):
        entry(a).missing.append((periods[(a.item.cadence, a.item.cadence_day)].deadline, a))
    units = sorted(by_unit.values(), key=lambda r: (r.unit.sort_order, r.unit.name))
    return [r for r in units if r]


def send(today: date) -> int:
    """Write today's reminders; returns how many units got one. Idempotent per day."""
    written = 0
    for reminder in collect(today):
        title = (
            f"{today:%m月%d日}任务提醒：逾期 {len(reminder.overdue)} 项，"
            f"即将到期 {len(reminder.due_soon)} 项，本期待报送 {len(reminder.reports_soon)} 项，"
            f"未按期报送 {len(reminder.missing)} 项"
        )
        notice = notify_unit(
            unit=reminder.unit,
            key=f"reminder:{reminder.unit.pk}:{today:%Y-%m-%d}",
            title=title,
            body=reminder.text(),
            kind=OutboxMessage.Kind.REMINDER,
            text=reminder.summary(),
            path=reverse("assignment_list"),
        )
        written += notice is not None
    return written
