"""年度考核 at county scale: `python bench/assessment_bench.py [--assignments 100000]
[--hazards 200000]`.

Builds a scratch county (34 units, 3,000 items, 100,000 assignments with their history by
`manage.py generate_scale`, and 200,000 hazards on the townships' and departments' ground), the
default township and department schemes, and times, in several rounds with the load average
beside each: scoring every unit of both schemes (`results.compute_schemes`, what the league and the
exports read), the league page, and one township's 明细 page, as a leader sees
them. Prints JSON: per figure the median of the rounds' medians, the best time and the number
of queries. Goals: every unit under 2 s, a 明细 under 300 ms.

`--database-url postgres://USER@HOST:PORT/NAME` runs on PostgreSQL (NAME created for the run
and dropped after it); `--sqlite-file PATH` keeps the SQLite file between runs.
"""

import argparse
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import run_in_database, scale_county, uptime  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--hazards", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5, help="timings of each figure per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="", help="postgres://USER@HOST:PORT/NAME")
    parser.add_argument(
        "--sqlite-file", default="", help="SQLite database to reuse (built if missing)"
    )
    args = parser.parse_args()
    if args.database_url and args.sqlite_file:
        parser.error("--database-url and --sqlite-file are two databases: name one")
    run_in_database(run, args, prefix="assessment-bench-")


def build_hazards(n: int, today, rng) -> None:
    """n hazards over the townships, each supervised by a department; 1 % 重大, some of them
    past their 整改时限 and still open."""
    from django.utils import timezone

    from tracker.bulk_insert import insert_rows
    from tracker.hazards.models import Hazard
    from tracker.models import Unit

    townships = list(Unit.objects.filter(kind="township").values_list("pk", flat=True))
    departments = list(Unit.objects.filter(kind="department").values_list("pk", flat=True))
    states = ["closed"] * 7 + ["fixing", "fixing", "pending", "review", "deferred"]
    now = timezone.now()

    def rows():
        for i in range(n):
            found = today - timedelta(days=rng.randint(0, 365))
            state = rng.choice(states)
            major = rng.random() < 0.01
            deadline = found + timedelta(days=rng.choice([7, 15, 30, 60]))
            closed = state == "closed"
            yield (
                townships[i % len(townships)], departments[i % len(departments)], found,
                "department", f"隐患描述{i:06d}：消防通道堵塞", "site",
                "major" if major else "general", "判定标准第三条" if major else "",
                deadline, state, "原因" if state == "deferred" else "",
                "管控" if state == "deferred" else "", deadline if closed else None,
                "验收人" if closed else "",
            )  # fmt: skip

    insert_rows(
        Hazard,
        ["township_id", "supervisor_id", "found_on", "source", "description", "category",
         "level", "basis", "deadline", "state", "deferred_reason", "interim_measures",
         "accepted_on", "accepted_by"],
        rows(),
        constants={"created_at": now, "updated_at": now},
    )  # fmt: skip


def timed(fn, runs: int):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    times = []
    for _ in range(runs):
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            fn()
            times.append((time.perf_counter() - start) * 1000)
    return {
        "median_ms": round(statistics.median(times), 1),
        "best_ms": round(min(times), 1),
        "queries": len(ctx),
    }


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from checklist.models import ChecklistItem
    from tracker.assessment import results
    from tracker.assessment.demo import ensure_scheme
    from tracker.models import Unit

    today = timezone.localdate()
    leader, build = scale_county(
        args, more=lambda: build_hazards(args.hazards, today, random.Random(19))
    )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    year = (
        ChecklistItem.objects.values("year")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("year", flat=True)
        .first()
        or today.year
    )
    townships = ensure_scheme(year, "township")
    departments = ensure_scheme(year, "department")
    unit = Unit.objects.filter(kind="township", active=True).order_by("sort_order").first()
    client = Client()
    client.force_login(leader)

    def page(url):
        def get():
            response = client.get(url, secure=True)  # production mode redirects HTTP
            assert response.status_code == 200, (url, response.status_code)

        return get

    def all_units():
        results.compute_schemes([townships, departments], as_of=today, today=today)

    figures = {
        "all_units": all_units,
        "league_page": page(f"{reverse('assessment:index')}?year={year}"),
        "detail_page": page(reverse("assessment:unit", args=[year, unit.pk])),
    }
    result = {
        "database": connection.vendor,
        "assignments": args.assignments,
        "hazards": args.hazards,
        "units": Unit.objects.filter(kind__in=["township", "department"], active=True).count(),
        "year": year,
        "build_s": build,
        "rounds": [],
    }
    for _ in range(args.rounds):
        round_ = {"uptime": uptime()}
        for name, fn in figures.items():
            round_[name] = timed(fn, args.runs)
        result["rounds"].append(round_)
    for name in figures:
        rounds = [r[name] for r in result["rounds"]]
        result[name] = {
            "median_ms": round(statistics.median(r["median_ms"] for r in rounds), 1),
            "best_ms": min(r["best_ms"] for r in rounds),
            "queries": rounds[-1]["queries"],
        }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
