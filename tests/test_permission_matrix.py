"""Who may do what: office, leader, staff of township A, staff of township B, anonymous,
against every view, on township A's assignment. Refused requests change nothing."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker import services
from tracker.models import Assignment

USERS = ["office", "leader", "staff_a", "staff_b", "anonymous"]
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def prepare(world, view):
    """Put township A's assignment in the state the view acts on; return (url, method, data)."""
    a = world.a_item
    later = world.item.deadline + timedelta(days=90)
    if view == "home":
        return reverse("home"), "get", None
    if view == "list":
        return reverse("assignment_list"), "get", None
    if view == "detail":
        return reverse("assignment_detail", args=[a.pk]), "get", None
    if view == "queue":
        return reverse("review_queue"), "get", None
    if view == "evidence":
        update = services.assignment_report(
            assignment=a,
            user=world.staff_a,
            percent=10,
            files=[SimpleUploadedFile("a.pdf", PDF, content_type="application/pdf")],
        )
        return reverse("evidence_download", args=[update.evidence.get().pk]), "get", None
    if view == "report":
        return (
            reverse("assignment_report", args=[a.pk]),
            "post",
            {
                "action": "report",
                "percent": "50",
                "version": a.version,
            },
        )
    if view == "extension":
        return (
            reverse("extension_request", args=[a.pk]),
            "post",
            {
                "new_due_date": later.isoformat(),
                "reason": "冬季停工",
            },
        )
    if view == "review":
        services.assignment_submit(assignment=a, user=world.staff_a)
        a.refresh_from_db()
        return (
            reverse("assignment_review", args=[a.pk]),
            "post",
            {
                "decision": "approve",
                "version": a.version,
            },
        )
    if view == "decide":
        extension = services.extension_request(
            assignment=a, user=world.staff_a, new_due_date=later, reason="冬季停工"
        )
        return reverse("extension_decide", args=[extension.pk]), "post", {"decision": "approve"}
    if view == "bulk":
        return (
            reverse("bulk_action"),
            "post",
            {
                "action": "set_due",
                "due_date": (later + timedelta(days=30)).isoformat(),
                "ids": [a.pk],
            },
        )
    raise AssertionError(view)


# Expected status per view for office, leader, staff_a, staff_b (anonymous always → login).
MATRIX = {
    "home": (200, 302, 200, 200),  # a leader lands on the dashboard
    "list": (200, 200, 200, 200),
    "detail": (200, 200, 200, 404),
    "queue": (200, 200, 403, 403),
    "evidence": (200, 200, 200, 404),
    "report": (302, 403, 302, 404),
    "extension": (302, 403, 302, 404),
    "review": (302, 403, 403, 404),
    "decide": (302, 403, 403, 404),
    "bulk": (302, 403, 403, 403),
}


def state_of(assignment: Assignment):
    assignment.refresh_from_db()
    return (
        assignment.status,
        assignment.percent,
        assignment.due_date,
        assignment.version,
        assignment.history.count(),
        assignment.extensions.filter(state="pending").count(),
    )


@pytest.mark.parametrize("view", MATRIX)
@pytest.mark.parametrize("who", USERS)
def test_each_role_gets_exactly_what_it_may(client, world, view, who):
    url, method, data = prepare(world, view)
    before = state_of(world.a_item)
    if who != "anonymous":
        client.force_login(getattr(world, who))
    response = (
        getattr(client, method)(url, data) if data is not None else getattr(client, method)(url)
    )
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))
        expected = None
    else:
        expected = MATRIX[view][USERS.index(who)]
        assert response.status_code == expected, (view, who, response.status_code)
    if method == "post" and expected != 302:
        assert state_of(world.a_item) == before, "a refused request changed something"
    if method == "post" and expected == 302:
        assert state_of(world.a_item) != before, "an allowed request changed nothing"


@pytest.mark.parametrize("view", ["report", "extension", "review", "decide", "bulk"])
def test_state_never_changes_on_get(login, world, view):
    url, _, _ = prepare(world, view)
    before = state_of(world.a_item)
    response = login(world.office).get(url)
    assert response.status_code == 405
    assert state_of(world.a_item) == before


def test_staff_cannot_close_their_own_assignment_by_crafting_a_post(login, world):
    client = login(world.staff_a)
    response = client.post(
        reverse("assignment_report", args=[world.a_item.pk]),
        {"action": "approve", "percent": "100", "version": world.a_item.version},
    )
    assert response.status_code == 400
    assert "不允许的操作" in response.content.decode()
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    world.a_item.refresh_from_db()
    response = client.post(
        reverse("assignment_review", args=[world.a_item.pk]),
        {"decision": "approve", "version": world.a_item.version},
    )
    assert response.status_code == 403
    world.a_item.refresh_from_db()
    assert world.a_item.status == "submitted"


def test_history_of_another_unit_never_leaks_through_the_list_page(login, world):
    services.assignment_report(
        assignment=world.a_item, user=world.staff_a, percent=10, note="城关镇机密进展"
    )
    for params in [{}, {"q": "城关"}, {"unit": world.town_a.pk}, {"status": "in_progress"}]:
        page = login(world.staff_b).get(reverse("assignment_list"), params).content.decode()
        assert "城关镇机密进展" not in page and "城关镇" not in page
