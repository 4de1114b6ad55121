import time

from django.core.management.base import BaseCommand

from tracker.messaging.fake_provider import DEMO_ALIYUN_SECRET, DEMO_DINGTALK_SECRET, FakeProvider


class Command(BaseCommand):
    help = (
        "在本机启动一个模拟的钉钉、企业微信、阿里云短信和政务短信接口，打印收到的每条消息，"
        "用于演示和检查消息推送，不会真的发出任何消息。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--port", type=int, default=8900, help="监听端口（只监听 127.0.0.1），默认 8900"
        )
        parser.add_argument(
            "--dingtalk-secret", default=DEMO_DINGTALK_SECRET, help="用来核对钉钉加签的密钥"
        )
        parser.add_argument(
            "--aliyun-secret",
            default=DEMO_ALIYUN_SECRET,
            help="用来核对阿里云签名的 AccessKey Secret",
        )

    def handle(self, *args, port, dingtalk_secret, aliyun_secret, **options):
        def show(received):
            checks = "，".join(f"{k}={v}" for k, v in received.checks.items())
            self.stdout.write(
                f"[{time.strftime('%H:%M:%S')}] 收到 {received.route} {received.path}"
                f"{'（' + checks + '）' if checks else ''}\n{received.text()}\n"
            )

        provider = FakeProvider(
            port, dingtalk_secret=dingtalk_secret, aliyun_secret=aliyun_secret, on_request=show
        )
        provider.start()
        base = provider.url
        self.stdout.write(
            "模拟服务已启动（Ctrl+C 退出）：\n"
            f"  钉钉 Webhook：{base}/robot/send?access_token=demo\n"
            f"  钉钉加签密钥：{dingtalk_secret}\n"
            f"  企业微信 Webhook：{base}/cgi-bin/webhook/send?key=demo\n"
            f"  阿里云短信接口地址：{base}/aliyun-sms/（AccessKey Secret：{aliyun_secret}）\n"
            f"  政务短信平台接口：{base}/sms/send\n"
        )
        try:
            while True:
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            provider.stop()
