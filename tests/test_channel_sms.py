"""SMS: 阿里云 SendSms with its RPC signature and template fields, and a government SMS
platform's HTTP interface written as a template."""

import json

import pytest

from tests.fake_provider import aliyun_config, provider_fixture, sms_http_config  # noqa: F401
from tracker import channels
from tracker.channels import sms, sms_http

MESSAGE = channels.Message(
    text="【安委办督办】河西镇：2026-015 开展拉网式隐患排查 逾期3天，蓝色提醒，请于12月08日前报送进展。",
    url="http://127.0.0.1:8000/tasks/15/",
    unit="河西镇",
    summary="2026-015 开展拉网式隐患排查 逾期3天，蓝色提醒，请于12月08日前报送进展。",
    ref="d42",
)


class Gateway:
    def __init__(self, kind, config):
        self.kind, self.config = kind, config


def test_the_signature_matches_aliyuns_documented_example():
    # 阿里云's own example (HTTP 协议及签名): GET, AccessKeySecret testSecret.
    params = {
        "AccessKeyId": "testId", "Action": "SendSms", "Format": "XML", "OutId": "123",
        "PhoneNumbers": "15300000001", "RegionId": "cn-hangzhou",
        "SignName": "阿里云短信测试专用", "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "45e25e9b-0a6f-4070-8c85-2956eda1b466", "SignatureVersion": "1.0",
        "TemplateCode": "SMS_71390007", "TemplateParam": '{"customer":"test"}',
        "Timestamp": "2017-07-12T02:42:19Z", "Version": "2017-05-25",
    }  # fmt: skip
    assert sms.signature(params, "testSecret", "GET") == "zJDF+Lrzhj/ThnlvIToysFRq6t4="


def test_aliyun_gets_the_numbers_signature_name_template_and_its_two_variables(provider):
    result = channels.send(MESSAGE, Gateway("sms_aliyun", aliyun_config(provider)), timeout=5)
    assert result.sent and result.detail.startswith("OK：OK（BizId ")
    (request,) = provider.of("aliyun")
    assert request.checks == {"sign_ok": True}
    form = request.form
    assert request.headers["content-type"].startswith("application/x-www-form-urlencoded")
    assert form["Action"] == "SendSms" and form["Version"] == "2017-05-25"
    assert form["PhoneNumbers"] == "13800000011,13900000022"
    assert form["SignName"] == "某某县应急管理局" and form["TemplateCode"] == "SMS_460000001"
    assert form["OutId"] == "d42" and form["SignatureMethod"] == "HMAC-SHA1"
    params = json.loads(form["TemplateParam"])
    assert params["unit"] == "河西镇"
    # Cut to the template's variable rule (35 characters), marked.
    assert len(params["content"]) == 35 and params["content"].endswith("…")
    assert params["content"].startswith("2026-015 开展拉网式隐患排查 逾期3天")


def test_aliyuns_number_limit_is_retried_and_a_bad_number_is_not(provider):
    provider.script("aliyun", "rate_limit", "refuse", "server_error")
    gateway = Gateway("sms_aliyun", aliyun_config(provider))
    limited, refused, busy = (channels.send(MESSAGE, gateway, timeout=5) for _ in range(3))
    assert limited.outcome == channels.RETRY and limited.retry_after == 60
    assert limited.detail.startswith("isv.BUSINESS_LIMIT_CONTROL：")
    assert (
        refused.outcome == channels.FAILED
        and refused.detail == "isv.MOBILE_NUMBER_ILLEGAL：非法手机号"
    )
    assert busy.outcome == channels.RETRY and busy.detail.startswith("ServiceUnavailable")


def test_a_wrong_access_key_secret_is_refused_by_the_signature_check(provider):
    config = aliyun_config(provider, access_key_secret="not-the-secret")
    result = channels.send(MESSAGE, Gateway("sms_aliyun", config), timeout=5)
    assert result.outcome == channels.FAILED and result.detail.startswith("SignatureDoesNotMatch")
    assert "not-the-secret" not in result.detail


def test_the_government_platform_gets_its_template_filled_inside_the_json(provider):
    config = sms_http_config(provider)
    result = channels.send(MESSAGE, Gateway("sms_http", config), timeout=5)
    assert result.sent
    (request,) = provider.of("sms")
    assert request.headers["authorization"] == "Bearer gov-sms-token-7788"
    assert request.json == {
        "mobiles": "13800000011",
        "templateId": "T1001",
        "sign": "某某县安委办",
        "content": f"{MESSAGE.text}\n{MESSAGE.url}",
    }


def test_a_placeholder_alone_keeps_its_type_and_quotes_cannot_break_the_body(provider):
    body = json.dumps({"to": "${phone_list}", "msg": "${content}", "id": "${ref}"})
    config = sms_http_config(provider, body=body)
    tricky = channels.Message(text='"}, "admin": true, {"', summary='"}, "x": 1', ref="d7")
    assert channels.send(tricky, Gateway("sms_http", config), timeout=5).sent
    (request,) = provider.of("sms")
    assert request.json == {"to": ["13800000011"], "msg": '"}, "x": 1', "id": "d7"}


def test_the_platforms_429_is_retried_and_its_own_error_code_is_a_failure(provider):
    provider.script("sms", "rate_limit", "refuse")
    gateway = Gateway("sms_http", sms_http_config(provider))
    limited, refused = (channels.send(MESSAGE, gateway, timeout=5) for _ in range(2))
    assert limited.outcome == channels.RETRY and limited.status == 429
    assert refused.outcome == channels.FAILED and "号码格式错误" in refused.detail


@pytest.mark.parametrize(
    "change, words",
    [
        ({"body": "{not json"}, "不是有效的 JSON"),
        ({"body": '{"x": "${password}"}'}, "未知的占位符"),
        ({"phones": ["1380000001"]}, "手机号码"),
        ({"auth_header": "Bearer x"}, "认证请求头"),
    ],
)
def test_platform_settings_that_cannot_work_are_refused(provider, change, words):
    with pytest.raises(channels.ConfigError, match=words):
        sms_http.clean(sms_http_config(provider, **change))
