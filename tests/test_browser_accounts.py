"""账号管理 in a real browser: the office creates a 联络员; the new user signs in with the
one-time password and must set their own before anything else."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, live_server, username, password):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码", exact=True).fill(password)
    page.get_by_role("button", name="登录").click()


def test_the_office_creates_an_account_and_the_new_user_must_change_the_password(
    page, live_server, world
):
    sign_in(page, live_server, "office", PASSWORD)
    page.wait_for_url(f"{live_server.url}/")
    page.get_by_role("link", name="账号管理").click()
    expect(page.get_by_role("heading", name="账号管理")).to_be_visible()
    page.get_by_role("link", name="添加账号").click()
    page.get_by_label("用户名").fill("hexi_zhou")
    page.get_by_label("姓名").fill("河西镇周干事")
    page.get_by_label("所属单位").select_option(label="河西镇")
    page.get_by_role("button", name="创建账号").click()
    one_time = page.locator("#one-time-password")
    expect(one_time).to_have_text(re.compile(r"^[A-Za-z2-9]{4}-[A-Za-z2-9]{4}-[A-Za-z2-9]{4}$"))
    password = one_time.inner_text()
    page.get_by_role("button", name="退出").click()
    page.wait_for_url(f"{live_server.url}/login/")

    sign_in(page, live_server, "hexi_zhou", password)
    expect(page.get_by_role("heading", name="设置新密码")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/password/\?next="))
    page.get_by_label("原密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("hexi_zhou1")
    page.get_by_label("再输一次新密码").fill("hexi_zhou1")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_role("alert").first).to_contain_text("太相似")
    page.get_by_label("原密码").fill(password)
    page.get_by_label("新密码", exact=True).fill("Huanghe-qiuyu-2718")
    page.get_by_label("再输一次新密码").fill("Huanghe-qiuyu-2718")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_text("密码已修改。")).to_be_visible()
    expect(page.get_by_role("heading", name="河西镇 · 我的任务")).to_be_visible()
    page.get_by_role("link", name="我的任务").click()
    expect(page).to_have_url(re.compile(r"/tasks/"))
