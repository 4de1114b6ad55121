"""The benchmark scripts: what they compare, the dates they use, what they leave behind."""

import importlib.util
import os
import sys
from datetime import datetime
from pathlib import Path

import pytest
from psycopg.conninfo import conninfo_to_dict

from tracker.demo_calendar import plan_year

ROOT = Path(__file__).resolve().parent.parent


def bench_module(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", ROOT / f"bench/{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_excel_bench_dates_its_sheet_around_the_day_it_runs(today):
    excel = bench_module("excel_bench")
    calendar = excel.Calendar(today)
    assert calendar.year == plan_year(today)
    rows = list(excel.task_rows(400, calendar))
    dated = [r[8].date() for r in rows if isinstance(r[8], datetime)]
    assert all(calendar.first_deadline <= d <= calendar.last_deadline for d in dated)
    # Some work overdue and some still open on the bulletin, whatever the season.
    assert any(d < today for d in dated) and any(d > today for d in dated)
    assert all(calendar.start <= d for d in dated)
    words = calendar.text_deadlines()
    assert today <= words["年底前"] and words["年底前"].timetuple()[1:3] == (12, 31)
    assert today <= words["6月底前"] and words["6月底前"].timetuple()[1:3] == (6, 30)


def _results(**overrides) -> dict:
    results = {
        "ours_import": {"rows": 100_000, "rows_per_s": 8_000, "cpu_s": 12.5, "peak_rss_mb": 370},
        "peer_import_default": {"rows": 10_000, "rows_per_s": 500, "cpu_s": 20, "peak_rss_mb": 100},
        "peer_import_bulk": {"rows": 10_000, "rows_per_s": 1_000, "cpu_s": 10, "peak_rss_mb": 90},
        "floor_import": {"rows": 100_000, "rows_per_s": 10_000, "cpu_s": 10, "peak_rss_mb": 330},
        "ours_export": {"rows": 250_000, "seconds": 10.0, "cpu_s": 8.0, "peak_rss_mb": 86},
        "xlsxwriter_export": {"rows": 250_000, "seconds": 25.0, "cpu_s": 20.0, "peak_rss_mb": 75},
        "floor_export": {"rows": 250_000, "seconds": 2.5, "cpu_s": 2.0, "peak_rss_mb": 72},
    }
    results.update(overrides)
    return results


def test_the_import_is_held_against_each_peer_setup_on_the_same_number_of_rows():
    ours_small = {"rows": 10_000, "rows_per_s": 5_000, "cpu_s": 2.0, "peak_rss_mb": 95}
    summary = bench_module("excel_bench").summarize(_results(ours_import_at_peer_rows=ours_small))
    # Ours on the peer's 10,000 rows, not its 100,000-row speed.
    assert summary["ratios"]["import_vs_peer_default"] == 10.0
    assert summary["ratios"]["import_vs_peer_bulk"] == 5.0
    assert summary["ratios"]["import_vs_peer_default_cpu"] == 10.0
    # Memory side by side only at one size; the floor's 100,000 rows are not that size.
    assert summary["peak_rss_mb_same_rows"] == {
        "rows": 10_000,
        "ours_import": 95,
        "peer_import_default": 100,
        "peer_import_bulk": 90,
    }


def test_the_export_is_measured_against_a_csv_floor_and_an_xlsxwriter_baseline():
    ratios = bench_module("excel_bench").summarize(_results())["ratios"]
    assert ratios["export_time_vs_csv_floor"] == 4.0  # slower than the floor, as any export is
    assert ratios["xlsxwriter_time_vs_export"] == 2.5
    assert ratios["import_vs_floor"] == 0.8


def test_the_pages_bench_runs_in_the_postgres_database_its_url_names():
    scratch = bench_module("pages_bench").ScratchPostgres(
        "postgres://bench@db.example:6543/pages_scale?sslmode=disable"
    )
    assert scratch.name == "pages_scale"
    # Created and dropped from the maintenance database, as the same user on the same server.
    admin = conninfo_to_dict(scratch.admin)
    assert admin["dbname"] == "postgres"
    assert (admin["host"], admin["port"], admin["user"]) == ("db.example", "6543", "bench")
    assert admin["sslmode"] == "disable"


@pytest.mark.parametrize("url", ["postgres://bench@localhost/postgres", "postgres://localhost"])
def test_the_pages_bench_will_not_fill_and_drop_the_servers_own_database(url):
    with pytest.raises(SystemExit, match="name a database"):
        bench_module("pages_bench").ScratchPostgres(url)


def test_the_pages_bench_removes_its_scratch_sqlite_folder_when_the_run_fails(
    tmp_path, monkeypatch
):
    pages = bench_module("pages_bench")
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["pages_bench.py"])
    monkeypatch.setenv("DATABASE_URL", "")

    def fail(args):
        assert os.environ["DATABASE_URL"].startswith(f"sqlite:///{tmp_path}")
        raise RuntimeError("the scale data could not be built")

    monkeypatch.setattr(pages, "run", fail)
    with pytest.raises(RuntimeError):
        pages.main()
    assert list(tmp_path.iterdir()) == []


def test_the_load_scripts_staff_find_the_report_form_on_a_task_and_save_through_it(world, login):
    load = bench_module("load")
    client = login(world.staff_a)
    page = client.get(f"/tasks/{world.a_item.pk}/", secure=True).content.decode()
    form = load.REPORT_FORM.search(page)
    assert form and form.group(1) == str(world.a_item.pk)
    version = load.VERSION.search(form.group(0)).group(1)
    # What the simulated staff then post: the save goes through, as a person's would.
    data = {"action": "report", "version": version, "percent": 40, "note": "已完成现场检查。"}
    response = client.post(f"/tasks/{world.a_item.pk}/report/", data, secure=True)
    assert response.status_code == 302
    world.a_item.refresh_from_db()
    assert world.a_item.percent == 40
