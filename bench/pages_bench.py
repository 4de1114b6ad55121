"""Dashboard and task-list speed at scale: `python bench/pages_bench.py [--assignments 100000]`.

Builds a scratch SQLite database (34 units, 3,000 items, 100,000 assignments by default),
then times the pages as a leader sees them through Django's test client, and prints JSON:
median and best of several renders, and the number of queries each page runs.
"""

import argparse
import json
import os
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=34)
    parser.add_argument("--items", type=int, default=3000)
    parser.add_argument("--assignments", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="pages-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tracker.settings")
    os.environ["DEBUG"] = "0"
    # Production mode refuses the development key; a throwaway one is right for a benchmark.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage"
    )
    setup_test_environment()
    call_command("migrate", verbosity=0)
    call_command(
        "loaddata",
        str(ROOT / "fixtures/themes.json"),
        str(ROOT / "fixtures/units.json"),
        verbosity=0,
    )
    from tracker.models import Unit, User

    office_unit = Unit.objects.get(name="县安委办")
    User.objects.create_user("office", password="x", role="office", unit=office_unit)
    leader = User.objects.create_user("leader", password="x", role="leader")
    t0 = time.perf_counter()
    call_command(
        "generate_scale",
        units=args.units,
        items=args.items,
        assignments=args.assignments,
        stdout=open(os.devnull, "w"),
    )
    build = time.perf_counter() - t0
    client = Client()
    client.force_login(leader)
    result = {
        "assignments": args.assignments,
        "units": args.units,
        "items": args.items,
        "build_s": round(build, 1),
    }
    for name, url in [
        ("dashboard", "/dashboard/"),
        ("task_list", "/tasks/"),
        ("task_list_red", "/tasks/?light=red"),
    ]:
        times = []
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as ctx:
                start = time.perf_counter()
                response = client.get(url, secure=True)  # production mode redirects plain HTTP
                times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        result[name] = {
            "median_ms": round(statistics.median(times), 1),
            "best_ms": round(min(times), 1),
            "queries": len(ctx),
        }
    print(json.dumps(result, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
