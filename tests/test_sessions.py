"""A sign-in ends after 30 minutes without a request, and 12 hours after the password at most."""

from datetime import timedelta

from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.conftest import PASSWORD


def sign_in(client):
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 302


def is_signed_in(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


def session_expiry(client):
    return Session.objects.get(session_key=client.cookies["sessionid"].value).expire_date


def test_the_limits_are_30_minutes_idle_renewed_at_most_once_a_minute():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is False
    assert settings.SESSION_RENEW_INTERVAL == 60
    assert settings.LOGIN_MAX_AGE == 12 * 60 * 60


def test_a_page_view_within_a_minute_of_the_last_renewal_writes_nothing(client, world, clock):
    sign_in(client)
    expiry = session_expiry(client)
    clock.advance(seconds=40)
    with CaptureQueriesContext(connection) as queries:
        assert is_signed_in(client)
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert writes == []
    assert session_expiry(client) == expiry


def test_a_page_view_a_minute_later_moves_the_expiry_on(client, world, clock):
    sign_in(client)
    clock.advance(seconds=61)
    assert is_signed_in(client)
    assert session_expiry(client) == clock.now + timedelta(minutes=30)


def test_a_user_active_every_50_seconds_stays_signed_in_past_30_minutes(client, world, clock):
    sign_in(client)
    for _ in range(45):  # 37.5 minutes, each gap shorter than the renewal interval
        clock.advance(seconds=50)
        assert is_signed_in(client)


def test_29_minutes_idle_keeps_the_user_signed_in_and_moves_the_expiry_on(client, world, clock):
    sign_in(client)
    clock.advance(minutes=29)
    assert is_signed_in(client)
    clock.advance(minutes=29)  # 58 minutes after signing in, 29 after the last request
    assert is_signed_in(client)


def test_31_minutes_idle_sends_the_user_to_the_login_page(client, world, clock):
    sign_in(client)
    clock.advance(minutes=31)
    response = client.get(reverse("assignment_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_an_active_user_is_signed_out_after_12_hours_with_a_message(client, world, clock):
    sign_in(client)
    for _ in range(12 * 3 - 1):  # a request every 20 minutes up to 11 h 40 min
        clock.advance(minutes=20)
        assert is_signed_in(client)
    clock.advance(minutes=21)
    response = client.get(reverse("assignment_list"), follow=True)
    assert response.redirect_chain[0][0].startswith(reverse("login"))
    assert "next=/tasks/" in response.redirect_chain[0][0]
    assert "登录已超过12小时，请重新登录" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_signing_in_again_starts_a_fresh_12_hours(client, world, clock):
    sign_in(client)
    clock.advance(hours=11, minutes=50)
    client.post(reverse("logout"))
    sign_in(client)
    clock.advance(minutes=20)
    assert is_signed_in(client)


def test_a_sign_in_without_a_timestamp_is_given_one_rather_than_kept_forever(client, world, clock):
    sign_in(client)
    session = client.session
    del session["login_at"]
    session.save()
    assert is_signed_in(client)
    assert client.session["login_at"] == clock.now.timestamp()
