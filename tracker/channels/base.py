"""What every channel shares: the message, the answer, the settings a channel asks for, and
one careful HTTP call.

Pure code: no ORM. The worker (tracker.messaging) reads the database and calls a channel's
send() with a Message and the channel's settings; the channel answers with a Result.
"""

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from http.client import HTTPException

SENT = "sent"
RETRY = "retry"  # transient: a network error, a timeout, a server error, a rate limit
FAILED = "failed"  # permanent: wrong key, wrong signature, bad number; retrying cannot help

# The provider's words are kept for the delivery log; a page of HTML is not words.
DETAIL_MAX = 500
USER_AGENT = "anquan-dubantaizhang/1.0"


@dataclass(frozen=True)
class Message:
    """One message to one channel.

    text is the short form for groups and SMS (【安委办督办】河西镇：…); summary is the same without
    the 【…】单位： prefix, for an SMS template's variable; title and body are the notice's, for
    e-mail; ref is our own id, for a provider that keeps one (阿里云 OutId)."""

    text: str
    url: str = ""
    title: str = ""
    body: str = ""
    unit: str = ""
    summary: str = ""
    kind: str = ""
    ref: str = ""

    def with_link(self) -> str:
        return f"{self.text}\n{self.url}" if self.url else self.text


@dataclass(frozen=True)
class Result:
    outcome: str
    detail: str = ""
    # Seconds the provider asks us to wait (a rate limit), or None for the usual backoff.
    retry_after: float | None = None
    status: int | None = None

    @property
    def sent(self) -> bool:
        return self.outcome == SENT


@dataclass(frozen=True)
class Field:
    """One setting a channel asks for, as the settings page shows it.

    kind: "text", "url", "phones" (one mainland mobile a line), "emails", "textarea", "int".
    A secret is stored as typed but shown masked; left blank on edit, it is kept. A "url"
    field may hold a secret in its query string (a robot's access_token or key): it is shown
    with that part masked.
    """

    name: str
    label: str
    kind: str = "text"
    secret: bool = False
    required: bool = True
    help: str = ""
    default: str = ""
    choices: tuple = field(default_factory=tuple)


class ConfigError(ValueError):
    """A setting is wrong; the message names it, in Chinese."""


# --- settings: lists, masks, secrets ----------------------------------------------------------

MOBILE = re.compile(r"^1[3-9]\d{9}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
SECRET_PARAMS = ("access_token", "key", "token", "secret", "sign")


def split_list(value) -> list[str]:
    if isinstance(value, list | tuple):
        parts = value
    else:
        parts = re.split(r"[\s,，;；、]+", str(value or ""))
    return [p.strip() for p in parts if p and p.strip()]


def phones(value) -> list[str]:
    numbers = split_list(value)
    bad = [n for n in numbers if not MOBILE.match(n)]
    if bad:
        raise ConfigError(f"手机号码格式不对：{'、'.join(bad[:3])}（应为11位手机号，每行一个）")
    return numbers


def emails(value) -> list[str]:
    addresses = split_list(value)
    bad = [a for a in addresses if not EMAIL.match(a)]
    if bad:
        raise ConfigError(f"邮箱地址格式不对：{'、'.join(bad[:3])}")
    return addresses


def mask(value: str) -> str:
    value = str(value or "")
    if not value:
        return ""
    if len(value) <= 8:
        return "••••"
    return f"{value[:3]}••••••{value[-4:]}"


def mask_url(url: str) -> str:
    """The webhook with its token masked: https://oapi.dingtalk.com/robot/send?access_token=bf7••••3f2a"""
    parts = urllib.parse.urlsplit(url or "")
    if not parts.query:
        return url or ""
    query = [
        (k, mask(v) if k.lower() in SECRET_PARAMS else v)
        for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
    ]
    masked = "&".join(f"{k}={v}" for k, v in query)
    return urllib.parse.urlunsplit(parts._replace(query=masked))


def secret_values(fields, config: dict) -> list[str]:
    """Every secret a channel's settings hold, to be cut out of anything logged or shown."""
    found = []
    for f in fields:
        value = str(config.get(f.name) or "")
        if not value:
            continue
        if f.secret:
            found.append(value)
        if f.kind == "url":
            query = urllib.parse.urlsplit(value).query
            found += [
                v
                for k, v in urllib.parse.parse_qsl(query)
                if k.lower() in SECRET_PARAMS and len(v) >= 4
            ]
    return found


def redact(text: str, secrets) -> str:
    text = str(text or "")
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, "••••")
        quoted = urllib.parse.quote_plus(secret)
        if quoted != secret:
            text = text.replace(quoted, "••••")
    return text


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, with … when cut."""
    text = str(text or "")
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def shorten_bytes(text: str, limit: int) -> str:
    """At most `limit` bytes of UTF-8, cut at a character, with … when cut."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    cut = data[: limit - len("…".encode())].decode("utf-8", errors="ignore")
    return cut + "…"


# --- HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Response:
    status: int
    text: str

    def json(self) -> dict:
        try:
            data = json.loads(self.text)
        except ValueError:
            return {}
        return data if isinstance(data, dict) else {}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    # A webhook that redirects is misconfigured; following it could carry the message (and a
    # signature) somewhere else.
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def http(
    url: str,
    *,
    data: bytes | None = None,
    headers: dict | None = None,
    timeout: float,
    method: str = "POST",
) -> Response | Result:
    """One request. Returns the response whatever its status, or a Result for a request that
    got no answer (no connection, a timeout: worth retrying)."""
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("User-Agent", USER_AGENT)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with OPENER.open(request, timeout=timeout) as answer:
            # A timeout while reading the answer is a timeout too: not caught here.
            text = answer.read(64 * 1024).decode("utf-8", errors="replace")
            return Response(answer.status, text)
    except urllib.error.HTTPError as exc:
        return Response(exc.code, _read(exc))
    except TimeoutError:
        return Result(RETRY, f"{timeout:g} 秒内没有应答（超时）")
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            return Result(RETRY, f"{timeout:g} 秒内没有应答（超时）")
        return Result(RETRY, f"连接失败：{reason}")
    except (OSError, HTTPException) as exc:
        return Result(RETRY, f"连接失败：{exc!r}")
    except ValueError as exc:
        return Result(FAILED, f"地址无效：{exc}")


def _read(answer) -> str:
    # An error's body, best effort: the status alone already decides.
    try:
        return answer.read(64 * 1024).decode("utf-8", errors="replace")
    except (OSError, ValueError):
        return ""


def post_json(url: str, payload: dict, *, timeout: float, headers=None) -> Response | Result:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return http(
        url,
        data=body,
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        timeout=timeout,
    )


def by_status(response: Response) -> Result | None:
    """The answer an HTTP status alone gives: None when the body must be read."""
    if response.status == 429:
        return Result(RETRY, f"HTTP 429 请求过于频繁：{shorten(response.text, 200)}", 60, 429)
    if response.status >= 500:
        return Result(
            RETRY, f"HTTP {response.status}：{shorten(response.text, 200)}", None, response.status
        )
    return None


def post_to_robot(
    url: str, payload: dict, *, timeout: float, rate_limited, busy, hold_seconds: int
) -> Result:
    """Post to a group robot that answers JSON with errcode (钉钉, 企业微信) and judge the answer:
    errcode 0 is sent; a rate-limit code waits hold_seconds, a busy code retries; others fail."""
    answer = post_json(url, payload, timeout=timeout)
    if isinstance(answer, Result):
        return answer
    return judge_errcode(answer, rate_limited=rate_limited, busy=busy, hold_seconds=hold_seconds)


def judge_errcode(answer: Response, *, rate_limited, busy, hold_seconds: int) -> Result:
    by_http = by_status(answer)
    if by_http:
        return by_http
    data = answer.json()
    if "errcode" not in data:
        return Result(
            FAILED, f"HTTP {answer.status}：{shorten(answer.text, 200)}", status=answer.status
        )
    code, words = data.get("errcode"), f"errcode {data.get('errcode')}：{data.get('errmsg', '')}"
    if code == 0:
        return Result(SENT, words, status=answer.status)
    if code in rate_limited:
        return Result(RETRY, words, hold_seconds, answer.status)
    if code in busy:
        return Result(RETRY, words, status=answer.status)
    return Result(FAILED, words, status=answer.status)
