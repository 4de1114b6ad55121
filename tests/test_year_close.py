"""年度归档 (tracker/year_close.py): frozen figures, read-only tasks, carry-over."""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied

from checklist.models import ChecklistItem, WorkYear
from tracker import services
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.models import Assignment, StatusUpdate
from tracker.work_years import current_year, year_choices, years_info
from tracker.year_close import carry_over_candidates, closing_preview, year_close

COUNTY = ZoneInfo("Asia/Shanghai")


def long_term_item(world, code_number=50, **extra):
    item = ChecklistItem.objects.create(
        code=f"{world.year}-{code_number:03d}",
        title="每月开展隐患排查并报送情况",
        theme=world.theme,
        start_date=date(world.year, 1, 1),
        deadline=None,
        cadence="monthly",
        cadence_day=28,
        state="published",
        published_at=datetime.combine(date(world.year, 1, 1), time(9), tzinfo=COUNTY),
        **extra,
    )
    services.assignment_create(item=item, unit=world.town_a, user=world.office)
    services.assignment_create(
        item=item, unit=world.dept, user=world.office, role=Assignment.Role.LEAD
    )
    return item


def test_closing_a_year_freezes_its_figures_and_refuses_every_later_change(world, today):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    services.assignment_approve(assignment=world.a_item, user=world.office)

    closed = year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)

    assert closed.is_closed and closed.closed_on == today and closed.closed_by == world.office
    assert closed.frozen["total"] == 4  # a_item, b_item, lead, a_target; the draft is not counted
    assert closed.frozen["verified"] == 1
    assert [s["unit"] for s in closed.frozen["townships"]] == ["城关镇", "河西镇"]
    with pytest.raises(services.WorkflowError, match="已归档"):
        services.assignment_report(assignment=world.b_item, user=world.staff_b, percent=50)
    with pytest.raises(services.WorkflowError, match="已归档"):
        services.extension_request(
            assignment=world.b_item,
            user=world.staff_b,
            new_due_date=today + timedelta(days=90),
            reason="汛期施工受阻",
        )
    with pytest.raises(services.WorkflowError, match="已归档"):
        services.assignment_create(item=world.item, unit=world.office_unit, user=world.office)
    world.b_item.refresh_from_db()
    assert world.b_item.percent == 0


def test_closing_a_year_twice_is_refused_with_a_message(world, today):
    year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)
    with pytest.raises(services.WorkflowError, match="不能重复归档"):
        year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)
    assert WorkYear.objects.filter(year=world.year).count() == 1


def test_a_year_not_yet_begun_or_without_items_cannot_be_closed(world, today):
    with pytest.raises(services.WorkflowError, match="尚未开始"):
        year_close(year=today.year + 1, user=world.office, carry_item_ids=[], today=today)
    with pytest.raises(services.WorkflowError, match="没有任务"):
        year_close(year=today.year - 5, user=world.office, carry_item_ids=[], today=today)
    assert not WorkYear.objects.filter(state=WorkYear.State.CLOSED).exists()


def test_only_the_office_closes_a_year(world, today):
    for user in (world.leader, world.staff_a):
        with pytest.raises(PermissionDenied):
            year_close(year=world.year, user=user, carry_item_ids=[], today=today)


def test_unfinished_long_term_items_are_carried_over_with_history_on_both_sides(world, today):
    item = long_term_item(world)
    old_lead = item.assignments.get(role=Assignment.Role.LEAD)
    services.assignment_report(assignment=old_lead, user=world.office, percent=60, note="已排查")

    year_close(year=world.year, user=world.office, carry_item_ids=[item.pk], today=today)

    new = ChecklistItem.objects.get(carried_from=item)
    assert new.year == world.year + 1 and new.code == f"{world.year + 1}-001"
    assert new.start_date == date(world.year + 1, 1, 1) and new.deadline is None
    assert (new.title, new.cadence, new.cadence_day) == (item.title, "monthly", 28)
    assert new.state == "published" and new.published_at is not None
    assert {(a.unit, a.role) for a in new.assignments.all()} == {
        (a.unit, a.role) for a in item.assignments.all()
    }
    new_lead = new.assignments.get(role=Assignment.Role.LEAD)
    assign_note = new_lead.history.get().note
    assert item.code in assign_note and "推进中" in assign_note
    carried = old_lead.history.filter(kind=StatusUpdate.Kind.CARRY_OVER).get()
    assert new.code in carried.note
    # The old side's own past is still there, untouched.
    assert old_lead.history.filter(kind=StatusUpdate.Kind.REPORT, note="已排查").exists()
    # The new year can be worked on while the old one is closed.
    services.assignment_report(assignment=new_lead, user=world.office, note="新年度已部署")
    assert not carry_over_candidates(world.year).exists()


def test_only_unfinished_long_term_items_can_be_carried(world, today):
    finished = long_term_item(world, code_number=51)
    for a in finished.assignments.all():
        services.assignment_submit(assignment=a, user=world.office, percent=100)
        services.assignment_approve(assignment=a, user=world.office)
    unfinished = long_term_item(world, code_number=52)
    assert list(carry_over_candidates(world.year)) == [unfinished]
    for refused in (finished.pk, world.item.pk):
        with pytest.raises(services.WorkflowError, match="不是本年度未完成的长期任务"):
            year_close(year=world.year, user=world.office, carry_item_ids=[refused], today=today)
    assert not WorkYear.objects.filter(state=WorkYear.State.CLOSED).exists()
    assert not ChecklistItem.objects.filter(year=world.year + 1).exists()


def test_the_preview_names_what_closing_leaves_behind(world, today):
    long_term_item(world)
    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    preview = closing_preview(world.year, today=today)
    assert [i.code for i in preview.candidates] == [f"{world.year}-050"]
    assert preview.submitted == 1
    assert preview.open_dated == 4  # b_item, lead, a_target and the submitted a_item
    assert preview.year_not_over


def test_a_closed_years_dashboard_keeps_the_figures_it_had_when_closed(world, today):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=40)
    closed = year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)
    later = today + timedelta(days=120)  # long after every due date: all would be red now
    with time_machine.travel(datetime.combine(later, time(10), tzinfo=COUNTY), tick=False):
        day = years_info(today=later).figures_day(world.year, today=later)
        board = build_dashboard(world.leader, DashboardFilters(year=world.year), today=day)
        live = build_dashboard(world.leader, DashboardFilters(year=world.year), today=later)
    assert day == today
    assert board.total == closed.frozen["total"] and board.verified == closed.frozen["verified"]
    assert dict(board.lights) == closed.frozen["lights"]
    assert sum(s.overdue for s in board.townships) == 0
    assert sum(s.overdue for s in live.townships) > 0  # what the frozen day protects against


def test_after_closing_with_carry_over_the_next_year_is_current(world, today):
    item = long_term_item(world)
    assert current_year(today=today) == world.year
    year_close(year=world.year, user=world.office, carry_item_ids=[item.pk], today=today)
    next_january = date(world.year + 1, 1, 10)
    assert current_year(today=next_january) == world.year + 1
    assert WorkYear.objects.get(year=world.year + 1).state == WorkYear.State.OPEN


def test_a_closed_years_work_leaves_the_queues_reminders_and_chasing(world, today):
    from tracker import reminders, selectors
    from tracker.supervision import supervise_unit

    services.assignment_submit(assignment=world.a_item, user=world.staff_a, percent=100)
    services.extension_request(
        assignment=world.b_item,
        user=world.staff_b,
        new_due_date=world.b_item.due_date + timedelta(days=30),
        reason="汛期施工受阻",
    )
    assert list(selectors.review_queue(world.office)) == [world.a_item]
    assert selectors.pending_extensions(world.office).count() == 1
    year_close(year=world.year, user=world.office, carry_item_ids=[], today=today)

    assert not selectors.review_queue(world.office).exists()
    assert not selectors.pending_extensions(world.office).exists()
    long_after = world.item.deadline + timedelta(days=10)  # every share overdue by then
    assert reminders.collect(long_after) == []
    assert supervise_unit(unit=world.town_b, user=world.office, today=long_after) == (0, [])


def test_the_one_request_year_snapshot_agrees_with_the_single_answers(world, today):
    item = long_term_item(world)
    year_close(year=world.year, user=world.office, carry_item_ids=[item.pk], today=today)
    for day in (today, date(world.year + 1, 1, 10), date(world.year + 2, 6, 1)):
        years = years_info(today=day)
        assert years.current == current_year(today=day)
        assert years.choices == year_choices(today=day)
        assert years.closed_on == {world.year: today}
        assert years.figures_day(world.year, today=day) == today
        assert years.figures_day(world.year + 1, today=day) == day
