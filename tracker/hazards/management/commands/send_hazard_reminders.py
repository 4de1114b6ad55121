from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.hazards.reminders import due_reminders


class Command(BaseCommand):
    help = "隐患整改时限前 7、3、1 天提醒属地乡镇和行业监管部门（每天运行；重复运行不重复提醒）。"

    def handle(self, *args, **options):
        written = due_reminders(today=timezone.localdate())
        self.stdout.write(f"已发出 {written} 条隐患整改提醒。")
