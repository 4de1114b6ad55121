"""Registers at a large county's scale: `python bench/registers_bench.py [--enterprises 20000]`.

Builds a scratch database (SQLite in a temporary directory removed at the end, or PostgreSQL
with `--database-url postgres://USER@HOST:PORT/NAME`, created for the run and dropped after):
30 townships, 2,000 grids under their 村（社区）, 20,000 enterprises, 200,000 inspections over
the last two and a half years and 3,000 标准化 records. Then times, through Django's test
client in production mode, in several rounds with the machine's load average beside each:

- the register (a page of 25) for the office unfiltered and with each filter, for a
  township's staff and for a 网格员 (goal 100 ms);
- the county's coverage and one township's grid tree (goal 300 ms);
- an enterprise's file (goal 100 ms);
- importing 20,000 enterprises, dry run + confirmation, into a fresh database with the same
  units and grids (goal 10 s), and the same file again (nothing to add).

Prints JSON: per page the median of the rounds' medians, its CPU time and its queries.
"""

import argparse
import io
import json
import random
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import run_in_database, uptime  # noqa: E402

GOALS_MS = {"register": 100, "coverage": 300, "file": 100}
IMPORT_GOAL_S = 10


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=30)
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--inspections", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=7, help="renders of each page per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument(
        "--database-url",
        default="",
        help="postgres://USER@HOST:PORT/NAME: run on PostgreSQL in the database NAME, created "
        "for the run (it must not exist yet) and dropped afterwards",
    )
    args = parser.parse_args()
    run_in_database(run, args, prefix="registers-bench-")


# --- the county ------------------------------------------------------------------------------


def build_units(townships: int):
    from tracker.enterprises.industries import ensure_industries
    from tracker.models import Unit, User

    office_unit = Unit.objects.create(name="县安委办", kind="other", sort_order=1)
    units = [
        Unit.objects.create(name=f"第{n:02d}镇", kind="township", sort_order=10 + n)
        for n in range(1, townships + 1)
    ]
    dept = Unit.objects.create(name="县应急管理局", kind="department", sort_order=200)
    industries = ensure_industries()
    from tracker.enterprises.models import Industry

    Industry.objects.update(supervisor=dept)
    office = User.objects.create_user("office", password="x", role="office", unit=office_unit)
    return office, units, dept, industries


def build_grids(units, grids: int, rng: random.Random):
    """About a fifth of the nodes are 村（社区）, each with four or five 网格; most 网格 have a
    网格员, the first of each township's with an account."""
    from tracker.bulk_insert import insert_rows
    from tracker.enterprises.models import Grid, GridMember
    from tracker.models import User

    per_township = max(grids // len(units), 1)
    villages_per = max(per_township // 5, 1)
    insert_rows(
        Grid,
        ["township_id", "name", "level", "sort_order"],
        (
            (u.pk, f"{u.name}{v:02d}村", "village", v)
            for u in units
            for v in range(1, villages_per + 1)
        ),
        constants={"parent": None},
    )
    villages = list(Grid.objects.filter(level="village").values_list("pk", "township_id"))
    rows, numbers = [], {}
    for i in range(grids):  # round the villages, so every township gets its share
        pk, township_id = villages[i % len(villages)]
        numbers[pk] = numbers.get(pk, 0) + 1
        rows.append((township_id, pk, f"第{numbers[pk]}网格", "grid", numbers[pk]))
    insert_rows(Grid, ["township_id", "parent_id", "name", "level", "sort_order"], rows)
    leaves = list(Grid.objects.filter(level="grid").values_list("pk", "township_id"))
    accounts = {}
    for u in units:
        accounts[u.pk] = User.objects.create_user(f"grid{u.pk}", password="x", role="grid", unit=u)
    members, first = [], set()
    for pk, township_id in leaves:
        if rng.random() < 0.97:
            user = accounts[township_id].pk if township_id not in first else None
            first.add(township_id)
            members.append((pk, "member", f"网格员{pk}", "13800000000", user))
        members.append((pk, "leader", f"网格长{pk}", "13900000000", None))
    insert_rows(GridMember, ["grid_id", "role", "name", "phone", "user_id"], members)
    return leaves, accounts


def enterprise_rows(n: int, units, leaves, industries, rng: random.Random):
    """(name, code, township, village, grid, industry) tuples for n enterprises."""
    from tracker.enterprises.credit_code import ALPHABET, make

    by_township = {}
    for pk, township_id in leaves:
        by_township.setdefault(township_id, []).append(pk)
    names = list(industries)
    for i in range(n):
        township = units[i % len(units)]
        grid = rng.choice(by_township[township.pk]) if rng.random() > 0.03 else None
        industry = names[i % len(names)]
        code = "" if industry == "九小场所" else make(
            "91441323" + "".join(rng.choice(ALPHABET) for _ in range(9))
        )  # fmt: skip
        yield (f"企业{i:06d}", code, township.pk, grid, industries[industry].pk, industry)


def build_registers(args, units, leaves, industries, dept, office, rng, today):
    from django.utils import timezone

    from tracker.bulk_insert import insert_rows
    from tracker.enterprises.models import Enterprise, Grid, Inspection, Standardization

    parent = dict(Grid.objects.filter(level="grid").values_list("pk", "parent_id"))
    now = timezone.now()
    rows = [
        (name, code, township, parent.get(grid), grid, industry, dept.pk,
         rng.choice(["major", "larger", "general", "low", "low"]),
         "producing" if rng.random() < 0.93 else rng.choice(["suspended", "closed"]))
        for name, code, township, grid, industry, _ in enterprise_rows(
            args.enterprises, units, leaves, industries, rng
        )
    ]  # fmt: skip
    insert_rows(
        Enterprise,
        [
            "name",
            "credit_code",
            "township_id",
            "village_id",
            "grid_id",
            "industry_id",
            "supervisor_id",
            "risk",
            "state",
        ],  # fmt: skip
        rows,
        constants={"standard_level": "none", "created_at": now, "updated_at": now},
    )
    ids = list(Enterprise.objects.values_list("pk", flat=True))
    start = today - timedelta(days=912)
    insert_rows(
        Inspection,
        ["enterprise_id", "inspected_on", "result", "hazard_count", "signature"],
        (
            (
                rng.choice(ids),
                start + timedelta(days=rng.randint(0, 912)),
                "clear",
                0,
                "网格员",
            )
            for _ in range(args.inspections)
        ),
        constants={
            "note": "",
            "member": None,
            "inspector_unit": None,
            "recorded_by": None,
            "created_at": now,
        },  # fmt: skip
    )
    chosen = rng.sample(ids, min(3000, len(ids)))
    insert_rows(
        Standardization,
        ["enterprise_id", "level", "state", "achieved_on", "certificate_no", "valid_until"],
        (
            (pk, "small", "achieved", day, f"B-{n}", day + timedelta(days=1095))
            for n, pk in enumerate(chosen)
            for day in [today - timedelta(days=rng.randint(1, 1000))]
        ),
        constants={"version": 1, "created_at": now, "updated_at": now},
    )
    Enterprise.objects.filter(pk__in=chosen).update(standard_level="small")
    return ids


# --- timing ----------------------------------------------------------------------------------


def time_pages(pages, args):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    result = {"rounds": []}
    for _ in range(args.rounds):
        round_ = {"uptime": uptime()}
        for name, client, url in pages:
            times, cpu = [], []
            for _ in range(args.runs):
                with CaptureQueriesContext(connection) as ctx:
                    start, start_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url, secure=True)
                    times.append((time.perf_counter() - start) * 1000)
                    cpu.append((time.process_time() - start_cpu) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            round_[name] = {
                "median_ms": round(statistics.median(times), 1),
                "best_ms": round(min(times), 1),
                "cpu_median_ms": round(statistics.median(cpu), 1),
                "queries": len(ctx),
            }
        result["rounds"].append(round_)
    for name, _client, url in pages:
        rounds = [r[name] for r in result["rounds"]]
        result[name] = {
            "url": url,
            "median_ms": round(statistics.median(r["median_ms"] for r in rounds), 1),
            "cpu_median_ms": round(statistics.median(r["cpu_median_ms"] for r in rounds), 1),
            "queries": rounds[-1]["queries"],
        }
    return result


def import_workbook(args, units, leaves, industries, rng) -> bytes:
    import xlsxwriter

    from tracker.enterprises.models import Grid

    names = dict(Grid.objects.values_list("pk", "name"))
    parents = dict(Grid.objects.filter(level="grid").values_list("pk", "parent_id"))
    township_names = {u.pk: u.name for u in units}
    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["企业名单（导入测试）"])
    header = ["序号", "企业名称", "统一社会信用代码", "属地乡镇", "村（社区）", "网格", "行业类别",
              "风险等级", "主要负责人", "联系电话", "状态"]  # fmt: skip
    sheet.write_row(1, 0, header)
    for i, (name, code, township, grid, _industry, industry_name) in enumerate(
        enterprise_rows(args.enterprises, units, leaves, industries, rng), start=2
    ):
        village = names[parents[grid]] if grid else ""
        sheet.write_row(
            i, 0,
            [i - 1, f"导入{name}", code, township_names[township], village,
             names[grid] if grid else "", industry_name, rng.choice(["一般", "低", "较大"]),
             "张三", "13800138000", "在产"],
        )  # fmt: skip
    book.close()
    return data.getvalue()


def time_import(args, office, units, leaves, industries, rng):
    from django.db import connection

    from tracker.enterprises.excel_import import import_enterprises
    from tracker.enterprises.models import Enterprise

    workbook = import_workbook(args, units, leaves, industries, rng)
    result = {"rows": args.enterprises, "file_mb": round(len(workbook) / 1e6, 1)}
    for step, dry_run in (("dry_run", True), ("confirm", False), ("same_file_again", False)):
        start, start_cpu = time.perf_counter(), time.process_time()
        report = import_enterprises(io.BytesIO(workbook), user=office, dry_run=dry_run)
        result[step] = {
            "s": round(time.perf_counter() - start, 2),
            "cpu_s": round(time.process_time() - start_cpu, 2),
            "counts": report.counts,
        }
        assert report.ok, report.errors[:5]
    result["dry_run_plus_confirm_s"] = round(result["dry_run"]["s"] + result["confirm"]["s"], 2)
    result["enterprises_after"] = Enterprise.objects.count()
    result["database"] = connection.vendor
    return result


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from tracker.enterprises.models import Enterprise, Grid
    from tracker.enterprises.periods import quarter_of
    from tracker.models import User

    today = timezone.localdate()
    rng = random.Random(20_000)
    t0 = time.perf_counter()
    office, units, dept, industries = build_units(args.townships)
    leaves, accounts = build_grids(units, args.grids, rng)
    ids = build_registers(args, units, leaves, industries, dept, office, rng, today)
    build = round(time.perf_counter() - t0, 1)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    staff = User.objects.create_user("staff", password="x", role="staff", unit=units[0])
    office_c, staff_c = client_for(office), client_for(staff)
    grid_c = client_for(accounts[units[0].pk])
    quarter = quarter_of(today).key
    busiest = (
        Enterprise.objects.filter(pk__in=ids[:2000])
        .annotate(n=Count("inspections"))
        .order_by("-n")
        .values_list("pk", flat=True)
        .first()
    )
    industry = industries["工贸"].pk
    pages = [
        ("register", office_c, "/registers/enterprises/"),
        ("register_page_40", office_c, "/registers/enterprises/?page=40"),
        ("register_township", office_c, f"/registers/enterprises/?township={units[5].pk}"),
        ("register_industry_risk", office_c, f"/registers/enterprises/?industry={industry}&risk=major"),
        ("register_uninspected", office_c, f"/registers/enterprises/?uninspected={quarter}"),
        ("register_level", office_c, "/registers/enterprises/?level=small"),
        ("register_search", office_c, "/registers/enterprises/?q=企业0123"),
        ("register_as_township", staff_c, f"/registers/enterprises/?uninspected={quarter}"),
        ("register_as_grid_member", grid_c, "/registers/enterprises/"),
        ("coverage_county", office_c, "/registers/grids/"),
        ("coverage_county_month", office_c, f"/registers/grids/?period={today:%Y-%m}"),
        ("coverage_township", office_c, f"/registers/grids/?township={units[0].pk}"),
        ("coverage_as_township", staff_c, "/registers/grids/"),
        ("grid_home", grid_c, "/registers/my-grid/"),
        ("enterprise_file", office_c, f"/registers/enterprises/{busiest}/"),
    ]  # fmt: skip
    result = {
        "database": connection.vendor,
        "townships": len(units),
        "grids": Grid.objects.filter(level="grid").count(),
        "enterprises": Enterprise.objects.count(),
        "inspections": args.inspections,
        "build_s": build,
        "goals_ms": GOALS_MS,
    }
    result.update(time_pages(pages, args))
    if not args.skip_import:
        # A fresh county with the same units and grids: the import creates every enterprise.
        result["import"] = time_import_fresh(args, rng)
    print(json.dumps(result, ensure_ascii=False, indent=1))


def time_import_fresh(args, rng):
    """Empty the registers' enterprises (and what hangs on them), keep units and grids."""
    from django.db import connection

    from tracker.enterprises.models import Grid, Industry
    from tracker.models import Unit, User

    tables = [
        "enterprises_inspectionhazard", "enterprises_inspectionphoto", "enterprises_inspection",
        "enterprises_standardizationchange", "enterprises_standardization",
        "enterprises_enterprise",
    ]  # fmt: skip
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    units = list(Unit.objects.filter(kind="township").order_by("sort_order"))
    leaves = list(Grid.objects.filter(level="grid").values_list("pk", "township_id"))
    industries = {i.name: i for i in Industry.objects.all()}
    office = User.objects.get(username="office")
    return time_import(args, office, units, leaves, industries, random.Random(7))


if __name__ == "__main__":
    main()
