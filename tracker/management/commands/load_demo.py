from importlib import import_module

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from tracker import demo, demo_calendar
from tracker.models import User
from tracker.work_years import is_closed


class Command(BaseCommand):
    help = "载入演示县的数据（单位、讲话、任务清单、责任分解）、演示账号和演示进度。可重复运行。"

    def add_arguments(self, parser):
        parser.add_argument(
            "--password", default=demo.DEMO_PASSWORD, help="演示账号的密码（默认 %(default)s）"
        )
        parser.add_argument(
            "--no-progress", action="store_true", help="只载入数据和账号，不生成演示进度"
        )

    def handle(self, *args, password, no_progress, **options):
        missing = [
            name
            for name in [*demo.CATALOG_FIXTURES, "assignments"]
            if not (demo.FIXTURES / f"{name}.json").exists()
        ]
        if missing:
            raise CommandError(
                f"缺少演示数据文件：{', '.join(f'fixtures/{m}.json' for m in missing)}"
            )
        today = timezone.localdate()
        with transaction.atomic():
            years = demo.demo_shift(today)
            plan = demo_calendar.TEMPLATE_YEAR + years
            # Last year's plan too (closed), for the 年度 switcher and the trend's comparison.
            demo.load_catalog(years - 1)
            demo.load_catalog(years)
            accounts = demo.ensure_accounts(password)
            office = User.objects.get(username="anweiban")
            created = 0
            if not is_closed(plan - 1):
                created += demo.ensure_assignments(office, years=years - 1)
            created += demo.ensure_assignments(office, years=years)
            candidates = demo.ensure_speech_review(office=office, plan=plan)
            seeded = extras = 0
            if not no_progress:
                demo.close_last_year(office=office, plan=plan)
                seeded = demo.seed_all_progress(office=office, today=today, year=plan)
                extras = demo.seed_requests(office=office, today=today, year=plan)
            registers = None
            if apps.is_installed("tracker.enterprises"):
                # The registers are a wing: loaded when installed, by name, never imported above.
                registers_demo = import_module("tracker.enterprises.demo")
                registers = registers_demo.load(today, password=password)
            hazards = None
            if registers is not None and apps.is_installed("tracker.hazards"):
                # After the registers: hazards come from their inspections.
                hazards = import_module("tracker.hazards.demo").load(today)
                # The 拉网式排查 task's progress is read from the hazards linked to it.
                import_module("tracker.hazards.measures").measure_demo_task(today)
            accidents = None
            if registers is not None and apps.is_installed("tracker.accidents"):
                # After the registers: accidents name their enterprises.
                accidents = import_module("tracker.accidents.demo").load(today, year=plan)
            assessment = None
            if apps.is_installed("tracker.assessment"):
                # Last: the schemes score what the other registers hold.
                assessment = import_module("tracker.assessment.demo").load(today, year=plan)
        self.stdout.write(
            f"演示数据已就绪（{plan}年度）：新增责任分解 {created} 条，"
            f"生成演示进度 {seeded} 条，延期申请和督办 {extras} 条，"
            f"讲话分解中的部署要求 {candidates} 条。"
        )
        if registers is not None:
            self.stdout.write(registers_demo.summary(registers))
        if hazards is not None:
            self.stdout.write(f"隐患台账：新增隐患 {hazards} 条。")
        if accidents is not None:
            self.stdout.write(
                f"事故台账：新增事故 {accidents} 起；各乡镇、部门已有本年度控制指标。"
            )
        if assessment:
            self.stdout.write(assessment)
        self.stdout.write("")
        self.stdout.write(f"演示账号（密码均为 {password}，登录地址 http://127.0.0.1:8000/ ）：")
        for account in accounts:
            unit = account.unit.name if account.unit else "—"
            self.stdout.write(
                f"  {account.username:<12} {User.Role(account.role).label:<6} {unit:<14} {account.note}"
            )
        if registers is not None and registers.account:
            grid_user = User.objects.select_related("unit").get(username=registers.account)
            self.stdout.write(
                f"  {grid_user.username:<12} {User.Role(grid_user.role).label:<6} "
                f"{grid_user.unit.name:<14} 只看自己网格内的企业，手机录入巡查"
            )
