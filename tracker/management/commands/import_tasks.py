from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.excel.report import past_deadline_message
from tracker.excel.task_import import ON_CONFLICT, import_tasks
from tracker.models import User
from tracker.work_years import parse_year


class Command(BaseCommand):
    help = "导入任务分解表（.xlsx）。先检查全部行；有任何问题则不写入。导入的任务为草稿。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="任务分解表 .xlsx 文件")
        parser.add_argument(
            "--dry-run", action="store_true", help="只检查并显示将要导入的内容，不写入"
        )
        parser.add_argument(
            "--on-conflict",
            choices=ON_CONFLICT,
            default="skip",
            help="编号已存在时：跳过、更新或报错",
        )
        parser.add_argument(
            "--user", default=None, help="记入办理记录的安委办账号（默认第一个安委办账号）"
        )
        parser.add_argument(
            "--year",
            default=None,
            help="新任务归入的年度，如 2027；“6月底前”等不写年份的时限从导入日期和该年度"
            "1月1日中较晚的一天往后推算（默认：各任务按编号的年份，时限从导入日期推算）",
        )
        parser.add_argument(
            "--accept-past-deadlines",
            action="store_true",
            help="有完成时限早于导入日期的行时仍然导入（先用 --dry-run 核对）",
        )

    def handle(self, *args, file, dry_run, on_conflict, user, year, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        chosen = None
        if year is not None:
            chosen = parse_year(year)
            if chosen is None:
                raise CommandError(f"--year 应为 2000 到 2099 之间的年份，如 2027：{year}")
        office = self._office(user)
        report = import_tasks(
            path,
            user=office,
            dry_run=dry_run,
            on_conflict=on_conflict,
            year=chosen,
            today=timezone.localdate(),
            accept_past_deadlines=options["accept_past_deadlines"],
            label=f"「{path.name}」",
        )
        for warning in report.warnings:
            self.stdout.write(f"提示：{warning}")
        for row, deadline in report.past_deadlines:
            self.stdout.write(f"提示：{past_deadline_message(row, deadline)}")
        counts = "，".join(f"{label} {value}" for label, value in report.labelled_counts)
        if report.errors:
            for error in report.errors:
                self.stderr.write(str(error))
            raise CommandError(f"发现 {len(report.errors)} 个问题，没有写入任何数据。（{counts}）")
        if report.refused:
            raise CommandError(
                f"有 {len(report.past_deadlines)} 行的完成时限早于导入日期（见上方提示），"
                "没有写入任何数据。核对后加 --accept-past-deadlines 重新运行。"
            )
        verb = "检查通过（未写入）" if dry_run else "已导入"
        past = f"，完成时限已过 {len(report.past_deadlines)}" if report.past_deadlines else ""
        self.stdout.write(self.style.SUCCESS(f"{verb}：{counts}{past}"))

    def _office(self, username):
        users = User.objects.filter(is_active=True)
        office = (
            users.filter(username=username).first()
            if username
            else users.filter(role=User.Role.OFFICE).order_by("pk").first()
        )
        if office is None or not office.is_office:
            raise CommandError(
                "没有可用的安委办账号：请用 --user 指定，或先运行 load_demo / createsuperuser。"
            )
        return office
