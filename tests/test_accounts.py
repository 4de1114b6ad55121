"""账号管理: the office creates a unit's 联络员 or 网格员, resets a forgotten password, moves an
account to another unit and deactivates it, without the admin and without handing out more
power than it has; each action is in the security log."""

import re

import pytest
from django.contrib.auth import authenticate
from django.urls import reverse

from tests.conftest import PASSWORD
from tracker.models import User

ONE_TIME = re.compile(r'id="one-time-password">([A-Za-z0-9-]{14})<')


def one_time_password(response) -> str:
    return ONE_TIME.search(response.content.decode()).group(1)


def actions(events):
    return [(e.security["action"], e.security["outcome"]) for e in events()]


def test_the_office_creates_a_liaison_who_gets_a_one_time_password(login, world, events):
    client = login(world.office)
    response = client.post(
        reverse("account_new"),
        {
            "username": "hexi_li",
            "display_name": "河西镇李干事",
            "unit": world.town_b.pk,
            "role": "staff",
            "email": "li@example.cn",
        },
    )
    assert response.status_code == 200
    password = one_time_password(response)
    assert "只显示这一次" in response.content.decode()
    account = User.objects.get(username="hexi_li")
    assert account.unit == world.town_b and account.role == "staff" and account.must_change_password
    assert not account.is_staff and not account.is_superuser
    assert authenticate(username="hexi_li", password=password) == account
    (event,) = [e for e in events() if e.security["action"] == "account_create"]
    assert "target=hexi_li" in event.getMessage() and password not in event.getMessage()
    assert response["Cache-Control"] == "private, no-store"


def test_admin_status_cannot_be_slipped_into_the_form(login, world):
    login(world.office).post(
        reverse("account_new"),
        {
            "username": "sneaky",
            "display_name": "某人",
            "unit": world.town_a.pk,
            "role": "office",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert not User.objects.filter(username="sneaky").exists()  # no such role here
    login(world.office).post(
        reverse("account_new"),
        {"username": "sneaky", "display_name": "某人", "unit": world.town_a.pk, "role": "staff",
         "is_staff": "on", "is_superuser": "on"},
    )  # fmt: skip
    account = User.objects.get(username="sneaky")
    assert not account.is_staff and not account.is_superuser and account.role == "staff"


def test_a_username_taken_in_any_case_is_refused(login, world):
    response = login(world.office).post(
        reverse("account_new"),
        {"username": "STAFF_A", "display_name": "重名", "unit": world.town_a.pk, "role": "staff"},
    )
    assert "用户名“STAFF_A”已被使用" in response.content.decode()


def test_a_grid_member_belongs_to_a_township(login, world):
    response = login(world.office).post(
        reverse("account_new"),
        {"username": "dept_grid", "display_name": "某人", "unit": world.dept.pk, "role": "grid"},
    )
    assert "网格员只能属于乡镇（街道）" in response.content.decode()
    assert not User.objects.filter(username="dept_grid").exists()


@pytest.mark.parametrize("who", ["staff_a", "leader", "grid_a"])
def test_nobody_but_the_office_manages_accounts(login, world, who):
    client = login(getattr(world, who))
    assert client.get(reverse("account_list")).status_code == 403
    response = client.post(reverse("account_reset", args=[world.staff_b.pk]))
    assert response.status_code == 403
    world.staff_b.refresh_from_db()
    assert world.staff_b.check_password(PASSWORD)


def test_a_reset_password_replaces_the_old_one_and_ends_the_users_sessions(
    client, login, world, events
):
    from django.test import Client

    theirs = Client()
    theirs.force_login(world.staff_a)
    assert theirs.get(reverse("home")).status_code == 200
    response = login(world.office).post(reverse("account_reset", args=[world.staff_a.pk]))
    password = one_time_password(response)
    world.staff_a.refresh_from_db()
    assert world.staff_a.must_change_password and not world.staff_a.check_password(PASSWORD)
    assert world.staff_a.check_password(password)
    assert theirs.get(reverse("home")).status_code == 302  # signed out
    assert ("password_reset", "success") in actions(events)


def test_office_and_admin_accounts_are_not_managed_here(login, world):
    other_office = User.objects.create_user(
        username="office2", password=PASSWORD, role="office", unit=world.office_unit
    )
    admin_staff = User.objects.create_user(
        username="tech", password=PASSWORD, role="staff", unit=world.town_a, is_staff=True
    )
    client = login(world.office)
    for account in (other_office, admin_staff):
        assert client.post(reverse("account_reset", args=[account.pk])).status_code == 403
        assert (
            client.post(reverse("account_active", args=[account.pk]), {"active": "0"}).status_code
            == 403
        )
        account.refresh_from_db()
        assert account.is_active and account.check_password(PASSWORD)


def test_a_deactivated_account_can_no_longer_sign_in(client, login, world, events):
    office = login(world.office)
    office.post(reverse("account_active", args=[world.staff_b.pk]), {"active": "0"})
    world.staff_b.refresh_from_db()
    assert not world.staff_b.is_active
    office.logout()
    response = client.post(reverse("login"), {"username": "staff_b", "password": PASSWORD})
    assert response.status_code == 200 and "用户名或密码不正确" in response.content.decode()
    assert ("account_deactivate", "success") in actions(events)


def test_a_liaison_moved_to_another_unit_sees_that_units_work_only(login, world, events):
    login(world.office).post(
        reverse("account_move", args=[world.staff_a.pk]), {"unit": world.town_b.pk}
    )
    world.staff_a.refresh_from_db()
    assert world.staff_a.unit == world.town_b
    client = login(world.staff_a)
    assert client.get(reverse("assignment_detail", args=[world.b_item.pk])).status_code == 200
    assert client.get(reverse("assignment_detail", args=[world.a_item.pk])).status_code == 404
    (event,) = [e for e in events() if e.security["action"] == "account_move"]
    assert "from_unit=城关镇" in event.getMessage() and "to_unit=河西镇" in event.getMessage()


def test_a_grid_member_still_in_grids_is_not_moved_away_from_them(login, world, registers):
    response = login(world.office).post(
        reverse("account_move", args=[world.grid_a.pk]), {"unit": world.town_b.pk}, follow=True
    )
    assert "仍在原乡镇的网格中" in response.content.decode()
    world.grid_a.refresh_from_db()
    assert world.grid_a.unit == world.town_a


def test_the_list_shows_each_units_accounts_with_role_and_last_sign_in(login, world):
    page = login(world.office).get(reverse("account_list") + f"?unit={world.town_a.pk}")
    text = page.content.decode()
    assert "城关镇王干事" in text and "城关镇网格员小刘" in text and "河西镇赵干事" not in text
    assert "单位联络员" in text and "网格员" in text and "从未登录" in text
