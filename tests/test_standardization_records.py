"""标准化创建: an enterprise's record from 创建中 to 已达标, its history, its level on the
register, and the reminders before a certificate expires."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from tracker.enterprises import services
from tracker.enterprises.models import Enterprise, Standardization, StandardizationChange
from tracker.enterprises.services import RegisterError
from tracker.models import Notice


def achieve(record, world, today, **extra):
    values = {
        "state": "achieved",
        "achieved_on": today - timedelta(days=1),
        "certificate_no": "AQBH-2-001",
        "valid_until": today + timedelta(days=3 * 365),
    }
    values.update(extra)
    return services.standardization_change(user=world.office, record=record, **values)


def test_a_record_goes_from_building_to_achieved_with_one_history_row_per_step(
    world, registers, today
):
    record = services.standardization_create(
        user=world.staff_a, enterprise=registers.tannery, level="third"
    )
    for state in ("applied", "reviewed"):
        services.standardization_change(user=world.staff_a, record=record, state=state)
    achieve(record, world, today)
    record.refresh_from_db()
    assert record.state == "achieved" and record.certificate_no == "AQBH-2-001"
    history = list(record.changes.order_by("created_at", "id"))
    assert [(h.kind, h.from_state, h.to_state) for h in history] == [
        ("create", "", "building"),
        ("advance", "building", "applied"),
        ("advance", "applied", "reviewed"),
        ("advance", "reviewed", "achieved"),
    ]
    assert history[0].author == world.staff_a and history[-1].author == world.office
    assert Enterprise.objects.get(pk=registers.tannery.pk).standard_level == "third"


def test_going_back_a_step_is_refused_and_the_history_keeps_what_happened(world, registers):
    record = services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="third", state="applied"
    )
    with pytest.raises(RegisterError, match="不能从“已申报”退回“创建中”"):
        services.standardization_change(user=world.office, record=record, state="building")
    assert record.changes.count() == 1


def test_achieved_needs_the_date_the_certificate_and_its_expiry(world, registers, today):
    record = services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="third"
    )
    with pytest.raises(RegisterError, match="已达标须填写证书编号、有效期至"):
        services.standardization_change(
            user=world.office, record=record, state="achieved", achieved_on=today
        )
    with pytest.raises(RegisterError, match="有效期至必须晚于达标日期"):
        achieve(record, world, today, valid_until=today - timedelta(days=5))
    record.refresh_from_db()
    assert record.state == "building" and record.changes.count() == 1


def test_revoking_needs_a_reason_and_drops_the_level(world, registers, today):
    record = services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="small", state="achieved",
        achieved_on=today, certificate_no="XW-9", valid_until=today + timedelta(days=900),
    )  # fmt: skip
    assert Enterprise.objects.get(pk=registers.tannery.pk).standard_level == "small"
    with pytest.raises(RegisterError, match="撤销须写明原因"):
        services.standardization_change(user=world.office, record=record, state="revoked")
    services.standardization_change(
        user=world.office, record=record, state="revoked", note="发生较大事故，撤销达标"
    )
    assert Enterprise.objects.get(pk=registers.tannery.pk).standard_level == "none"
    with pytest.raises(RegisterError, match="已撤销的标准化记录不能再修改"):
        services.standardization_change(user=world.office, record=record, state="building")


def test_one_creation_under_way_per_enterprise(world, registers):
    services.standardization_create(user=world.office, enterprise=registers.tannery, level="third")
    with pytest.raises(RegisterError, match="已有正在进行的标准化创建"):
        services.standardization_create(
            user=world.office, enterprise=registers.tannery, level="second"
        )


def test_a_certificate_number_belongs_to_one_record(world, registers, today):
    values = {
        "level": "small", "state": "achieved", "achieved_on": today,
        "certificate_no": "XW-1", "valid_until": today + timedelta(days=900),
    }  # fmt: skip
    services.standardization_create(user=world.office, enterprise=registers.tannery, **values)
    with pytest.raises(RegisterError, match="证书编号 XW-1 已被其他记录使用"):
        services.standardization_create(user=world.office, enterprise=registers.station, **values)


@pytest.mark.parametrize("who", ["grid_a", "leader", "staff_b"])
def test_grid_members_leaders_and_other_townships_cannot_register_one(world, registers, who):
    with pytest.raises(PermissionDenied):
        services.standardization_create(
            user=getattr(world, who), enterprise=registers.tannery, level="third"
        )
    assert not Standardization.objects.exists()


def test_the_supervising_department_may_register_one(world, registers, django_user_model):
    dept_staff = django_user_model.objects.create_user(
        "dept", password="x", role="staff", unit=world.dept
    )
    services.standardization_create(user=dept_staff, enterprise=registers.plant, level="second")
    with pytest.raises(PermissionDenied):  # a 九小场所 is the 消防's, not the 应急局's
        services.standardization_create(user=dept_staff, enterprise=registers.snack, level="small")


def test_the_form_on_the_file_registers_and_advances_a_record(login, world, registers, today):
    client = login(world.staff_a)
    add = reverse("enterprises:standardization_add", args=[registers.tannery.pk])
    assert client.post(add, {"level": "small", "state": "building"}).status_code == 302
    record = Standardization.objects.get()
    response = client.post(
        reverse("enterprises:standardization_change", args=[record.pk]),
        {
            f"r{record.pk}-state": "achieved",
            f"r{record.pk}-achieved_on": today.isoformat(),
            f"r{record.pk}-certificate_no": "XW-77",
            f"r{record.pk}-valid_until": (today + timedelta(days=1095)).isoformat(),
            f"r{record.pk}-version": record.version,
        },
    )
    assert response.status_code == 302
    record.refresh_from_db()
    assert record.state == "achieved" and record.certificate_no == "XW-77"


def test_a_form_with_a_missing_certificate_says_so_on_the_file(login, world, registers, today):
    client = login(world.staff_a)
    add = reverse("enterprises:standardization_add", args=[registers.tannery.pk])
    response = client.post(add, {"level": "small", "state": "achieved"})
    assert response.status_code == 400
    assert "已达标须填写达标日期、证书编号、有效期至" in response.content.decode()
    assert not Standardization.objects.exists()


def test_certificates_are_reminded_90_and_30_days_before_expiry_once_each(world, registers, today):
    soon = services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="small", state="achieved",
        achieved_on=today - timedelta(days=1000), certificate_no="XW-1",
        valid_until=today + timedelta(days=80),
    )  # fmt: skip
    services.standardization_create(
        user=world.office, enterprise=registers.station, level="third", state="achieved",
        achieved_on=today - timedelta(days=100), certificate_no="AQ-2",
        valid_until=today + timedelta(days=400),
    )  # fmt: skip
    assert services.certificate_reminders(today=today) == 2  # township A and the department
    assert services.certificate_reminders(today=today) == 0
    notices = Notice.objects.filter(key__startswith=f"std-cert-{soon.pk}-")
    assert {n.unit for n in notices} == {world.town_a, world.dept}
    assert all("80天后到期" in n.title and "城关皮革制品有限公司" in n.title for n in notices)
    from tracker.models import OutboxMessage  # and the units' channels hear of it too

    assert OutboxMessage.objects.filter(notice__in=notices).count() == 2
    # Fifty days later the 30-day reminder goes out, once.
    later = today + timedelta(days=55)
    assert services.certificate_reminders(today=later) == 2
    assert services.certificate_reminders(today=later + timedelta(days=1)) == 0
    assert Notice.objects.filter(level="red").count() == 2


def test_the_reminder_command_says_how_many_it_sent(world, registers, today, capsys):
    services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="small", state="achieved",
        achieved_on=today - timedelta(days=1000), certificate_no="XW-1",
        valid_until=today + timedelta(days=20),
    )  # fmt: skip
    call_command("send_certificate_reminders")
    assert "已发出标准化证书到期提醒 2 条" in capsys.readouterr().out


def test_the_history_is_append_only(world, registers):
    record = services.standardization_create(
        user=world.office, enterprise=registers.tannery, level="third"
    )
    with pytest.raises(PermissionError):
        StandardizationChange.objects.filter(record=record).delete()
