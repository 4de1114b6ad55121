"""分解数量: each unit's share of an item's county target, through the services."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import services
from tracker.models import Assignment, StatusUpdate, Unit


def _share(world, assignment, share):
    return services.assignment_change(
        assignment=assignment, user=world.office, share_quantity=Decimal(share)
    )


@pytest.fixture
def shared(world):
    """The 40 家 item given to township A (responsible), township B and the department (lead)."""
    world.b_target = services.assignment_create(
        item=world.item_target, unit=world.town_b, user=world.office
    )
    world.lead_target = services.assignment_create(
        item=world.item_target, unit=world.dept, user=world.office, role=Assignment.Role.LEAD
    )
    return world


@pytest.fixture
def rate_item(world):
    item = ChecklistItem.objects.create(
        code=f"{world.year}-030", title="特种作业人员持证上岗率达到100%", theme=world.theme,
        start_date=world.item.start_date, deadline=world.item.deadline,
        target_quantity=100, target_unit="%", state="published", published_at=timezone.now(),
    )  # fmt: skip
    return item


def test_a_units_percent_is_its_quantity_over_its_own_share(world):
    _share(world, world.a_target, 8)
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=4)
    world.a_target.refresh_from_db()
    assert world.a_target.percent == 50  # 4 of its 8, not 4 of the county's 40
    assert world.a_target.target == 8


def test_a_unit_without_a_share_answers_for_the_whole_target(world):
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=20)
    world.a_target.refresh_from_db()
    assert world.a_target.percent == 50
    assert world.a_target.target_label == "40 家"


def test_submitting_needs_the_units_own_share_reached(world):
    _share(world, world.a_target, 8)
    with pytest.raises(services.WorkflowError, match=r"当前7 / 8 家"):
        services.assignment_submit(assignment=world.a_target, user=world.staff_a, quantity=7)
    services.assignment_submit(assignment=world.a_target, user=world.staff_a, quantity=8)
    world.a_target.refresh_from_db()
    assert world.a_target.status == Assignment.Status.SUBMITTED
    assert world.a_target.percent == 100


def test_the_units_target_reads_its_share_and_the_county_target(world):
    _share(world, world.a_target, 8)
    world.a_target.refresh_from_db()
    assert world.a_target.target_label == "8 家（全县目标 40 家）"


def test_a_share_change_is_one_history_row_from_the_old_share_to_the_new(world):
    _share(world, world.a_target, 8)
    _share(world, world.a_target, 5)
    services.assignment_change(assignment=world.a_target, user=world.office, share_quantity=None)
    notes = list(
        StatusUpdate.objects.filter(assignment=world.a_target, kind="edit")
        .order_by("id")
        .values_list("note", flat=True)
    )
    assert notes == ["分解数量：未分解→8家", "分解数量：8家→5家", "分解数量：5家→未分解"]


def test_leaving_the_share_alone_changes_nothing(world):
    _share(world, world.a_target, 8)
    before = StatusUpdate.objects.count()
    services.assignment_change(assignment=world.a_target, user=world.office, role="responsible")
    world.a_target.refresh_from_db()
    assert world.a_target.share_quantity == 8
    assert StatusUpdate.objects.count() == before


def test_a_new_share_recomputes_the_percent_of_work_still_with_the_unit(world):
    services.assignment_report(assignment=world.a_target, user=world.staff_a, quantity=4)
    update = _share(world, world.a_target, 8)
    world.a_target.refresh_from_db()
    assert world.a_target.percent == 50
    assert "完成进度按本单位目标重算为50%" in update.note


def test_a_cooperating_unit_is_refused_a_share(world):
    with pytest.raises(services.WorkflowError, match="配合单位不计入完成率，没有分解数量"):
        services.assignment_create(
            item=world.item_target, unit=world.town_b, user=world.office,
            role=Assignment.Role.COOPERATE, share_quantity=Decimal(5),
        )  # fmt: skip
    cooperating = services.assignment_create(
        item=world.item_target, unit=world.town_b, user=world.office, role="cooperate"
    )
    with pytest.raises(services.WorkflowError, match="配合单位"):
        _share(world, cooperating, 5)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=cooperating.pk).update(share_quantity=5)


def test_making_a_unit_cooperating_drops_its_share_in_the_same_history_row(world):
    _share(world, world.a_target, 8)
    update = services.assignment_change(
        assignment=world.a_target, user=world.office, role=Assignment.Role.COOPERATE
    )
    world.a_target.refresh_from_db()
    assert world.a_target.share_quantity is None
    assert update.note == "角色：责任→配合；分解数量：8家→未分解"


def test_a_share_must_be_positive_and_needs_a_target(world):
    with pytest.raises(services.WorkflowError, match="分解数量应大于 0"):
        _share(world, world.a_target, 0)
    with pytest.raises(services.WorkflowError, match="没有目标数量"):
        _share(world, world.a_item, 3)
    with pytest.raises(IntegrityError), transaction.atomic():
        Assignment.objects.filter(pk=world.a_target.pk).update(share_quantity=0)


def test_splitting_evenly_gives_the_remainder_to_the_lead(shared):
    world = shared
    services.assignment_create(
        item=world.item_target, unit=world.office_unit, user=world.office, role="cooperate"
    )
    updates = services.split_evenly(item=world.item_target, user=world.office)
    shares = dict(
        Assignment.objects.filter(item=world.item_target).values_list(
            "unit__name", "share_quantity"
        )
    )
    assert shares == {"县应急管理局": 14, "城关镇": 13, "河西镇": 13, "县安委办": None}
    assert len(updates) == 3
    lead_note = StatusUpdate.objects.filter(assignment=world.lead_target, kind="edit").get().note
    assert lead_note == (
        "分解数量：未分解→14家。按单位平均分解：全县目标 40家，3 个单位，余下 1家 由县应急管理局承担"
    )


def test_splitting_evenly_without_a_lead_gives_the_remainder_to_the_first_unit(world):
    services.assignment_create(item=world.item_target, unit=world.town_b, user=world.office)
    other = Unit.objects.create(name="平山街道", kind="township", sort_order=25)
    services.assignment_create(item=world.item_target, unit=other, user=world.office)
    services.split_evenly(item=world.item_target, user=world.office)
    shares = dict(
        Assignment.objects.filter(item=world.item_target).values_list(
            "unit__name", "share_quantity"
        )
    )
    assert shares == {"城关镇": 14, "河西镇": 13, "平山街道": 13}


def test_splitting_a_target_with_decimals_goes_to_the_cent(shared):
    world = shared
    ChecklistItem.objects.filter(pk=world.item_target.pk).update(target_quantity=Decimal("10.1"))
    world.item_target.refresh_from_db()
    services.split_evenly(item=world.item_target, user=world.office)
    shares = sorted(
        Assignment.objects.filter(item=world.item_target).values_list("share_quantity", flat=True)
    )
    assert shares == [Decimal("3.36"), Decimal("3.36"), Decimal("3.38")]


def test_splitting_again_writes_nothing_when_the_shares_are_already_even(shared):
    services.split_evenly(item=shared.item_target, user=shared.office)
    assert services.split_evenly(item=shared.item_target, user=shared.office) == []


def test_splitting_evenly_refuses_a_target_smaller_than_its_units(shared):
    ChecklistItem.objects.filter(pk=shared.item_target.pk).update(target_quantity=2)
    shared.item_target.refresh_from_db()
    with pytest.raises(services.WorkflowError, match="目标 2 少于 3 个单位"):
        services.split_evenly(item=shared.item_target, user=shared.office)


def test_only_the_office_splits(shared):
    with pytest.raises(services.PermissionDenied):
        services.split_evenly(item=shared.item_target, user=shared.staff_a)


def test_a_rate_item_is_refused_a_share_and_an_even_split(world, rate_item):
    with pytest.raises(services.WorkflowError, match="目标是比率（100%）"):
        services.assignment_create(
            item=rate_item, unit=world.town_a, user=world.office, share_quantity=Decimal(50)
        )
    services.assignment_create(item=rate_item, unit=world.town_a, user=world.office)
    with pytest.raises(services.WorkflowError, match="不分解数量"):
        services.split_evenly(item=rate_item, user=world.office)


def test_a_unit_reports_its_rate_on_a_rate_item(world, rate_item):
    share = services.assignment_create(item=rate_item, unit=world.town_a, user=world.office)
    services.assignment_report(assignment=share, user=world.staff_a, quantity=Decimal(95))
    share.refresh_from_db()
    assert share.percent == 95
    with pytest.raises(services.WorkflowError, match="请填写本单位的比率"):
        services.assignment_report(assignment=share, user=world.staff_a, quantity=Decimal(120))
    with pytest.raises(services.WorkflowError, match=r"当前95 / 100 %"):
        services.assignment_submit(assignment=share, user=world.staff_a)
