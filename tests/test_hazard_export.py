"""The register's export (imports back unchanged), the monthly summary per township and per
industry with links to exactly its rows, the commands, and an 排查 task's measured counts."""

import io
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.hazard_helpers import plan, png, record
from tracker.hazards import services
from tracker.hazards.excel_export import write_register
from tracker.hazards.excel_import import import_hazards
from tracker.hazards.models import Hazard
from tracker.hazards.summary import summary, task_counts


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def made(world, registers, today):
    closed = record(world.office, today, enterprise=registers.tannery, task=world.item)
    plan(world.office, closed, today)
    services.hazard_submit(user=world.office, hazard=closed, photos=[png()], today=today)
    services.hazard_accept(
        user=world.office, hazard=closed, accepted_on=today, signer="张科长", today=today
    )
    overdue = record(world.office, today, enterprise=registers.station, level="major",
                     task=world.item, description="=HYPERLINK(\"x\")")  # fmt: skip
    plan(world.office, overdue, today, deadline=today - timedelta(days=1))
    services.hazard_list(
        user=world.office, hazard=overdue, level="city", doc="市督〔3〕号", listed_on=today
    )
    other = record(world.office, today, enterprise=registers.plant)
    return closed, overdue, other


def test_the_summary_counts_per_township_and_links_to_exactly_those_rows(
    client, login, world, made, today
):
    start, end = today - timedelta(days=40), today
    lines, total = summary(world.office, start=start, end=end, today=today)
    town_a = next(line for line in lines if line.name == "城关镇")
    assert (town_a.enterprises, town_a.found, town_a.general, town_a.major) == (2, 2, 1, 1)
    assert (town_a.closed, town_a.rate, town_a.overdue, town_a.listed) == (1, 50.0, 1, 1)
    assert total.found == 3
    login(world.office)
    page = client.get(town_a.links["overdue"]).content.decode()
    assert made[1].number in page and made[0].number not in page
    lines, _ = summary(world.staff_a, start=start, end=end, today=today)
    assert [line.name for line in lines] == ["城关镇"]


def test_the_export_imports_back_unchanged_and_keeps_formulas_as_text(world, made):
    data = io.BytesIO()
    assert write_register(data, Hazard.objects.all()) == 3
    data.seek(0)
    sheet = load_workbook(data).active
    descriptions = [row[6].value for row in sheet.iter_rows(min_row=2)]
    assert '=HYPERLINK("x")' in descriptions
    assert all(row[6].data_type == "s" for row in sheet.iter_rows(min_row=2))
    data.seek(0)
    report = import_hazards(data, user=world.office, dry_run=False)
    assert report.errors == [] and report.added == 0 and report.existing == 3


def test_the_commands_import_and_export_with_filters_and_the_summary(world, made, tmp_path):
    out = tmp_path / "open.xlsx"
    call_command("export_hazards", str(out), "--township", "城关镇", "--open", stdout=io.StringIO())
    rows = list(load_workbook(out).active.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [made[1].number]
    call_command("import_hazards", str(out), "--dry-run", stdout=io.StringIO())
    month = f"{world.today:%Y-%m}"
    call_command("export_hazards", str(tmp_path / "s.xlsx"), "--summary", month,
                 stdout=io.StringIO())  # fmt: skip
    book = load_workbook(tmp_path / "s.xlsx")
    assert book.sheetnames == ["按乡镇", "按行业"]
    with pytest.raises(CommandError, match="没有名为"):
        call_command("export_hazards", str(out), "--township", "火星镇")
    with pytest.raises(CommandError, match="找不到文件"):
        call_command("import_hazards", str(tmp_path / "none.xlsx"))


def test_a_linked_task_reads_its_measured_counts(world, made):
    counts = task_counts(world.item)
    assert counts.text() == "排查企业 2 家 / 发现隐患 2 处 / 已整改 1 处 / 整改率 50.0%"
    assert task_counts(world.item, unit=world.town_b).found == 0
