"""钉钉 group robot: the 加签 as 钉钉 specifies, the exact request, and how each answer is read."""

import json
import time

import pytest

from tests.fake_provider import DINGTALK_SECRET, TOKEN, dingtalk_config, provider_fixture  # noqa: F401
from tracker import channels
from tracker.channels import dingtalk

MESSAGE = channels.Message(
    text="【安委办督办】河西镇：2026-015 开展拉网式隐患排查 逾期3天，蓝色提醒，请于12月08日前报送进展。",
    url="http://127.0.0.1:8000/tasks/15/",
)


class Robot:
    kind = "dingtalk"

    def __init__(self, config):
        self.config = config


def test_the_signature_for_a_known_timestamp_and_secret_is_dingtalks():
    # Computed with 钉钉's own Python sample: quote_plus(b64(HmacSHA256(secret, ts\nsecret))).
    assert (
        dingtalk.sign(1700000000000, "SEC0123456789abcdef")
        == "TSZbRFUuvaSQaRKUpF970OPCb2%2FLcQAP3wOvwZIzBZk%3D"
    )


def test_the_request_carries_the_webhook_token_timestamp_signature_and_the_text(provider):
    config = dingtalk_config(provider, at_mobiles=["13800000011"])
    result = channels.send(MESSAGE, Robot(config), timeout=5)
    assert result.sent and result.detail == "errcode 0：ok"
    (request,) = provider.of("dingtalk")
    assert request.method == "POST" and request.path == "/robot/send"
    assert request.query["access_token"] == TOKEN
    assert abs(int(request.query["timestamp"]) - time.time() * 1000) < 60_000
    assert request.checks == {"sign_ok": True, "fresh": True}
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert json.loads(request.body) == {
        "msgtype": "text",
        "text": {"content": f"{MESSAGE.text}\nhttp://127.0.0.1:8000/tasks/15/\n@13800000011"},
        "at": {"atMobiles": ["13800000011"], "isAtAll": False},
    }


def test_a_wrong_secret_is_a_permanent_failure_with_dingtalks_words(provider):
    config = dingtalk_config(provider) | {"secret": "SECwrong"}
    result = channels.send(MESSAGE, Robot(config), timeout=5)
    assert result.outcome == channels.FAILED
    assert result.detail.startswith("errcode 310000：sign not match")


def test_too_fast_is_retried_after_the_ten_minutes_dingtalk_holds_the_robot(provider):
    provider.script("dingtalk", "rate_limit")
    result = channels.send(MESSAGE, Robot(dingtalk_config(provider)), timeout=5)
    assert result.outcome == channels.RETRY and result.retry_after == 600
    assert "130101" in result.detail


def test_a_server_error_is_retried(provider):
    provider.script("dingtalk", "server_error")
    result = channels.send(MESSAGE, Robot(dingtalk_config(provider)), timeout=5)
    assert result.outcome == channels.RETRY and result.status == 500


def test_no_answer_within_the_timeout_is_retried(provider):
    provider.script("dingtalk", "timeout")
    result = channels.send(MESSAGE, Robot(dingtalk_config(provider)), timeout=0.5)
    assert result.outcome == channels.RETRY and "超时" in result.detail


def test_nobody_listening_is_retried():
    config = {"webhook": "http://127.0.0.1:9/robot/send?access_token=x", "secret": "SECx"}
    result = channels.send(MESSAGE, Robot(config), timeout=2)
    assert result.outcome == channels.RETRY and result.detail.startswith("连接失败")


def test_the_secret_and_token_never_appear_in_the_answer_kept_for_the_log():
    # A webhook the URL parser refuses echoes itself in the error.
    config = {"webhook": f"htp:/broken?access_token={TOKEN}", "secret": DINGTALK_SECRET}
    result = channels.send(MESSAGE, Robot(config), timeout=2)
    assert TOKEN not in result.detail and DINGTALK_SECRET not in result.detail


@pytest.mark.parametrize(
    "config, words",
    [
        ({"webhook": "oapi.dingtalk.com/robot/send", "secret": "SECx"}, "https://"),
        ({"webhook": "https://oapi.dingtalk.com/robot/send", "secret": "SECx"}, "access_token"),
        ({"webhook": "https://oapi.dingtalk.com/robot/send?access_token=t", "secret": "x"}, "SEC"),
        (
            {
                "webhook": "https://oapi.dingtalk.com/robot/send?access_token=t",
                "secret": "SECx",
                "at_mobiles": "1380000",
            },
            "手机号码",
        ),
    ],
)
def test_settings_that_cannot_work_are_refused_with_the_setting_named(config, words):
    with pytest.raises(channels.ConfigError, match=words):
        dingtalk.clean(config)
