"""钉钉 group robot (自定义机器人) with the 加签 security setting.

The robot's page gives a webhook (https://oapi.dingtalk.com/robot/send?access_token=…) and a
secret starting with SEC. Each request carries timestamp (milliseconds) and sign: HmacSHA256 of
"timestamp\\nsecret" keyed with the secret, Base64, then URL-encoded; 钉钉 refuses a timestamp
more than an hour off. The answer is JSON: errcode 0 is sent. A robot takes 20 messages a
minute; past that 钉钉 answers 130101 (or 410100) and holds the robot for 10 minutes.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

from tracker.channels.base import (
    ConfigError,
    Field,
    Message,
    Result,
    phones,
    post_to_robot,
    shorten,
)

KIND = "dingtalk"
LABEL = "钉钉群机器人"
# 钉钉: 每个机器人每分钟最多发送20条消息到群里.
RATE = (20, 60)
OFFICE_ONLY = False
FIELDS = (
    Field(
        "webhook",
        "Webhook 地址",
        kind="url",
        help="群设置 → 智能群助手 → 添加机器人 → 自定义，复制 Webhook（含 access_token）",
    ),
    Field("secret", "加签密钥", secret=True, help="安全设置选“加签”，复制以 SEC 开头的密钥"),
    Field(
        "at_mobiles",
        "@ 手机号",
        kind="phones",
        required=False,
        help="可选：消息中 @ 这些群成员（钉钉绑定的手机号），每行一个",
    ),
)
RATE_LIMITED = {130101, 130102, 410100}
BUSY = {-1}
HOLD_SECONDS = 600  # 钉钉 holds a robot for 10 minutes after it went too fast
TEXT_MAX = 3000


def sign(timestamp_ms: int, secret: str) -> str:
    """钉钉's 加签: Base64(HmacSHA256(secret, f"{timestamp}\\n{secret}")), URL-encoded."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    digest = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    joiner = "&" if urllib.parse.urlsplit(webhook).query else "?"
    return f"{webhook}{joiner}timestamp={timestamp_ms}&sign={sign(timestamp_ms, secret)}"


def clean(config: dict) -> dict:
    webhook = str(config.get("webhook") or "").strip()
    parts = urllib.parse.urlsplit(webhook)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("Webhook 地址应以 https:// 开头，从钉钉机器人设置页整段复制。")
    if "access_token" not in urllib.parse.parse_qs(parts.query):
        raise ConfigError("Webhook 地址里没有 access_token，请从钉钉机器人设置页整段复制。")
    secret = str(config.get("secret") or "").strip()
    if not secret.startswith("SEC"):
        raise ConfigError("加签密钥以 SEC 开头：在机器人安全设置里选“加签”后复制。")
    return {"webhook": webhook, "secret": secret, "at_mobiles": phones(config.get("at_mobiles"))}


def endpoint(config: dict) -> str:
    # The rate limit is the robot's: its webhook without the signature.
    return str(config.get("webhook") or "")


def payload(message: Message, at_mobiles) -> dict:
    content = shorten(message.with_link(), TEXT_MAX)
    if at_mobiles:
        # 钉钉 shows the @ only when the number also appears in the text.
        content += "\n" + " ".join(f"@{m}" for m in at_mobiles)
    return {
        "msgtype": "text",
        "text": {"content": content},
        "at": {"atMobiles": list(at_mobiles), "isAtAll": False},
    }


def send(message: Message, config: dict, *, timeout: float, now=time.time) -> Result:
    url = signed_url(config["webhook"], config["secret"], int(now() * 1000))
    return post_to_robot(
        url,
        payload(message, config.get("at_mobiles") or []),
        timeout=timeout,
        rate_limited=RATE_LIMITED,
        busy=BUSY,
        hold_seconds=HOLD_SECONDS,
    )
