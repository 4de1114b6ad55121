"""Sign-in throttle: 5 failures of one username from one address lock that pair for 15 minutes."""

from datetime import datetime, time, timedelta

import pytest
from django.urls import reverse

from tests.conftest import PASSWORD
from tracker import security
from tracker.models import LoginAttempt

THROTTLED = "用户名或密码错误次数过多，请15分钟后再试"
WRONG = "用户名或密码不正确"
NAT = "10.20.30.40"  # one township office behind one address


def post_login(client, username, password, ip=NAT, **extra):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip, **extra
    )


def fail(client, username, times, ip=NAT):
    for _ in range(times):
        post_login(client, username, "wrong-password", ip)


# --- pure arithmetic ------------------------------------------------------------------------


WINDOW = timedelta(minutes=15)


@pytest.fixture
def t0(today):
    """09:00 this morning."""
    return datetime.combine(today, time(9))


def until(failures, now):
    return security.lockout_until(failures, now=now, limit=5, window=WINDOW, lockout=WINDOW)


def test_four_failures_do_not_lock(t0):
    failures = [t0 + timedelta(minutes=i) for i in range(4)]
    assert until(failures, t0 + timedelta(minutes=4)) is None


def test_the_fifth_failure_within_15_minutes_locks_for_15_minutes_from_it(t0):
    failures = [t0 + timedelta(minutes=i * 3) for i in range(5)]  # 09:00 … 09:12
    assert until(failures, t0 + timedelta(minutes=13)) == t0 + timedelta(minutes=27)
    assert until(failures, t0 + timedelta(minutes=27)) is None


def test_failures_spread_over_more_than_15_minutes_do_not_lock(t0):
    failures = [t0 + timedelta(minutes=i * 4) for i in range(5)]  # 09:00 … 09:16
    assert until(failures, t0 + timedelta(minutes=17)) is None


def test_the_client_address_is_remote_addr_without_a_proxy():
    meta = {"REMOTE_ADDR": "10.0.0.9", "HTTP_X_FORWARDED_FOR": "1.2.3.4"}
    assert security.client_ip(meta, 0) == "10.0.0.9"


def test_behind_one_proxy_the_address_it_appended_counts_not_what_the_client_claimed():
    meta = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "6.6.6.6, 10.0.0.9"}
    assert security.client_ip(meta, 1) == "10.0.0.9"
    assert security.client_ip({"REMOTE_ADDR": "127.0.0.1"}, 1) == "127.0.0.1"
    assert security.client_ip({"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "x"}, 1) == (
        "127.0.0.1"
    )


def test_usernames_differing_only_in_case_share_a_counter():
    assert security.normalise_username("  Staff_A ") == security.normalise_username("staff_a")


# --- through the login page -----------------------------------------------------------------


def test_the_sixth_attempt_is_refused_even_with_the_right_password(client, world):
    fail(client, "staff_a", 4)
    response = post_login(client, "staff_a", "wrong-password")
    assert THROTTLED in response.content.decode()  # the fifth failure says so at once
    response = post_login(client, "staff_a", PASSWORD)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_four_failures_then_the_right_password_logs_in_and_clears_the_count(client, world):
    fail(client, "staff_a", 4)
    response = post_login(client, "staff_a", PASSWORD)
    assert response.status_code == 302
    assert LoginAttempt.objects.filter(username="staff_a").count() == 0


def test_another_username_from_the_same_address_still_logs_in(client, world):
    fail(client, "staff_a", 6)
    response = post_login(client, "staff_b", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_the_same_username_from_another_address_still_logs_in(client, world):
    fail(client, "staff_a", 6)
    response = post_login(client, "staff_a", PASSWORD, ip="10.99.0.1")
    assert response.status_code == 302


def test_the_message_is_the_same_whether_the_user_exists_or_not(client, world):
    fail(client, "staff_a", 5)
    fail(client, "nobody-here", 5)
    known = post_login(client, "staff_a", "x").content.decode()
    unknown = post_login(client, "nobody-here", "x").content.decode()
    assert THROTTLED in known and THROTTLED in unknown
    assert WRONG not in known and WRONG not in unknown


def test_refused_attempts_are_not_counted_and_the_lock_ends_after_15_minutes(client, world, clock):
    fail(client, "staff_a", 5)
    assert LoginAttempt.objects.filter(username="staff_a").count() == 5
    clock.advance(minutes=10)
    assert THROTTLED in post_login(client, "staff_a", PASSWORD).content.decode()
    assert LoginAttempt.objects.filter(username="staff_a").count() == 5
    clock.advance(minutes=5, seconds=1)
    response = post_login(client, "staff_a", PASSWORD)
    assert response.status_code == 302


def test_behind_a_trusted_proxy_the_forwarded_address_is_throttled(client, world, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _ in range(5):
        post_login(
            client, "staff_a", "wrong", ip="127.0.0.1", HTTP_X_FORWARDED_FOR="1.1.1.1, 10.0.0.5"
        )
    assert set(LoginAttempt.objects.values_list("ip", flat=True)) == {"10.0.0.5"}
    # Another township behind the same proxy is not affected.
    response = post_login(
        client, "staff_a", PASSWORD, ip="127.0.0.1", HTTP_X_FORWARDED_FOR="10.0.0.6"
    )
    assert response.status_code == 302


def test_the_admin_login_page_is_throttled_too(client, world):
    fail(client, "office", 5)
    response = client.post(
        reverse("admin:login"),
        {"username": "office", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=NAT,
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_failures_older_than_a_day_are_pruned(client, world, clock):
    fail(client, "staff_a", 2)
    clock.advance(days=1, minutes=1)
    fail(client, "staff_b", 1)
    assert list(LoginAttempt.objects.values_list("username", flat=True)) == ["staff_b"]
