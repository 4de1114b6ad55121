from django.core.management.base import BaseCommand
from django.utils import timezone

from tracker.enterprises.services import certificate_reminders


class Command(BaseCommand):
    help = (
        "标准化证书到期提醒：证书到期前 90 天和 30 天各通知一次企业属地乡镇（街道）和行业监管部门。"
        "每天运行一次；重复运行不会重复通知。"
    )

    def handle(self, *args, **options):
        sent = certificate_reminders(today=timezone.localdate())
        self.stdout.write(f"已发出标准化证书到期提醒 {sent} 条。")
