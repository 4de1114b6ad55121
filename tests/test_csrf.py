"""Every POST needs the CSRF token; without it nothing changes and the user is told why."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from tests.conftest import PASSWORD


@pytest.fixture
def strict(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.office)
    return client


@pytest.mark.parametrize(
    "name, data",
    [
        ("assignment_report", lambda world: {"action": "report", "percent": "50", "version": 1}),
        (
            "extension_request",
            lambda world: {"new_due_date": world.item.deadline + timedelta(90), "reason": "x"},
        ),
        ("assignment_review", lambda world: {"decision": "approve", "version": 1}),
    ],
)
def test_a_post_without_the_token_is_refused(strict, world, name, data):
    response = strict.post(reverse(name, args=[world.a_item.pk]), data(world))
    assert response.status_code == 403
    assert "页面已过期" in response.content.decode()
    world.a_item.refresh_from_db()
    assert world.a_item.version == 1 and world.a_item.percent == 0


def test_bulk_actions_and_logout_need_the_token_too(strict, world):
    response = strict.post(
        reverse("bulk_action"),
        {
            "action": "set_due",
            "due_date": world.item.deadline + timedelta(120),
            "ids": [world.a_item.pk],
        },
    )
    assert response.status_code == 403
    assert strict.post(reverse("logout")).status_code == 403


def test_the_login_form_needs_the_token(world):
    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse("login"), {"username": "office", "password": PASSWORD})
    assert response.status_code == 403


def test_a_post_with_the_token_goes_through(strict, world):
    page = strict.get(reverse("assignment_detail", args=[world.a_item.pk]))
    token = page.context["csrf_token"]
    response = strict.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "report", "percent": "50", "version": 1, "csrfmiddlewaretoken": str(token)},
    )
    assert response.status_code == 302
