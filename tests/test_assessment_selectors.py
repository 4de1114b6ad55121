"""Every line of a unit's 考核明细 counts exactly the rows its link lists, the league and the
明细 agree, and scoring every unit takes the same number of queries for three units or seven."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.conftest import local
from tests.test_assignment_views import varied_assignments
from tracker.accidents.models import Accident
from tracker.assessment import results
from tracker.assessment.demo import ensure_scheme
from tracker.assessment.models import Rule
from tracker.hazards.models import Hazard
from tracker.models import Assignment, StatusUpdate, Supervision, Unit


def hazard(township, today, *, days_late=5, level="major", state="pending"):
    return Hazard.objects.create(
        township=township, found_on=today - timedelta(days=40), source="department",
        description="液氨制冷车间未设置氨气泄漏报警装置", category="site", level=level,
        basis="《工贸企业重大事故隐患判定标准》第十七条" if level == "major" else "",
        deadline=today - timedelta(days=days_late), state=state,
    )  # fmt: skip


def accident(township, today, *, level="general", deaths=0, days_ago=20):
    return Accident.objects.create(
        occurred_on=today - timedelta(days=days_ago), place="厂区", township=township,
        level=level, deaths=deaths, description="作业中发生机械伤害",
    )  # fmt: skip


@pytest.fixture
def tracked(world, today):
    """A county with overdue, returned, supervised, behind-target, hazard and accident rows."""
    varied_assignments(world, today)
    world.a_item.due_date = today - timedelta(days=4)
    world.a_item.save()
    overdue = list(
        Assignment.objects.filter(unit=world.town_a).counted().overdue(today).order_by("pk")
    )
    assert len(overdue) >= 2
    for a in overdue[:2]:
        StatusUpdate.objects.create(
            assignment=a, author=world.office, kind="return", note="佐证不全",
            created_at=local(today - timedelta(days=3)),
        )  # fmt: skip
    Supervision.objects.create(assignment=overdue[0], level="yellow", issued_by=world.office)
    Supervision.objects.create(
        assignment=overdue[1], level="red", issued_by=world.office,
        issued_at=local(today - timedelta(days=1)),
    )  # fmt: skip
    # 分解数量: township A's share of a counted target, half done and past its due date.
    a = world.a_target
    a.share_quantity, a.quantity_done, a.due_date = 8, 4, today - timedelta(days=2)
    a.save()
    hazard(world.town_a, today)
    hazard(world.town_a, today, days_late=-3)  # not yet due
    hazard(world.town_b, today, level="general")
    accident(world.town_a, today)
    accident(world.town_b, today, level="large", deaths=3)
    ensure_scheme(today.year, "township")
    ensure_scheme(today.year, "department")
    return world


def _listed(client, url) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    context = response.context
    if "rows_count" in context:
        return context["rows_count"]
    if "table" in context:
        return context["table"].paginator.count
    return context["page"].paginator.count


@pytest.mark.parametrize("who", ["office", "staff_a"])
def test_each_line_counts_exactly_the_rows_its_link_lists(login, tracked, today, who):
    client = login(getattr(tracked, who))
    page = client.get(reverse("assessment:unit", args=[today.year, tracked.town_a.pk]))
    record = page.context["record"]
    seen = 0
    for item in record["items"]:
        for line in item["lines"]:
            if line["url"]:
                assert _listed(client, line["url"]) == line["count"], line
                seen += 1
    assert seen >= 8
    counts = {line["kind"]: line["count"] for i in record["items"] for line in i["lines"]}
    assert (counts["yellow"], counts["red"], counts["returned"]) == (1, 1, 2)
    assert (counts["hazard"], counts["accident"], counts["shortfall"]) == (1, 1, 1)


def test_the_overdue_line_of_today_links_to_the_task_list_filtered_the_same_way(
    login, tracked, today
):
    client = login(tracked.office)
    record = client.get(reverse("assessment:unit", args=[today.year, tracked.town_a.pk])).context[
        "record"
    ]
    line = record["items"][0]["lines"][0]
    assert line["url"].startswith(reverse("assignment_list"))
    assert (
        line["count"]
        == Assignment.objects.filter(unit=tracked.town_a, item__state="published")
        .counted()
        .overdue(today)
        .count()
    )


def test_a_mid_year_line_lists_the_rows_as_of_that_day(login, tracked, today):
    client = login(tracked.office)
    earlier = today - timedelta(days=2)
    url = reverse("assessment:unit", args=[today.year, tracked.town_a.pk])
    record = client.get(url, {"as_of": earlier.isoformat()}).context["record"]
    returned = next(
        line for i in record["items"] for line in i["lines"] if line["kind"] == "returned"
    )
    red = next(line for i in record["items"] for line in i["lines"] if line["kind"] == "red")
    assert returned["count"] == 2  # three days ago
    assert red["count"] == 0  # issued yesterday
    assert _listed(client, red["url"]) == 0


def test_the_league_and_each_units_detail_give_the_same_lines(tracked, today):
    scheme = ensure_scheme(today.year, "township")
    league = results.compute_all(scheme, as_of=today, today=today)
    assert {r["name"] for r in league} >= {"城关镇", "河西镇"}
    for record in league:
        unit = Unit.objects.get(pk=record["unit"])
        detail = results.compute_unit(scheme, unit, as_of=today, today=today)
        assert detail["score"] == record["score"]
        assert detail["items"] == record["items"]


def test_a_larger_accident_vetoes_the_township_whatever_its_score(tracked, today):
    scheme = ensure_scheme(today.year, "township")
    league = {r["name"]: r for r in results.compute_all(scheme, as_of=today, today=today)}
    b = league["河西镇"]
    assert b["grade"] == "不合格"
    assert "较大及以上" in b["vetoes"][0] and "死亡 3 人" in b["vetoes"][0]
    assert league["城关镇"]["vetoes"] == []
    assert b["rank"] == len(league)


def test_the_shortfall_line_takes_the_unreached_share_of_the_target(tracked, today):
    scheme = ensure_scheme(today.year, "township")
    record = results.compute_unit(scheme, tracked.town_a, as_of=today, today=today)
    line = next(line for i in record["items"] for line in i["lines"] if line["kind"] == "shortfall")
    # 4 of 8 done: half of the 4 points.
    assert (line["count"], line["computed"]) == (1, "2.00")


def test_scoring_every_unit_takes_the_same_queries_for_three_units_or_seven(tracked, today):
    scheme = ensure_scheme(today.year, "township")
    Unit.objects.filter(name__startswith="测试镇").update(active=False)
    with CaptureQueriesContext(connection) as few:
        results.compute_all(scheme, as_of=today, today=today)
    Unit.objects.filter(name__startswith="测试镇").update(active=True)
    with CaptureQueriesContext(connection) as many:
        results.compute_all(scheme, as_of=today, today=today)
    assert len(many) == len(few)


def test_a_rule_of_a_wing_that_has_no_rows_counts_nothing(tracked, today):
    scheme = ensure_scheme(today.year, "department")
    record = results.compute_unit(scheme, tracked.dept, as_of=today, today=today)
    hazards = next(line for i in record["items"] for line in i["lines"] if line["kind"] == "hazard")
    assert hazards["count"] == 0
    assert Rule.objects.filter(item__scheme=scheme).count() == 10
    assert timezone.localdate() == today


def test_a_units_detail_takes_the_same_queries_however_many_rows_it_counts(login, tracked, today):
    client = login(tracked.office)
    url = reverse("assessment:unit", args=[today.year, tracked.town_a.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as before:
        client.get(url)
    for a in Assignment.objects.filter(unit=tracked.town_a).counted()[:6]:
        a.due_date, a.status = today - timedelta(days=1), "in_progress"
        a.save()
        StatusUpdate.objects.create(assignment=a, author=tracked.office, kind="return")
    with CaptureQueriesContext(connection) as after:
        page = client.get(url)
    assert len(after) == len(before)
    assert page.context["record"]["items"][0]["lines"][0]["count"] >= 6


def test_without_the_hazards_and_accidents_wings_their_lines_count_nothing(
    tracked, today, monkeypatch
):
    from django.apps import apps

    from tracker.assessment import selectors

    installed = apps.is_installed
    monkeypatch.setattr(
        selectors.apps,
        "is_installed",
        lambda name: name not in ("tracker.hazards", "tracker.accidents") and installed(name),
    )
    scheme = ensure_scheme(today.year, "township")
    league = results.compute_all(scheme, as_of=today, today=today)
    # Township A has an overdue 重大 hazard and an accident, B a 较大 accident: none counts.
    for unit in (tracked.town_a, tracked.town_b):
        ranked = next(r for r in league if r["unit"] == unit.pk)
        for record in (results.compute_unit(scheme, unit, as_of=today, today=today), ranked):
            lines = {line["kind"]: line for i in record["items"] for line in i["lines"]}
            assert lines["hazard"]["count"] == 0 and lines["accident"]["count"] == 0
            assert lines["accident"]["url"] == ""
            assert record["vetoes"] == []


def test_register_lines_count_the_units_enterprises_alike_in_the_league_and_the_detail(
    login, registers, world, today
):
    ensure_scheme(today.year, "township")
    scheme = ensure_scheme(today.year, "department")
    league = {r["unit"]: r for r in results.compute_all(scheme, as_of=today, today=today)}
    township = ensure_scheme(today.year, "township")
    towns = {r["unit"]: r for r in results.compute_all(township, as_of=today, today=today)}
    client = login(world.office)
    for s, ranked, unit in ((township, towns, world.town_a), (scheme, league, world.dept)):
        detail = results.compute_unit(s, unit, as_of=today, today=today)
        assert detail["items"] == ranked[unit.pk]["items"]
        lines = {line["kind"]: line for i in detail["items"] for line in i["lines"]}
        # Enterprises to inspect this quarter, none inspected; a 标准化 target, none reached.
        assert lines["coverage"]["total"] > 0 and lines["coverage"]["count"] == 0
        assert lines["standard"]["count"] == 0 and Decimal(lines["standard"]["computed"]) > 0
        for kind in ("coverage", "standard"):
            assert _listed(client, lines[kind]["url"]) == lines[kind]["count"]
