"""SMS through a government SMS platform's HTTP interface (政务短信平台), by template.

Platforms differ, so the request is written by the office: a URL, a JSON body with
placeholders, an optional header carrying a token, and the field of the answer that says
it was sent. Placeholders are filled inside JSON strings, never pasted into the text, so a
message cannot break the body:

    ${phones}       the numbers, comma-separated     ${phone_list}  the numbers as a JSON list
    ${text}         the whole message and its link  ${content}     the message without 【…】单位：
    ${unit}         the unit's name                 ${sign}        the signature (短信签名)
    ${template_id}  the template id                 ${token}       the token (secret)
    ${ref}          our id for this message

An HTTP 429 or 5xx is retried; any other answer is judged by the success field.
"""

import json
import re
import urllib.parse

from tracker.channels.base import (
    FAILED,
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

KIND = "sms_http"
LABEL = "短信（政务短信平台 HTTP 接口）"
RATE = (60, 60)
OFFICE_ONLY = True
DEFAULT_BODY = json.dumps(
    {
        "mobiles": "${phones}",
        "templateId": "${template_id}",
        "sign": "${sign}",
        "content": "${text}",
    },
    ensure_ascii=False,
    indent=2,
)
FIELDS = (
    Field(
        "url",
        "接口地址",
        kind="url",
        help="平台提供的发送接口，如 https://sms.example.gov.cn/api/send",
    ),
    Field(
        "token",
        "接口令牌",
        secret=True,
        required=False,
        help="平台分配的令牌或密码，可在请求头或请求体中用 ${token} 引用",
    ),
    Field(
        "auth_header",
        "认证请求头",
        required=False,
        default="Authorization: Bearer ${token}",
        help="形如“名称: 值”；不需要请求头认证时留空",
    ),
    Field("body", "请求体模板（JSON）", kind="textarea", default=DEFAULT_BODY),
    Field("sign_name", "短信签名", required=False),
    Field("template_id", "模板编号", required=False),
    Field("phones", "接收手机号", kind="phones", help="每行一个"),
    Field(
        "success_field",
        "成功标志字段",
        required=False,
        default="code",
        help="应答 JSON 中表示结果的字段；留空则只看 HTTP 状态",
    ),
    Field("success_value", "成功标志值", required=False, default="0"),
)
PLACEHOLDER = re.compile(r"\$\{(\w+)\}")
KNOWN = {"phones", "phone_list", "text", "content", "unit", "sign", "template_id", "token", "ref"}


def clean(config: dict) -> dict:
    cleaned = {
        k: str(config.get(k) or "").strip()
        for k in (
            "url",
            "token",
            "auth_header",
            "sign_name",
            "template_id",
            "success_field",
            "success_value",
        )
    }
    if urllib.parse.urlsplit(cleaned["url"]).scheme not in ("http", "https"):
        raise ConfigError("接口地址应以 https:// 开头。")
    cleaned["phones"] = phones(config.get("phones"))
    if not cleaned["phones"]:
        raise ConfigError("请填写至少一个接收手机号。")
    body = str(config.get("body") or DEFAULT_BODY)
    try:
        parsed = json.loads(body)
    except ValueError as exc:
        raise ConfigError(f"请求体模板不是有效的 JSON：{exc}") from None
    unknown = sorted(set(PLACEHOLDER.findall(body)) - KNOWN)
    if unknown:
        raise ConfigError(
            f"请求体模板中有未知的占位符：{'、'.join('${' + u + '}' for u in unknown)}"
        )
    if not isinstance(parsed, dict):
        raise ConfigError("请求体模板应是一个 JSON 对象（{ … }）。")
    cleaned["body"] = body
    if cleaned["auth_header"] and ":" not in cleaned["auth_header"]:
        raise ConfigError("认证请求头应形如“Authorization: Bearer ${token}”。")
    return cleaned


def endpoint(config: dict) -> str:
    return str(config.get("url") or "")


def values(message: Message, config: dict) -> dict:
    return {
        "phones": ",".join(config["phones"]),
        "phone_list": list(config["phones"]),
        "text": message.with_link(),
        "content": message.summary or message.text,
        "unit": message.unit,
        "sign": config.get("sign_name", ""),
        "template_id": config.get("template_id", ""),
        "token": config.get("token", ""),
        "ref": message.ref,
    }


def fill(template, filled: dict):
    """The body with placeholders filled inside strings; a string that is exactly one
    placeholder takes the value as it is (${phone_list} becomes a list)."""
    if isinstance(template, dict):
        return {k: fill(v, filled) for k, v in template.items()}
    if isinstance(template, list):
        return [fill(v, filled) for v in template]
    if isinstance(template, str):
        whole = PLACEHOLDER.fullmatch(template)
        if whole:
            return filled.get(whole.group(1), "")
        return PLACEHOLDER.sub(lambda m: _text(filled.get(m.group(1), "")), template)
    return template


def _text(value) -> str:
    return ",".join(value) if isinstance(value, list) else str(value)


def send(message: Message, config: dict, *, timeout: float) -> Result:
    filled = values(message, config)
    body = fill(json.loads(config["body"]), filled)
    headers = {"Content-Type": "application/json; charset=utf-8"}
    if config.get("auth_header"):
        name, _, value = fill(config["auth_header"], filled).partition(":")
        headers[name.strip()] = value.strip()
    answer = http(
        config["url"],
        data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        headers=headers,
        timeout=timeout,
    )
    if isinstance(answer, Result):
        return answer
    return judge(answer, config)


def judge(answer: Response, config: dict) -> Result:
    by_http = by_status(answer)
    if by_http:
        return by_http
    words = f"HTTP {answer.status}：{shorten(answer.text, 200)}"
    if not 200 <= answer.status < 300:
        return Result(FAILED, words, status=answer.status)
    field = config.get("success_field")
    if field and str(answer.json().get(field)) != str(config.get("success_value", "")):
        return Result(FAILED, words, status=answer.status)
    return Result(SENT, words, status=answer.status)
