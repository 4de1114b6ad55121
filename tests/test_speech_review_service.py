"""Speech → checklist services: entering a speech runs extraction once; accepting, rejecting,
merging, splitting and publishing; nothing reaches a unit before a person accepted and published."""

import calendar
import threading
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.utils import timezone

from checklist import extract
from checklist.models import ChecklistItem, Directive, DirectiveCandidate, Source
from checklist.spans import trim
from tests.fake_extract import SPEECH, one_per_ordering_sentence
from tracker import selectors, speech_review
from tracker.models import Assignment, StatusUpdate, UnitAlias
from tracker.services import WorkflowError
from tracker.speech_review import Acceptance


@pytest.fixture(autouse=True)
def _fixed_extraction(monkeypatch):
    monkeypatch.setattr(extract, "extract_directives", one_per_ordering_sentence)


REAL_EXTRACT = extract.extract_directives


def month_end(day: date) -> date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@pytest.fixture
def day(today):
    """The speech's date: it was given today."""
    return today


def found(sentence: str, **labels) -> extract.ExtractedDirective:
    start = SPEECH.index(sentence)
    return extract.ExtractedDirective(
        text=sentence, start=start, end=start + len(sentence), **labels
    )


def labelled_directives(day: date) -> list[extract.ExtractedDirective]:
    """What extraction found in SPEECH given on that day, labels and all."""
    return [
        found(
            "各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。",
            heading_path=("一、全面开展隐患排查",),
            themes=["隐患排查治理"],
            unit_groups=["township"],
            deadline=month_end(day),
            deadline_phrase="本月底前",
        ),
        found(
            "县应急管理局要牵头组织专家检查。",
            themes=["隐患排查治理", "执法监察"],
            units=["县应急管理局"],
        ),
        found("各部门要落实监管责任；", themes=["责任落实"], unit_groups=["department"]),
        found(
            "各企业要在年底前开展自查。",
            unit_groups=["enterprise"],
            deadline=date(day.year, 12, 31),
            deadline_phrase="年底前",
            target_quantity=Decimal("40"),
            target_unit="家",
        ),
    ]


@pytest.fixture
def labelled(monkeypatch):
    calls = []

    def fake(text, *, speech_date=None, units=()):
        calls.append({"text": text, "speech_date": speech_date, "units": list(units)})
        return labelled_directives(speech_date)

    monkeypatch.setattr(extract, "extract_directives", fake)
    return calls


@pytest.fixture
def speech(world, labelled, day):
    return speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", speaker="王县长", day=day, text=SPEECH
    )


def candidates(speech: Source) -> list[DirectiveCandidate]:
    return list(speech.candidates.order_by("start"))


def accept(world, candidate, **changes):
    """Accept with the speech's 本月底前 as the deadline, unless changed."""
    values = {
        "title": "开展拉网式排查",
        "theme": world.theme,
        "responsible": [world.town_a, world.town_b],
        "deadline": month_end(candidate.source.date),
    }
    values.update(changes)
    return speech_review.candidate_accept(
        candidate=candidate, user=world.office, acceptance=Acceptance(**values)
    )


# --- entering ------------------------------------------------------------------------------


def test_entering_a_speech_runs_extraction_once_with_its_date_and_every_unit_name(
    world, labelled, day
):
    UnitAlias.objects.create(unit=world.dept, alias="安监局")
    source = speech_review.speech_create(user=world.office, title="讲话", day=day, text=SPEECH)
    assert len(labelled) == 1
    assert labelled[0]["speech_date"] == day
    refs = {ref.key: ref for ref in labelled[0]["units"]}
    assert refs["县应急管理局"].names == ("县应急管理局", "应急局", "安监局")
    assert refs["城关镇"].kind == "township"
    assert source.text == SPEECH and source.extracted_at is not None
    assert source.kind == "speech" and source.key == f"speech-{day:%Y%m%d}"


def test_candidates_keep_the_labels_and_their_text_is_the_speechs_own(speech, day):
    rows = candidates(speech)
    assert [c.text for c in rows] == [d.text for d in labelled_directives(day)]
    assert all(SPEECH[c.start : c.end] == c.text for c in rows)
    first = rows[0]
    assert first.state == "pending" and first.item is None
    assert first.groups == ["township"] and first.deadline == month_end(day)
    assert first.heading_path == "一、全面开展隐患排查"
    assert rows[1].units == [{"unit": "县应急管理局", "role": "lead"}]
    assert rows[3].target_quantity == 40 and rows[3].target_unit == "家"


def test_two_speeches_of_the_same_day_get_different_keys(world, labelled, day):
    first = speech_review.speech_create(user=world.office, title="甲", day=day, text=SPEECH)
    second = speech_review.speech_create(user=world.office, title="乙", day=day, text=SPEECH)
    assert (first.key, second.key) == (f"speech-{day:%Y%m%d}", f"speech-{day:%Y%m%d}-2")


def test_overlapping_or_out_of_range_spans_are_clipped_so_no_text_is_shown_twice(
    world, monkeypatch, day
):
    def fake(text, **kwargs):
        return [
            extract.ExtractedDirective(text="", start=11, end=40),
            extract.ExtractedDirective(text="", start=30, end=50),  # overlaps the first
            extract.ExtractedDirective(text="", start=len(text) - 5, end=len(text) + 99),
        ]

    monkeypatch.setattr(extract, "extract_directives", fake)
    source = speech_review.speech_create(user=world.office, title="讲话", day=day, text=SPEECH)
    spans = [(c.start, c.end) for c in candidates(source)]
    assert spans == [(11, 40), (len(SPEECH) - 5, len(SPEECH))]


def test_a_fault_in_extraction_keeps_nothing_and_says_so(world, monkeypatch, day):
    def broken(text, **kwargs):
        raise RuntimeError("bug")

    monkeypatch.setattr(extract, "extract_directives", broken)
    with pytest.raises(WorkflowError, match="自动识别部署要求时出错"):
        speech_review.speech_create(user=world.office, title="讲话", day=day, text=SPEECH)
    assert not Source.objects.filter(title="讲话").exists()


@pytest.mark.parametrize("who", ["leader", "staff_a", "staff_b"])
def test_only_the_office_enters_a_speech(world, labelled, who, day):
    with pytest.raises(PermissionDenied):
        speech_review.speech_create(user=getattr(world, who), title="讲话", day=day, text=SPEECH)
    assert not Source.objects.filter(title="讲话").exists()


def test_the_review_stores_exactly_what_the_extraction_rules_find(world, monkeypatch, day):
    monkeypatch.setattr(extract, "extract_directives", REAL_EXTRACT)
    text = SPEECH + "\n二、严格执法\n县应急管理局要在三个月内完成执法检查。"
    found = REAL_EXTRACT(text, speech_date=day, units=speech_review.unit_refs())
    expected = sorted(found, key=lambda d: d.start)
    source = speech_review.speech_create(user=world.office, title="讲话", day=day, text=text)
    stored = candidates(source)
    assert stored
    assert [(c.start, c.end) for c in stored] == [trim(text, d.start, d.end) for d in expected]
    assert [c.themes for c in stored] == [d.themes for d in expected]
    assert [c.deadline for c in stored] == [d.deadline for d in expected]


# --- accepting -----------------------------------------------------------------------------


def test_accepting_creates_a_draft_item_its_directive_and_assignments_with_history(
    world, speech, day
):
    first = candidates(speech)[0]
    item = accept(world, first, lead=world.dept)
    first.refresh_from_db()
    assert first.state == "accepted" and first.item == item and first.decided_by == world.office
    assert item.state == "draft" and item.code == f"{world.year}-100"  # after the world's 099
    assert item.start_date == day and item.deadline == month_end(day)
    directive = item.directive
    assert (directive.source, directive.start, directive.end) == (speech, first.start, first.end)
    assert directive.text == first.text and directive.heading_path == "一、全面开展隐患排查"
    assert {t.name for t in directive.themes.all()} == {"隐患排查治理"}
    roles = dict(item.assignments.values_list("unit__name", "role"))
    assert roles == {"县应急管理局": "lead", "城关镇": "responsible", "河西镇": "responsible"}
    history = StatusUpdate.objects.filter(assignment__item=item)
    assert history.count() == 3
    assert {(h.kind, h.author_id) for h in history} == {("assign", world.office.pk)}
    assert all("全县安全生产工作会议讲话" in h.note for h in history)


def test_an_accepted_draft_is_invisible_to_the_units_until_published(world, speech):
    item = accept(world, candidates(speech)[0])
    visible = selectors.assignments_for_user(world.staff_a).filter(item=item)
    assert not visible.exists()
    assert speech_review.speech_publish(source=speech, user=world.office) == 1
    assert selectors.assignments_for_user(world.staff_a).filter(item=item).count() == 1
    assert not selectors.assignments_for_user(world.staff_b).filter(unit=world.town_a).exists()
    # Each unit given the task hears of it, in the bell and on its channels.
    from tracker.models import OutboxMessage

    told = OutboxMessage.objects.filter(kind=OutboxMessage.Kind.TASK)
    assert world.town_a.pk in set(told.values_list("unit_id", flat=True))


def test_accepting_twice_is_refused(world, speech):
    first = candidates(speech)[0]
    accept(world, first)
    with pytest.raises(WorkflowError, match="已接受"):
        accept(world, first)
    assert ChecklistItem.objects.filter(directive__source=speech).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"responsible": [], "lead": None}, "至少填写一个牵头单位或责任单位"),
        ({"responsible": [], "cooperate": ["town_a"]}, "只有配合单位"),
        ({"lead": "town_a"}, "同时填为牵头单位和责任单位"),
        ({"deadline": "the day before the speech"}, "不能早于开始日期 {day:%Y-%m-%d}"),
        ({"deadline": None}, "请填写完成时限"),
        ({"target_quantity": Decimal("40")}, "目标数量和计量单位要一起填写"),
        ({"title": "  "}, "请填写任务名称"),
    ],
)
def test_an_acceptance_that_does_not_add_up_is_refused_and_writes_nothing(
    world, speech, changes, message, day
):
    if changes.get("deadline") == "the day before the speech":
        changes["deadline"] = day - timedelta(days=1)
    message = message.format(day=day)
    for key in ("lead", "cooperate"):
        if changes.get(key) == "town_a":
            changes[key] = world.town_a
        elif changes.get(key) == ["town_a"]:
            changes[key] = [world.town_a]
    before = (ChecklistItem.objects.count(), Assignment.objects.count(), Directive.objects.count())
    with pytest.raises(WorkflowError, match=message):
        accept(world, candidates(speech)[0], **changes)
    after = (ChecklistItem.objects.count(), Assignment.objects.count(), Directive.objects.count())
    assert before == after
    assert candidates(speech)[0].state == "pending"


def test_a_long_term_item_has_no_deadline_and_a_cadence(world, speech):
    item = accept(world, candidates(speech)[2], deadline=None, cadence="monthly", cadence_day=28)
    assert item.deadline is None and item.cadence_label == "每月28日前"
    assert set(item.assignments.values_list("due_date", flat=True)) == {None}


def test_item_codes_continue_the_years_numbering_past_999(world, speech, day):
    year = world.year
    ChecklistItem.objects.create(
        code=f"{year}-999", title="x", theme=world.theme, start_date=day, deadline=day
    )
    assert speech_review.next_item_code(year) == f"{year}-1000"
    ChecklistItem.objects.create(
        code=f"{year}-1000", title="y", theme=world.theme, start_date=day, deadline=day
    )
    assert speech_review.next_item_code(year) == f"{year}-1001"
    assert speech_review.next_item_code(year + 5) == f"{year + 5}-001"


# --- rejecting and restoring ---------------------------------------------------------------


def test_a_rejected_candidate_creates_nothing_and_can_be_restored(world, speech):
    first = candidates(speech)[0]
    items = ChecklistItem.objects.count()
    speech_review.candidate_reject(candidate=first, user=world.office)
    first.refresh_from_db()
    assert first.state == "rejected" and first.item is None
    assert ChecklistItem.objects.count() == items
    speech_review.candidate_restore(candidate=first, user=world.office)
    first.refresh_from_db()
    assert first.state == "pending" and first.decided_by is None


def test_an_accepted_candidate_cannot_be_restored_because_its_history_stays(world, speech):
    first = candidates(speech)[0]
    item = accept(world, first)
    with pytest.raises(WorkflowError, match=f"已接受为任务 {item.code}"):
        speech_review.candidate_restore(candidate=first, user=world.office)
    first.refresh_from_db()
    assert first.state == "accepted" and ChecklistItem.objects.filter(pk=item.pk).exists()


@pytest.mark.parametrize("who", ["leader", "staff_a", "staff_b"])
def test_only_the_office_decides(world, speech, who):
    first = candidates(speech)[0]
    user = getattr(world, who)
    for write in (speech_review.candidate_reject, speech_review.candidate_merge_next):
        with pytest.raises(PermissionDenied):
            write(candidate=first, user=user)
    with pytest.raises(PermissionDenied):
        speech_review.speech_publish(source=speech, user=user)
    first.refresh_from_db()
    assert first.state == "pending"


# --- merging and splitting -----------------------------------------------------------------


def test_merging_joins_the_span_and_takes_the_text_between_from_the_speech(world, speech, day):
    third, fourth = candidates(speech)[2:]
    merged = speech_review.candidate_merge_next(candidate=third, user=world.office)
    assert (merged.start, merged.end) == (third.start, fourth.end)
    assert merged.text == "各部门要落实监管责任；各企业要在年底前开展自查。"
    assert merged.groups == ["department", "enterprise"]
    assert merged.deadline == date(day.year, 12, 31) and merged.target_quantity == 40
    assert speech.candidates.count() == 3


def test_merging_with_a_decided_or_missing_next_is_refused(world, speech):
    first, second, _, last = candidates(speech)
    speech_review.candidate_reject(candidate=second, user=world.office)
    with pytest.raises(WorkflowError, match="下一条已驳回"):
        speech_review.candidate_merge_next(candidate=first, user=world.office)
    with pytest.raises(WorkflowError, match="最后一条"):
        speech_review.candidate_merge_next(candidate=last, user=world.office)


def test_merging_two_leads_keeps_one_lead(world, speech, monkeypatch):
    first, second = candidates(speech)[:2]
    first.units = [{"unit": "城关镇", "role": "lead"}]
    first.save()
    merged = speech_review.candidate_merge_next(candidate=first, user=world.office)
    assert merged.units == [
        {"unit": "城关镇", "role": "lead"},
        {"unit": "县应急管理局", "role": "responsible"},
    ]


def test_splitting_leaves_two_pending_halves_and_the_deadline_with_its_words(world, speech, day):
    first = candidates(speech)[0]
    cut = SPEECH.index("本月底前")
    one, two = speech_review.candidate_split(candidate=first, user=world.office, at=cut)
    assert one.text == "各镇要对辖区生产经营场所开展拉网式排查，"
    assert two.text == "本月底前完成。"
    assert one.state == two.state == "pending"
    assert one.deadline is None and two.deadline == month_end(day)
    assert one.groups == two.groups == ["township"]
    assert speech.candidates.count() == 5


@pytest.mark.parametrize("where", ["start", "end", "far", "before"])
def test_a_split_that_leaves_an_empty_half_is_refused(world, speech, where):
    first = candidates(speech)[0]
    at = {"start": first.start, "end": first.end, "far": 10_000, "before": 2}[where]
    with pytest.raises(WorkflowError, match="拆分位置"):
        speech_review.candidate_split(candidate=first, user=world.office, at=at)
    assert speech.candidates.count() == 4


# --- publishing ----------------------------------------------------------------------------


def test_publishing_publishes_only_accepted_items_of_this_speech(world, speech):
    first, second, third, _ = candidates(speech)
    accepted = accept(world, first)
    speech_review.candidate_reject(candidate=second, user=world.office)
    drafts_elsewhere = ChecklistItem.objects.filter(state="draft").exclude(pk=accepted.pk).count()
    at = timezone.now()
    assert speech_review.speech_publish(source=speech, user=world.office, at=at) == 1
    accepted.refresh_from_db()
    assert accepted.state == "published" and accepted.published_at == at
    assert ChecklistItem.objects.filter(state="draft").count() == drafts_elsewhere
    third.refresh_from_db()
    assert third.state == "pending" and third.item is None
    assert speech_review.speech_publish(source=speech, user=world.office) == 0


def test_the_counts_follow_each_decision(world, speech):
    first, second, *_ = candidates(speech)
    accept(world, first)
    speech_review.candidate_reject(candidate=second, user=world.office)
    counted = selectors.get_speech_for_user(world.office, speech.pk)
    assert (counted.n_pending, counted.n_accepted, counted.n_rejected, counted.n_published) == (
        2,
        1,
        1,
        0,
    )
    speech_review.speech_publish(source=speech, user=world.office)
    assert selectors.get_speech_for_user(world.leader, speech.pk).n_published == 1


# --- two people at once ---------------------------------------------------------------------


def _race(calls):
    barrier = threading.Barrier(len(calls))
    outcomes = []

    def run(call):
        try:
            barrier.wait(timeout=10)
            outcomes.append(("ok", call()))
        except WorkflowError as exc:
            outcomes.append(("refused", str(exc)))
        except Exception as exc:  # noqa: BLE001 - any other failure must fail the test
            outcomes.append(("error", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_two_accepts_at_once_get_different_codes_and_one_candidate_is_accepted_once(world, speech):
    first, second, *_ = candidates(speech)
    outcomes = _race([lambda: accept(world, first), lambda: accept(world, second)])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "ok"], outcomes
    assert len({item.code for _, item in outcomes}) == 2

    third = candidates(speech)[2]
    outcomes = _race([lambda: accept(world, third), lambda: accept(world, third)])
    assert sorted(kind for kind, _ in outcomes) == ["ok", "refused"], outcomes
    assert ChecklistItem.objects.filter(directive__source=speech).count() == 3
