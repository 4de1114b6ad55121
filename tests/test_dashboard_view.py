"""The dashboard: league tables, lights, red list, themes, targets, trend, missing reports."""

import io
from collections import Counter
from datetime import time, timedelta
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from checklist.models import ChecklistItem, Theme
from tests.conftest import local
from tracker import services
from tracker.dashboard import DashboardFilters, build_dashboard
from tracker.models import Assignment, Unit


def test_leaders_see_townships_and_departments_ranked_separately(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    response = login(world.leader).get(reverse("dashboard"))
    board = response.context["board"]
    assert [s.name for s in board.townships] == ["城关镇", "河西镇"]
    assert board.townships[0].rate == 50.0 and board.townships[0].rank == 1
    assert [s.name for s in board.departments] == ["县应急管理局"]
    page = response.content.decode()
    assert f"counted=1&amp;unit={world.town_a.pk}" in page
    assert "<svg" in page and "cdn" not in page.lower()


def test_drafts_do_not_count(login, world):
    board = login(world.office).get(reverse("dashboard")).context["board"]
    assert board.total == 4  # a_item, b_item, lead, a_target; not the draft


def test_staff_see_only_their_own_unit(login, world):
    board = login(world.staff_b).get(reverse("dashboard")).context["board"]
    assert [s.name for s in board.townships] == ["河西镇"]
    assert board.departments == []


def test_the_red_list_shows_overdue_work_oldest_first(world):
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.today - timedelta(days=61)
    )
    services.assignment_change(
        assignment=world.a_item, user=world.office, due_date=world.today - timedelta(days=31)
    )
    board = build_dashboard(world.office, DashboardFilters(), today=world.today)
    assert [r["assignment"] for r in board.red_list][:2] == [world.b_item, world.a_item]
    assert board.red_list[0]["days_overdue"] == 61


def _target_row(board, item):
    return next(t for t in board.targets if t["code"] == item.code)


def _county_target(world, user=None, **filters):
    board = build_dashboard(user or world.office, DashboardFilters(**filters), today=world.today)
    return _target_row(board, world.item_target)


def _split(world, shares: dict):
    """The 40 家 split among townships A and B: {unit: share}."""
    b = services.assignment_create(item=world.item_target, unit=world.town_b, user=world.office)
    for assignment in (world.a_target, b):
        services.assignment_change(
            assignment=assignment, user=world.office, share_quantity=shares[assignment.unit]
        )
    return b


def test_a_split_target_reads_the_county_target_against_each_units_done_up_to_its_share(world):
    b = _split(world, {world.town_a: Decimal(25), world.town_b: Decimal(15)})
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=30)
    services.assignment_report(assignment=b, user=world.staff_b, quantity=10)
    target = _county_target(world)
    # A's 5 beyond its 25 do not make up B's 5 short of its 15.
    assert (target["done"], target["target"], target["units"]) == (35, 40, 2)
    assert target["rate"] == 87.5
    assert target["figure"].text == "35 / 40 家"
    assert target["figure"].surplus == 5


def test_units_without_a_share_each_answer_for_the_whole_county_target(world):
    Assignment.objects.create(item=world.item_target, unit=world.town_b, quantity_done=12)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=20)
    world.a_target.refresh_from_db()
    assert world.a_target.percent == 50  # 20 of the 40 it answers for, as on the unit's page
    target = _county_target(world)
    assert (target["done"], target["target"], target["rate"]) == (32, 40, 80.0)


def test_the_county_figure_stops_at_the_county_target(world):
    Assignment.objects.create(item=world.item_target, unit=world.town_b, quantity_done=30)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=30)
    target = _county_target(world)
    assert (target["done"], target["target"], target["rate"]) == (40, 40, 100.0)


def test_a_units_own_staff_see_what_their_unit_answers_for(world):
    b = _split(world, {world.town_a: Decimal(25), world.town_b: Decimal(15)})
    services.assignment_report(assignment=b, user=world.staff_b, quantity=10)
    target = _county_target(world, world.staff_b)
    assert (target["done"], target["target"], target["units"]) == (10, 15, 1)


def test_a_rate_target_reads_the_mean_of_the_counted_units_rates(world):
    rate = ChecklistItem.objects.create(
        code=f"{world.year}-030", title="特种作业人员持证上岗率达到100%", theme=world.theme,
        start_date=world.item.start_date, deadline=world.item.deadline,
        target_quantity=100, target_unit="%", state="published", published_at=timezone.now(),
    )  # fmt: skip
    a = services.assignment_create(item=rate, unit=world.town_a, user=world.office)
    services.assignment_create(item=rate, unit=world.town_b, user=world.office)
    helper = services.assignment_create(
        item=rate, unit=world.dept, user=world.office, role="cooperate"
    )
    services.assignment_report(assignment=a, user=world.staff_a, quantity=Decimal(90))
    services.assignment_report(assignment=helper, user=world.office, quantity=Decimal(100))
    board = build_dashboard(world.office, DashboardFilters(), today=world.today)
    target = _target_row(board, rate)
    # 90 and an unreported 0; the 配合 unit's 100 does not count.
    assert (target["done"], target["target"], target["rate"]) == (45, 100, 45.0)
    assert target["figure"].text == "平均 45% / 100%"


def test_the_targets_table_says_how_the_county_figure_is_made(login, world):
    b = _split(world, {world.town_a: Decimal(25), world.town_b: Decimal(15)})
    services.assignment_report(assignment=b, user=world.staff_b, quantity=20)
    page = login(world.office).get(reverse("dashboard")).content.decode()
    assert "15 / 40 家" in page
    assert "2 个单位，另有 5 家 超出目标的部分不计" in page
    assert "目标数量是全县的目标" in page


def test_a_long_term_item_without_a_report_this_period_is_listed(world):
    item = ChecklistItem.objects.create(
        code=f"{world.year}-077", title="网格员每月巡查", theme=world.theme,
        start_date=world.item.start_date,
        cadence="monthly", cadence_day=28, state="published", published_at=timezone.now(),
    )  # fmt: skip
    # Given when the item started: work given less than a week before a deadline owes
    # nothing for that period.
    given = local(item.start_date)
    reported = services.assignment_create(item=item, unit=world.town_a, user=world.office, at=given)
    services.assignment_create(item=item, unit=world.town_b, user=world.office, at=given)
    services.assignment_report(
        assignment=reported, user=world.staff_a, note="已巡查", at=timezone.now()
    )
    today = timezone.localdate()
    board = build_dashboard(world.office, DashboardFilters(), today=today + timedelta(days=1))
    missing_units = {m["unit"] for m in board.missing_reports}
    assert "河西镇" in missing_units


def test_the_dashboard_the_list_and_the_bulletin_agree(login, world):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_approve(assignment=world.a_item, user=world.office)
    services.assignment_change(
        assignment=world.b_item, user=world.office, due_date=world.item.start_date
    )
    client = login(world.office)
    board = client.get(reverse("dashboard")).context["board"]
    listed = client.get(reverse("assignment_list"), {"due": "overdue"})
    overdue_on_list = {
        r.record.unit.name for r in listed.context["table"].rows if r.record.role != "cooperate"
    }
    export = client.get(reverse("bulletin_export"))
    ws = load_workbook(io.BytesIO(b"".join(export.streaming_content)))["汇总排名"]
    sheet = {
        r[1]: (r[3], r[4], r[8], r[9])
        for r in ws.iter_rows(min_row=4, values_only=True)
        if isinstance(r[0], int)
    }
    for s in board.townships + board.departments:
        assert sheet[s.name] == (s.total, s.verified, s.overdue, s.rate)
        assert (s.name in overdue_on_list) == (s.overdue > 0)


def test_the_number_of_queries_does_not_grow_with_the_data(login, world):
    client = login(world.leader)

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("dashboard")).status_code == 200
        return len(ctx)

    small = count()
    # More of everything the page lists or groups by: units, themes, red work past the red
    # list's length, targets, long-term items with missed reports, drafts, cooperating units.
    extra = Unit.objects.create(name="新增镇", kind="township", sort_order=90)
    theme = Theme.objects.create(name="消防安全", sort_order=40)
    start = world.item.start_date  # most of it overdue
    for n in range(70):
        item = ChecklistItem.objects.create(
            code=f"{world.year}-5{n:02d}", title=f"任务{n}", theme=theme if n % 2 else world.theme,
            start_date=start, deadline=None if n % 5 == 0 else start + timedelta(days=31),
            cadence="monthly" if n % 5 == 0 else "none", cadence_day=28 if n % 5 == 0 else None,
            target_quantity=10 if n % 3 == 0 else None, target_unit="家" if n % 3 == 0 else "",
            state="draft" if n % 7 == 0 else "published", published_at=timezone.now(),
        )  # fmt: skip
        a = services.assignment_create(item=item, unit=extra, user=world.office, at=local(start))
        services.assignment_create(
            item=item, unit=world.town_b, user=world.office, role="cooperate", at=local(start)
        )
        services.assignment_report(assignment=a, user=world.office, percent=10, note="已部署")
    board = client.get(reverse("dashboard")).context["board"]
    assert board.red_total > 50 and board.targets and board.missing_reports
    assert len(board.themes) == 3
    assert count() == small


def test_the_light_counts_are_the_lights_of_progress_row_by_row(world):
    from tests.test_assignment_views import varied_assignments
    from tracker.progress import progress

    today = timezone.localdate()
    varied_assignments(world, today)
    expected = Counter()
    red_all = 0
    for a in Assignment.objects.filter(item__state="published").select_related("item"):
        light = progress(
            status=a.status,
            percent=a.percent,
            start=a.item.start_date,
            due=a.due_date,
            today=today,
            submitted_on=a.submitted_on,
        ).light
        if a.role != "cooperate":
            expected[light] += 1
            red_all += light == "red"  # the red list counts 牵头 and 责任 like the tile
    board = build_dashboard(world.office, DashboardFilters(), today=today)
    assert board.lights == {k: expected[k] for k in ("red", "yellow", "green", "grey")}
    assert board.red_total == red_all
    assert len(board.red_list) == min(red_all, 50)
    dues = [r["assignment"].due_date for r in board.red_list]
    assert dues == sorted(dues)


def test_filters_by_theme_and_unit_kind_keep_to_their_share(world):
    from tests.test_assignment_views import varied_assignments

    today = timezone.localdate()
    varied_assignments(world, today)
    for filters, rows in [
        (
            DashboardFilters(theme=world.theme_std),
            Assignment.objects.filter(item__theme=world.theme_std),
        ),
        (DashboardFilters(kind="department"), Assignment.objects.filter(unit__kind="department")),
    ]:
        board = build_dashboard(world.leader, filters, today=today)
        counted = rows.filter(item__state="published", role__in=["lead", "responsible"])
        assert board.total == counted.count()
        assert sum(board.lights.values()) == counted.count()
        assert {s.name for s in board.townships + board.departments + board.others} == set(
            counted.values_list("unit__name", flat=True)
        )


def test_the_weekly_trend_counts_approvals_before_each_local_week_end(world):
    # Eight weeks, the last one this week: the first starts on the Monday seven weeks before.
    first_monday = world.today - timedelta(days=world.today.weekday(), weeks=7)
    week_three_ends = local(first_monday + timedelta(weeks=3), time.min)
    approvals = [
        (world.a_item, local(first_monday - timedelta(days=12), time(10))),
        (world.lead, week_three_ends - timedelta(microseconds=1)),
        (world.b_item, week_three_ends),
    ]
    for assignment, at in approvals:
        services.assignment_submit(assignment=assignment, user=world.office, at=at)
        services.assignment_approve(assignment=assignment, user=world.office, at=at)
    board = build_dashboard(world.office, DashboardFilters(weeks=8), today=world.today)
    assert board.weekly[0] == (f"{first_monday:%m-%d}", 25.0)
    assert [rate for _, rate in board.weekly] == [25.0, 25.0, 50.0, 75.0, 75.0, 75.0, 75.0, 75.0]


def test_a_townships_staff_see_its_county_wide_rank_not_first_of_one(login, world):
    services.assignment_submit(assignment=world.b_item, user=world.staff_b, percent=100)
    services.assignment_approve(assignment=world.b_item, user=world.office)
    response = login(world.staff_a).get(reverse("dashboard"))
    board = response.context["board"]
    assert [(s.name, s.rank) for s in board.townships] == [("城关镇", 2)]
    assert board.peers["township"] == 2
    page = response.content.decode()
    assert '<span class="muted"> / 2</span>' in page
    assert "河西镇" not in page  # the other township's row and figures stay out of sight
    assert board.total == 2 and board.verified == 0  # the unit's own figures
