import signal
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections

from tracker.messaging import worker


class Command(BaseCommand):
    help = (
        "把待发消息发到各单位的钉钉群、企业微信群、短信和邮箱：失败的按间隔加倍重试，"
        "服务商明确拒绝的停止并记入发送记录。不带参数运行一遍后退出（适合 cron 每分钟运行）；"
        "--loop 持续运行（适合作为系统服务）。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--loop", action="store_true", help="持续运行，每隔 --interval 秒检查一次"
        )
        parser.add_argument(
            "--interval", type=float, default=5.0, help="--loop 时的检查间隔（秒），默认 5"
        )
        parser.add_argument(
            "--threads", type=int, default=worker.THREADS, help="同时发往不同渠道的线程数"
        )

    def handle(self, *args, loop, interval, threads, **options):
        if interval <= 0 or threads <= 0:
            raise CommandError("--interval 和 --threads 应为正数。")
        if not loop:
            self._report(worker.run_once(threads=threads))
            return
        stopping = []

        def stop(signum, frame):
            # Finish the batch in hand (its answers are recorded as they come), then leave.
            stopping.append(signum)

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        self.stdout.write(f"消息发送程序已启动，每 {interval:g} 秒检查一次；Ctrl+C 退出。")
        while not stopping:
            close_old_connections()
            totals = worker.run_once(threads=threads)
            if totals:
                self._report(totals)
            slept = 0.0
            while slept < interval and not stopping:
                time.sleep(min(0.5, interval - slept))
                slept += 0.5
        self.stdout.write("消息发送程序已退出。")

    def _report(self, totals):
        sent = totals.get("sent", 0)
        retrying = totals.get("retrying", 0)
        failed = totals.get("failed", 0)
        self.stdout.write(f"已发送 {sent} 条，等待重试 {retrying} 条，失败 {failed} 条。")
