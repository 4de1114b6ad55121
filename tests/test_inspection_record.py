"""巡查检查: a 网格员 records an inspection of an enterprise of their own grid, with hazards and
photos; anything else gets a clear message and nothing is written."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tracker.enterprises import services
from tracker.enterprises.models import Inspection, InspectionHazard, InspectionPhoto

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def form(today, **extra):
    data = {
        "inspected_on": today.isoformat(),
        "result": "clear",
        "hazards": "",
        "signature": "刘网格",
        "note": "",
    }
    data.update(extra)
    return data


def url(enterprise):
    return reverse("enterprises:inspection_new", args=[enterprise.pk])


def test_a_grid_member_records_an_inspection_with_hazards_and_a_photo(
    login, world, registers, today, tmp_path
):
    photo = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
    response = login(world.grid_a).post(
        url(registers.tannery),
        form(today, result="hazards", hazards="配电箱无漏电保护\n\n灭火器过期\n", photos=photo),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("enterprises:grid_home")
    inspection = Inspection.objects.get()
    assert (inspection.enterprise, inspection.inspected_on) == (registers.tannery, today)
    assert inspection.hazard_count == 2
    assert [h.description for h in inspection.hazards.all()] == ["配电箱无漏电保护", "灭火器过期"]
    assert inspection.member == registers.member_a1
    assert inspection.recorded_by == world.grid_a and inspection.inspector_unit == world.town_a
    stored = inspection.photos.get()
    assert stored.original_name == "现场.png" and (tmp_path / stored.file.name).read_bytes() == PNG


def test_a_grid_member_cannot_record_an_inspection_of_another_townships_enterprise(
    login, world, registers, today
):
    response = login(world.grid_b).post(url(registers.tannery), form(today))
    assert response.status_code == 404
    assert not Inspection.objects.exists()


def test_the_service_names_the_enterprise_outside_the_grid_members_grids(world, registers, today):
    with pytest.raises(PermissionDenied, match="「城关加油站」不在您负责的网格内"):
        services.inspection_record(
            user=world.grid_a,
            enterprise=registers.station,
            inspected_on=today,
            result="clear",
            signature="刘网格",
        )
    assert not Inspection.objects.exists()


def test_township_staff_and_the_supervising_department_may_inspect_too(
    world, registers, today, django_user_model
):
    services.inspection_record(
        user=world.staff_a, enterprise=registers.snack, inspected_on=today, result="clear",
        signature="王干事",
    )  # fmt: skip
    inspector = django_user_model.objects.create_user(
        "inspector", password="x", role="staff", unit=world.dept
    )
    inspection = services.inspection_record(
        user=inspector, enterprise=registers.plant, inspected_on=today, result="clear",
        signature="执法员",
    )  # fmt: skip
    assert inspection.member is None and inspection.inspector_unit == world.dept


def test_a_leader_is_refused(login, world, registers, today):
    response = login(world.leader).post(url(registers.tannery), form(today))
    assert response.status_code == 403
    assert not Inspection.objects.exists()


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"result": "hazards"}, "请逐条填写隐患描述"),
        ({"hazards": "消防通道堵塞"}, "不用填写隐患"),
        ({"signature": ""}, "请填写检查人签名"),
        ({"result": ""}, "请选择检查结果"),
        ({"inspected_on": "{year}-02-30"}, "检查日期格式不对"),
    ],
)
def test_bad_input_is_named_and_nothing_is_written(login, world, registers, today, extra, message):
    extra = {k: v.format(year=today.year) for k, v in extra.items()}
    response = login(world.grid_a).post(url(registers.tannery), form(today, **extra))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_date_in_the_future_is_refused(login, world, registers, today):
    tomorrow = today + timedelta(days=1)
    response = login(world.grid_a).post(
        url(registers.tannery), form(today, inspected_on=tomorrow.isoformat())
    )
    assert response.status_code == 400
    assert "晚于今天" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_file_that_is_not_a_photo_is_refused_by_name(login, world, registers, today):
    pdf = SimpleUploadedFile("整改报告.pdf", PDF, content_type="application/pdf")
    response = login(world.grid_a).post(url(registers.tannery), form(today, photos=pdf))
    assert response.status_code == 400
    assert "「整改报告.pdf」不是照片" in response.content.decode()
    assert not Inspection.objects.exists()


def test_a_renamed_program_is_refused_as_every_evidence_file_is(login, world, registers, today):
    exe = SimpleUploadedFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 100, content_type="image/jpeg")
    response = login(world.grid_a).post(url(registers.tannery), form(today, photos=exe))
    assert response.status_code == 400
    assert "不是允许的类型" in response.content.decode()
    assert not InspectionPhoto.objects.exists()


def test_a_failure_after_storing_photos_removes_them_and_writes_nothing(
    world, registers, today, tmp_path, monkeypatch
):
    def broken(self, *args, **kwargs):
        raise RuntimeError("database went away")

    # The photo's bytes are stored, then its row fails.
    monkeypatch.setattr(InspectionPhoto, "save", broken)
    photo = SimpleUploadedFile("a.png", PNG, content_type="image/png")
    with pytest.raises(RuntimeError):
        services.inspection_record(
            user=world.grid_a, enterprise=registers.tannery, inspected_on=today,
            result="hazards", hazards=["电线老化"], signature="刘网格", photos=[photo],
        )  # fmt: skip
    assert not Inspection.objects.exists() and not InspectionHazard.objects.exists()
    assert not list(tmp_path.rglob("*.png"))


def test_an_inspection_is_never_edited(world, registers, today):
    inspection = services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="clear",
        signature="刘网格",
    )  # fmt: skip
    inspection.note = "改一改"
    with pytest.raises(PermissionError):
        inspection.save()
    with pytest.raises(PermissionError):
        Inspection.objects.filter(pk=inspection.pk).update(note="改一改")


def test_a_photo_is_sent_to_who_sees_the_enterprise_and_to_nobody_else(
    login, world, registers, today
):
    inspection = services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="clear",
        signature="刘网格", photos=[SimpleUploadedFile("a.png", PNG, content_type="image/png")],
    )  # fmt: skip
    photo = reverse("enterprises:photo_download", args=[inspection.photos.get().pk])
    shown = login(world.staff_a).get(photo)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/png"
    assert login(world.staff_b).get(photo).status_code == 404
    assert login(world.grid_b).get(photo).status_code == 404


def test_picking_an_enterprise_by_a_few_characters_lists_only_the_users_own(
    login, world, registers
):
    page = login(world.grid_a).get(reverse("enterprises:inspect_pick"), {"q": "城关"})
    text = page.content.decode()
    assert "城关皮革制品有限公司" in text and "城关加油站" not in text
    other = login(world.grid_b).get(reverse("enterprises:inspect_pick"), {"q": "城关"})
    assert "城关皮革" not in other.content.decode()
