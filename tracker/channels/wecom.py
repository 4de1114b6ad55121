"""企业微信 group robot (群机器人).

Adding a robot to a group gives a webhook https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…;
the key is the whole credential. Messages go as markdown, whose content may be at most 4096
bytes of UTF-8. A robot takes 20 messages a minute; past that the answer is errcode 45009.
"""

import urllib.parse

from tracker.channels.base import (
    ConfigError,
    Field,
    Message,
    Result,
    post_to_robot,
    shorten_bytes,
)

KIND = "wecom"
LABEL = "企业微信群机器人"
# 企业微信: 每个机器人发送的消息不能超过20条/分钟.
RATE = (20, 60)
OFFICE_ONLY = False
FIELDS = (
    Field(
        "webhook",
        "Webhook 地址",
        kind="url",
        help="群聊 → 添加群机器人 → 新创建，复制 Webhook 地址（含 key）；也可只填 key",
    ),
)
BASE = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"
MARKDOWN_MAX_BYTES = 4096
RATE_LIMITED = {45009}
BUSY = {-1}
HOLD_SECONDS = 60  # the limit counts per minute: a minute later the robot takes messages again


def clean(config: dict) -> dict:
    webhook = str(config.get("webhook") or "").strip()
    if webhook and "://" not in webhook:
        webhook = f"{BASE}?key={urllib.parse.quote(webhook)}"
    parts = urllib.parse.urlsplit(webhook)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ConfigError("Webhook 地址应以 https:// 开头，从企业微信群机器人资料页整段复制。")
    if not urllib.parse.parse_qs(parts.query).get("key"):
        raise ConfigError("Webhook 地址里没有 key，请从企业微信群机器人资料页整段复制。")
    return {"webhook": webhook}


def endpoint(config: dict) -> str:
    return str(config.get("webhook") or "")


def markdown(message: Message) -> str:
    head, _, rest = message.text.partition("】")
    text = f"**{head}】**{rest}" if rest else message.text
    link = f"\n[查看详情]({message.url})" if message.url else ""
    return shorten_bytes(text, MARKDOWN_MAX_BYTES - len(link.encode())) + link


def payload(message: Message) -> dict:
    return {"msgtype": "markdown", "markdown": {"content": markdown(message)}}


def send(message: Message, config: dict, *, timeout: float) -> Result:
    return post_to_robot(
        config["webhook"],
        payload(message),
        timeout=timeout,
        rate_limited=RATE_LIMITED,
        busy=BUSY,
        hold_seconds=HOLD_SECONDS,
    )
