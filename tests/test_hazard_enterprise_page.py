"""An enterprise's file and the hazard register: 登记隐患 opens the hazard form with the
enterprise chosen, and an inspection's found hazards go to the register with one button, shown
only until they are there."""

import pytest
from django.urls import reverse

from tracker.enterprises import services as registers_services
from tracker.hazards.models import Hazard


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def inspection(world, registers, today):
    return registers_services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="hazards",
        hazards=["灭火器过期", "安全出口堵塞"], signature="刘网格", today=today,
    )  # fmt: skip


def _page(client, enterprise) -> str:
    response = client.get(reverse("enterprises:enterprise_detail", args=[enterprise.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_the_enterprise_page_links_to_the_hazard_form_with_the_enterprise_chosen(
    client, login, world, registers
):
    login(world.staff_a)
    link = reverse("hazards:hazard_new") + f"?enterprise={registers.tannery.pk}"
    assert f'href="{link}"' in _page(client, registers.tannery)
    form = client.get(link).content.decode()
    assert registers.tannery.name in form


@pytest.mark.parametrize("who", ["staff_a", "grid_a", "office"])
def test_everyone_who_may_record_hazards_is_offered_the_link(client, login, world, registers, who):
    login(getattr(world, who))
    assert "登记隐患" in _page(client, registers.tannery)


def test_a_leader_reads_the_enterprise_page_without_the_link_or_the_button(
    client, login, world, registers, inspection
):
    login(world.leader)
    page = _page(client, registers.tannery)
    assert "登记隐患" not in page and "转入隐患台账" not in page


def test_an_inspection_with_found_hazards_offers_to_move_them_into_the_register_once(
    client, login, world, registers, inspection
):
    login(world.staff_a)
    convert = reverse("hazards:inspection_convert", args=[inspection.pk])
    page = _page(client, registers.tannery)
    assert "转入隐患台账" in page and f'action="{convert}"' in page
    assert client.post(convert).status_code == 302
    assert Hazard.objects.count() == 2
    assert "转入隐患台账" not in _page(client, registers.tannery)


def test_an_inspection_without_hazards_has_no_button(client, login, world, registers, today):
    registers_services.inspection_record(
        user=world.grid_a, enterprise=registers.tannery, inspected_on=today, result="clear",
        hazards=[], signature="刘网格", today=today,
    )  # fmt: skip
    login(world.staff_a)
    assert "转入隐患台账" not in _page(client, registers.tannery)
