"""The 隐患台账's pages: the register, a hazard's page with its next steps, recording one on a
phone with a photo, and an inspection's hazards taken over in one step."""

from datetime import timedelta

import pytest
from django.urls import reverse

from tests.hazard_helpers import plan, png, record
from tracker.enterprises import services as registers_services
from tracker.hazards.models import Hazard


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def two(world, registers, today):
    return (
        record(world.office, today, enterprise=registers.tannery, description="配电箱未接地"),
        record(world.office, today, enterprise=registers.plant, description="储罐区无喷淋"),
    )


def test_the_register_lists_only_the_users_own_hazards(client, login, world, two):
    login(world.staff_a)
    page = client.get(reverse("hazards:hazard_list")).content.decode()
    assert "配电箱未接地" in page and "储罐区无喷淋" not in page
    login(world.office)
    page = client.get(reverse("hazards:hazard_list") + "?q=储罐").content.decode()
    assert "储罐区无喷淋" in page and "配电箱未接地" not in page


@pytest.mark.parametrize(
    "who,sees", [("office", True), ("leader", True), ("staff_a", False), ("staff_b", True),
                 ("grid_a", False), ("grid_b", True)],
)  # fmt: skip
def test_a_hazards_page_is_404_for_everyone_who_may_not_see_it(
    client, login, world, two, who, sees
):
    login(getattr(world, who))
    plant = two[1]
    for url in (
        reverse("hazards:hazard_detail", args=[plant.pk]),
        reverse("hazards:hazard_detail", args=[10**8]),
    ):
        expected = 200 if sees and str(plant.pk) in url else 404
        assert client.get(url).status_code == expected
    action = reverse("hazards:hazard_action", args=[plant.pk, "void"])
    status = client.post(action, {"void-reason": "x"}).status_code
    assert status == (302 if who == "office" else 403 if sees else 404)


def test_a_township_rectifies_and_submits_through_the_hazards_page(
    client, login, world, two, today
):
    tannery = two[0]
    login(world.staff_a)
    url = reverse("hazards:hazard_action", args=[tannery.pk, "plan"])
    response = client.post(url, {"plan-measures": "重新接地", "plan-responsible": "王厂长",
                                  "plan-funds": "100", "plan-deadline": today.isoformat(),
                                  "plan-contingency": "断电"})  # fmt: skip
    assert response.status_code == 302
    url = reverse("hazards:hazard_action", args=[tannery.pk, "submit"])
    assert client.post(url, {"submit-note": "已整改", "submit-photos": png()}).status_code == 302
    tannery.refresh_from_db()
    assert tannery.state == "review"
    page = client.get(reverse("hazards:hazard_detail", args=[tannery.pk])).content.decode()
    assert "验收销号" in page and "提交验收" in page


def test_a_deadline_before_the_day_found_shows_the_message_and_writes_nothing(
    client, login, world, two, today
):
    tannery = two[0]
    login(world.staff_a)
    early = tannery.found_on - timedelta(days=1)
    url = reverse("hazards:hazard_action", args=[tannery.pk, "plan"])
    response = client.post(url, {"plan-measures": "x", "plan-responsible": "y",
                                  "plan-funds": "0", "plan-deadline": early.isoformat(),
                                  "plan-contingency": "z"})  # fmt: skip
    assert response.status_code == 400
    assert "早于发现日期" in response.content.decode()
    assert Hazard.objects.get(pk=tannery.pk).state == "pending"


def test_a_grid_member_records_a_hazard_with_a_photo_from_the_enterprise(
    client, login, world, registers, today
):
    login(world.grid_a)
    url = reverse("hazards:hazard_new") + f"?enterprise={registers.tannery.pk}"
    assert "城关皮革制品有限公司" in client.get(url).content.decode()
    response = client.post(reverse("hazards:hazard_new"), {
        "enterprise": registers.tannery.pk, "description": "消防通道堵塞",
        "found_on": today.isoformat(), "source": "grid", "category": "site",
        "level": "general", "photos": png("现场.png"),
    })  # fmt: skip
    assert response.status_code == 302
    hazard = Hazard.objects.get()
    assert hazard.recorded_by == world.grid_a and hazard.photos.get().stage == "before"


def test_recording_for_another_townships_enterprise_is_404(client, login, world, registers):
    login(world.staff_a)
    url = reverse("hazards:hazard_new") + f"?enterprise={registers.plant.pk}"
    assert client.get(url).status_code == 404


def test_a_major_hazard_without_basis_is_refused_on_the_form(
    client, login, world, registers, today
):
    login(world.staff_a)
    response = client.post(reverse("hazards:hazard_new"), {
        "enterprise": registers.tannery.pk, "description": "x", "found_on": today.isoformat(),
        "source": "department", "category": "site", "level": "major",
    })  # fmt: skip
    assert response.status_code == 400 and "判定依据" in response.content.decode()
    assert not Hazard.objects.exists()


def test_an_inspections_hazards_become_register_rows_with_one_click(
    client, login, world, registers, today
):
    inspection = registers_services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="hazards",
        hazards=["灭火器过期"], signature="刘网格", today=today,
    )  # fmt: skip
    login(world.staff_b)
    url = reverse("hazards:inspection_convert", args=[inspection.pk])
    assert client.post(url).status_code == 404
    login(world.staff_a)
    assert client.post(url).status_code == 302
    assert client.post(url).status_code == 302
    assert Hazard.objects.get().description == "灭火器过期"


def test_a_leader_reads_but_is_offered_no_step(client, login, world, two, today):
    plan(world.staff_a, two[0], today)
    login(world.leader)
    page = client.get(reverse("hazards:hazard_detail", args=[two[0].pk])).content.decode()
    assert "配电箱未接地" in page and "提交验收" not in page
