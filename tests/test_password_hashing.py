"""Passwords are stored as Argon2id; older PBKDF2 hashes become Argon2id at the next sign-in."""

import pytest
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.urls import reverse

from tracker.security import Argon2idHasher

PRODUCTION_HASHERS = [
    "tracker.security.Argon2idHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
]
OWASP_PARAMETERS = "argon2$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashing(settings):
    # The suite hashes with MD5 for speed; these tests need what a server uses.
    settings.PASSWORD_HASHERS = PRODUCTION_HASHERS


def test_the_settings_hash_new_passwords_with_argon2id_first():
    from tracker import settings as project_settings

    assert project_settings.PASSWORD_HASHERS == PRODUCTION_HASHERS


def test_a_new_password_is_argon2id_with_owasps_parameters(production_hashing):
    encoded = make_password("Township-pass-7391")
    assert encoded.startswith(OWASP_PARAMETERS)
    assert check_password("Township-pass-7391", encoded)
    assert not check_password("township-pass-7391", encoded)
    assert isinstance(identify_hasher(encoded), Argon2idHasher)


def test_an_old_pbkdf2_hash_becomes_argon2id_when_its_owner_signs_in(
    production_hashing, world, client
):
    user = world.staff_a
    user.password = make_password("Township-pass-7391", hasher="pbkdf2_sha256")
    user.save(update_fields=["password"])
    response = client.post(
        reverse("login"), {"username": user.username, "password": "Township-pass-7391"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith(OWASP_PARAMETERS)
    assert user.check_password("Township-pass-7391")


def test_a_wrong_password_leaves_the_old_hash_as_it_was(production_hashing, world, client):
    user = world.staff_a
    old = make_password("Township-pass-7391", hasher="pbkdf2_sha256")
    user.password = old
    user.save(update_fields=["password"])
    response = client.post(reverse("login"), {"username": user.username, "password": "wrong"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == old


def test_a_stronger_django_argon2_hash_still_verifies(production_hashing):
    # Django's own Argon2 parameters (100 MiB, 8 lanes): the parameters travel in the hash.
    from django.contrib.auth.hashers import Argon2PasswordHasher

    encoded = Argon2PasswordHasher().encode("Township-pass-7391", "saltsaltsaltsalt")
    assert check_password("Township-pass-7391", encoded)
