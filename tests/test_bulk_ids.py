"""The bulk action takes only plain task numbers: anything else is a 400, never a server error."""

import pytest
from django.urls import reverse

BAD_IDS = "所选任务的编号无效"


def bulk(client, ids, **data):
    data = {"action": "set_due", "due_date": "", **data, "ids": ids}
    return client.post(reverse("bulk_action"), data)


@pytest.mark.parametrize(
    "bad",
    ["²", "٣", "１２", "9223372036854775808", "1" * 40, "-1", "1.0", " 1"],
    ids=["superscript", "arabic-indic", "fullwidth", "2-to-the-63", "forty-digits", "minus",
         "decimal", "space"],
)  # fmt: skip
def test_a_bad_id_is_refused_with_a_400_and_changes_nothing(login, world, request_log, bad):
    client = login(world.office)
    response = bulk(client, [str(world.a_draft.pk), bad], action="publish")
    assert response.status_code == 400
    assert BAD_IDS in response.content.decode()
    world.draft.refresh_from_db()
    assert world.draft.state == "draft"
    assert not [r for r in request_log.records if r.levelname == "ERROR"]


def test_plain_ids_still_work(login, world):
    response = bulk(login(world.office), [str(world.a_draft.pk)], action="publish")
    assert response.status_code == 302
    world.draft.refresh_from_db()
    assert world.draft.state == "published"


def test_the_largest_accepted_id_that_matches_nothing_asks_to_choose_tasks(login, world):
    response = bulk(login(world.office), ["9" * 18], action="publish")
    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert messages == ["请先勾选要操作的任务。"]


# --- other numbers read from a request ------------------------------------------------------

ODD = ["²", "²²²²", "9" * 30]


def test_odd_numbers_in_the_dashboards_filters_are_ignored(login, world, request_log):
    client = login(world.office)
    for odd in ODD:
        response = client.get(reverse("dashboard"), {"theme": odd, "source": odd, "year": odd})
        assert response.status_code == 200, odd
    assert not [r for r in request_log.records if r.levelname == "ERROR"]


def test_an_odd_unit_on_the_return_sheet_is_not_found(login, world, request_log):
    client = login(world.office)
    for odd in ODD:
        response = client.get(reverse("return_sheet_download"), {"unit": odd})
        assert response.status_code == 404, odd
    assert not [r for r in request_log.records if r.levelname == "ERROR"]


def test_odd_items_to_carry_over_do_not_break_closing_a_year(login, world, request_log):
    client = login(world.office)
    url = reverse("work_year_close", args=[world.year])
    for odd in ODD:
        client.post(url, {"carry": [odd]})
    assert not [r for r in request_log.records if r.levelname == "ERROR"]
