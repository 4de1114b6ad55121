"""The registers wing as the core's pages offer it: the nav, a 网格员's landing page, the
demo, the office's admin rights and the backup's files."""

from django.contrib.auth.models import Group
from django.urls import reverse

from tracker.accounts import OFFICE_GROUP, office_group
from tracker.backup import file_columns


def test_a_grid_member_lands_on_their_grid_from_home_and_dashboard(login, world):
    client = login(world.grid_a)
    for name in ("home", "dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"] == reverse("enterprises:grid_home")


def test_the_nav_offers_the_registers_and_the_by_item_view(login, world):
    office = login(world.office).get(reverse("home")).content.decode()
    for name in (
        "enterprises:enterprise_list",
        "enterprises:grid_coverage",
        "item_list",
        "hazards:hazard_list",
        "hazards:hazard_dashboard",
    ):
        assert f'href="{reverse(name)}"' in office
    grid = login(world.grid_a).get(reverse("enterprises:grid_home")).content.decode()
    assert f'href="{reverse("enterprises:grid_home")}"' in grid
    assert f'href="{reverse("assignment_list")}"' not in grid


def test_the_office_may_edit_the_registers_but_not_rewrite_their_records(world):
    office_group()
    codenames = set(
        Group.objects.get(name=OFFICE_GROUP).permissions.values_list("codename", flat=True)
    )
    assert {"change_enterprise", "add_grid", "view_inspection"} <= codenames
    assert "change_inspection" not in codenames and "delete_inspectionphoto" not in codenames


def test_the_backup_takes_every_stored_file_column_including_inspection_photos():
    tables = {table for table, _column in file_columns()}
    assert {"tracker_evidence", "enterprises_inspectionphoto"} <= tables
