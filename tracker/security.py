"""Sign-in protection and the security log.

- The throttle counts failed sign-ins per (username, client address) pair in the database, so
  one township office behind one NAT address is not locked out by one colleague's typos, and
  every gunicorn worker sees the same count. A second, much higher limit counts failures per
  address alone, so one address cannot try a few passwords on every account.
- The security log (logger ``tracker.security``) records sign-ins, refusals, imports and
  exports as one line each: action, outcome, user, address, then details.

The arithmetic (client address, lockout end, log line) is pure; the rest is a few small
services around the ``LoginAttempt`` table and the auth signals.
"""

import ipaddress
import json
import logging
import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import PermissionDenied
from django.dispatch import receiver
from django.utils import timezone

logger = logging.getLogger("tracker.security")

THROTTLED_MESSAGE = "用户名或密码错误次数过多，请15分钟后再试。"
LOGIN_AT_KEY = "login_at"
RENEWED_AT_KEY = "renewed_at"
KEEP_ATTEMPTS = timedelta(days=1)
PLAIN_VALUE = re.compile(r"^[\w.:/@+-]*$")


# --- pure functions -------------------------------------------------------------------------


def client_ip(meta: Mapping[str, str], trusted_proxies: int = 0) -> str | None:
    """The client's address: REMOTE_ADDR, or the X-Forwarded-For entry our own proxy wrote.

    Each trusted proxy appends the address it received the request from, so with N proxies
    the client is the N-th entry from the right; entries further left were sent by the client
    itself and may be forged.
    """
    remote = _valid_ip(meta.get("REMOTE_ADDR", ""))
    if trusted_proxies <= 0:
        return remote
    forwarded = [part.strip() for part in meta.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [part for part in forwarded if part]
    if len(forwarded) < trusted_proxies:
        return remote
    return _valid_ip(forwarded[-trusted_proxies]) or remote


def _valid_ip(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def normalise_username(username: str) -> str:
    # Case and surrounding spaces must not buy an attacker a fresh counter.
    return (username or "").strip().lower()[:150]


def lockout_until(
    failures: Iterable[datetime],
    *,
    now: datetime,
    limit: int,
    window: timedelta,
    lockout: timedelta,
) -> datetime | None:
    """When the pair may try again, or None if it may try now.

    A lock starts at the failure that makes `limit` failures within `window`, and lasts
    `lockout` from then. Attempts refused during a lock are not failures (they are never
    checked), so they do not prolong it.
    """
    recent: list[datetime] = []
    locked_until = None
    for failed_at in sorted(failures):
        if locked_until is not None and failed_at < locked_until:
            continue  # cannot happen through the form; ignore rather than extend
        recent = [t for t in recent if t > failed_at - window] + [failed_at]
        if len(recent) >= limit:
            locked_until = failed_at + lockout
            recent = []
    if locked_until is not None and locked_until > now:
        return locked_until
    return None


def format_event(action: str, outcome: str, user: str, ip: str | None, details: dict) -> str:
    """One log line of key=value pairs; values that are not plain words are JSON-quoted, so a
    username with a newline cannot forge a second line."""
    fields = {"action": action, "outcome": outcome, "user": user or "-", "ip": ip or "-"}
    fields.update(details)
    parts = []
    for key, value in fields.items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        if not PLAIN_VALUE.match(text):
            text = json.dumps(text, ensure_ascii=False)
        parts.append(f"{key}={text}")
    return " ".join(parts)


# --- the security log -----------------------------------------------------------------------


def request_ip(request) -> str | None:
    if request is None:
        return None
    return client_ip(request.META, settings.TRUSTED_PROXY_COUNT)


def log_event(
    request,
    action: str,
    outcome: str,
    *,
    username: str | None = None,
    level: int = logging.INFO,
    **details,
) -> None:
    """Write one security event. The user is the signed-in one unless `username` is given."""
    if username is None and request is not None:
        user = getattr(request, "user", None)
        username = user.get_username() if user is not None and user.is_authenticated else ""
    ip = request_ip(request)
    line = format_event(action, outcome, username or "", ip, details)
    extra = {"security": {"action": action, "outcome": outcome, "user": username, "ip": ip}}
    logger.log(level, line, extra=extra)


# --- the sign-in throttle -------------------------------------------------------------------


def _window() -> tuple[timedelta, timedelta]:
    return (
        timedelta(seconds=settings.LOGIN_FAILURE_WINDOW),
        timedelta(seconds=settings.LOGIN_LOCKOUT),
    )


def locked_until(username: str, ip: str | None, *, now: datetime | None = None) -> datetime | None:
    from tracker.models import LoginAttempt

    now = now or timezone.now()
    window, lockout = _window()
    failures = LoginAttempt.objects.filter(
        username=normalise_username(username), ip=ip, attempted_at__gt=now - window - lockout
    ).values_list("attempted_at", flat=True)
    return lockout_until(
        failures, now=now, limit=settings.LOGIN_FAILURE_LIMIT, window=window, lockout=lockout
    )


def address_failures(ip: str, *, now: datetime):
    """Recent failures from one address, whatever the username (index login_attempt_address)."""
    from tracker.models import LoginAttempt

    window, lockout = _window()
    return LoginAttempt.objects.filter(ip=ip, attempted_at__gt=now - window - lockout).values_list(
        "attempted_at", flat=True
    )


def address_locked_until(ip: str | None, *, now: datetime | None = None) -> datetime | None:
    """When this address may try again, or None: one query, the same arithmetic as a pair's."""
    if ip is None:
        return None
    now = now or timezone.now()
    window, lockout = _window()
    return lockout_until(
        address_failures(ip, now=now),
        now=now,
        limit=settings.LOGIN_ADDRESS_FAILURE_LIMIT,
        window=window,
        lockout=lockout,
    )


def record_failure(username: str, ip: str | None, *, now: datetime | None = None) -> None:
    from tracker.models import LoginAttempt

    now = now or timezone.now()
    LoginAttempt.objects.create(username=normalise_username(username), ip=ip, attempted_at=now)
    LoginAttempt.objects.filter(attempted_at__lt=now - KEEP_ATTEMPTS).delete()


def clear_failures(username: str, ip: str | None) -> None:
    from tracker.models import LoginAttempt

    LoginAttempt.objects.filter(username=normalise_username(username), ip=ip).delete()


def refuse_if_locked(request, username: str) -> bool:
    """True (and logged) when this username from this request's address, or this address
    whatever the username, must wait."""
    if request is None or not username:
        return False
    ip = request_ip(request)
    until = locked_until(username, ip) or address_locked_until(ip)
    if until is None:
        return False
    request.login_throttled = True
    log_event(
        request,
        "login",
        "throttled",
        username=username,
        level=logging.WARNING,
        until=timezone.localtime(until).isoformat(timespec="seconds"),
    )
    return True


class ThrottledModelBackend(ModelBackend):
    """The usual username/password check, refused while the (username, address) pair is locked.

    The login form checks first to show the throttle message; this catches every other way in,
    such as the admin's own sign-in page.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if request is not None and username and refuse_if_locked(request, username):
            raise PermissionDenied(THROTTLED_MESSAGE)
        return super().authenticate(request, username=username, password=password, **kwargs)


# --- password hashing -----------------------------------------------------------------------


class Argon2idHasher(Argon2PasswordHasher):
    """Argon2id with the OWASP Password Storage Cheat Sheet's parameters: 19 MiB, 2 passes, 1 lane.

    Memory-hard, so a GPU attacker gains far less over our CPU than against PBKDF2. One check
    costs about 40 ms of CPU on our 2-core servers, against 0.4-0.5 s for PBKDF2 at Django's
    1,000,000 iterations and 0.35 s for Django's own Argon2 parameters (100 MiB, 8 lanes):
    at those costs 200 staff signing in over a minute took a whole core, and a morning rush
    queued every page behind the sign-ins. The algorithm name stays "argon2", so Django's
    upgrade on sign-in re-hashes older PBKDF2 hashes and any Argon2 hash with other
    parameters to these.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1


# --- auth signals ---------------------------------------------------------------------------


@receiver(user_login_failed, dispatch_uid="tracker.security.login_failed")
def on_login_failed(sender, credentials, request=None, **kwargs):
    username = credentials.get(get_user_model().USERNAME_FIELD, "") or ""
    if request is None or getattr(request, "login_throttled", False):
        return  # a throttled attempt was refused unchecked and logged as such
    record_failure(username, request_ip(request))
    log_event(request, "login", "failure", username=username, level=logging.WARNING)


@receiver(user_logged_in, dispatch_uid="tracker.security.logged_in")
def on_logged_in(sender, request, user, **kwargs):
    if request is None:
        return
    if hasattr(request, "session"):
        # The start of the 12-hour limit: typing the password, not the last request.
        now = timezone.now().timestamp()
        request.session[LOGIN_AT_KEY] = now
        # Signing in saves the session anyway: the first page after it need not renew it again.
        request.session[RENEWED_AT_KEY] = now
    clear_failures(user.get_username(), request_ip(request))
    log_event(request, "login", "success", username=user.get_username())


@receiver(user_logged_out, dispatch_uid="tracker.security.logged_out")
def on_logged_out(sender, request, user, **kwargs):
    if request is not None and user is not None:
        log_event(request, "logout", "success", username=user.get_username())
