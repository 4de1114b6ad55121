"""Sign-in throttle per address: many failures from one address over many usernames lock the
address, well above what one township office behind one NAT address ever does."""

from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD
from tracker import security
from tracker.models import LoginAttempt

THROTTLED = "用户名或密码错误次数过多，请15分钟后再试"
NAT = "10.20.30.40"


def post_login(client, username, password, ip=NAT):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def spray(client, failures, ip=NAT):
    """`failures` wrong passwords spread over many usernames, four each: no pair is locked."""
    for n in range(failures):
        post_login(client, f"guess{n // 4}", "wrong-password", ip)


def test_the_default_address_limit_is_a_hundred_failures(settings):
    assert settings.LOGIN_ADDRESS_FAILURE_LIMIT == 100


def test_forty_failures_over_ten_accounts_from_one_address_are_all_checked(client, world):
    spray(client, 40)
    assert LoginAttempt.objects.filter(ip=NAT).count() == 40
    assert post_login(client, "staff_a", PASSWORD).status_code == 302


def test_a_hundred_failures_from_one_address_lock_it_even_for_the_right_password(client, world):
    spray(client, 100)
    response = post_login(client, "staff_a", PASSWORD)
    assert response.status_code == 200
    assert THROTTLED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Refused attempts are not checked, so they are not counted either.
    post_login(client, "guess-more", "wrong-password")
    assert LoginAttempt.objects.filter(ip=NAT).count() == 100


def test_ninety_nine_failures_do_not_lock_the_address(client, world):
    spray(client, 99)
    assert post_login(client, "staff_a", PASSWORD).status_code == 302


def test_another_address_still_signs_in_while_one_is_locked(client, world):
    spray(client, 100)
    assert post_login(client, "staff_a", PASSWORD, ip="10.99.0.1").status_code == 302


def test_the_admin_login_page_honours_the_address_lock(client, world):
    spray(client, 100)
    client.post(
        reverse("admin:login"),
        {"username": "office", "password": PASSWORD, "next": "/admin/"},
        REMOTE_ADDR=NAT,
    )
    assert "_auth_user_id" not in client.session


def test_the_address_lock_ends_after_15_minutes(client, world, clock):
    spray(client, 100)
    clock.advance(minutes=14)
    assert THROTTLED in post_login(client, "staff_a", PASSWORD).content.decode()
    clock.advance(minutes=1, seconds=1)
    assert post_login(client, "staff_a", PASSWORD).status_code == 302


def test_the_address_check_is_one_query_on_its_own_index(db, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert security.address_locked_until(NAT, now=timezone.now()) is None
    if connection.vendor == "sqlite":
        plan = security.address_failures(NAT, now=timezone.now()).explain()
        assert "login_attempt_address" in plan
