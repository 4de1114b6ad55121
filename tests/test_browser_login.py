"""Signing in in a real browser, on a phone-sized screen."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def on_login_page(live_server):
    return re.compile(rf"^{re.escape(live_server.url)}/login/")


def test_a_township_user_signs_in_and_sees_only_their_units_tasks(page, live_server, world):
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(on_login_page(live_server))
    page.get_by_label("用户名").fill("staff_b")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", name="河西镇 · 我的任务")).to_be_visible()
    expect(page.get_by_text(world.item.title)).to_be_visible()
    expect(page.get_by_text(world.item_target.title)).to_have_count(0)


def test_a_wrong_password_is_told_in_chinese(page, live_server, world):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("staff_b")
    page.get_by_label("密码").fill("wrong-password")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_have_text("用户名或密码不正确。")
    expect(page).to_have_url(on_login_page(live_server))


def test_signing_out_returns_to_the_login_page(page, live_server, world):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill("leader")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(f"{live_server.url}/dashboard/")  # a leader's first page
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(on_login_page(live_server))
