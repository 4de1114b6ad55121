"""The 隐患台账's writes: from 待整改 through 五落实 整改 and 验收 to 已销号, 挂账, 挂牌督办 and
作废; every change one history row; every refusal a clear Chinese message with nothing written."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied

from tests.hazard_helpers import plan, png, record
from tracker.enterprises import services as registers_services
from tracker.enterprises.models import Inspection
from tracker.hazards import services
from tracker.hazards.models import Hazard, HazardChange, HazardPhoto
from tracker.services import WorkflowError


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def dept_staff(world, django_user_model):
    return django_user_model.objects.create_user(
        username="dept_staff", password="x", role="staff", unit=world.dept
    )


def kinds(hazard):
    return list(hazard.changes.order_by("id").values_list("kind", flat=True))


def test_a_township_records_rectifies_and_the_township_closes_a_general_hazard(
    world, registers, today
):
    hazard = record(world.staff_a, today, enterprise=registers.tannery, photos=[png("前.png")])
    assert hazard.state == "pending" and hazard.township == world.town_a
    assert hazard.supervisor == world.dept and hazard.grid == registers.grid_a1
    assert hazard.number.startswith(f"YH{hazard.found_on.year}")
    plan(world.staff_a, hazard, today)
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    services.hazard_accept(
        user=world.staff_a, hazard=hazard, accepted_on=today, signer="王干事", today=today
    )
    hazard.refresh_from_db()
    assert hazard.state == "closed" and hazard.accepted_by == "王干事"
    assert kinds(hazard) == ["record", "plan", "submit", "accept"]
    assert hazard.photos.filter(stage="before").count() == 1


def test_the_plan_needs_all_five_measures(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    with pytest.raises(WorkflowError, match="五落实.*整改资金.*应急预案"):
        plan(world.staff_a, hazard, today, funds=None, contingency=" ")
    hazard.refresh_from_db()
    assert hazard.state == "pending" and kinds(hazard) == ["record"]


def test_a_deadline_before_the_day_found_is_refused(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    with pytest.raises(WorkflowError, match="整改时限 .* 早于发现日期"):
        plan(world.staff_a, hazard, today, deadline=hazard.found_on - timedelta(days=1))
    assert Hazard.objects.get(pk=hazard.pk).deadline is None


def test_a_major_hazard_without_its_basis_is_refused(world, registers, today):
    with pytest.raises(WorkflowError, match="重大隐患须写明判定依据"):
        record(world.staff_a, today, enterprise=registers.tannery, level="major", basis="")
    assert not Hazard.objects.exists()


def test_a_hazard_of_another_township_is_refused(world, registers, today):
    with pytest.raises(PermissionDenied, match="不在您负责的范围内"):
        record(world.staff_a, today, enterprise=registers.plant)
    with pytest.raises(PermissionDenied, match="只能登记本单位辖区"):
        record(world.staff_a, today, township=world.town_b, location="河西大桥")
    assert not Hazard.objects.exists()


def test_a_grid_member_records_only_in_their_own_grids(world, registers, today):
    hazard = record(world.grid_a, today, enterprise=registers.tannery, source="grid")
    assert hazard.grid == registers.grid_a1
    with pytest.raises(PermissionDenied):
        record(world.grid_a, today, enterprise=registers.station)


def test_a_leader_only_reads(world, registers, today):
    with pytest.raises(PermissionDenied, match="领导账号只能查看"):
        record(world.leader, today, enterprise=registers.tannery)


def test_closing_without_photos_after_or_a_signer_is_refused(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    plan(world.staff_a, hazard, today)
    with pytest.raises(WorkflowError, match="整改后的照片"):
        services.hazard_submit(user=world.staff_a, hazard=hazard, today=today)
    hazard.refresh_from_db()
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    with pytest.raises(WorkflowError, match="验收人"):
        services.hazard_accept(
            user=world.staff_a, hazard=hazard, accepted_on=today, signer="  ", today=today
        )
    hazard.refresh_from_db()
    assert hazard.state == "review" and kinds(hazard) == ["record", "plan", "submit"]


def test_a_failed_close_leaves_no_photo_behind(world, registers, today, tmp_path):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    plan(world.staff_a, hazard, today)
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    with pytest.raises(WorkflowError):
        services.hazard_accept(
            user=world.staff_a, hazard=hazard, accepted_on=today, signer="",
            photos=[png("多.png")], today=today,
        )  # fmt: skip
    assert HazardPhoto.objects.filter(stage="after").count() == 1
    assert len(list((tmp_path / "hazards").rglob("*.png"))) == 1


def test_the_unit_that_must_rectify_cannot_accept_its_own_work(world, registers, today):
    hazard = record(
        world.staff_a, today, township=world.town_a, location="东关村村道",
        industry=registers.trade,
    )  # fmt: skip
    assert hazard.rectifier == world.town_a and hazard.supervisor == world.dept
    plan(world.staff_a, hazard, today)
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    with pytest.raises(PermissionDenied, match="整改责任单位不能验收自己整改的隐患"):
        services.hazard_accept(
            user=world.staff_a, hazard=hazard, accepted_on=today, signer="王干事", today=today
        )
    hazard.refresh_from_db()
    assert hazard.state == "review"


def test_a_major_hazard_is_accepted_by_its_department_not_the_township(
    world, registers, today, dept_staff
):
    hazard = record(world.staff_a, today, enterprise=registers.station, level="major")
    plan(world.staff_a, hazard, today)
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    with pytest.raises(PermissionDenied, match="重大隐患由行业监管部门或安委办验收"):
        services.hazard_accept(
            user=world.staff_a, hazard=hazard, accepted_on=today, signer="王干事", today=today
        )
    services.hazard_accept(
        user=dept_staff, hazard=hazard, accepted_on=today, signer="应急局刘科长", today=today
    )
    assert Hazard.objects.get(pk=hazard.pk).state == "closed"


def test_a_failed_acceptance_sends_the_hazard_back_with_why(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    plan(world.staff_a, hazard, today)
    services.hazard_submit(user=world.staff_a, hazard=hazard, photos=[png()], today=today)
    with pytest.raises(WorkflowError, match="原因"):
        services.hazard_return(user=world.office, hazard=hazard, reason="")
    services.hazard_return(user=world.office, hazard=hazard, reason="接地电阻不合格")
    assert Hazard.objects.get(pk=hazard.pk).state == "fixing"


def test_a_hazard_that_cannot_be_fixed_yet_is_deferred_with_reason_and_interim_measures(
    world, registers, today
):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    with pytest.raises(WorkflowError, match="临时管控措施"):
        services.hazard_defer(user=world.staff_a, hazard=hazard, reason="需停产改造", interim="")
    services.hazard_defer(
        user=world.staff_a, hazard=hazard, reason="需停产改造", interim="限产，每日巡查",
        today=today,
    )  # fmt: skip
    services.hazard_review_deferred(user=world.staff_a, hazard=hazard, note="管控到位", today=today)
    services.hazard_resume(user=world.staff_a, hazard=hazard)
    hazard.refresh_from_db()
    assert hazard.state == "pending"
    assert kinds(hazard) == ["record", "defer", "review", "resume"]


def test_the_office_lists_a_major_hazard_and_delists_it_once_closed(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.station, level="major")
    with pytest.raises(PermissionDenied, match="只有安委办"):
        services.hazard_list(
            user=world.staff_a, hazard=hazard, level="county", doc="安委办督〔1〕号",
            listed_on=today,
        )  # fmt: skip
    services.hazard_list(
        user=world.office, hazard=hazard, level="county", doc="安委办督〔1〕号", listed_on=today
    )
    assert Hazard.objects.get(pk=hazard.pk).is_listed
    # The units concerned hear of it, in the bell and on their channels.
    from tracker.models import Notice, OutboxMessage

    listed = Notice.objects.filter(key__startswith=f"hazard-list-{hazard.pk}-")
    assert listed.exists() and all("挂牌督办" in n.title for n in listed)
    assert OutboxMessage.objects.filter(notice__in=listed).count() == listed.count()
    with pytest.raises(WorkflowError, match="销号后才能摘牌"):
        services.hazard_delist(user=world.office, hazard=hazard, delisted_on=today)
    general = record(world.staff_a, today, enterprise=registers.tannery)
    with pytest.raises(WorkflowError, match="只有重大隐患"):
        services.hazard_list(
            user=world.office, hazard=general, level="city", doc="x", listed_on=today
        )


def test_nothing_is_deleted_a_wrong_hazard_is_voided_with_a_reason(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    with pytest.raises(WorkflowError, match="作废须写明原因"):
        services.hazard_void(user=world.office, hazard=hazard, reason="")
    services.hazard_void(user=world.office, hazard=hazard, reason="重复登记")
    hazard.refresh_from_db()
    assert hazard.voided and Hazard.objects.filter(pk=hazard.pk).exists()
    with pytest.raises(WorkflowError, match="已作废"):
        plan(world.staff_a, hazard, today)
    with pytest.raises(PermissionError):
        HazardChange.objects.filter(hazard=hazard).delete()


def test_an_inspections_found_hazards_become_register_rows_in_one_step(world, registers, today):
    inspection = registers_services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="hazards",
        hazards=["灭火器过期", "通道堵塞"], signature="刘网格", today=today,
    )  # fmt: skip
    made = services.hazards_from_inspection(
        user=world.staff_a, inspection=inspection, task=world.item
    )
    assert [h.description for h in made] == ["灭火器过期", "通道堵塞"]
    assert all(h.source == "grid" and h.task == world.item for h in made)
    assert services.hazards_from_inspection(user=world.staff_a, inspection=inspection) == []
    assert Hazard.objects.count() == 2
    assert Inspection.objects.count() == 1


def test_a_concurrent_change_is_refused_not_overwritten(world, registers, today):
    hazard = record(world.staff_a, today, enterprise=registers.tannery)
    stale = Hazard.objects.get(pk=hazard.pk)
    plan(world.staff_a, hazard, today)
    with pytest.raises(WorkflowError, match="刚被其他人修改过"):
        plan(world.staff_a, stale, today, funds=Decimal("1"))
