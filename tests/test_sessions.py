"""A sign-in ends after 30 minutes without a request, and 12 hours after the password at most."""

from django.conf import settings
from django.urls import reverse

from tests.conftest import PASSWORD


def sign_in(client):
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 302


def is_signed_in(client) -> bool:
    response = client.get(reverse("home"))
    return response.status_code == 200


def test_the_limits_are_30_minutes_idle_renewed_by_every_request():
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert settings.LOGIN_MAX_AGE == 12 * 60 * 60


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
