"""修改密码: every user changes their own password under the policy (at least 10 characters, not a
common password, not like the user name, not digits only), told why in Chinese; a one-time
password must be changed before any other page."""

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tracker import accounts


def change(client, old, new, again=None, **extra):
    return client.post(
        reverse("password_change"),
        {"old_password": old, "new_password1": new, "new_password2": again or new, **extra},
    )


@pytest.mark.parametrize("who", ["office", "leader", "staff_a", "grid_a"])
def test_every_user_changes_their_own_password(login, world, events, who):
    user = getattr(world, who)
    client = login(user)
    assert client.get(reverse("password_change")).status_code == 200
    response = change(client, PASSWORD, "Qiuyu-huanghe-2718")
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Qiuyu-huanghe-2718")
    assert client.get(reverse("notice_list")).status_code == 200  # still signed in
    assert [
        e.security["outcome"] for e in events() if e.security["action"] == "password_change"
    ] == ["success"]


@pytest.mark.parametrize(
    "new, words",
    [
        ("Ab3-def", "密码太短，至少需要 10 个字符。"),
        ("password123", "这个密码太常见了。"),
        ("staff_a-2024", "密码跟 用户名 太相似了。"),
        ("20240601123", "密码只包含数字。"),
    ],
)
def test_a_weak_password_is_refused_with_the_reason_in_chinese(login, world, new, words):
    client = login(world.staff_a)
    response = change(client, PASSWORD, new)
    assert response.status_code == 200 and words in response.content.decode()
    world.staff_a.refresh_from_db()
    assert world.staff_a.check_password(PASSWORD)


def test_the_old_password_must_be_right_and_the_new_one_different(login, world, events):
    client = login(world.staff_a)
    assert "原密码不正确" in change(client, "wrong-password", "Qiuyu-huanghe-2718").content.decode()
    assert "新密码不能与原密码相同" in change(client, PASSWORD, PASSWORD).content.decode()
    mismatch = change(client, PASSWORD, "Qiuyu-huanghe-2718", "Qiuyu-huanghe-2719")
    assert "两次输入的新密码不一致" in mismatch.content.decode()
    assert ("password_change", "failure") in [
        (e.security["action"], e.security["outcome"]) for e in events()
    ]


def test_a_one_time_password_must_be_changed_before_any_other_page(login, world):
    accounts.password_reset(user=world.office, account=world.staff_a)
    world.staff_a.refresh_from_db()
    client = login(world.staff_a)
    response = client.get(reverse("assignment_list"))
    assert response.status_code == 302
    assert response["Location"] == reverse("password_change") + "?next=%2Ftasks%2F"
    assert client.post(reverse("assignment_report", args=[world.a_item.pk])).status_code == 302
    assert client.get(reverse("password_change")).status_code == 200


def test_after_the_change_the_user_goes_where_they_were_going(client, world):
    password = accounts.password_reset(user=world.office, account=world.staff_a)
    client.post(reverse("login"), {"username": "staff_a", "password": password})
    response = change(client, password, "Qiuyu-huanghe-2718", next="/tasks/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    world.staff_a.refresh_from_db()
    assert not world.staff_a.must_change_password
    assert client.get(reverse("assignment_list")).status_code == 200


def test_one_time_passwords_are_long_random_and_easy_to_read_out():
    passwords = {accounts.one_time_password() for _ in range(50)}
    assert len(passwords) == 50
    for password in passwords:
        assert len(password) == 14 and password.count("-") == 2
        assert not set(password) & set("0O1lI")
