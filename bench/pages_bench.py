"""Dashboard and task-list speed at scale: `python bench/pages_bench.py [--assignments 100000]`.

Builds a scratch database (34 units, 3,000 items, 100,000 assignments by default): SQLite in a
temporary directory removed at the end, or PostgreSQL with `--database-url
postgres://USER@HOST:PORT/NAME`: the database NAME, on that server as that user, is created for
the run (it must not exist yet) and dropped afterwards. `--sqlite-file PATH` keeps the SQLite
database between runs: built when the file is missing, reused when present. Then times the
pages as a leader sees them through Django's test client in several rounds, each with the
machine's load average (`uptime`) beside it, and prints JSON: per page the median of the
rounds' medians, each round's median and best wall time and median CPU time, and the number of
queries.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import ScratchPostgres, run_in_database, scale_county, uptime  # noqa: E402,F401


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7, help="renders of each page per round")
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
    run_in_database(run, args, prefix="pages-bench-")


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    leader, build = scale_county(args)
    if connection.vendor == "postgresql":
        # What autovacuum would have done by the time anyone looks: statistics for the planner
        # and the visibility map that lets it answer from the indexes alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    client = Client()
    client.force_login(leader)
    result = {
        "database": connection.vendor,
        # The database the run used: on PostgreSQL the one --database-url names.
        "database_name": connection.settings_dict["NAME"] if args.database_url else None,
        "assignments": args.assignments,
        "units": args.units,
        "items": args.items,
        "build_s": build,  # None: an existing --sqlite-file was reused
        "rounds": [],
    }
    pages = [
        ("dashboard", "/dashboard/"),
        ("task_list", "/tasks/"),
        ("task_list_red", "/tasks/?light=red"),
        ("task_list_yellow", "/tasks/?light=yellow"),
    ]
    for _ in range(args.rounds):
        round_ = {"uptime": uptime()}
        for name, url in pages:
            times, cpu = [], []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as ctx:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url, secure=True)  # production mode redirects HTTP
                    times.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            round_[name] = {
                "median_ms": round(statistics.median(times), 1),
                "best_ms": round(min(times), 1),
                # This process's CPU time (with SQLite, the database's too): on a shared
                # machine the wall time also counts the wait for a free core.
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "queries": len(ctx),
            }
        result["rounds"].append(round_)
    for name, _url in pages:
        rounds = [r[name] for r in result["rounds"]]
        result[name] = {
            "median_ms": round(statistics.median(r["median_ms"] for r in rounds), 1),
            "cpu_median_ms": round(statistics.median(r["cpu_median_ms"] for r in rounds), 1),
            "queries": rounds[-1]["queries"],
        }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
