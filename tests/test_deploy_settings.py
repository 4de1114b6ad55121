"""Production settings: read from the environment at import, so each case runs in a new process
with exactly the environment a county server would have."""

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION = {
    "DEBUG": "0",
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


def test_production_refuses_to_start_with_the_development_secret_key():
    environment = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run(["manage.py", "check"], **environment)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_development_defaults_stay_plain_http():
    result = run(
        [
            "-c",
            "import django; from django.conf import settings; django.setup(); "
            "print(settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.SECURE_SSL_REDIRECT)",
        ]
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "False", "False"]


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
