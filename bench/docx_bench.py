"""The 通报 as a Word document at scale: `python bench/docx_bench.py [--assignments 100000]`.

Builds a scratch database (34 units, 3,000 items, 100,000 assignments by default, made by the
generate_scale command): SQLite in a temporary directory removed at the end, or PostgreSQL with
`--database-url postgres://USER@HOST:PORT/NAME`: the database NAME is created for the run (it
must not exist yet) and dropped afterwards. `--sqlite-file PATH` keeps the SQLite database
between runs: built when the file is missing, reused when present.

Then times, in several rounds, each with the machine's load average (`uptime`) beside it:

  ours_docx    the whole county's .docx as a leader downloads it (/tasks/export/docx/?year=,
               every year's items), through Django's test client
  ours_xlsx    the .xlsx bulletin of the same assignments (/tasks/export/?year=)
  floor_read   the least any export of these figures costs in the database: the same
               assignment rows as ours reads, once, on a bare cursor, nothing done with them
  floor_write  python-docx writing the document's same tables (the same figures, computed
               once beforehand) with no styling: plain paragraphs and plain cells
  floor        floor_read + floor_write

and prints JSON: per measurement the median of the rounds' medians, each round's median and
best wall time and median CPU time, the queries of our download and the document's size. The
goal is the whole county's .docx under 5 s.
"""

import argparse
import io
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import ScratchPostgres, run_in_database, scale_county, uptime  # noqa: E402,F401

GOAL_S = 5.0


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3, help="downloads of each kind per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://USER@HOST:PORT/NAME: run on PostgreSQL in the database NAME, created "
        "for the run (it must not exist yet) and dropped afterwards",
    )
    parser.add_argument(
        "--sqlite-file", default="", help="SQLite database to reuse (built if missing)"
    )
    args = parser.parse_args()
    if args.database_url and args.sqlite_file:
        parser.error("--database-url and --sqlite-file are two databases: name one")
    run_in_database(run, args, prefix="docx-bench-")


def build(args):
    """The scratch county, or the reused one; returns the leader and the build time."""
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    leader, seconds = scale_county(args)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # what autovacuum would have done by then
    return leader, seconds


def floor_read(leader) -> int:
    """The rows the document counts, as it reads them (figure_rows), on a bare cursor and
    dropped: no work per row."""
    from django.db import connection

    from checklist.models import ChecklistItem
    from tracker.excel.bulletin_docx import figure_rows
    from tracker.selectors import assignments_for_user

    published = assignments_for_user(leader).filter(item__state=ChecklistItem.State.PUBLISHED)
    sql, params = figure_rows(published).query.sql_with_params()
    n = 0
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            n += len(chunk)
    return n


def floor_write(figures) -> int:
    """python-docx writing the document's tables, unstyled; the file's size."""
    buffer = io.BytesIO()
    floor_document(figures).save(buffer)
    return len(buffer.getvalue())


def floor_document(figures):
    """The document's tables with the same cells as plain text, and no styling at all."""
    from docx import Document

    from tracker.excel.bulletin_docx import KIND_HEADINGS

    doc = Document()
    doc.add_paragraph("关于安全生产重点工作进展情况的通报")
    doc.add_paragraph(f"应完成{figures.total}项，已办结{figures.verified}项。")
    tables = []
    for kind, group in figures.groups.items():
        if group:
            doc.add_paragraph(KIND_HEADINGS[kind])
            tables.append(
                [["排名", "单位", "应完成", "已办结", "待审核", "推进中", "未开始", "逾期", "完成率"]]
                + [
                    [str(s.rank), s.name, str(s.total), str(s.verified), str(s.submitted),
                     str(s.in_progress), str(s.not_started), str(s.overdue), f"{s.rate:.1f}%"]
                    for s in group
                ]
            )  # fmt: skip
    for entries in (figures.overdue_list, figures.missing_list):
        if entries:
            tables.append(
                [["序号", "单位", "项数", "任务"]]
                + [
                    [str(n), e.unit, str(e.count),
                     "\n".join(e.shown + ([f"等{e.count}项"] if e.more else []))]
                    for n, e in enumerate(entries, 1)
                ]
            )  # fmt: skip
    for rows in tables:
        table = doc.add_table(rows=len(rows), cols=len(rows[0]))
        for row, values in zip(table.rows, rows, strict=True):
            for cell, value in zip(row.cells, values, strict=True):
                cell.text = value
    return doc


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    from tracker.excel.bulletin_docx import bulletin_figures
    from tracker.selectors import assignments_for_user

    setup_test_environment()
    leader, build_s = build(args)
    client = Client()
    client.force_login(leader)
    today = timezone.localdate()
    figures = bulletin_figures(assignments_for_user(leader), today=today)
    sizes, queries = {}, {}

    def download(url, name):
        def measure():
            with CaptureQueriesContext(connection) as ctx:
                response = client.get(url, secure=True)  # production mode redirects HTTP
                data = b"".join(response.streaming_content)
            assert response.status_code == 200, (url, response.status_code)
            sizes[name], queries[name] = len(data), len(ctx)

        return measure

    measurements = {
        "ours_docx": download("/tasks/export/docx/?year=", "ours_docx"),
        "ours_xlsx": download("/tasks/export/?year=", "ours_xlsx"),
        "floor_read": lambda: floor_read(leader),
        "floor_write": lambda: floor_write(figures),
    }
    result = {
        "database": connection.vendor,
        "assignments": args.assignments,
        "units": args.units,
        "items": args.items,
        "build_s": build_s,  # None: an existing --sqlite-file was reused
        "counted": figures.total,
        "overdue_rows": figures.overdue_rows,
        "missing_rows": figures.missing_rows,
        "rounds": [],
    }
    for _ in range(args.rounds):
        round_ = {"uptime": uptime()}
        for name, measure in measurements.items():
            times, cpu = [], []
            for _ in range(args.runs):
                start, start_cpu = time.perf_counter(), time.process_time()
                measure()
                times.append(time.perf_counter() - start)
                cpu.append(time.process_time() - start_cpu)
            round_[name] = {
                "median_s": round(statistics.median(times), 3),
                "best_s": round(min(times), 3),
                # This process's CPU time (with SQLite, the database's too): on a shared
                # machine the wall time also counts the wait for a free core.
                "cpu_median_s": round(statistics.median(cpu), 3),
            }
        result["rounds"].append(round_)
    for name in measurements:
        rounds = [r[name] for r in result["rounds"]]
        result[name] = {
            "median_s": round(statistics.median(r["median_s"] for r in rounds), 3),
            "cpu_median_s": round(statistics.median(r["cpu_median_s"] for r in rounds), 3),
        }
    result["floor"] = {
        "median_s": round(result["floor_read"]["median_s"] + result["floor_write"]["median_s"], 3)
    }
    ours = result["ours_docx"]["median_s"]
    result["ours_docx"].update(queries=queries["ours_docx"], bytes=sizes["ours_docx"])
    result["ours_xlsx"]["bytes"] = sizes["ours_xlsx"]
    result["summary"] = {
        "ours_docx_s": ours,
        "floor_s": result["floor"]["median_s"],
        "ours_over_floor": round(ours / result["floor"]["median_s"], 2),
        "ours_xlsx_s": result["ours_xlsx"]["median_s"],
        "goal_s": GOAL_S,
        "goal_met": ours < GOAL_S,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
