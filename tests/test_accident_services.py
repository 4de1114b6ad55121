"""Recording, correcting and voiding accidents, and the office's 控制指标: one history row per
change, clear Chinese refusals, nothing written on bad input."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tracker.accidents import services
from tracker.accidents.models import Accident, AccidentHistory, ControlIndicator
from tracker.accidents.services import AccidentError


def record(user, today, **extra):
    fields = dict(
        user=user,
        occurred_on=today - timedelta(days=5),
        place="城关镇东关村村道",
        township=None,
        level="general",
        deaths=1,
        injuries=0,
        direct_loss=Decimal("12.5"),
        description="一辆农用车侧翻，驾驶员死亡。",
        today=today,
    )
    fields.update(extra)
    return services.accident_record(**fields)


@pytest.fixture
def accident(world, today):
    return record(world.office, today, township=world.town_a)


def test_recording_an_accident_keeps_it_with_one_history_row(world, today, accident):
    assert accident.township == world.town_a
    assert accident.state == Accident.State.INVESTIGATING
    rows = list(accident.history.all())
    assert [r.kind for r in rows] == [AccidentHistory.Kind.RECORD]
    assert rows[0].author == world.office


def test_an_enterprises_accident_takes_its_industry_and_supervising_department(
    world, registers, today
):
    accident = record(world.office, today, township=world.town_a, enterprise=registers.tannery)
    assert accident.industry == registers.trade
    assert accident.supervisor == world.dept


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"deaths": -1}, "死亡人数不能为负数"),
        ({"injuries": -2}, "受伤人数不能为负数"),
        ({"direct_loss": Decimal("-1")}, "直接经济损失不能为负数"),
        ({"place": "  "}, "请填写发生地点"),
        ({"description": ""}, "请填写事故简要经过"),
        ({"level": "huge"}, "请选择事故等级"),
        ({"deaths": 3, "level": "general"}, "至少为较大事故"),
        ({"direct_loss": Decimal("6000"), "level": "large"}, "至少为重大事故"),
        ({"state": "closed"}, "请填写结案日期"),
    ],
)
def test_bad_input_is_refused_in_chinese_and_nothing_is_written(world, today, extra, message):
    with pytest.raises(AccidentError, match=message):
        record(world.office, today, township=world.town_a, **extra)
    assert not Accident.objects.exists()
    assert not AccidentHistory.objects.exists()


def test_an_accident_dated_in_the_future_is_refused(world, today):
    with pytest.raises(AccidentError, match="晚于今天"):
        record(world.office, today, township=world.town_a, occurred_on=today + timedelta(days=1))
    assert not Accident.objects.exists()


def test_the_township_must_be_a_township(world, today):
    with pytest.raises(AccidentError, match="「县应急管理局」不是乡镇（街道）"):
        record(world.office, today, township=world.dept)
    assert not Accident.objects.exists()


def test_an_enterprise_of_another_township_is_refused(world, registers, today):
    with pytest.raises(AccidentError, match="河西化工有限公司.*不在所选的城关镇"):
        record(world.office, today, township=world.town_a, enterprise=registers.plant)
    assert not Accident.objects.exists()


def test_a_township_records_on_its_own_ground_only(world, today):
    mine = record(world.staff_a, today, township=world.town_a)
    assert mine.recorded_by == world.staff_a
    with pytest.raises(PermissionDenied, match="河西镇"):
        record(world.staff_a, today, township=world.town_b)
    assert Accident.objects.count() == 1


def test_a_department_records_in_the_industries_it_supervises_only(
    world, registers, django_user_model, today
):
    dept_staff = django_user_model.objects.create_user(
        username="dept", password="x", role="staff", unit=world.dept
    )
    ok = record(dept_staff, today, township=world.town_b, enterprise=registers.plant)
    assert ok.supervisor == world.dept
    with pytest.raises(PermissionDenied, match="本部门监管行业"):
        record(dept_staff, today, township=world.town_a, industry=registers.small)


@pytest.mark.parametrize("who", ["leader", "grid_a"])
def test_leaders_and_grid_members_cannot_record(world, today, who):
    with pytest.raises(PermissionDenied):
        record(getattr(world, who), today, township=world.town_a)
    assert not Accident.objects.exists()


def test_an_edit_writes_one_history_row_naming_each_field_old_and_new(world, today, accident):
    services.accident_edit(
        user=world.staff_a, accident=accident, deaths=2, injuries=1, today=today, note="核实"
    )
    accident.refresh_from_db()
    assert (accident.deaths, accident.injuries, accident.version) == (2, 1, 2)
    last = accident.history.last()
    assert last.kind == AccidentHistory.Kind.EDIT
    assert last.changes.splitlines() == ["死亡人数：1 → 2", "受伤人数：0 → 1"]
    assert accident.history.count() == 2


def test_closing_the_investigation_is_a_state_row(world, today, accident):
    services.accident_edit(
        user=world.office, accident=accident, state="closed", closed_on=today, today=today
    )
    last = accident.history.last()
    assert last.kind == AccidentHistory.Kind.STATE
    assert "调查处理：调查中 → 已结案" in last.changes


def test_an_edit_that_changes_nothing_is_refused(world, today, accident):
    with pytest.raises(AccidentError, match="没有修改任何内容"):
        services.accident_edit(user=world.office, accident=accident, deaths=1, today=today)
    assert accident.history.count() == 1


def test_a_bad_edit_leaves_the_row_as_it_was(world, today, accident):
    with pytest.raises(AccidentError, match="至少为较大事故"):
        services.accident_edit(user=world.office, accident=accident, deaths=4, today=today)
    accident.refresh_from_db()
    assert accident.deaths == 1 and accident.history.count() == 1


def test_a_stale_edit_is_refused(world, today, accident):
    services.accident_edit(user=world.office, accident=accident, injuries=3, today=today)
    with pytest.raises(AccidentError, match="刚被其他人修改过"):
        services.accident_edit(
            user=world.office, accident=accident, injuries=4, version=1, today=today
        )


def test_another_township_cannot_edit(world, today, accident):
    with pytest.raises(PermissionDenied):
        services.accident_edit(user=world.staff_b, accident=accident, deaths=2, today=today)


def test_voiding_keeps_the_row_with_its_reason_and_only_the_office_may(world, today, accident):
    with pytest.raises(PermissionDenied):
        services.accident_void(user=world.staff_a, accident=accident, reason="重复")
    with pytest.raises(AccidentError, match="作废须写明原因"):
        services.accident_void(user=world.office, accident=accident, reason=" ")
    services.accident_void(user=world.office, accident=accident, reason="与另一条重复登记")
    accident.refresh_from_db()
    assert accident.voided and accident.void_reason == "与另一条重复登记"
    assert [h.kind for h in accident.history.all()] == ["record", "void"]
    with pytest.raises(AccidentError, match="已作废"):
        services.accident_edit(user=world.office, accident=accident, deaths=2, today=today)


def test_the_office_sets_and_changes_an_indicator_with_history(world, today):
    first = services.indicator_set(
        user=world.office, unit=world.town_a, year=today.year, max_deaths=2, max_accidents=3
    )
    services.indicator_set(
        user=world.office, unit=world.town_a, year=today.year, max_deaths=1, max_accidents=3
    )
    first.refresh_from_db()
    assert (first.max_deaths, first.max_accidents) == (1, 3)
    assert ControlIndicator.objects.count() == 1
    assert [h.changes for h in first.history.all()] == [
        "下达：死亡人数 ≤ 2，事故起数 ≤ 3",
        "死亡人数控制指标：2 → 1",
    ]


def test_only_the_office_sets_indicators_and_negative_ones_are_refused(world, today):
    with pytest.raises(PermissionDenied):
        services.indicator_set(
            user=world.staff_a, unit=world.town_a, year=today.year, max_deaths=1, max_accidents=1
        )
    with pytest.raises(AccidentError, match="城关镇：死亡人数控制指标不能为负数"):
        services.indicator_set(
            user=world.office, unit=world.town_a, year=today.year, max_deaths=-1, max_accidents=1
        )
    assert not ControlIndicator.objects.exists()
