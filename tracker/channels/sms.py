"""SMS through 阿里云短信服务 (Dysmsapi SendSms, API version 2017-05-25).

A request is a form POST to https://dysmsapi.aliyuncs.com/ signed with the RPC signature
(V1): the parameters sorted by name, each name and value percent-encoded per RFC 3986, joined
as a query string; StringToSign = "POST&%2F&" + percent(that string); Signature =
Base64(HMAC-SHA1(AccessKeySecret + "&", StringToSign)). The answer is JSON whose Code is "OK"
when sent.

An SMS carries no link and little text: the template is fixed when 阿里云 approves it, and
only its variables change. This channel fills two, ${unit} and ${content}, e.g. the template
“${unit}：${content}请登录安全生产任务督办台账查看。” Each variable is cut to the length the
template's variable rule allows (35 characters by default).
"""

import base64
import hashlib
import hmac
import json
import urllib.parse
import uuid
from datetime import UTC, datetime

from tracker.channels.base import (
    FAILED,
    RETRY,
    SENT,
    ConfigError,
    Field,
    Message,
    Response,
    Result,
    by_status,
    http,
    phones,
    shorten,
)

KIND = "sms_aliyun"
LABEL = "短信（阿里云短信服务）"
# Well under SendSms's per-account QPS; the per-number limits are 阿里云's own (答复
# isv.BUSINESS_LIMIT_CONTROL, retried later).
RATE = (100, 60)
# An SMS account costs money and its AccessKey is the county's: only the office sets it.
OFFICE_ONLY = True
ENDPOINT = "https://dysmsapi.aliyuncs.com/"
FIELDS = (
    Field(
        "access_key_id", "AccessKey ID", help="阿里云 RAM 用户的 AccessKey ID（只授予短信发送权限）"
    ),
    Field("access_key_secret", "AccessKey Secret", secret=True),
    Field("sign_name", "短信签名", help="已审核通过的签名，如“某某县应急管理局”"),
    Field(
        "template_code",
        "模板 CODE",
        help="已审核通过的通知模板，如 SMS_123456789；模板变量为 ${unit} 和 ${content}",
    ),
    Field("phones", "接收手机号", kind="phones", help="每行一个"),
    Field("var_max", "变量长度上限", kind="int", required=False, default="35"),
    Field(
        "endpoint",
        "接口地址",
        kind="url",
        required=False,
        default=ENDPOINT,
        help="一般不用改；演示时可指向本机的模拟服务",
    ),
)
RATE_LIMITED = {
    "isv.BUSINESS_LIMIT_CONTROL",
    "Throttling",
    "Throttling.User",
    "Throttling.Api",
}
BUSY = {"isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "ServiceUnavailable", "InternalError"}


def clean(config: dict) -> dict:
    cleaned = {}
    for name, label in [
        ("access_key_id", "AccessKey ID"),
        ("access_key_secret", "AccessKey Secret"),
        ("sign_name", "短信签名"),
        ("template_code", "模板 CODE"),
    ]:
        cleaned[name] = str(config.get(name) or "").strip()
        if not cleaned[name]:
            raise ConfigError(f"请填写{label}。")
    cleaned["phones"] = phones(config.get("phones"))
    if not cleaned["phones"]:
        raise ConfigError("请填写至少一个接收手机号。")
    if len(cleaned["phones"]) > 1000:
        raise ConfigError("阿里云一次最多发给 1000 个号码。")
    try:
        cleaned["var_max"] = int(config.get("var_max") or 35)
    except (TypeError, ValueError):
        raise ConfigError("变量长度上限应为整数。") from None
    if not 5 <= cleaned["var_max"] <= 500:
        raise ConfigError("变量长度上限应在 5 到 500 之间。")
    cleaned["endpoint"] = str(config.get("endpoint") or ENDPOINT).strip()
    if urllib.parse.urlsplit(cleaned["endpoint"]).scheme not in ("http", "https"):
        raise ConfigError("接口地址应以 https:// 开头。")
    return cleaned


def endpoint(config: dict) -> str:
    return f"{config.get('endpoint') or ENDPOINT}#{config.get('access_key_id', '')}"


def percent(value) -> str:
    # RFC 3986: only A-Z a-z 0-9 - _ . ~ stay as they are; a space is %20, never +.
    return urllib.parse.quote(str(value), safe="~")


def signature(params: dict, secret: str, method: str = "POST") -> str:
    canonical = "&".join(f"{percent(k)}={percent(params[k])}" for k in sorted(params))
    to_sign = f"{method}&{percent('/')}&{percent(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def template_param(message: Message, limit: int) -> dict:
    return {
        "unit": shorten(message.unit, limit),
        "content": shorten(message.summary or message.text, limit),
    }


def params(message: Message, config: dict, *, now: datetime, nonce: str) -> dict:
    values = {
        "AccessKeyId": config["access_key_id"],
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": ",".join(config["phones"]),
        "RegionId": "cn-hangzhou",
        "SignName": config["sign_name"],
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": nonce,
        "SignatureVersion": "1.0",
        "TemplateCode": config["template_code"],
        "TemplateParam": json.dumps(
            template_param(message, int(config.get("var_max") or 35)), ensure_ascii=False
        ),
        "Timestamp": now.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    if message.ref:
        values["OutId"] = message.ref
    values["Signature"] = signature(values, config["access_key_secret"])
    return values


def send(message: Message, config: dict, *, timeout: float, now=None, nonce=None) -> Result:
    values = params(
        message,
        config,
        now=now or datetime.now(UTC),
        nonce=nonce or uuid.uuid4().hex,
    )
    body = "&".join(f"{percent(k)}={percent(v)}" for k, v in values.items()).encode()
    answer = http(
        config.get("endpoint") or ENDPOINT,
        data=body,
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
        timeout=timeout,
    )
    if isinstance(answer, Result):
        return answer
    return judge(answer)


def judge(answer: Response) -> Result:
    data = answer.json()
    code = data.get("Code")
    if code is None:
        return by_status(answer) or Result(
            FAILED, f"HTTP {answer.status}：{shorten(answer.text, 200)}", status=answer.status
        )
    words = f"{code}：{data.get('Message', '')}"
    if code == "OK":
        return Result(SENT, f"{words}（BizId {data.get('BizId', '')}）", status=answer.status)
    if code in RATE_LIMITED:
        return Result(RETRY, words, 60, answer.status)
    if code in BUSY or answer.status >= 500:
        return Result(RETRY, words, status=answer.status)
    return Result(FAILED, words, status=answer.status)
