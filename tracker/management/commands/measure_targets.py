from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.measuring import measure_all


class Command(BaseCommand):
    help = (
        "从台账重新计量“由台账自动计量”的任务：各单位的完成数量有变化的写入并记入办理记录。"
        "每天运行一次，批量导入台账之后也可运行。"
    )

    def handle(self, *args, **options):
        changed = measure_all(today=timezone.localdate())
        self.stdout.write(f"台账计量完成：{changed} 个单位的完成数量有变化。")
