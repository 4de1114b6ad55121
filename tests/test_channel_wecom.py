"""企业微信 group robot: markdown within 4096 bytes, and 45009 (too frequent) retried."""

import json

from tests.fake_provider import WECOM_KEY, provider_fixture, wecom_config  # noqa: F401
from tracker import channels
from tracker.channels import wecom


class Robot:
    kind = "wecom"

    def __init__(self, config):
        self.config = config


def message(text):
    return channels.Message(text=text, url="http://127.0.0.1:8000/tasks/")


def test_the_request_is_markdown_to_the_robots_key(provider):
    result = channels.send(
        message("【安委办提醒】城关镇：逾期1项，请及时办理。"),
        Robot(wecom_config(provider)),
        timeout=5,
    )
    assert result.sent
    (request,) = provider.of("wecom")
    assert request.path == "/cgi-bin/webhook/send" and request.query == {"key": WECOM_KEY}
    assert json.loads(request.body) == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**【安委办提醒】**城关镇：逾期1项，请及时办理。\n[查看详情](http://127.0.0.1:8000/tasks/)"
        },
    }


def test_a_long_message_is_cut_to_4096_bytes_keeping_its_link(provider):
    result = channels.send(
        message("【安委办提醒】城关镇：" + "逾期任务" * 800),
        Robot(wecom_config(provider)),
        timeout=5,
    )
    assert result.sent
    (request,) = provider.of("wecom")
    assert request.checks["bytes"] <= 4096
    assert request.json["markdown"]["content"].endswith(
        "…\n[查看详情](http://127.0.0.1:8000/tasks/)"
    )


def test_too_frequent_is_retried_after_a_minute(provider):
    provider.script("wecom", "rate_limit")
    result = channels.send(message("x"), Robot(wecom_config(provider)), timeout=5)
    assert result.outcome == channels.RETRY and result.retry_after == 60
    assert result.detail == "errcode 45009：api freq out of limit"


def test_an_invalid_key_is_a_permanent_failure(provider):
    provider.script("wecom", "refuse")
    result = channels.send(message("x"), Robot(wecom_config(provider)), timeout=5)
    assert result.outcome == channels.FAILED and "93000" in result.detail


def test_a_bare_key_is_taken_for_the_usual_webhook():
    assert wecom.clean({"webhook": "abc-123"}) == {
        "webhook": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123"
    }
