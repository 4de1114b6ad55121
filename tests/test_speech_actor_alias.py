"""Actors the extractor matched to no unit: the review page lists them, the office maps one to
a unit in one click, and the name is kept as the unit's alias for the next speech."""

import re
from html import unescape

import pytest
from django.urls import reverse

from checklist.models import DirectiveCandidate
from tracker import speech_review
from tracker.models import Unit, UnitAlias

SPEECH = (
    "一、压实安全生产责任\n"
    "由县纪委监委牵头，对落实不力的单位开展监督执纪问责，本月底前完成。"
    "各村要落实网格员巡查制度。"
    "县应急管理局要开展隐患排查，城关镇配合。"
)
NAME = "县纪委监委"


@pytest.fixture
def discipline(world):
    """A unit the speech names by an everyday name none of its names matches."""
    return Unit.objects.create(name="县纪律检查委员会", kind="department", sort_order=40)


@pytest.fixture
def speech(world, discipline):
    return speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", day=world.today, text=SPEECH
    )


@pytest.fixture
def candidate(speech) -> DirectiveCandidate:
    return speech.candidates.get(text__contains=NAME)


def review_url(speech):
    return reverse("speech_review", args=[speech.pk])


def alias_url(candidate):
    return reverse("candidate_alias", args=[candidate.source_id, candidate.pk])


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


def map_form(page: str, name: str) -> bool:
    return f'name="actor" value="{name}"' in page


def snapshot(candidate):
    candidate.refresh_from_db()
    return candidate.actors, candidate.units, list(UnitAlias.objects.values_list("alias", "unit"))


def test_reading_a_speech_stores_every_actor_with_its_unit_group_and_role(speech):
    actors = [entry for c in speech.candidates.order_by("start") for entry in c.actors]
    assert {"name": NAME, "unit": None, "group": None, "role": "lead"} in actors
    assert {"name": "各村", "unit": None, "group": "village", "role": "responsible"} in actors
    assert {"name": "城关镇", "unit": "城关镇", "group": None, "role": "cooperate"} in actors
    # An actor without a unit is not put among the units the accept form starts from.
    assert all(entry["unit"] for c in speech.candidates.all() for entry in c.units)


def test_the_review_page_lists_the_unmatched_actor_with_the_mapping_button(
    login, world, speech, candidate
):
    response = login(world.office).get(review_url(speech))
    page = response.content.decode()
    assert map_form(page, NAME)
    assert "对应并保存为别名" in page
    assert alias_url(candidate) in page
    assert f"{NAME}（牵头，未对应单位）" in text_of(response)


def test_groups_are_shown_as_groups_and_not_offered_for_mapping(login, world, speech):
    response = login(world.office).get(review_url(speech))
    assert "各村（责任，泛指各村、社区）" in text_of(response)
    assert not map_form(response.content.decode(), "各村")


def test_leaders_see_the_actors_but_no_mapping_form(login, world, speech):
    response = login(world.leader).get(review_url(speech))
    assert f"{NAME}（牵头，未对应单位）" in text_of(response)
    assert "对应并保存为别名" not in response.content.decode()


def test_candidates_made_before_actors_were_kept_show_none(login, world, speech, candidate):
    DirectiveCandidate.objects.filter(source=speech).update(actors=[])
    page = login(world.office).get(review_url(speech)).content.decode()
    assert "责任主体" not in page and "对应并保存为别名" not in page


def test_the_office_maps_an_unmatched_actor_in_one_click(
    login, world, speech, candidate, discipline, events
):
    response = login(world.office).post(
        alias_url(candidate), {"actor": NAME, "unit": discipline.name}, follow=True
    )
    assert response.status_code == 200
    assert "已对应到县纪律检查委员会，并保存为别名" in text_of(response)
    assert UnitAlias.objects.get(alias=NAME).unit == discipline
    candidate.refresh_from_db()
    assert {"unit": discipline.name, "role": "lead"} in candidate.units
    assert {"name": NAME, "unit": discipline.name, "group": None, "role": "lead"} in (
        candidate.actors
    )
    # The page now shows the actor as matched, with its unit as the accept form's lead.
    assert not map_form(response.content.decode(), NAME)
    assert f"{NAME}（牵头，对应县纪律检查委员会）" in text_of(response)
    lead = rf'name="c{candidate.pk}-lead"[^>]*value="{discipline.name}"'
    assert re.search(lead, response.content.decode())
    logged = [r.getMessage() for r in events() if "unit_alias_create" in r.getMessage()]
    assert len(logged) == 1 and NAME in logged[0] and "user=office" in logged[0]


def test_the_unit_may_be_typed_by_its_short_name(login, world, speech, candidate):
    login(world.office).post(alias_url(candidate), {"actor": NAME, "unit": "应急局"})
    assert UnitAlias.objects.get(alias=NAME).unit == world.dept
    candidate.refresh_from_db()
    assert {"unit": world.dept.name, "role": "lead"} in candidate.units


def test_a_unit_already_on_the_candidate_is_not_added_twice(world, speech, candidate):
    candidate.units = [{"unit": world.dept.name, "role": "responsible"}]
    candidate.save()
    speech_review.candidate_actor_map(
        candidate=candidate, user=world.office, name=NAME, unit=world.dept
    )
    candidate.refresh_from_db()
    assert candidate.units == [{"unit": world.dept.name, "role": "responsible"}]


def test_a_second_lead_joins_the_candidate_as_responsible(world, speech, candidate, discipline):
    candidate.units = [{"unit": world.dept.name, "role": "lead"}]
    candidate.save()
    speech_review.candidate_actor_map(
        candidate=candidate, user=world.office, name=NAME, unit=discipline
    )
    candidate.refresh_from_db()
    assert candidate.units[1] == {"unit": discipline.name, "role": "responsible"}


@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("staff_a", 404), ("staff_b", 404)])
def test_leaders_and_unit_staff_are_refused_and_nothing_is_written(
    login, world, speech, candidate, discipline, who, status
):
    before = snapshot(candidate)
    response = login(getattr(world, who)).post(
        alias_url(candidate), {"actor": NAME, "unit": discipline.name}
    )
    assert response.status_code == status
    assert snapshot(candidate) == before
    assert not UnitAlias.objects.filter(alias=NAME).exists()


def test_an_alias_taken_by_another_unit_is_refused(login, world, speech, candidate, discipline):
    # Saved since the speech was read, written without 县: the extractor reads them as one.
    UnitAlias.objects.create(unit=world.town_a, alias="纪委监委")
    before = snapshot(candidate)
    response = login(world.office).post(
        alias_url(candidate), {"actor": NAME, "unit": discipline.name}, follow=True
    )
    assert "别名「纪委监委」已属于「城关镇」，不能再对应到「县纪律检查委员会」" in text_of(response)
    assert snapshot(candidate) == before


def test_a_name_of_another_unit_is_refused_as_an_alias(login, world, speech, candidate, discipline):
    Unit.objects.create(name=NAME, kind="other", sort_order=50, active=False)
    before = snapshot(candidate)
    response = login(world.office).post(
        alias_url(candidate), {"actor": NAME, "unit": discipline.name}, follow=True
    )
    assert f"「{NAME}」是单位「{NAME}」的名称，不能作为「县纪律检查委员会」的别名" in text_of(
        response
    )
    assert snapshot(candidate) == before


@pytest.mark.parametrize("typed", ["县纪检组", ""])
def test_an_unknown_or_missing_unit_is_refused_with_a_message(
    login, world, speech, candidate, typed
):
    before = snapshot(candidate)
    response = login(world.office).post(
        alias_url(candidate), {"actor": NAME, "unit": typed}, follow=True
    )
    expected = f"没有找到单位「{typed}」" if typed else f"请填写「{NAME}」对应的单位"
    assert expected in text_of(response)
    assert snapshot(candidate) == before


def test_a_candidate_already_decided_is_not_mapped(world, speech, candidate, discipline):
    speech_review.candidate_reject(candidate=candidate, user=world.office)
    with pytest.raises(speech_review.WorkflowError, match="已驳回"):
        speech_review.candidate_actor_map(
            candidate=candidate, user=world.office, name=NAME, unit=discipline
        )
    assert not UnitAlias.objects.exists()


def test_a_group_cannot_be_mapped(world, speech, discipline):
    villages = speech.candidates.get(text__contains="各村")
    with pytest.raises(speech_review.WorkflowError, match="没有未对应单位的「各村」"):
        speech_review.candidate_actor_map(
            candidate=villages, user=world.office, name="各村", unit=discipline
        )


def test_the_next_speech_matches_the_saved_alias(login, world, speech, candidate, discipline):
    login(world.office).post(alias_url(candidate), {"actor": NAME, "unit": discipline.name})
    later = speech_review.speech_create(
        user=world.office,
        title="全县安全生产约谈会讲话",
        day=world.today,
        text="纪委监委要对事故责任单位开展追责问责，本月底前完成。",
    )
    found = later.candidates.get()
    assert discipline.name in [entry["unit"] for entry in found.units]
    assert found.actors[0]["unit"] == discipline.name


def test_the_same_name_on_another_candidate_comes_with_its_unit_filled_in(login, world, discipline):
    text = (
        "由县纪委监委牵头，对落实不力的单位开展监督执纪问责，本月底前完成。"
        "今年全县安全形势平稳。"
        "由县纪委监委牵头，对迟报瞒报事故的单位开展追责问责，年底前完成。"
    )
    speech = speech_review.speech_create(
        user=world.office, title="约谈会讲话", day=world.today, text=text
    )
    first, second = speech.candidates.order_by("start")
    client = login(world.office)
    client.post(alias_url(first), {"actor": NAME, "unit": discipline.name})
    page = client.get(review_url(speech)).content.decode()
    form = page[page.index(alias_url(second)) :]
    assert f'value="{discipline.name}"' in form[: form.index("</form>")]
    # Confirming it maps the second candidate without a new alias.
    client.post(alias_url(second), {"actor": NAME, "unit": discipline.name})
    second.refresh_from_db()
    assert {"unit": discipline.name, "role": "lead"} in second.units
    assert UnitAlias.objects.filter(alias=NAME).count() == 1


def test_merging_and_splitting_keep_the_actors(world, speech):
    first, second = speech.candidates.order_by("start")[:2]
    merged = speech_review.candidate_merge_next(candidate=first, user=world.office)
    assert [entry["name"] for entry in merged.actors] == [NAME, "各村"]
    cut = merged.text.index("各村") + merged.start
    head, rest = speech_review.candidate_split(candidate=merged, user=world.office, at=cut)
    assert head.actors == rest.actors == merged.actors
