"""The 隐患 dashboard, the monthly summary page, the export and the import pages."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.hazard_helpers import plan, record
from tests.test_hazard_import import workbook
from tracker.hazards import services
from tracker.hazards.models import Hazard


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def some(world, registers, today):
    major = record(world.office, today, enterprise=registers.station, level="major")
    plan(world.office, major, today, deadline=today - timedelta(days=2))
    services.hazard_list(
        user=world.office, hazard=major, level="county", doc="县督〔1〕号", listed_on=today
    )
    general = record(world.office, today, enterprise=registers.plant)
    return major, general


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_dashboard_shows_majors_with_their_listing_and_links_each_figure(
    client, login, world, some
):
    login(world.leader)
    page = client.get(reverse("hazards:hazard_dashboard")).content.decode()
    assert some[0].number in page and "县级挂牌中" in page
    assert "逾期未整改 <strong>1</strong>" in page
    login(world.office)
    overdue = client.get(reverse("hazards:hazard_list") + "?overdue=1").content.decode()
    assert some[0].number in overdue and some[1].number not in overdue


def test_the_dashboard_reads_a_fixed_number_of_queries(
    client, login, world, registers, today, some
):
    login(world.office)
    url = reverse("hazards:hazard_dashboard")
    before = queries(client, url)
    for _ in range(5):
        record(world.office, today, enterprise=registers.tannery, level="major")
    assert queries(client, url) == before


def test_townships_are_refused_the_dashboard_but_see_their_own_summary(client, login, world, some):
    login(world.staff_a)
    assert client.get(reverse("hazards:hazard_dashboard")).status_code == 403
    page = client.get(reverse("hazards:hazard_summary")).content.decode()
    assert "城关镇" in page and "河西镇" not in page
    response = client.get(reverse("hazards:hazard_summary") + "?format=xlsx")
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")


def test_the_office_previews_then_confirms_an_import_and_a_second_confirm_writes_nothing(
    client, login, world, registers, today
):
    found = today - timedelta(days=5)
    rows = [[1, found, "城关加油站", "城关镇", "", "消防器材缺失", "", "一般", "", "",
             "", "", "", "", "", "", "", "", "未整改", "", "", ""]]  # fmt: skip
    login(world.staff_a)
    assert client.get(reverse("hazards:hazard_import")).status_code == 403
    login(world.office)
    data = workbook(rows)
    data.name = "台账.xlsx"
    response = client.post(reverse("hazards:hazard_import"), {"file": data})
    assert response.status_code == 200 and not Hazard.objects.exists()
    token = response.context["token"]
    confirm = reverse("hazards:hazard_import_confirm")
    assert client.post(confirm, {"token": token}).status_code == 302
    assert client.post(confirm, {"token": token}).status_code == 410
    assert Hazard.objects.get().description == "消防器材缺失"


def test_the_export_follows_the_users_scope(client, login, world, some):
    from io import BytesIO

    from openpyxl import load_workbook

    login(world.staff_a)
    response = client.get(reverse("hazards:hazard_export"))
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    assert [r[0] for r in sheet.iter_rows(min_row=2, values_only=True)] == [some[0].number]
