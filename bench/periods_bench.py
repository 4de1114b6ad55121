"""Reporting periods at scale: `python bench/periods_bench.py [--assignments 100000]`.

Builds a scratch county where every item is reported 每月28日前 (half of them dated, half
long-term) and each assignment has a year of monthly reports: most on time, some late, some
missing, some submissions and approvals; about 1.2 million history rows for 100,000
assignments. SQLite in a temporary directory by default, `--sqlite-file PATH` to keep it between
runs (built when missing), or PostgreSQL with `--database-url postgres://USER@HOST:PORT/NAME`
(NAME must not exist; it is created for the run and dropped afterwards).

Then times, in several rounds: the dashboard as a leader sees it (whole page, and its
未按期报送 part alone), the unit home's list of missed reports, each unit's 报送情况 for the
whole county (the bulletin's sheet), the whole bulletin with and without that sheet, and one
task's period calendar. Prints JSON: per measure the median of the rounds' medians of wall and
CPU time, and the number of queries.
"""

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import run_in_database  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5, help="repeats of each measure per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sqlite-file", default="")
    args = parser.parse_args()
    if args.database_url and args.sqlite_file:
        parser.error("--database-url and --sqlite-file are two databases: name one")
    run_in_database(run, args, prefix="periods-bench-")


def build(args, today) -> dict:
    """The scratch county: units, monthly items, assignments and a year of their history."""
    from django.db import transaction
    from django.utils import timezone

    from checklist.models import ChecklistItem, Theme
    from tracker.cadence import periods_between
    from tracker.models import Assignment, StatusUpdate, Unit, User, submission_date

    rng = random.Random(7)
    office_unit = Unit.objects.create(name="县安委办", kind="other", sort_order=1)
    office = User.objects.create_user("office", password="x", role="office", unit=office_unit)
    User.objects.create_user("leader", password="x", role="leader")
    units = Unit.objects.bulk_create(
        Unit(name=f"单位{n:03d}", kind="township" if n % 3 else "department", sort_order=10 + n)
        for n in range(args.units)
    )
    User.objects.create_user("staff", password="x", role="staff", unit=units[0])
    theme = Theme.objects.create(name="隐患排查治理")
    year_ago = today - timedelta(days=365)
    now = timezone.now()

    def at(day, hour=None):
        hour = rng.randint(8, 20) if hour is None else hour
        return timezone.make_aware(datetime.combine(day, clock(hour, rng.randint(0, 59))))

    items = ChecklistItem.objects.bulk_create(
        (
            ChecklistItem(
                code=f"P{n:06d}", year=today.year, title=f"每月报送任务 {n}", theme=theme,
                start_date=(start := year_ago + timedelta(days=rng.randint(0, 30))),
                # Half dated (a tenth of those already past due), half long-term.
                deadline=None if n % 2 else today + timedelta(days=rng.randint(-60, 200)),
                cadence="monthly", cadence_day=28, state="published", published_at=at(start),
            )
            for n in range(args.items)
        ),
        batch_size=2000,
    )  # fmt: skip
    per_item = -(-args.assignments // args.items)
    plans, made = [], 0
    for item in items:
        for unit in rng.sample(units, min(per_item, len(units))):
            if made == args.assignments:
                break
            plans.append((item, unit))
            made += 1
    history_rows = 0
    with transaction.atomic():
        for first in range(0, len(plans), 5000):
            chunk = plans[first : first + 5000]
            rows, events = [], []
            for item, unit in chunk:
                periods = periods_between("monthly", 28, item.start_date, today)
                reports = []
                for p in periods:
                    if p.deadline >= today:
                        break
                    roll = rng.random()
                    if roll < 0.8:  # on time
                        day = p.start + timedelta(days=rng.randint(0, 27))
                    elif roll < 0.9:  # late, within the next month
                        day = p.deadline + timedelta(days=rng.randint(1, 25))
                    else:
                        continue
                    if day < today:
                        reports.append(at(day))
                status = rng.choices(
                    ["not_started", "in_progress", "submitted", "verified"], [1, 7, 1, 1]
                )[0]
                if status == "not_started":
                    reports = []
                kinds = [("report", r) for r in reports]
                submitted = verified = None
                if status in ("submitted", "verified"):
                    submitted = at(today - timedelta(days=rng.randint(5, 40)))
                    reports = [r for r in reports if r < submitted]
                    kinds = [("report", r) for r in reports] + [("submit", submitted)]
                    if status == "verified":
                        verified = submitted + timedelta(days=2)
                        kinds.append(("approve", verified))
                last = max((t for k, t in kinds if k in ("report", "submit")), default=None)
                rows.append(
                    Assignment(
                        item=item, unit=unit, status=status,
                        percent=100 if submitted else rng.randint(0, 90),
                        due_date=item.deadline, last_reported_at=last,
                        submitted_at=submitted, submitted_date=submission_date(submitted), verified_at=verified,
                    )
                )  # fmt: skip
                events.append([("assign", at(item.start_date, 9))] + kinds)
            Assignment.objects.bulk_create(rows, batch_size=5000)
            StatusUpdate.objects.bulk_create(
                (
                    StatusUpdate(
                        assignment_id=a.pk, author=office, kind=kind, note="", created_at=moment
                    )
                    for a, kinds in zip(rows, events, strict=True)
                    for kind, moment in kinds
                ),
                batch_size=10000,
            )
            history_rows += sum(len(e) for e in events)
    # Assignments are made "now"; the county gave them out when each item started.
    Assignment.objects.update(created_at=now - timedelta(days=366))
    return {"history_rows": history_rows}


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from tracker.dashboard import DashboardFilters, _missing_reports, _Scope
    from tracker.excel.bulletin import write_bulletin
    from tracker.models import Assignment, StatusUpdate, User
    from tracker.reporting import assignment_periods, missed_reports_of, unit_tallies

    today = timezone.localdate()
    result = {"database": connection.vendor, "assignments": args.assignments}
    if not args.reuse:
        started = time.perf_counter()
        result.update(build(args, today))
        result["build_s"] = round(time.perf_counter() - started, 1)
    result["history_rows"] = StatusUpdate.objects.count()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    leader = User.objects.get(username="leader")
    staff = User.objects.get(username="staff")
    client = Client()
    client.force_login(leader)
    published = Assignment.objects.filter(item__state="published")
    one = Assignment.objects.filter(status="in_progress").order_by("pk").first()
    filters = DashboardFilters()

    def dashboard_page():
        response = client.get("/dashboard/", secure=True)
        assert response.status_code == 200, response.status_code

    scope = _Scope.of(leader, filters)  # the page reads it once for all its parts

    def missing_part():
        return _missing_reports(scope.assignments, scope, today, lambda pk: f"/tasks/{pk}/")

    def bulletin():
        with tempfile.TemporaryFile() as f:
            write_bulletin(f, assignments=published, today=today)

    def bulletin_without_reporting():
        from unittest import mock

        with mock.patch("tracker.excel.bulletin.unit_tallies", return_value={}):
            bulletin()

    measures = [
        ("dashboard_page", dashboard_page),
        ("dashboard_missing_reports", missing_part),
        ("home_missed_reports", lambda: missed_reports_of(staff, today=today)),
        ("unit_tallies_county", lambda: unit_tallies(published, today=today)),
        ("bulletin_xlsx", bulletin),
        ("bulletin_xlsx_without_reporting", bulletin_without_reporting),
        ("task_period_calendar", lambda: assignment_periods(one, today=today)),
    ]
    runs = {
        "bulletin_xlsx": 1,
        "bulletin_xlsx_without_reporting": 1,
        "unit_tallies_county": max(1, args.runs // 2),
    }
    rounds = []
    for _ in range(args.rounds):
        entry = {"load": [round(x, 2) for x in os.getloadavg()]}
        for name, measure in measures:
            times, cpu = [], []
            for _ in range(runs.get(name, args.runs)):
                with CaptureQueriesContext(connection) as ctx:
                    started, started_cpu = time.perf_counter(), time.process_time()
                    measure()
                    times.append((time.perf_counter() - started) * 1000)
                    cpu.append((time.process_time() - started_cpu) * 1000)
            entry[name] = {
                "median_ms": round(statistics.median(times), 1),
                # This process's CPU time (with SQLite, the database's too): on a shared
                # machine the wall time also counts the wait for a free core.
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "queries": len(ctx),
            }
        rounds.append(entry)
    for name, _ in measures:
        result[name] = {
            key: round(statistics.median(r[name][key] for r in rounds), 1)
            for key in ("median_ms", "cpu_median_ms")
        } | {"queries": rounds[-1][name]["queries"]}
    board = missing_part()
    result["missed_last_period"] = sum(e["count"] for e in board)
    tallies = unit_tallies(published, today=today)
    result["period_slots_due"] = sum(t.due for t in tallies.values())
    result["rounds"] = rounds
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
