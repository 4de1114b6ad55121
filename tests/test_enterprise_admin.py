"""The registers in the admin: the same checks as the pages (a loop, a bad 信用代码), and
inspections and the 标准化 history read-only."""

import pytest
from django.urls import reverse

from tracker.enterprises.models import Enterprise, Grid, Inspection


@pytest.fixture
def root(django_user_model, world):
    return django_user_model.objects.create_superuser("root", password="x")


def test_a_grid_moved_under_its_own_child_in_the_admin_is_refused(login, root, registers, world):
    child = Grid.objects.create(
        township=world.town_a, parent=registers.grid_a1, level="grid", name="南片"
    )
    response = login(root).post(
        reverse("admin:enterprises_grid_change", args=[registers.grid_a1.pk]),
        {
            "township": world.town_a.pk,
            "parent": child.pk,
            "level": "grid",
            "name": "东关一网格",
            "sort_order": 100,
            "members-TOTAL_FORMS": 0,
            "members-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200
    assert "网格会成环" in response.content.decode()
    registers.grid_a1.refresh_from_db()
    assert registers.grid_a1.parent == registers.village_a


def test_an_enterprise_with_a_bad_code_is_refused_in_the_admin(
    login, root, registers, world, today
):
    response = login(root).post(
        reverse("admin:enterprises_enterprise_add"),
        {
            "name": "新企业",
            "credit_code": "91440000MA0000001X",
            "township": world.town_a.pk,
            "industry": registers.trade.pk,
            "scale": "small",
            "risk": "low",
            "state": "producing",
            "created_at_0": f"{today:%Y-%m-%d}",
            "created_at_1": "00:00:00",
        },
    )
    assert response.status_code == 200
    assert "校验位不对" in response.content.decode()
    assert not Enterprise.objects.filter(name="新企业").exists()


def test_inspections_cannot_be_changed_in_the_admin(login, root, registers, world, today):
    from tracker.enterprises import services

    inspection = services.inspection_record(
        user=world.office, enterprise=registers.tannery, inspected_on=today, result="clear",
        signature="检查人",
    )  # fmt: skip
    client = login(root)
    page = client.get(reverse("admin:enterprises_inspection_change", args=[inspection.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(
            reverse("admin:enterprises_inspection_delete", args=[inspection.pk]), {"post": "yes"}
        ).status_code
        == 403
    )
    assert Inspection.objects.filter(pk=inspection.pk).exists()
