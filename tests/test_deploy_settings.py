"""Settings are read from the environment at import, so each case runs in a new process with
exactly the environment a county server (or a fresh laptop running the README's first command)
would have. A server is told apart by its SECRET_KEY; without one the site is a local demo."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# No DEBUG: a server gets the production rules from its SECRET_KEY, and DEBUG is off by default.
PRODUCTION = {
    "SECRET_KEY": "k7#Qv2!pX9zL@r4W8m$T1nB6yF3hJ0cD5sG&uE*aR^oI(wZ)eV-Nq+Ml=Kx_Py~Ct",
    "ALLOWED_HOSTS": "aqsc.example.gov.cn",
    "CSRF_TRUSTED_ORIGINS": "https://aqsc.example.gov.cn",
    "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
    "TRUSTED_PROXY_COUNT": "1",
    "DATABASE_URL": "postgres://tracker@127.0.0.1:5432/tracker",
}


def run(args, **env):
    # Only what a server would set: no inherited DEBUG, DATABASE_URL or test settings.
    environment = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings", **env}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=environment, capture_output=True, text=True
    )


def production_settings(**overrides) -> dict:
    names = [
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "SECURE_CONTENT_TYPE_NOSNIFF",
        "X_FRAME_OPTIONS",
        "SECURE_PROXY_SSL_HEADER",
        "SECURE_REFERRER_POLICY",
        "SESSION_COOKIE_AGE",
        "TRUSTED_PROXY_COUNT",
    ]
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}))"
    )
    result = run(["-c", script], **{**PRODUCTION, **overrides})
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_the_production_environment():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], **PRODUCTION)
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_production_turns_on_https_cookies_hsts_and_the_proxy_header():
    values = production_settings()
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["TRUSTED_PROXY_COUNT"] == 1


def test_a_plain_http_intranet_turns_secure_cookies_off_and_check_deploy_says_so():
    values = production_settings(INSECURE_PLAIN_HTTP="1")
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    result = run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        **PRODUCTION,
        INSECURE_PLAIN_HTTP="1",
    )
    assert result.returncode != 0
    for warning in ["security.W004", "security.W008", "security.W012", "security.W016"]:
        assert warning in result.stderr


def test_a_server_without_a_secret_key_refuses_to_start_with_the_development_key():
    environment = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check"], **environment)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr and "aqsc.example.gov.cn" in result.stderr
    # Whatever DEBUG says: the development key never serves another host.
    result = run(["manage.py", "check"], **environment, DEBUG="1")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def settings_under(environment: dict, names: list[str]) -> dict:
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {names!r}}}, default=str))"
    )
    result = run(["-c", script], **environment)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


LOCAL_NAMES = [
    "DEBUG",
    "LOCAL_DEMO",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "WHITENOISE_USE_FINDERS",
    "STORAGES",
]


def test_the_default_environment_is_a_local_demo_with_debug_off_over_plain_http():
    values = settings_under({}, LOCAL_NAMES)
    assert values["DEBUG"] is False
    assert values["LOCAL_DEMO"] is True
    assert values["ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]
    assert values["SESSION_COOKIE_SECURE"] is False and values["CSRF_COOKIE_SECURE"] is False
    assert values["SECURE_SSL_REDIRECT"] is False and values["SECURE_HSTS_SECONDS"] == 0
    # Static files straight from the source folders: the first command runs no collectstatic.
    assert values["WHITENOISE_USE_FINDERS"] is True
    assert values["STORAGES"]["staticfiles"]["BACKEND"].endswith(".StaticFilesStorage")


def test_debug_pages_appear_only_when_a_developer_asks_for_them():
    assert settings_under({"DEBUG": "1"}, ["DEBUG"]) == {"DEBUG": True}
    assert settings_under({"DEBUG": "0"}, ["DEBUG"]) == {"DEBUG": False}
    assert settings_under({}, ["DEBUG"]) == {"DEBUG": False}
    assert production_settings()["DEBUG"] is False


def test_the_local_demo_serves_static_files_and_chinese_error_pages_without_collectstatic(
    tmp_path,
):
    # What runserver does with the default environment: WhiteNoise answers /static/ (runserver
    # itself serves nothing with DEBUG off), and a missing page is the site's own 404.
    script = (
        "import json, django; django.setup(); "
        "from django.test import Client; from django.test.utils import setup_test_environment; "
        "setup_test_environment(); client = Client(HTTP_HOST='127.0.0.1'); out = {}; "
        "css = client.get('/static/css/site.css'); "
        "out['css'] = [css.status_code, css['Content-Type'], "
        "b''.join(css.streaming_content).decode()[:200]]; "
        "missing = client.get('/no-such-page/'); "
        "out['missing'] = [missing.status_code, missing.content.decode()]; "
        "print(json.dumps(out))"
    )
    empty = tmp_path / "empty.sqlite3"
    result = run(
        ["-c", script], DATABASE_URL=f"sqlite:///{empty}", STATIC_ROOT=str(tmp_path / "none")
    )
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout)
    status, content_type, css = pages["css"]
    assert status == 200 and content_type.startswith("text/css") and css.strip()
    status, page = pages["missing"]
    assert status == 404 and "没有找到" in page and '<html lang="zh-CN">' in page
    assert "URLconf" not in page and "Page not found" not in page


def test_production_keeps_database_connections_and_checks_them_before_use():
    script = (
        "import json, django; from django.conf import settings; django.setup(); "
        "db = settings.DATABASES['default']; "
        "print(json.dumps([db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS']]))"
    )
    result = run(["-c", script], **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [600, True]
    result = run(["-c", script], **PRODUCTION, DB_CONN_MAX_AGE="0")
    assert json.loads(result.stdout) == [0, True]


def test_gunicorn_accepts_the_shipped_configuration_with_threaded_workers():
    result = run(
        [
            "-m",
            "gunicorn",
            "--check-config",
            "--print-config",
            "--config",
            "gunicorn.conf.py",
            "tracker.wsgi",
        ],
        **PRODUCTION,
        WEB_CONCURRENCY="2",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    printed = dict(
        line.split("=", 1) for line in result.stdout.replace(" ", "").splitlines() if "=" in line
    )
    assert printed["worker_class"] == "gthread"
    assert printed["workers"] == "2" and printed["threads"] == "4"
    assert int(printed["timeout"]) >= 60 and printed["max_requests"] == "2000"
