"""The review page shows each deadline phrase with the date it resolves to, and warns beside
the 完成时限 field when that date is before the speech or already past.

The December tests travel to 6 December of the frozen clock's own year (a December meeting
planning next year is the point); the late-entry test uses dates relative to today.
"""

import re
from datetime import date, datetime, time, timedelta
from html import unescape
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import speech_review

COUNTY = ZoneInfo("Asia/Shanghai")
TEXT = (
    "一、明年重点工作\n"
    "各镇要在明年上半年完成小微企业标准化创建。"
    "县应急管理局要在6月底前完成危化品企业执法检查。"
    "各镇要在今年3月底前完成隐患排查整改。"
)


@pytest.fixture
def december(world):
    day = date(timezone.localdate().year, 12, 6)
    with time_machine.travel(datetime.combine(day, time(10), tzinfo=COUNTY), tick=False):
        yield day


def review(client, speech) -> str:
    response = client.get(reverse("speech_review", args=[speech.pk]))
    assert response.status_code == 200
    return unescape(re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_each_phrase_is_shown_with_the_date_it_resolves_to(login, world, december):
    speech = speech_review.speech_create(user=world.office, title="讲话", day=december, text=TEXT)
    page = review(login(world.office), speech)
    next_june = f"{december.year + 1}-06-30"
    assert f"时限原文：明年上半年 → {next_june}" in page
    assert f"时限原文：6月底前 → {next_june}" in page
    assert f"时限原文：今年3月底前 → {december.year}-03-31" in page


def test_a_date_before_the_speech_is_flagged_beside_its_field_and_only_there(
    login, world, december
):
    speech = speech_review.speech_create(user=world.office, title="讲话", day=december, text=TEXT)
    page = review(login(world.office), speech)
    warning = (
        f"完成时限 {december.year}-03-31 早于讲话日期 {december:%Y-%m-%d}，请核对是否应为下一年。"
    )
    assert page.count(warning) == 1
    assert "已过（早于今天）" not in page  # next year's dates are fine


def test_a_speech_entered_late_flags_deadlines_already_past(login, world):
    today = timezone.localdate()
    given = today - timedelta(days=70)
    speech = speech_review.speech_create(
        user=world.office, title="补录的讲话", day=given, text="各镇要在本月底前完成隐患排查整改。"
    )
    candidate = speech.candidates.get()
    assert candidate.deadline < today
    page = review(login(world.office), speech)
    assert (
        f"完成时限 {candidate.deadline:%Y-%m-%d} 已过（早于今天），接受后将立即显示为逾期。" in page
    )


def test_accepting_the_december_speechs_next_year_order_files_it_under_next_year(
    login, world, december
):
    speech = speech_review.speech_create(user=world.office, title="讲话", day=december, text=TEXT)
    candidate = speech.candidates.order_by("start").first()
    prefix = f"c{candidate.pk}-"
    data = {
        prefix + "title": "小微企业标准化创建",
        prefix + "theme": world.theme.pk,
        prefix + "responsible": "城关镇",
        prefix + "deadline": f"{candidate.deadline:%Y-%m-%d}",
    }
    response = login(world.office).post(
        reverse("candidate_accept", args=[speech.pk, candidate.pk]), data
    )
    assert response.status_code == 302
    item = ChecklistItem.objects.get(title="小微企业标准化创建")
    assert (item.year, item.deadline) == (december.year + 1, date(december.year + 1, 6, 30))
