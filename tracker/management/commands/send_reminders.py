from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tracker import reminders


class Command(BaseCommand):
    help = (
        "向各单位发送今日任务提醒：即将到期、已逾期、定期报送截止前 3 天和 1 天、未按期报送。"
        "写入站内通知和待发消息，由 send_notifications 发到各单位的钉钉群、企业微信群、短信和"
        "联络员邮箱。同一天重复运行不会重复发送。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="按哪一天计算，格式 YYYY-MM-DD（默认今天）")

    def handle(self, *args, today, **options):
        try:
            day = date.fromisoformat(today) if today else timezone.localdate()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD：{today}") from None
        written = reminders.send(day)
        self.stdout.write(
            self.style.SUCCESS(
                f"{day}：{written} 个单位有提醒，已写入站内通知和待发消息"
                "（由 send_notifications 发出）。"
            )
        )
