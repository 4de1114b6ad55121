"""讲话分解: groups of units (各部门, 各乡镇, the 全部乡镇（街道） and 全部部门 boxes) expand to
every active unit of their kind, except those the office already named in another role."""

import pytest

from checklist import extract
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


@pytest.fixture
def market(world):
    return Unit.objects.create(
        name="县市场监督管理局", short_name="市场监管局", kind="department", sort_order=40
    )


def roles_of(candidate) -> dict[str, str]:
    candidate.refresh_from_db()
    assert candidate.item is not None, "the candidate was not accepted"
    return dict(candidate.item.assignments.values_list("unit__name", "role"))


def test_every_department_is_responsible_except_the_one_named_as_lead(login, world, speech, market):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, lead="应急局", responsible="各部门"),
    )
    assert response.status_code == 302, text_of(response)
    assert roles_of(candidate) == {"县应急管理局": "lead", "县市场监督管理局": "responsible"}


def test_the_all_departments_box_assigns_every_other_active_department(
    login, world, speech, market
):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(
            candidate, theme=world.theme.pk, lead="应急局", responsible="", all_departments="on"
        ),
    )
    assert response.status_code == 302, text_of(response)
    assert roles_of(candidate) == {"县应急管理局": "lead", "县市场监督管理局": "responsible"}


def test_a_township_named_as_cooperating_is_left_out_of_all_townships(login, world, speech):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(
            candidate,
            theme=world.theme.pk,
            responsible="",
            all_townships="on",
            cooperate="城关镇",
        ),
    )
    assert response.status_code == 302, text_of(response)
    assert roles_of(candidate) == {"河西镇": "responsible", "城关镇": "cooperate"}


def test_cooperating_departments_as_a_group_leave_out_the_lead(login, world, speech, market):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, lead="应急局", cooperate="各部门"),
    )
    assert response.status_code == 302, text_of(response)
    assert roles_of(candidate) == {
        "县应急管理局": "lead",
        "城关镇": "responsible",
        "县市场监督管理局": "cooperate",
    }


def test_a_unit_named_twice_by_name_is_still_refused(login, world, speech):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, lead="应急局", responsible="城关镇、应急局"),
    )
    assert response.status_code == 400
    assert "同时填为牵头单位和责任单位" in text_of(response)


def test_the_review_form_has_an_all_departments_box_beside_all_townships(login, world, speech):
    candidate = first_candidate(speech)
    html = login(world.office).get(url("speech_review", speech)).content.decode()
    townships = html.index(f'name="c{candidate.pk}-all_townships"')
    departments = html.index(f'name="c{candidate.pk}-all_departments"')
    assert 0 < departments - townships < 300
    assert "全部部门" in html
