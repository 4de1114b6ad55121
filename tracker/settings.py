"""Settings for 安全生产任务督办台账.

Everything that differs between a developer's laptop and a county server comes from the
environment; the defaults are a local demo on SQLite (see LOCAL_DEMO below).
"""

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [part.strip() for part in os.environ.get(name, default).split(",") if part.strip()]


# Django's debug pages list every URL and show tracebacks with local values: only a developer
# who asks for them (DEBUG=1) gets them; everyone else gets the Chinese error pages.
DEBUG = env_bool("DEBUG", False)

# Two modes, told apart by SECRET_KEY alone. Without it the site is a local demo: the published
# development key, plain HTTP, and only this machine's host names, so the README's first command
# runs on a fresh machine. With it the site is a server, held to the production rules below
# (HTTPS, HSTS, secure cookies; `check --deploy` clean).
DEV_SECRET_KEY = "dev-only-insecure-key-change-me-in-production"
SECRET_KEY = os.environ.get("SECRET_KEY") or DEV_SECRET_KEY
LOCAL_DEMO = SECRET_KEY == DEV_SECRET_KEY
LOCAL_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ",".join(LOCAL_HOSTS))
if LOCAL_DEMO and set(ALLOWED_HOSTS) - {*LOCAL_HOSTS, "::1"}:
    # A published key lets anyone forge a login cookie: refuse to serve other hosts with it.
    raise ImproperlyConfigured(
        f"未设置环境变量 SECRET_KEY 时只能在本机演示（{', '.join(LOCAL_HOSTS)}）；"
        f"要以 ALLOWED_HOSTS={','.join(ALLOWED_HOSTS)} 提供服务，必须设置 SECRET_KEY。"
    )
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_filters",
    "django_tables2",
    "checklist",
    "tracker",
    "tracker.enterprises",
    "tracker.hazards",
    "tracker.accidents",
    "tracker.messaging",
    "tracker.assessment",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "tracker.middleware.RequestSizeLimitMiddleware",
    # Before the CSRF check, the first to read a form: files Django would drop reach the form.
    "tracker.upload_parsing.EvidenceUploadParserMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # After auth and messages: it may log a user out and leave a message for the login page.
    "tracker.middleware.LoginAgeMiddleware",
    # After the sign-in checks: a one-time password is changed before any other page.
    "tracker.middleware.PasswordChangeMiddleware",
    "tracker.middleware.SessionRenewalMiddleware",
    # After auth: signed-in responses are not cached (static files are answered before this).
    "tracker.middleware.PrivateNoStoreMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "tracker.middleware.ContentSecurityPolicyMiddleware",
    "tracker.middleware.SecurityLogMiddleware",
]

ROOT_URLCONF = "tracker.urls"
WSGI_APPLICATION = "tracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "tracker.context_processors.notices",
            ],
        },
    },
]

# SQLite by default; PostgreSQL (or any dj-database-url scheme) when DATABASE_URL says so.
# Connections are kept for DB_CONN_MAX_AGE seconds instead of one per request: a new PostgreSQL
# connection forks a backend that starts with cold catalog caches, which cost more than most of
# our pages' queries. Each gunicorn thread holds at most one; the health check replaces a
# connection the server dropped (restart, idle timeout) before a request uses it.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
# Concurrent writers must wait, never see "database is locked": WAL lets readers run beside a
# writer, IMMEDIATE takes the write lock at BEGIN (so the busy timeout applies instead of a
# deadlock-style failure on lock upgrade), and the timeout is generous.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 30,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA busy_timeout=30000;"
        "PRAGMA foreign_keys=ON;"
    ),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
    # Tests use a file, not memory: only a file database has WAL and honours the busy timeout,
    # so concurrent-writer tests exercise the same configuration as production.
    DATABASES["default"]["TEST"] = {
        "NAME": os.environ.get("SQLITE_TEST_NAME") or str(BASE_DIR / "test-db.sqlite3")
    }

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "tracker.User"

# Argon2id first (tracker.security.Argon2idHasher, OWASP's parameters); the rest only verify
# older hashes, which Django re-hashes with the first one at the user's next sign-in.
PASSWORD_HASHERS = [
    "tracker.security.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]

# The password policy, applied where a password is chosen (修改密码, the admin's forms): at least
# 10 characters, not one of the 20,000 common ones, not like the user name, name or e-mail, not
# digits only. Messages in Chinese (the length rule's own wording has no translation yet).
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("username", "display_name", "email")},
    },
    {
        "NAME": "tracker.accounts.ChineseMinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The throttling backend refuses every entry point (our login page and the admin's) alike.
AUTHENTICATION_BACKENDS = ["tracker.security.ThrottledModelBackend"]

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
# A server serves what collectstatic gathered (compressed, with cache-busting names). The local
# demo and DEBUG=1 serve the source folders through WhiteNoise as they are, without
# collectstatic: runserver itself serves no static files once DEBUG is off.
STATIC_FROM_SOURCE = LOCAL_DEMO or DEBUG
WHITENOISE_USE_FINDERS = STATIC_FROM_SOURCE
WHITENOISE_AUTOREFRESH = STATIC_FROM_SOURCE
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if STATIC_FROM_SOURCE
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Evidence files. Several app servers must point this at one shared directory (NFS, etc.).
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "安委办督办台账 <noreply@localhost>")

DJANGO_TABLES2_TEMPLATE = "django_tables2/bootstrap5.html"

# Upload limits: evidence files are checked one by one in the form; these cap the request.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# The form allows 20 files per report and says so; past 200 the request is refused outright.
DATA_UPLOAD_MAX_NUMBER_FILES = 200
# A whole request: 20 evidence files of 20 MB and the form around them. Larger declared bodies
# are refused unread (tracker.middleware.RequestSizeLimitMiddleware); the proxy's limit matches.
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_MB", "410")) * 1024 * 1024
# 催办: a 督办单 may go up a level (蓝 → 黄 → 红) after this many days without a report.
SUPERVISION_ESCALATION_DAYS = int(os.environ.get("SUPERVISION_ESCALATION_DAYS", "3"))
# Workbooks: more rows than this are refused before they are read.
EXCEL_MAX_ROWS = int(os.environ.get("EXCEL_MAX_ROWS", "200000"))
EXCEL_MAX_UPLOAD_BYTES = int(os.environ.get("EXCEL_MAX_UPLOAD_BYTES", str(50 * 1024 * 1024)))

# Messages to 钉钉 / 企业微信 groups, SMS and e-mail (tracker.messaging, tracker.channels). Links
# in them point at SITE_URL, the address staff open the site by.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# Seconds a provider has to answer one message before the try counts as failed and is retried.
CHANNEL_TIMEOUT = float(os.environ.get("CHANNEL_TIMEOUT", "10"))

# --- production hardening ----------------------------------------------------------------
#
# A server (SECRET_KEY set) is served over HTTPS by default. A county intranet without a
# certificate sets INSECURE_PLAIN_HTTP=1: cookies then travel over plain HTTP and
# `check --deploy` keeps warning about it, as it should. The local demo is plain HTTP.
INSECURE_PLAIN_HTTP = env_bool("INSECURE_PLAIN_HTTP", False)
HTTPS = not LOCAL_DEMO and not INSECURE_PLAIN_HTTP
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", HTTPS)
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000" if HTTPS else "0"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
# The preload flag alone does nothing: only the owner of the registrable domain can submit it.
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Behind nginx terminating TLS: SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Only set it
# when the proxy overwrites that header, or a client could claim HTTPS over plain HTTP.
_proxy_ssl_header = env_list("SECURE_PROXY_SSL_HEADER", "")
SECURE_PROXY_SSL_HEADER = tuple(_proxy_ssl_header) if len(_proxy_ssl_header) == 2 else None
# How many reverse proxies append to X-Forwarded-For in front of the app. 0: the client address
# is REMOTE_ADDR. 1 (one nginx): the last entry, the one nginx wrote, which a client cannot fake.
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))

# Sign-in lifetime: 30 minutes idle (the expiry moves on with the requests, at most once a
# minute: tracker.middleware.SessionRenewalMiddleware), 12 hours at most since the password was
# typed (checked by tracker.middleware.LoginAgeMiddleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = False
SESSION_RENEW_INTERVAL = 60
LOGIN_MAX_AGE = 12 * 60 * 60

# Sign-in throttle: after this many failures of one username from one address within the window,
# that pair is refused for the lockout time. Other usernames from the same address still sign in.
LOGIN_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", "5"))
LOGIN_FAILURE_WINDOW = 15 * 60
LOGIN_LOCKOUT = 15 * 60
# And after this many failures from one address within the same window, whatever the usernames,
# that address is refused for the lockout time: one township office behind one NAT address mistypes
# a handful of times a day, a password spray over many accounts makes hundreds.
LOGIN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "100"))

# Same policy in development and tests, so the browser tests prove the pages run under it.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

# Logs go to stderr (gunicorn's, collected by systemd/journald); with LOG_DIR also to files:
# errors.log for server errors, security.log for sign-ins, refusals, imports and exports.
LOG_DIR = os.environ.get("LOG_DIR", "")
LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")


def build_logging(log_dir: str) -> dict:
    handlers = {"console": {"class": "logging.StreamHandler", "formatter": "plain"}}
    request_handlers, security_handlers = ["console"], ["console"]
    if log_dir:
        Path(log_dir).mkdir(parents=True, exist_ok=True)
        for name, filename, level in [
            ("errors_file", "errors.log", "ERROR"),
            ("security_file", "security.log", "INFO"),
        ]:
            handlers[name] = {
                # WatchedFileHandler reopens the file after logrotate moves it; several gunicorn
                # workers append to the same file line by line.
                "class": "logging.handlers.WatchedFileHandler",
                "filename": str(Path(log_dir) / filename),
                "formatter": "plain",
                "level": level,
                "encoding": "utf-8",
            }
        request_handlers.append("errors_file")
        security_handlers.append("security_file")
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
        "handlers": handlers,
        "loggers": {
            "django": {"handlers": ["console"], "level": LOG_LEVEL},
            # Unhandled exceptions (500) with their traceback.
            "django.request": {"handlers": request_handlers, "level": "ERROR", "propagate": False},
            "tracker": {"handlers": ["console"], "level": LOG_LEVEL},
            "tracker.security": {
                "handlers": security_handlers,
                "level": "INFO",
                "propagate": False,
            },
        },
    }


LOGGING = build_logging(LOG_DIR)
