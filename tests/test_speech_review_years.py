"""Which 年度 an item accepted from a speech belongs to, and its 编号's year: a December speech
that plans next year files next year's work under next year; anything else stays in the
speech's year.

Each test travels to the calendar situation it is about (a December meeting, a spring one),
in the frozen clock's own year.
"""

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from tracker import speech_review
from tracker.services import WorkflowError
from tracker.speech_review import Acceptance, work_year_for

COUNTY = ZoneInfo("Asia/Shanghai")
TEXT = (
    "一、明年重点工作\n"
    "各镇要在明年上半年完成小微企业标准化创建。"
    "县应急管理局要在6月底前完成危化品企业执法检查。"
    "各镇要在今年3月底前完成隐患排查整改。"
)


def on(day: date):
    return time_machine.travel(datetime.combine(day, time(10), tzinfo=COUNTY), tick=False)


@pytest.fixture
def year(world):
    return timezone.localdate().year


def speech_on(world, day):
    with on(day):
        return speech_review.speech_create(user=world.office, title="讲话", day=day, text=TEXT)


def accept(world, speech, deadline, cadence="none"):
    candidate = speech.candidates.order_by("start").first()
    acceptance = Acceptance(
        title="标准化创建",
        theme=world.theme,
        responsible=[world.town_a],
        deadline=deadline,
        cadence=cadence,
    )
    with on(speech.date):
        return speech_review.candidate_accept(
            candidate=candidate, user=world.office, acceptance=acceptance
        )


def test_a_december_speech_planning_next_year_files_the_item_under_next_year(world, year):
    speech = speech_on(world, date(year, 12, 6))
    item = accept(world, speech, date(year + 1, 6, 30))
    assert item.year == year + 1
    assert item.code.startswith(f"{year + 1}-")
    assert item.start_date == date(year, 12, 6)  # the work is ordered on the speech's day


def test_a_december_speech_with_a_deadline_this_year_stays_in_its_year(world, year):
    item = accept(world, speech_on(world, date(year, 12, 6)), date(year, 12, 31))
    assert (item.year, item.code[:5]) == (year, f"{year}-")


def test_a_spring_speech_with_a_deadline_next_year_stays_in_the_speechs_year(world, year):
    item = accept(world, speech_on(world, date(year, 3, 16)), date(year + 1, 3, 31))
    assert item.year == year


def test_a_long_term_item_from_a_december_speech_stays_in_the_speechs_year(world, year):
    item = accept(world, speech_on(world, date(year, 12, 6)), None, cadence="monthly")
    assert item.year == year


def test_accepting_into_a_closed_year_is_refused_and_creates_nothing(world, year):
    speech = speech_on(world, date(year, 12, 6))
    WorkYear.objects.create(
        year=year + 1,
        state=WorkYear.State.CLOSED,
        closed_on=date(year + 1, 12, 31),
        closed_at=timezone.now(),
    )
    items = ChecklistItem.objects.count()
    with pytest.raises(WorkflowError, match=f"{year + 1}年度已归档"):
        accept(world, speech, date(year + 1, 6, 30))
    assert ChecklistItem.objects.count() == items


def test_the_rule_itself_in_every_case():
    assert work_year_for(speech_date=date(2026, 10, 1), deadline=date(2027, 1, 31), today=date(2026, 10, 2)) == 2027  # fmt: skip
    assert work_year_for(speech_date=date(2026, 9, 30), deadline=date(2027, 1, 31), today=date(2026, 10, 2)) == 2026  # fmt: skip
    assert work_year_for(speech_date=date(2026, 12, 6), deadline=date(2028, 6, 30), today=date(2026, 12, 6)) == 2026  # fmt: skip
    assert work_year_for(speech_date=None, deadline=date(2027, 6, 30), today=date(2026, 12, 6)) == 2026  # fmt: skip
