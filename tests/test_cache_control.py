"""Signed-in pages and downloads are never kept by the browser, so after signing out the back
button cannot show them; static files and the sign-in page keep their own caching."""

from django.urls import reverse
from django.utils.cache import get_max_age

from tests.conftest import PASSWORD


def directives(response):
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_signed_in_page_is_private_and_not_stored(login, world):
    response = login(world.staff_a).get(reverse("assignment_list"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_a_download_is_private_and_not_stored(login, world):
    response = login(world.office).get(reverse("bulletin_export"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= directives(response)


def test_the_admin_is_private_and_not_stored(login, world):
    response = login(world.office).get(reverse("admin:tracker_assignment_changelist"))
    assert {"private", "no-store"} <= directives(response)


def test_after_signing_out_the_page_asks_for_the_sign_in_again(login, world):
    client = login(world.staff_a)
    client.post(reverse("logout"))
    response = client.get(reverse("assignment_list"))
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_the_sign_in_page_still_works_and_signs_in(client, world):
    page = client.get(reverse("login"))
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "staff_a", "password": PASSWORD})
    assert response.status_code == 302


def test_static_files_keep_their_own_caching_for_a_signed_in_user(login, world, settings):
    # Whitenoise answers before the rest of the stack; here it serves from the source folders.
    settings.WHITENOISE_USE_FINDERS = True
    settings.WHITENOISE_AUTOREFRESH = True
    response = login(world.staff_a).get("/static/css/site.css")
    assert response.status_code == 200
    assert "no-store" not in directives(response) and "private" not in directives(response)
    assert get_max_age(response) and get_max_age(response) > 0
