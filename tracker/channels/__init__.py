"""Message channels: one module per kind (钉钉, 企业微信, SMS, e-mail) behind one face,
send(message, channel), as healthchecks keeps one module per integration.

A channel module defines KIND, LABEL, FIELDS (the settings it asks for), RATE (messages per
seconds per endpoint, the provider's published limit), OFFICE_ONLY, clean(config) -> config
(raises ConfigError naming the setting), endpoint(config) (what the rate limit counts) and
send(message, config, *, timeout) -> Result. Adding 浙政钉 or a province's platform is one more
module in this folder: it is found by its KIND.

Channels are plain code without the database; tracker.messaging stores their settings, queues
the messages and calls send().
"""

import importlib
import pkgutil
from types import ModuleType

from tracker.channels.base import (
    FAILED,
    RETRY,
    SENT,
    ConfigError,
    Message,
    Result,
    mask,
    mask_url,
    redact,
    secret_values,
)

__all__ = [
    "FAILED",
    "RETRY",
    "SENT",
    "ConfigError",
    "Message",
    "Result",
    "choices",
    "get",
    "mask",
    "mask_url",
    "redact",
    "secrets_of",
    "send",
]

DEFAULT_TIMEOUT = 10.0


def _discover() -> dict[str, ModuleType]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "KIND") and hasattr(module, "send"):
            found[module.KIND] = module
    return found


ORDER = ("dingtalk", "wecom", "sms_aliyun", "sms_http", "email")
TRANSPORTS = _discover()


def get(kind: str) -> ModuleType:
    try:
        return TRANSPORTS[kind]
    except KeyError:
        raise ConfigError(f"未知的消息渠道：{kind}") from None


def choices() -> list[tuple[str, str]]:
    kinds = sorted(TRANSPORTS, key=lambda k: (ORDER.index(k) if k in ORDER else len(ORDER), k))
    return [(k, TRANSPORTS[k].LABEL) for k in kinds]


def secrets_of(kind: str, config: dict) -> list[str]:
    return secret_values(get(kind).FIELDS, config)


def send(message: Message, channel, *, timeout: float = DEFAULT_TIMEOUT) -> Result:
    """Send one message to one channel (anything with .kind and .config) and return the
    provider's answer. Never raises for the provider's sake: a channel that cannot be reached
    answers RETRY, one that refuses answers FAILED, each with the provider's words, from which
    the channel's secrets are cut."""
    module = get(channel.kind)
    try:
        result = module.send(message, channel.config, timeout=timeout)
    except (KeyError, TypeError, ValueError) as exc:
        result = Result(FAILED, f"渠道设置不完整：{exc}")
    detail = redact(result.detail, secrets_of(channel.kind, channel.config))
    return Result(result.outcome, detail[:500], result.retry_after, result.status)
