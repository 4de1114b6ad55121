"""Without DEBUG, errors get Chinese pages, and a server error is logged with its traceback.
DEBUG is off unless a developer sets DEBUG=1, so the demo and a server show the Chinese pages."""

import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.decorators import login_not_required
from django.urls import path

from tracker.urls import urlpatterns as site_urls

ROOT = Path(__file__).resolve().parent.parent


@login_not_required
def boom(request):
    raise RuntimeError("台账计算出错 boom")


# The site's own URLs plus one view that fails, so base.html's links still resolve.
urlpatterns = [path("boom/", boom), *site_urls]


@pytest.fixture
def production(settings, client):
    settings.DEBUG = False
    settings.ROOT_URLCONF = __name__
    client.raise_request_exception = False
    return client


def test_a_server_error_shows_the_chinese_page_and_is_logged(production, world, request_log):
    response = production.get("/boom/")
    assert response.status_code == 500
    page = response.content.decode()
    assert "系统出错" in page and "已记录" in page
    assert "boom" not in page and "Traceback" not in page
    errors = [r for r in request_log.records if r.name == "django.request"]
    assert len(errors) == 1
    assert errors[0].levelno == logging.ERROR
    assert errors[0].exc_info[0] is RuntimeError
    assert "/boom/" in errors[0].getMessage()


def test_an_unknown_page_gets_the_chinese_404_for_a_visitor(production, db):
    response = production.get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "没有找到" in page and "返回首页" in page
    assert '<html lang="zh-CN">' in page


def test_another_units_task_gets_the_chinese_404_for_a_signed_in_user(production, world):
    production.force_login(world.staff_b)
    response = production.get(f"/tasks/{world.a_item.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "没有找到" in page and "河西镇" in page  # the normal page frame, signed in


def debug_of_the_default_environment() -> bool:
    # pytest-django turns DEBUG off for every test, which would hide the site's own default:
    # read it from the settings as a fresh process with an empty environment loads them.
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    script = (
        "import json, django; from django.conf import settings; print(json.dumps(settings.DEBUG))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_with_the_default_settings_another_units_task_gets_the_chinese_404_not_the_debug_page(
    settings, client, world
):
    settings.DEBUG = debug_of_the_default_environment()
    client.force_login(world.staff_b)
    response = client.get(f"/tasks/{world.a_item.pk}/")
    assert response.status_code == 404
    page = response.content.decode()
    assert "没有找到" in page and "河西镇" in page
    # The technical page lists every URL of the site.
    assert "URLconf" not in page and "tasks/<int:pk>/" not in page


def test_a_refusal_gets_the_chinese_403(production, world):
    production.force_login(world.staff_a)
    response = production.get("/import/")
    assert response.status_code == 403
    assert "无权操作" in response.content.decode()


def test_with_a_log_directory_server_errors_also_go_to_a_file(tmp_path):
    script = (
        "import django, logging; django.setup(); "
        "logging.getLogger('django.request').error('服务器内部错误: /boom/')"
    )
    env = {"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "tracker.settings"}
    env["LOG_DIR"] = str(tmp_path / "logs")
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "服务器内部错误: /boom/" in result.stderr
    assert "服务器内部错误: /boom/" in (tmp_path / "logs" / "errors.log").read_text("utf-8")
