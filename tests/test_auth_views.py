from django.urls import reverse

from tests.conftest import PASSWORD


def test_every_page_sends_an_anonymous_visitor_to_the_login_page(client, world):
    for url in [reverse("home"), reverse("home") + "?next=/admin/"]:
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


def test_the_login_page_is_in_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = response.content.decode()
    assert "登录" in page and "用户名" in page and "密码" in page
    assert '<html lang="zh-CN">' in page


def test_a_wrong_password_gets_a_clear_message(client, world):
    response = client.post(reverse("login"), {"username": "staff_a", "password": "wrong"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_a_user_logs_in_and_lands_on_the_home_page(client, world):
    response = client.post(
        reverse("login"), {"username": "staff_a", "password": PASSWORD}, follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("home")
    assert "城关镇 · 我的任务" in response.content.decode()


def test_a_deactivated_user_cannot_log_in(client, world):
    world.staff_a.is_active = False
    world.staff_a.save()
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(client, world):
    client.force_login(world.staff_a)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("home")).status_code == 302
