"""The providers' stand-in for the tests: tracker.messaging.fake_provider on a free port of
127.0.0.1, and channels pointing at it."""

import pytest

from tracker.messaging.fake_provider import DEMO_ALIYUN_SECRET, DEMO_DINGTALK_SECRET, FakeProvider
from tracker.messaging.models import ALL_KINDS, Channel

DINGTALK_SECRET = DEMO_DINGTALK_SECRET
ALIYUN_SECRET = DEMO_ALIYUN_SECRET
TOKEN = "b4c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1"
WECOM_KEY = "693a91f6-7aaa-4bc4-97a0-0ec2sifa5aaa"


@pytest.fixture(name="provider")
def provider_fixture():
    """Import it (as provider_fixture) into a test module to use `provider` there."""
    # "timeout" and "hang" hold a request at most this long; stop() releases them at once.
    with FakeProvider(hold=10.0) as fake:
        yield fake


def dingtalk_config(provider, token=TOKEN, **extra):
    return {
        "webhook": f"{provider.url}/robot/send?access_token={token}",
        "secret": DINGTALK_SECRET,
        "at_mobiles": [],
        **extra,
    }


def wecom_config(provider, key=WECOM_KEY):
    return {"webhook": f"{provider.url}/cgi-bin/webhook/send?key={key}"}


def aliyun_config(provider, **extra):
    return {
        "access_key_id": "LTAI5tDemoKeyId",
        "access_key_secret": ALIYUN_SECRET,
        "sign_name": "某某县应急管理局",
        "template_code": "SMS_460000001",
        "phones": ["13800000011", "13900000022"],
        "var_max": 35,
        "endpoint": f"{provider.url}/aliyun-sms/",
        **extra,
    }


def sms_http_config(provider, **extra):
    from tracker.channels import sms_http

    return {
        "url": f"{provider.url}/sms/send",
        "token": "gov-sms-token-7788",
        "auth_header": "Authorization: Bearer ${token}",
        "body": sms_http.DEFAULT_BODY,
        "sign_name": "某某县安委办",
        "template_id": "T1001",
        "phones": ["13800000011"],
        "success_field": "code",
        "success_value": "0",
        **extra,
    }


def add_channel(kind, config, *, unit=None, user=None, name="", kinds=None, active=True):
    return Channel.objects.create(
        kind=kind,
        unit=unit,
        user=user,
        name=name or f"{kind} 测试渠道",
        config=config,
        kinds=list(kinds or ALL_KINDS),
        active=active,
    )
