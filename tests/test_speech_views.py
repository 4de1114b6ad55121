"""讲话分解 pages: who may see and do what, entering a speech from text or a file, the review
page, accept / reject / merge / split / restore / publish, and what the units see when."""

import calendar
import re
from datetime import date, timedelta
from decimal import Decimal
from html import unescape

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from checklist import extract
from checklist.extract import SpeechFileError, read_speech
from checklist.models import ChecklistItem, DirectiveCandidate, Source
from tests.fake_extract import SPEECH, one_per_ordering_sentence
from tracker import speech_review
from tracker.models import StatusUpdate


@pytest.fixture(autouse=True)
def _fixed_extraction(monkeypatch):
    monkeypatch.setattr(extract, "extract_directives", one_per_ordering_sentence)


USERS = ["office", "leader", "staff_a", "staff_b"]


def month_end(day: date) -> date:
    """本月底: the last day of the day's month."""
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


@pytest.fixture
def speech(world):
    """A speech given today."""
    return speech_review.speech_create(
        user=world.office, title="全县安全生产工作会议讲话", day=world.today, text=SPEECH
    )


def first_candidate(speech) -> DirectiveCandidate:
    return speech.candidates.order_by("start").first()


def accept_data(candidate, **changes) -> dict:
    prefix = f"c{candidate.pk}-"
    data = {
        "title": "开展拉网式排查",
        "theme": "",
        "lead": "",
        "responsible": "城关镇",
        "cooperate": "",
        "deadline": f"{month_end(candidate.source.date):%Y-%m-%d}",
        "cadence": "",
        "cadence_day": "",
        "target_quantity": "",
        "target_unit": "",
    }
    data.update(changes)
    return {prefix + key: value for key, value in data.items() if value is not None}


def url(name, speech, candidate=None):
    args = [speech.pk] if candidate is None else [speech.pk, candidate.pk]
    return reverse(name, args=args)


def text_of(response) -> str:
    return unescape(re.sub(r"<[^>]+>", "", response.content.decode()))


# --- who may do what -----------------------------------------------------------------------

# office, leader, staff_a, staff_b
READS = {
    "speech_list": (200, 200, 403, 403),
    "speech_new": (200, 403, 403, 403),
    "speech_review": (200, 200, 404, 404),
}
WRITES = ["candidate_accept", "candidate_reject", "candidate_merge", "candidate_split"]


@pytest.mark.parametrize("view", READS)
@pytest.mark.parametrize("who", USERS)
def test_each_role_sees_the_pages_it_may(login, world, speech, view, who):
    address = reverse(view) if view != "speech_review" else url(view, speech)
    response = login(getattr(world, who)).get(address)
    assert response.status_code == READS[view][USERS.index(who)]


def test_anonymous_visitors_are_sent_to_sign_in(client, speech):
    response = client.get(url("speech_review", speech))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("view", [*WRITES, "speech_publish"])
@pytest.mark.parametrize(("who", "status"), [("leader", 403), ("staff_a", 404), ("staff_b", 404)])
def test_leaders_and_unit_staff_are_refused_every_write_and_nothing_changes(
    login, world, speech, view, who, status
):
    candidate = first_candidate(speech)
    data = {**accept_data(candidate, theme=world.theme.pk), "at": candidate.start + 5}
    address = url(view, speech) if view == "speech_publish" else url(view, speech, candidate)
    before = list(speech.candidates.values_list("start", "end", "state"))
    items = ChecklistItem.objects.count()
    response = login(getattr(world, who)).post(address, data)
    assert response.status_code == status
    assert list(speech.candidates.values_list("start", "end", "state")) == before
    assert ChecklistItem.objects.count() == items


def test_leaders_read_the_review_without_any_form(login, world, speech):
    page = login(world.leader).get(url("speech_review", speech)).content.decode()
    assert "各镇要对辖区生产经营场所开展拉网式排查" in page
    assert "接受为草稿" not in page and "发布已接受的任务" not in page
    assert "讲话分解" not in login(world.leader).get(reverse("dashboard")).content.decode()


def test_the_office_has_the_nav_link(login, world):
    page = login(world.office).get(reverse("home")).content.decode()
    assert f'href="{reverse("speech_list")}"' in page


# --- entering a speech ---------------------------------------------------------------------


def test_the_office_enters_a_speech_by_pasting_its_text(login, world):
    response = login(world.office).post(
        reverse("speech_new"),
        {"title": "全县会议讲话", "speaker": "王县长", "day": world.today, "text": SPEECH},
    )
    source = Source.objects.get(title="全县会议讲话")
    assert response.status_code == 302 and response["Location"] == url("speech_review", source)
    assert source.text == SPEECH and source.speaker == "王县长"
    assert source.date == world.today
    assert source.candidates.count() == 3
    listed = login(world.office).get(reverse("speech_list"))
    assert "全县会议讲话" in listed.content.decode()


def test_the_office_enters_a_speech_by_uploading_a_text_file(login, world):
    upload = SimpleUploadedFile("讲话.txt", SPEECH.replace("\n", "\r\n").encode("utf-8"))
    response = login(world.office).post(
        reverse("speech_new"), {"title": "上传的讲话", "day": world.today, "file": upload}
    )
    assert response.status_code == 302
    source = Source.objects.get(title="上传的讲话")
    assert source.text == SPEECH  # line ends normalised, so the offsets match the page


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("讲话.txt", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\xff\xff"),  # a program renamed
        ("讲话.docx", b"\x81\x30\xff\x00renamed\xff"),  # not a Word document
        ("讲话.txt", b"\x00\x00\xff\xfe"),  # nothing but padding
    ],
)
def test_a_file_that_is_not_a_speech_is_refused_with_the_readers_message(login, world, name, data):
    with pytest.raises(SpeechFileError) as error:
        read_speech(data, name)
    response = login(world.office).post(
        reverse("speech_new"),
        {"title": "坏文件", "day": world.today, "file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 400
    assert str(error.value) in text_of(response)
    assert not Source.objects.filter(title="坏文件").exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"title": "讲话", "day": "{today}", "text": "  "}, "请粘贴讲话全文"),
        ({"title": "", "day": "{today}", "text": SPEECH}, "请填写讲话标题"),
        ({"title": "讲话", "day": "{year}-02-30", "text": SPEECH}, "请填写有效日期"),
    ],
)
def test_a_bad_entry_is_explained_and_the_text_is_kept(login, world, data, message):
    data = {**data, "day": data["day"].format(today=world.today, year=world.year)}
    response = login(world.office).post(reverse("speech_new"), data)
    assert response.status_code == 400
    assert message in text_of(response)
    if data["text"].strip():
        assert "各镇要对辖区生产经营场所开展拉网式排查" in response.content.decode()
    assert not Source.objects.filter(extracted_at__isnull=False).exists()


# --- the review page -----------------------------------------------------------------------


def test_every_candidate_is_highlighted_in_place_and_the_speech_is_shown_whole(
    login, world, speech
):
    page = login(world.office).get(url("speech_review", speech)).content.decode()
    for candidate in speech.candidates.all():
        assert f'<mark id="m{candidate.pk}" class="cand-pending">' in page
        assert f'id="c{candidate.pk}"' in page
    shown = re.search(r'<div class="speech-text">(.*?)</div>', page, re.S).group(1)
    assert unescape(re.sub(r"<[^>]+>", "", shown)) == SPEECH
    assert "待审" in page and 'id="unit-names"' in page


def test_the_form_starts_from_what_extraction_found(login, world, monkeypatch):
    def labelled(text, **kwargs):
        start = text.index("各镇要")
        end = text.index("。", start) + 1
        return [
            extract.ExtractedDirective(
                text=text[start:end],
                start=start,
                end=end,
                themes=["隐患排查治理"],
                unit_groups=["township", "department"],
                units=["县应急管理局", "县煤炭办"],
                deadline=month_end(world.today),
                deadline_phrase="本月底前",
            )
        ]

    monkeypatch.setattr(extract, "extract_directives", labelled)
    speech = speech_review.speech_create(
        user=world.office, title="讲话", day=world.today, text=SPEECH
    )
    candidate = first_candidate(speech)
    response = login(world.office).get(url("speech_review", speech))
    form = response.context["rows"][0].form
    assert form.initial["title"] == "对辖区生产经营场所开展拉网式排查"
    assert form.initial["theme"] == world.theme.pk
    assert form.initial["lead"] == "县应急管理局"
    assert form.initial["all_townships"] is True
    assert form.initial["deadline"] == month_end(world.today)
    page = text_of(response)
    assert "未能对应到现有单位：县煤炭办" in page
    assert "讲话提到“各部门”：请选择相关部门。" in page
    html = response.content.decode()
    assert (
        f'name="c{candidate.pk}-all_townships" id="id_c{candidate.pk}-all_townships" checked'
        in html
    )
    assert (
        f'name="c{candidate.pk}-deadline" id="id_c{candidate.pk}-deadline" '
        f'value="{month_end(world.today):%Y-%m-%d}"' in html
    )
    assert f'<option value="{world.theme.pk}" selected>隐患排查治理</option>' in html


# --- deciding ------------------------------------------------------------------------------


def test_accepting_creates_a_draft_that_units_see_only_after_publishing(login, world, speech):
    candidate = first_candidate(speech)
    office = login(world.office)
    response = office.post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, lead="应急局"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#c{candidate.pk}")
    page = text_of(office.get(response["Location"]))
    assert "发布前各单位看不到" in page
    assert "责任分解：应急局（牵头）、城关镇（责任）" in page
    candidate.refresh_from_db()
    item = candidate.item
    assert candidate.state == "accepted" and item.state == "draft"
    history = StatusUpdate.objects.filter(assignment__item=item)
    assert sorted(history.values_list("assignment__unit__name", "kind")) == [
        ("县应急管理局", "assign"),
        ("城关镇", "assign"),
    ]

    staff = login(world.staff_a)
    assert item.title not in staff.get(reverse("assignment_list")).content.decode()
    mine = item.assignments.get(unit=world.town_a)
    assert staff.get(reverse("assignment_detail", args=[mine.pk])).status_code == 404

    office = login(world.office)
    response = office.post(url("speech_publish", speech))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == "published"
    page = text_of(office.get(url("speech_review", speech)))
    assert "已发布 1 项任务" in page

    staff = login(world.staff_a)
    assert item.title in staff.get(reverse("assignment_list")).content.decode()
    assert staff.get(reverse("assignment_detail", args=[mine.pk])).status_code == 200
    other = login(world.staff_b)
    assert item.title not in other.get(reverse("assignment_list")).content.decode()


def test_all_townships_assigns_every_active_township(login, world, speech):
    candidate = first_candidate(speech)
    login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, responsible="", all_townships="on"),
    )
    candidate.refresh_from_db()
    assert set(candidate.item.assignments.values_list("unit__name", flat=True)) == {
        "城关镇",
        "河西镇",
    }


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"responsible": "城关镇、县煤炭办"}, "没有找到单位：县煤炭办"),
        ({"theme": ""}, "请选择领域。"),
        ({"deadline": "{day_before}"}, "完成时限不能早于开始日期 {day}"),
        ({"deadline": "", "long_term": "on"}, "长期任务请选择报送频次。"),
        ({"lead": "城关镇"}, "同时填为牵头单位和责任单位"),
        ({"lead": "城关镇、河西镇", "responsible": ""}, "牵头单位只能有一个"),
        ({"responsible": ""}, "请至少填写一个牵头单位或责任单位"),
    ],
)
def test_a_bad_acceptance_is_explained_on_the_page_and_writes_nothing(
    login, world, speech, changes, message
):
    candidate = first_candidate(speech)
    dates = {"day": speech.date, "day_before": speech.date - timedelta(days=1)}
    changes = {key: value.format(**dates) for key, value in changes.items()}
    message = message.format(**dates)
    changes.setdefault("theme", world.theme.pk)
    items = ChecklistItem.objects.count()
    response = login(world.office).post(
        url("candidate_accept", speech, candidate), accept_data(candidate, **changes)
    )
    assert response.status_code == 400
    assert message in text_of(response)
    assert ChecklistItem.objects.count() == items
    candidate.refresh_from_db()
    assert candidate.state == "pending"


def test_a_long_term_acceptance_needs_no_deadline(login, world, speech):
    candidate = first_candidate(speech)
    login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(
            candidate,
            theme=world.theme.pk,
            deadline="",
            long_term="on",
            cadence="monthly",
            cadence_day="28",
            target_quantity="40",
            target_unit="家",
        ),
    )
    candidate.refresh_from_db()
    item = candidate.item
    assert item.deadline is None and item.cadence == "monthly" and item.cadence_day == 28
    assert item.target_quantity == 40 and item.target_unit == "家"


def test_rejecting_and_restoring_from_the_page(login, world, speech):
    candidate = first_candidate(speech)
    office = login(world.office)
    office.post(url("candidate_reject", speech, candidate))
    candidate.refresh_from_db()
    assert candidate.state == "rejected" and candidate.item is None
    page = office.get(url("speech_review", speech)).content.decode()
    assert f'<mark id="m{candidate.pk}" class="cand-rejected">' in page
    assert "恢复为待审" in page
    office.post(url("candidate_restore", speech, candidate))
    candidate.refresh_from_db()
    assert candidate.state == "pending"


def test_restoring_an_accepted_candidate_is_refused_with_a_reason(login, world, speech):
    candidate = first_candidate(speech)
    office = login(world.office)
    office.post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk),
    )
    candidate.refresh_from_db()
    assert candidate.state == "accepted"
    response = office.post(url("candidate_restore", speech, candidate), follow=True)
    assert "不能恢复为待审" in text_of(response)
    candidate.refresh_from_db()
    assert candidate.state == "accepted"


def test_merging_and_splitting_from_the_page(login, world, speech):
    first, second, third = speech.candidates.order_by("start")
    office = login(world.office)
    response = office.post(url("candidate_merge", speech, first), follow=True)
    assert "已与下一条合并" in text_of(response)
    first.refresh_from_db()
    assert first.end == second.end and first.text == SPEECH[first.start : second.end]
    assert not DirectiveCandidate.objects.filter(pk=second.pk).exists()

    cut = SPEECH.index("县应急管理局")
    response = office.post(url("candidate_split", speech, first), {"at": cut}, follow=True)
    assert "已拆分为两条" in text_of(response)
    texts = list(speech.candidates.order_by("start").values_list("text", "state"))
    assert texts[:2] == [
        ("各镇要对辖区生产经营场所开展拉网式排查，本月底前完成。", "pending"),
        ("县应急管理局要牵头组织专家检查。", "pending"),
    ]
    response = office.post(url("candidate_split", speech, third), {"at": "x"}, follow=True)
    assert "请选择拆分位置" in text_of(response)


def test_the_split_choices_are_the_sentence_and_clause_ends_inside_the_span(login, world, speech):
    response = login(world.office).get(url("speech_review", speech))
    splits = response.context["rows"][0].splits
    cut = SPEECH.index("本月底前")
    assert [p.offset for p in splits] == [cut]


def test_publishing_with_nothing_accepted_says_so_and_publishes_nothing(login, world, speech):
    published = ChecklistItem.objects.filter(state="published").count()
    response = login(world.office).post(url("speech_publish", speech), follow=True)
    assert "没有待发布的任务" in text_of(response)
    assert ChecklistItem.objects.filter(state="published").count() == published


def test_a_long_speech_shows_its_candidates_twenty_to_a_page_and_every_mark_finds_its_form(
    login, world
):
    text = "\n".join(f"第{n}项，各镇要开展第{n}轮排查。" for n in range(1, 26))
    speech = speech_review.speech_create(
        user=world.office, title="长讲话", day=world.today, text=text
    )
    rows = list(speech.candidates.order_by("start"))
    assert len(rows) == 25
    office = login(world.office)
    page = office.get(url("speech_review", speech)).content.decode()
    assert page.count("接受为草稿") == 20
    assert f'<a href="#c{rows[0].pk}"' in page
    assert f'<a href="?page=2#c{rows[22].pk}"' in page
    second = office.get(url("speech_review", speech) + "?page=2")
    assert second.content.decode().count("接受为草稿") == 5

    late = rows[22]
    bad = office.post(url("candidate_accept", speech, late), accept_data(late, theme=""))
    assert bad.status_code == 400 and bad.context["page"].number == 2
    assert "请选择领域。" in text_of(bad)
    done = office.post(url("candidate_reject", speech, late))
    assert done["Location"] == url("speech_review", speech) + f"?page=2#c{late.pk}"


def test_a_refused_acceptance_keeps_everything_typed(login, world, speech):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(
            candidate,
            theme=world.theme.pk,
            title="我改过的名称",
            responsible="城关镇、县煤炭办",
            long_term="on",
            cadence="quarterly",
        ),
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert 'value="我改过的名称"' in html and 'value="城关镇、县煤炭办"' in html
    assert f'<option value="{world.theme.pk}" selected>' in html
    assert '<option value="quarterly" selected>' in html
    assert f'id="id_c{candidate.pk}-long_term" checked' in html


def test_accepting_a_candidate_someone_already_decided_says_so(login, world, speech):
    candidate = first_candidate(speech)
    speech_review.candidate_reject(candidate=candidate, user=world.office)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk),
        follow=True,
    )
    assert "该条已驳回，不能接受" in text_of(response)
    candidate.refresh_from_db()
    assert candidate.state == "rejected" and candidate.item is None


def test_a_task_with_a_deadline_keeps_the_reporting_cadence_given_beside_it(login, world, speech):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, cadence="monthly", cadence_day="25"),
    )
    assert response.status_code == 302
    candidate.refresh_from_db()
    item = candidate.item
    assert item.deadline == month_end(speech.date)
    assert item.cadence == "monthly" and item.cadence_day == 25


def test_a_reporting_day_without_a_cadence_is_explained(login, world, speech):
    candidate = first_candidate(speech)
    response = login(world.office).post(
        url("candidate_accept", speech, candidate),
        accept_data(candidate, theme=world.theme.pk, cadence_day="25"),
    )
    assert response.status_code == 400
    assert "填写报送日时请选择报送频次。" in text_of(response)
    candidate.refresh_from_db()
    assert candidate.state == "pending"


@pytest.mark.parametrize(("stored", "shown"), [("50.00", "50"), ("2.50", "2.5")])
def test_the_form_shows_the_target_as_written_without_trailing_zeros(
    login, world, speech, stored, shown
):
    candidate = first_candidate(speech)
    candidate.target_quantity, candidate.target_unit = Decimal(stored), "家"
    candidate.save(update_fields=["target_quantity", "target_unit"])
    response = login(world.office).get(url("speech_review", speech))
    assert response.context["rows"][0].form.initial["target_quantity"] == shown
    html = response.content.decode()
    assert (
        f'name="c{candidate.pk}-target_quantity" id="id_c{candidate.pk}-target_quantity" ' in html
    )
    assert f'value="{shown}"' in html and f'value="{stored}"' not in html


def test_the_suggested_task_name_leaves_out_the_deadline_and_the_time_words(login, world):
    text = "一、各镇要本月底前立即完成隐患整改销号。"
    speech = speech_review.speech_create(
        user=world.office, title="讲话", day=world.today, text=text
    )
    candidate = first_candidate(speech)
    candidate.deadline_phrase = "本月底前"
    candidate.save(update_fields=["deadline_phrase"])
    response = login(world.office).get(url("speech_review", speech))
    assert response.context["rows"][0].form.initial["title"] == "完成隐患整改销号"
