"""分解数量 in the speech review: the same 河西镇8、平山街道5 text as in a 任务分解表."""

from decimal import Decimal

import pytest

from checklist import extract
from checklist.models import ChecklistItem
from tests.fake_extract import SPEECH, one_per_ordering_sentence
from tests.test_speech_views import accept_data, first_candidate, text_of, url
from tracker import speech_review
from tracker.models import Assignment, StatusUpdate
from tracker.services import WorkflowError


@pytest.fixture(autouse=True)
def _fixed_extraction(monkeypatch):
    monkeypatch.setattr(extract, "extract_directives", one_per_ordering_sentence)


@pytest.fixture
def speech(world):
    return speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", day=world.today, text=SPEECH
    )


def accept(login, world, speech, **changes):
    candidate = first_candidate(speech)
    data = {
        "theme": world.theme.pk,
        "lead": "应急局",
        "responsible": "城关镇、河西镇",
        "target_quantity": "40",
        "target_unit": "家",
        **changes,
    }
    response = login(world.office).post(
        url("candidate_accept", speech, candidate), accept_data(candidate, **data)
    )
    candidate.refresh_from_db()
    return response, candidate


def shares_of(item):
    return dict(Assignment.objects.filter(item=item).values_list("unit__name", "share_quantity"))


def test_accepting_with_shares_gives_each_named_unit_its_share(login, world, speech):
    response, candidate = accept(login, world, speech, shares="城关镇25、河西15家")
    assert response.status_code == 302
    assert shares_of(candidate.item) == {"县应急管理局": None, "城关镇": 25, "河西镇": 15}
    note = StatusUpdate.objects.get(assignment__item=candidate.item, assignment__unit=world.town_a)
    assert note.note.endswith("，分解数量 25家")


def test_one_number_is_the_share_of_each_lead_and_responsible_unit(login, world, speech):
    _, candidate = accept(login, world, speech, lead="", cooperate="应急局", shares="20")
    assert shares_of(candidate.item) == {"县应急管理局": None, "城关镇": 20, "河西镇": 20}


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"shares": "城关镇8、大岭镇5"}, "没有找到单位：大岭镇。"),
        ({"shares": "应急局2", "lead": "", "cooperate": "应急局"}, "「县应急管理局」是配合单位"),
        ({"shares": "城关镇8、县安委办2"}, "「县安委办」不是本任务的牵头或责任单位。"),
        ({"shares": "城关镇8", "target_quantity": "", "target_unit": ""}, "需先填写目标数量"),
        ({"shares": "城关镇80", "target_quantity": "100", "target_unit": "%"}, "不分解数量"),
        ({"shares": "城关镇8个"}, "“个”与目标数量的单位“家”不同"),
    ],
)
def test_a_share_that_cannot_be_given_is_explained_and_nothing_is_written(
    login, world, speech, changes, message
):
    items = ChecklistItem.objects.count()
    response, candidate = accept(login, world, speech, **changes)
    assert response.status_code == 400
    assert message in text_of(response)
    assert ChecklistItem.objects.count() == items and candidate.state == "pending"
    assert changes["shares"] in response.content.decode()  # kept as typed


def test_the_service_gives_shares_only_to_lead_and_responsible_units(world, speech):
    acceptance = speech_review.Acceptance(
        title="小微企业标准化创建",
        theme=world.theme,
        responsible=[world.town_a],
        cooperate=[world.town_b],
        deadline=world.item.deadline,
        target_quantity=Decimal(40),
        target_unit="家",
        shares={world.town_b.pk: Decimal(5)},
    )
    with pytest.raises(WorkflowError, match="只能分给本任务的牵头单位和责任单位"):
        speech_review.candidate_accept(
            candidate=first_candidate(speech), user=world.office, acceptance=acceptance
        )
