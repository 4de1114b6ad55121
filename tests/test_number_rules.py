"""One rule for numbers, on SQLite and PostgreSQL alike: a quantity is plain digits with an
optional decimal point (no exponent, no inf or nan), and a 排序 is a small positive integer
(at most 32767, what PostgreSQL's smallint holds)."""

import pytest
from django.contrib import admin
from django.test import RequestFactory

from checklist import extract
from checklist.models import ChecklistItem, Theme
from tests.fake_extract import SPEECH, one_per_ordering_sentence
from tests.test_speech_views import accept_data, first_candidate, text_of, url
from tracker import speech_review
from tracker.models import Unit


@pytest.fixture(autouse=True)
def _fixed_extraction(monkeypatch):
    monkeypatch.setattr(extract, "extract_directives", one_per_ordering_sentence)


@pytest.fixture
def speech(world):
    return speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", day=world.today, text=SPEECH
    )


def accept_with_target(login, world, speech, quantity):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, target_quantity=quantity, target_unit="家"),
    )
    candidate.refresh_from_db()
    return response, candidate


@pytest.mark.parametrize(
    "quantity", ["1e3", "1E3", "2.5e1", "inf", "Infinity", "nan", "-5", "0x10"]
)
def test_the_speech_form_refuses_a_target_that_is_not_plain_digits(login, world, speech, quantity):
    items = ChecklistItem.objects.count()
    response, candidate = accept_with_target(login, world, speech, quantity)
    assert response.status_code == 400
    assert "目标数量请填写数字，如 40 或 2.5。" in text_of(response)
    assert candidate.state == "pending" and ChecklistItem.objects.count() == items


@pytest.mark.parametrize(("quantity", "stored"), [("40", 40), ("2.5", 2.5), (" 12.50 ", 12.5)])
def test_the_speech_form_takes_a_target_written_as_plain_digits(
    login, world, speech, quantity, stored
):
    response, candidate = accept_with_target(login, world, speech, quantity)
    assert response.status_code == 302
    assert float(candidate.item.target_quantity) == stored


def admin_form(model, world, data):
    request = RequestFactory().get("/")
    request.user = world.office
    form_class = admin.site._registry[model].get_form(request)
    return form_class(data=data)


@pytest.mark.parametrize(
    ("value", "valid"), [("32767", True), ("32768", False), ("99999999", False)]
)
def test_a_theme_sort_order_above_32767_is_refused_by_the_admin_form(world, value, valid):
    form = admin_form(Theme, world, {"name": "职业健康", "sort_order": value})
    assert form.is_valid() is valid, form.errors
    if not valid:
        assert "sort_order" in form.errors


@pytest.mark.parametrize(
    ("value", "valid"), [("32767", True), ("32768", False), ("99999999", False)]
)
def test_a_unit_sort_order_above_32767_is_refused_by_the_admin_form(world, value, valid):
    data = {"name": "县住房和城乡建设局", "kind": "department", "sort_order": value, "active": "on"}
    form = admin_form(Unit, world, data)
    if valid:
        assert "sort_order" not in form.errors, form.errors
    else:
        assert not form.is_valid() and "sort_order" in form.errors
