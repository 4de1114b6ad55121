"""Speech review speed: `python bench/speech_bench.py [--runs 5]`.

Builds a scratch SQLite database with the demo county's units and themes, then for each of the
five seed speeches (fixtures/sources.json) times, as the office through Django's test client:
entering it (extraction and storing the candidates), rendering the review page (median of
several renders, its size and query count), accepting one candidate for all townships, and
publishing. Prints JSON. The numbers include whatever checklist/extract.py does today.
"""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _counter(queries: list):
    def counted(execute, sql, params, many, context):
        queries.append(sql)
        return execute(sql, params, many, context)

    return counted


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="speech-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{workdir}/bench.sqlite3"
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0)
    call_command(
        "loaddata",
        str(ROOT / "fixtures/themes.json"),
        str(ROOT / "fixtures/units.json"),
        verbosity=0,
    )
    from checklist.models import DirectiveCandidate, Theme
    from checklist.titles import derive_title
    from tracker.models import Unit, User

    office = User.objects.create_user(
        "office", password="x", role="office", unit=Unit.objects.get(name="县安委办")
    )
    client = Client()
    client.force_login(office)
    speeches = json.loads((ROOT / "fixtures/sources.json").read_text(encoding="utf-8"))
    theme = Theme.objects.order_by("sort_order").first()
    results = []
    for number, record in enumerate(speeches, start=1):
        fields = record["fields"]
        t0 = time.perf_counter()
        response = client.post(
            "/speeches/new/",
            {"title": f"{number} {fields['title']}", "day": fields["date"], "text": fields["text"]},
            secure=True,  # production mode redirects plain HTTP
        )
        entered = time.perf_counter() - t0
        assert response.status_code == 302, response.content[:500]
        review_url = response["Location"]
        speech_pk = int(review_url.strip("/").split("/")[1])
        timings, size = [], 0
        for _ in range(args.runs):
            t0 = time.perf_counter()
            page = client.get(review_url, secure=True)
            timings.append(time.perf_counter() - t0)
            size = len(page.content)
        queries = []
        with connection.execute_wrapper(_counter(queries)):
            client.get(review_url, secure=True)
        rows = DirectiveCandidate.objects.filter(source_id=speech_pk).order_by("start")
        accept_ms = publish_ms = None
        first = rows.first()
        if first:
            prefix = f"c{first.pk}-"
            data = {
                prefix + "title": derive_title(first.text),
                prefix + "theme": theme.pk,
                prefix + "all_townships": "on",
                prefix + "long_term": "on",
                prefix + "cadence": "monthly",
            }
            t0 = time.perf_counter()
            accepted = client.post(
                f"/speeches/{speech_pk}/candidates/{first.pk}/accept/", data, secure=True
            )
            accept_ms = round((time.perf_counter() - t0) * 1000, 1)
            assert accepted.status_code == 302, accepted.content[:2000]
            t0 = time.perf_counter()
            client.post(f"/speeches/{speech_pk}/publish/", secure=True)
            publish_ms = round((time.perf_counter() - t0) * 1000, 1)
        results.append(
            {
                "speech": fields["title"],
                "characters": len(fields["text"]),
                "candidates": rows.count(),
                "enter_ms": round(entered * 1000, 1),
                "review_median_ms": round(statistics.median(timings) * 1000, 1),
                "review_kb": round(size / 1024),
                "review_queries": len(queries),
                "accept_all_townships_ms": accept_ms,
                "publish_ms": publish_ms,
            }
        )
    print(json.dumps(results, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
