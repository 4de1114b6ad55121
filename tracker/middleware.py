"""Small middlewares for production safety: the request size limit, the sign-in age limit, the
idle expiry's renewal, no caching of signed-in responses, the content security policy, the
security log of refused requests and the change of a one-time password."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import loader
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from tracker import security

LOGIN_TOO_OLD = "登录已超过12小时，请重新登录"


class RequestSizeLimitMiddleware:
    """Refuses a request whose declared body is over MAX_REQUEST_BYTES before reading any of it.

    Django spools uploads to a temporary file and only then lets the forms judge each file, so
    without this a mistaken or hostile multi-gigabyte upload would fill the disk first. The
    limit is what the largest legitimate request needs (20 evidence files of 20 MB).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            declared = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            declared = 0
        limit = settings.MAX_REQUEST_BYTES
        if declared > limit:
            security.log_event(
                request,
                "request_too_large",
                "refused",
                level=logging.WARNING,
                path=request.path,
                bytes=declared,
            )
            body = loader.get_template("413.html").render({"limit_mb": limit // (1024 * 1024)})
            response = HttpResponse(body, status=413)
            # The inner middlewares, which add the policy and close the session, never ran.
            response["Content-Security-Policy"] = settings.CONTENT_SECURITY_POLICY
            response["Connection"] = "close"
            return response
        return self.get_response(request)


class LoginAgeMiddleware:
    """Signs a user out 12 hours after they typed their password, however active they were.

    The idle limit (30 minutes) is the cookie's own expiry, renewed on every request.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = timezone.now().timestamp()
            login_at = request.session.get(security.LOGIN_AT_KEY)
            if login_at is None:
                # Signed in before this check existed: the limit counts from now.
                request.session[security.LOGIN_AT_KEY] = now
            elif now - login_at > settings.LOGIN_MAX_AGE:
                security.log_event(
                    request, "login", "expired", hours=settings.LOGIN_MAX_AGE // 3600
                )
                logout(request)
                messages.warning(request, LOGIN_TOO_OLD)
                return redirect_to_login(request.get_full_path())
        return self.get_response(request)


class SessionRenewalMiddleware:
    """Moves the 30-minute idle expiry on, at most once every SESSION_RENEW_INTERVAL seconds.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) made every page view a
    database write: on SQLite it queued behind any other writer, such as an import holding the
    write lock for seconds, and on PostgreSQL it waited for a WAL flush. Renewing once a minute
    leaves page views read-only; a session then ends between 29 and 30 minutes after the last
    request instead of exactly 30.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        session = getattr(request, "session", None)
        if session is not None and user is not None and user.is_authenticated:
            now = timezone.now().timestamp()
            renewed_at = session.get(security.RENEWED_AT_KEY)
            if renewed_at is None or now - renewed_at >= settings.SESSION_RENEW_INTERVAL:
                # Marks the session modified: SessionMiddleware saves it with a new expiry.
                session[security.RENEWED_AT_KEY] = now
        return response


class PrivateNoStoreMiddleware:
    """Sends ``Cache-Control: private, no-store`` on every response to a signed-in user: pages
    and downloads show one unit's work, and after signing out (or on a shared office computer)
    the back button must not bring them up from the browser's cache, nor a proxy keep them.

    Static files never get here: whitenoise answers them further up with its own long caching.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends CONTENT_SECURITY_POLICY on every response that has not set its own.

    Django 5.2 has no built-in CSP, and one fixed header does not need the django-csp
    dependency: there are no nonces, no per-view policies and no report endpoint to manage.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        policy = getattr(settings, "CONTENT_SECURITY_POLICY", "")
        if policy and "Content-Security-Policy" not in response:
            response["Content-Security-Policy"] = policy
        return response


class SecurityLogMiddleware:
    """Logs every refusal: 403 responses, whether a view returned one or raised PermissionDenied
    (converted to a response before it reaches here), and CSRF failures. A 404 for a signed-in
    user is logged too, since another unit's task answers 404, not 403."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403:
            security.log_event(
                request,
                "forbidden",
                "refused",
                level=logging.WARNING,
                method=request.method,
                path=request.path,
            )
        elif response.status_code == 404 and request.user.is_authenticated:
            security.log_event(
                request, "not_found", "refused", method=request.method, path=request.path
            )
        return response


class PasswordChangeMiddleware:
    """Sends a user whose password is a one-time one (a new account, or reset by the office)
    to 修改密码 before any other page: the office has seen that password, so until it is
    replaced the account is not the user's alone. Signing out still works."""

    ALLOWED = ("password_change", "logout")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.must_change_password:
            allowed = {reverse(name) for name in self.ALLOWED}
            static = "/" + settings.STATIC_URL.lstrip("/")
            if request.path not in allowed and not request.path.startswith(static):
                messages.warning(request, "请先设置自己的新密码：一次性密码只能用来登录这一次。")
                target = reverse("password_change")
                if request.method == "GET":
                    target += "?" + urlencode({"next": request.get_full_path()})
                return redirect(target)
        return self.get_response(request)
