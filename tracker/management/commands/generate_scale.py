import random
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from checklist.models import ChecklistItem, Theme
from tracker.models import Assignment, StatusUpdate, Unit, User, submission_date

# One history row per assignment: the change that brought it to its status.
KIND = {
    "not_started": "assign",
    "in_progress": "report",
    "submitted": "submit",
    "verified": "approve",
}


class Command(BaseCommand):
    help = "生成大规模测试数据（默认 34 个单位、3000 项任务、100000 条责任分解），用于性能测试。"

    def add_arguments(self, parser):
        # 100,000 distinct (item, unit) pairs over 3,000 items need at least 34 units.
        parser.add_argument("--units", type=int, default=34)
        parser.add_argument("--items", type=int, default=3000)
        parser.add_argument("--assignments", type=int, default=100_000)
        parser.add_argument("--seed", type=int, default=7)

    @transaction.atomic
    def handle(self, *args, units, items, assignments, seed, **options):
        if assignments > units * items:
            raise CommandError("责任分解数不能超过 单位数 × 任务数")
        rng = random.Random(seed)
        themes = list(Theme.objects.all()) or [Theme.objects.create(name="隐患排查治理")]
        office = User.objects.filter(role=User.Role.OFFICE).first()
        have = Unit.objects.count()
        Unit.objects.bulk_create(
            [
                Unit(
                    name=f"测试单位{n:03d}",
                    kind="township" if n % 3 else "department",
                    sort_order=500 + n,
                )
                for n in range(have, units)
            ]
        )
        pool = list(Unit.objects.order_by("pk")[:units])
        today = timezone.localdate()
        now = timezone.now()
        start = ChecklistItem.objects.count()
        new_items = []
        for n in range(items):
            begin = today - timedelta(days=rng.randint(30, 300))
            long_term = rng.random() < 0.1
            new_items.append(
                ChecklistItem(
                    code=f"S{start + n:06d}",
                    title=f"规模测试任务 {start + n}：开展隐患排查治理专项行动",
                    theme=rng.choice(themes),
                    start_date=begin,
                    deadline=None if long_term else begin + timedelta(days=rng.randint(60, 400)),
                    cadence="monthly" if long_term else "none",
                    cadence_day=28 if long_term else None,
                    state="published",
                    published_at=now,
                )
            )
        ChecklistItem.objects.bulk_create(new_items, batch_size=2000)
        new_items = list(ChecklistItem.objects.filter(code__startswith="S").order_by("pk")[:items])
        per_item = max(1, -(-assignments // items))
        statuses = ["not_started", "in_progress", "in_progress", "submitted", "verified"]
        rows, history, made = [], [], 0
        for item in new_items:
            for position, unit in enumerate(rng.sample(pool, min(per_item, len(pool)))):
                if made >= assignments:
                    break
                status = rng.choice(statuses)
                # The last report (or the approval) some time in the last four months; the
                # assignment keeps the same time as its history row, as the services do.
                at = now - timedelta(days=rng.randint(0, 120), minutes=rng.randint(0, 1439))
                rows.append(
                    Assignment(
                        item=item, unit=unit, role="lead" if position == 0 else "responsible",
                        status=status, percent=100 if status in ("submitted", "verified") else rng.randint(0, 90),
                        due_date=item.deadline, submitted_at=at if status in ("submitted", "verified") else None,
                        submitted_date=submission_date(at) if status in ("submitted", "verified") else None,
                        verified_at=at if status == "verified" else None,
                        last_reported_at=at if status != "not_started" else None,
                    )
                )  # fmt: skip
                history.append((KIND[status], status, at))
                made += 1
        Assignment.objects.bulk_create(rows, batch_size=5000)
        StatusUpdate.objects.bulk_create(
            (
                StatusUpdate(assignment_id=a.pk, author=office, kind=kind, to_status=status,
                             note="规模测试", created_at=at)
                for a, (kind, status, at) in zip(rows, history, strict=True)
            ),
            batch_size=5000,
        )  # fmt: skip
        self.stdout.write(
            self.style.SUCCESS(f"已生成：单位 {len(pool)}，任务 {items}，责任分解 {made}。")
        )
