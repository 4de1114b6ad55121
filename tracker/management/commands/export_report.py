from django.core.management.base import BaseCommand, CommandError
from django.http import QueryDict

from tracker.excel.bulletin import write_bulletin
from tracker.models import User
from tracker.selectors import assignment_list
from tracker.work_years import parse_year


class Command(BaseCommand):
    help = "导出进度通报（.xlsx）：汇总排名、任务明细、逾期清单。筛选条件与任务列表相同。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="输出文件，如 通报.xlsx")
        parser.add_argument(
            "--status", choices=["not_started", "in_progress", "submitted", "verified"]
        )
        parser.add_argument("--theme", help="领域名称，如 隐患排查治理")
        parser.add_argument("--unit", help="单位名称")
        parser.add_argument("--role", choices=["lead", "responsible", "cooperate"])
        parser.add_argument(
            "--due", choices=["overdue", "7", "30", "long"], help="完成时限：逾期/7天内/30天内/长期"
        )
        parser.add_argument("--light", choices=["red", "yellow", "green", "grey"])
        parser.add_argument("--year", help="年度，如 2026（默认当前年度；--year all 导出全部年度）")

    def handle(self, *args, file, **options):
        from checklist.models import Theme
        from tracker.models import Unit

        params = QueryDict(mutable=True)
        for key in ("status", "role", "due", "light"):
            if options.get(key):
                params[key] = options[key]
        if options.get("theme"):
            theme = Theme.objects.filter(name=options["theme"]).first()
            if theme is None:
                raise CommandError(f"没有这个领域：{options['theme']}")
            params["theme"] = str(theme.pk)
        if options.get("unit"):
            unit = Unit.objects.filter(name=options["unit"]).first()
            if unit is None:
                raise CommandError(f"没有这个单位：{options['unit']}")
            params["unit"] = str(unit.pk)
        if options.get("year"):
            if options["year"] == "all":
                params["year"] = ""
            elif parse_year(options["year"]) is None:
                raise CommandError(f"年度应为四位年份，如 2026：{options['year']}")
            else:
                params["year"] = options["year"]
        reader = User(username="export", role=User.Role.LEADER, is_active=True)
        filterset = assignment_list(reader, params)
        if not filterset.is_valid():
            raise CommandError(f"筛选条件有误：{filterset.errors.as_text()}")
        write_bulletin(
            file,
            assignments=filterset.qs,
            today=filterset.today,
            scope=f"{filterset.year}年度" if filterset.year else "",
        )
        self.stdout.write(self.style.SUCCESS(f"已导出 {filterset.qs.count()} 条到 {file}"))
