from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker.hazards.excel_import import import_hazards
from tracker.hazards.management.commands._office import office_user


class Command(BaseCommand):
    help = "导入隐患排查治理台账（.xlsx）。先检查全部行；有任何问题则不写入；已有的隐患不重复导入。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="隐患台账 .xlsx 文件")
        parser.add_argument("--dry-run", action="store_true", help="只检查，不写入")
        parser.add_argument("--user", default=None, help="记入办理记录的安委办账号")

    def handle(self, *args, file, dry_run, user, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{file}")
        report = import_hazards(
            path, user=office_user(user), dry_run=dry_run, today=timezone.localdate()
        )
        if report.errors:
            for error in report.errors[:200]:
                self.stderr.write(str(error))
            more = len(report.errors) - 200
            if more > 0:
                self.stderr.write(f"……另有 {more} 处问题")
            raise CommandError(f"发现 {len(report.errors)} 处问题，未写入任何隐患。")
        verb = "将新增" if dry_run else "已新增"
        self.stdout.write(
            f"共 {report.rows} 行：{verb} {report.added} 处隐患，{report.existing} 处已在台账中。"
            + ("（试运行，未写入）" if dry_run else "")
        )
