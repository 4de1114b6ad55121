"""The task page's period calendar (✔ ⚠ ✘) and the unit's home 未按期报送."""

import re
from datetime import timedelta

from django.urls import reverse

from checklist.models import ChecklistItem
from tests.conftest import local
from tracker import services
from tracker.cadence import last_due


def monthly(world, code, unit, *, dated=False):
    start = world.today - timedelta(days=150)
    item = ChecklistItem.objects.create(
        code=f"{world.year}-{code}", title=f"网格员每月巡查{code}", theme=world.theme,
        start_date=start, deadline=world.today + timedelta(days=40) if dated else None,
        cadence="monthly", cadence_day=28, state="published", published_at=local(start),
    )  # fmt: skip
    return services.assignment_create(item=item, unit=unit, user=world.office, at=local(start))


def test_the_task_page_shows_each_period_on_time_late_or_missed(login, world):
    last = last_due("monthly", 28, world.today)
    before = last_due("monthly", 28, last.start)
    a = monthly(world, "601", world.town_a, dated=True)
    services.assignment_report(
        assignment=a, user=world.staff_a, note="十月巡查", at=local(before.start)
    )
    services.assignment_report(
        assignment=a, user=world.staff_a, note="补报", at=local(last.deadline + timedelta(days=1))
    )
    page = login(world.staff_a).get(reverse("assignment_detail", args=[a.pk])).content.decode()
    section = page[
        page.index('id="periods"') : page.index("</section>", page.index('id="periods"'))
    ]
    text = re.sub(r"<[^>]+>", "", section)
    assert "定期报送（每月28日前）" in text
    assert "✔ 按期" in text and "⚠ 迟报 1 天" in text and "✘ 未报" in text
    assert f"{last.deadline:%Y-%m-%d}" in text
    # The report on the first day of the month before last also made up the month before it.
    assert "按期 1，迟报 2" in text


def test_a_task_without_a_reporting_cadence_has_no_period_calendar(login, world):
    page = login(world.staff_a).get(reverse("assignment_detail", args=[world.a_item.pk]))
    assert 'id="periods"' not in page.content.decode()


def test_the_units_home_lists_its_own_missed_period_reports(login, world):
    last = last_due("monthly", 28, world.today)
    own = monthly(world, "602", world.town_a, dated=True)
    monthly(world, "603", world.town_b)
    page = login(world.staff_a).get(reverse("home")).content.decode()
    assert "未按期报送（1 项）" in page
    assert (
        own.item.code in page
        and f"应于 {last.deadline.month}月{last.deadline.day}日 前报送" in page
    )
    assert f"{world.year}-603" not in page
    office = login(world.office).get(reverse("home")).content.decode()
    assert "未按期报送（" not in office  # the county's list is on the dashboard
