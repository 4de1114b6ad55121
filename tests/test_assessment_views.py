"""The 考核 pages: who reads what, the office's adjustments and overrides, a 申诉's round trip,
the scheme editor, and closing (freezing) the year."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.assessment.demo import ensure_scheme
from tracker.assessment.models import Adjustment, Appeal, FrozenResult, LineOverride, Rule


@pytest.fixture
def scheme(world, today):
    # Township A has one overdue task: −2 on 重点任务完成.
    world.a_item.due_date = today - timedelta(days=4)
    world.a_item.save()
    ensure_scheme(today.year, "department")
    township = ensure_scheme(today.year, "township")
    # No 标准化 target: the little world has no enterprises to reach it.
    Rule.objects.filter(kind="standard").update(threshold=0)
    Rule.objects.filter(kind="overdue").update(points=2)
    return township


def detail_url(world, unit):
    return reverse("assessment:unit", args=[world.year, unit.pk])


def overdue_rule(scheme):
    return Rule.objects.get(item__scheme=scheme, kind="overdue")


def test_a_unit_reads_its_own_detail_and_not_another_units(login, world, scheme):
    client = login(world.staff_a)
    assert client.get(detail_url(world, world.town_a)).status_code == 200
    assert client.get(detail_url(world, world.town_b)).status_code == 404
    rule = overdue_rule(scheme)
    rows = reverse("assessment:line_rows", args=[rule.pk, world.town_b.pk])
    assert client.get(rows).status_code == 404


def test_a_unit_opening_the_league_lands_on_its_own_detail(login, world, scheme):
    response = login(world.staff_a).get(reverse("assessment:index"))
    assert response.status_code == 302
    assert response.url == detail_url(world, world.town_a)


def test_a_grid_member_sees_no_assessment(login, world, scheme):
    client = login(world.grid_a)
    assert client.get(reverse("assessment:index")).status_code == 404
    assert client.get(detail_url(world, world.town_a)).status_code == 404


def test_a_leader_reads_the_league_of_each_kind_and_any_detail(login, world, scheme):
    client = login(world.leader)
    page = client.get(reverse("assessment:index"))
    assert page.status_code == 200
    leagues = {label: records for label, _s, records in page.context["leagues"]}
    assert [r["name"] for r in leagues["乡镇街道"]] == ["河西镇", "城关镇"]
    assert [r["name"] for r in leagues["部门"]] == ["县应急管理局"]
    assert leagues["乡镇街道"][1]["score"] == "98.00"
    assert client.get(detail_url(world, world.town_b)).status_code == 200


def test_a_leader_cannot_adjust(login, world, scheme):
    rule = overdue_rule(scheme)
    response = login(world.leader).post(
        reverse("assessment:override", args=[rule.pk, world.town_a.pk]),
        {"new_value": "0", "reason": "x"},
    )
    assert response.status_code == 403
    assert not LineOverride.objects.exists()


def test_the_office_overrides_a_line_and_both_values_are_kept(login, world, scheme):
    client = login(world.office)
    rule = overdue_rule(scheme)
    client.post(
        reverse("assessment:override", args=[rule.pk, world.town_a.pk]),
        {"new_value": "1", "reason": "一项因汛期顺延，经县政府同意"},
    )
    row = LineOverride.objects.get()
    assert (row.old_value, row.new_value) == (Decimal(2), Decimal(1))
    page = client.get(detail_url(world, world.town_a))
    assert page.context["record"]["score"] == "99.00"
    assert "一项因汛期顺延" in page.content.decode()


def test_an_override_without_a_reason_is_refused_and_nothing_is_written(login, world, scheme):
    client = login(world.office)
    rule = overdue_rule(scheme)
    response = client.post(
        reverse("assessment:override", args=[rule.pk, world.town_a.pk]),
        {"new_value": "1", "reason": "  "},
        follow=True,
    )
    assert "请填写调整理由" in response.content.decode()
    assert not LineOverride.objects.exists()


def test_the_office_adds_a_promotion_bonus_with_evidence(login, world, scheme, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(world.office)
    item = scheme.items.get(name="重点任务完成")
    client.post(
        reverse("assessment:adjust", args=[world.year, world.town_a.pk]),
        {
            "item": item.pk,
            "level": "city",
            "reason": "网格化监管做法被市安委办推广",
            "evidence": SimpleUploadedFile("推广文件.pdf", b"%PDF-1.4 x", "application/pdf"),
        },
    )
    row = Adjustment.objects.get()
    assert row.points == Decimal(3) and row.original_name == "推广文件.pdf"
    page = client.get(detail_url(world, world.town_a))
    assert page.context["record"]["score"] == "101.00"


def test_an_adjustment_without_a_reason_is_refused(login, world, scheme):
    client = login(world.office)
    item = scheme.items.get(name="重点任务完成")
    response = client.post(
        reverse("assessment:adjust", args=[world.year, world.town_a.pk]),
        {"item": item.pk, "points": "-2", "reason": ""},
        follow=True,
    )
    assert "请填写加减分理由" in response.content.decode()
    assert not Adjustment.objects.exists()


def test_an_appeal_round_trip_accepted_with_a_new_deduction(login, world, scheme, client):
    rule = overdue_rule(scheme)
    staff = login(world.staff_a)
    staff.post(
        reverse("assessment:appeal", args=[rule.pk, world.town_a.pk]),
        {"reason": "该任务已经安委办同意延期"},
    )
    appeal = Appeal.objects.get()
    assert appeal.state == "pending" and appeal.filed_by == world.staff_a
    office = login(world.office)
    office.post(
        reverse("assessment:appeal_decide", args=[appeal.pk]),
        {"decision": "accept", "note": "延期属实，不计逾期", "new_value": "0"},
    )
    appeal.refresh_from_db()
    assert (appeal.state, appeal.note, appeal.decided_by) == (
        "accepted", "延期属实，不计逾期", world.office,
    )  # fmt: skip
    page = login(world.staff_a).get(detail_url(world, world.town_a))
    assert page.context["record"]["score"] == "100.00"
    assert "延期属实" in page.content.decode()


def test_a_rejected_appeal_leaves_the_line_as_it_was(login, world, scheme):
    rule = overdue_rule(scheme)
    login(world.staff_a).post(
        reverse("assessment:appeal", args=[rule.pk, world.town_a.pk]), {"reason": "理由"}
    )
    appeal = Appeal.objects.get()
    login(world.office).post(
        reverse("assessment:appeal_decide", args=[appeal.pk]),
        {"decision": "reject", "note": "逾期属实"},
    )
    appeal.refresh_from_db()
    assert appeal.state == "rejected"
    assert not LineOverride.objects.exists()


def test_another_units_staff_cannot_appeal_for_it(login, world, scheme):
    rule = overdue_rule(scheme)
    response = login(world.staff_b).post(
        reverse("assessment:appeal", args=[rule.pk, world.town_a.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    assert not Appeal.objects.exists()


def test_the_scheme_editor_warns_when_the_points_do_not_add_to_100(login, world, scheme):
    client = login(world.office)
    item = scheme.items.get(name="按期报送")
    response = client.post(
        reverse("assessment:scheme", args=[scheme.pk]),
        {"item": item.pk, "points": "15"},
        follow=True,
    )
    assert "各考核项目分值合计为 105 分，不是 100 分" in response.content.decode()
    item.refresh_from_db()
    assert item.points == 15


def test_a_negative_rule_points_are_refused_and_nothing_is_saved(login, world, scheme):
    client = login(world.office)
    item = scheme.items.get(name="重点任务完成")
    rule = item.rules.get(kind="overdue")
    response = client.post(
        reverse("assessment:scheme", args=[scheme.pk]),
        {"item": item.pk, "points": "45", f"rule-{rule.pk}": "-2"},
        follow=True,
    )
    assert "不能为负数" in response.content.decode()
    item.refresh_from_db()
    rule.refresh_from_db()
    assert (item.points, rule.points) == (40, 2)


def test_closing_freezes_the_figures_and_later_changes_do_not_move_them(
    login, world, scheme, today
):
    client = login(world.office)
    client.post(reverse("assessment:close", args=[scheme.pk]))
    scheme.refresh_from_db()
    assert scheme.closed and scheme.closed_on == today
    assert FrozenResult.objects.filter(scheme=scheme).count() == 2
    # Township B falls behind after the close: its frozen score stays.
    world.b_item.due_date = today - timedelta(days=9)
    world.b_item.save()
    page = client.get(reverse("assessment:index"))
    leagues = {label: records for label, _s, records in page.context["leagues"]}
    assert {r["name"]: r["score"] for r in leagues["乡镇街道"]} == {
        "河西镇": "100.00", "城关镇": "98.00",
    }  # fmt: skip
    detail = client.get(detail_url(world, world.town_b)).context["record"]
    assert detail["score"] == "100.00"


def test_a_closed_year_refuses_appeals_adjustments_and_scheme_edits(login, world, scheme):
    login(world.office).post(reverse("assessment:close", args=[scheme.pk]))
    rule = overdue_rule(scheme)
    response = login(world.staff_a).post(
        reverse("assessment:appeal", args=[rule.pk, world.town_a.pk]),
        {"reason": "理由"},
        follow=True,
    )
    assert "考核已归档，不能再申诉" in response.content.decode()
    assert not Appeal.objects.exists()
    office = login(world.office)
    item = scheme.items.get(name="重点任务完成")
    office.post(
        reverse("assessment:adjust", args=[world.year, world.town_a.pk]),
        {"item": item.pk, "points": "1", "reason": "x"},
    )
    assert not Adjustment.objects.exists()
    response = office.post(
        reverse("assessment:scheme", args=[scheme.pk]), {"item": item.pk, "points": "30"}
    )
    assert response.status_code == 403
