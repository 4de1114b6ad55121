import re
from calendar import monthrange
from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict
from django.utils import timezone

from tracker.hazards import selectors, summary
from tracker.hazards.excel_export import write_register, write_summary
from tracker.hazards.management.commands._office import office_user
from tracker.hazards.models import Hazard
from tracker.models import Unit


class Command(BaseCommand):
    help = "导出隐患台账（.xlsx），可按乡镇、等级、未销号筛选；--summary 导出月度汇总表。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="写入的 .xlsx 文件")
        parser.add_argument("--township", default=None, help="乡镇（街道）名称")
        parser.add_argument("--level", default=None, choices=["一般", "重大"])
        parser.add_argument("--open", action="store_true", help="只导出未销号的隐患")
        parser.add_argument(
            "--summary", default=None, metavar="YYYY-MM", help="导出该月的月度汇总表"
        )
        parser.add_argument("--user", default=None, help="安委办账号（默认第一个）")

    def handle(self, *args, file, township, level, open, summary, user, **options):
        office = office_user(user)
        today = timezone.localdate()
        target = Path(file)
        if not target.parent.is_dir():
            raise CommandError(f"目录不存在：{target.parent}")
        if summary:
            self._summary(target, summary, office, today)
            return
        params = QueryDict(mutable=True)
        if township:
            unit = Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, name=township).first()
            if unit is None:
                raise CommandError(f"没有名为“{township}”的乡镇（街道）。")
            params["township"] = str(unit.pk)
        if level:
            params["level"] = {label: v for v, label in Hazard.Level.choices}[level]
        if open:
            params["open"] = "1"
        filterset = selectors.hazard_list(office, params, today=today)
        count = write_register(target, filterset.qs)
        self.stdout.write(f"已导出 {count} 处隐患到 {target}")

    def _summary(self, target, month, office, today):
        m = re.fullmatch(r"(\d{4})-(\d{1,2})", month)
        if not m or not 1 <= int(m[2]) <= 12:
            raise CommandError(f"--summary 应写成 2026-05 这样的年月：{month}")
        year, mon = int(m[1]), int(m[2])
        start, end = date(year, mon, 1), date(year, mon, monthrange(year, mon)[1])
        sections = [
            (label, *summary.summary(office, start=start, end=end, today=today, by=by))
            for label, by in (("乡镇", "township"), ("行业", "industry"))
        ]
        write_summary(target, sections, title=f"{year}年{mon}月隐患排查治理情况汇总表")
        self.stdout.write(f"已导出 {year}年{mon}月 汇总表到 {target}")
