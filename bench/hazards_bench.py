"""The 隐患台账 at a large county's scale: `python bench/hazards_bench.py [--hazards 200000]`.

Builds a scratch database (SQLite in a temporary directory, or PostgreSQL with
`--database-url postgres://USER@HOST:PORT/NAME`, created for the run and dropped after): 30
townships, 2,000 grids, 20,000 enterprises and 200,000 hazards over two years in every state,
with 五落实, some overdue, 1% 重大 and some of those 挂牌督办. Then times, through Django's test
client in production mode, in several rounds:

- the register (a page of 25) for the office, filtered, for a township, a department and a
  网格员 (goal 100 ms);
- the monthly summary page and the 隐患 dashboard (goal 300 ms, fixed number of queries);
- importing 50,000 rows of an office's 台账, dry run + commit (goal 15 s);
- exporting all 200,000 hazards (goal 15 s) with the peak memory the export added.

Prints JSON: per page the median of the rounds' medians, its CPU time and its queries.
"""

import argparse
import functools
import io
import json
import random
import resource
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.django_setup import run_in_database, uptime  # noqa: E402

GOALS_MS = {"register": 100, "summary": 300, "dashboard": 300}
IMPORT_GOAL_S = EXPORT_GOAL_S = 15


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--townships", type=int, default=30)
    parser.add_argument("--grids", type=int, default=2000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--hazards", type=int, default=200_000)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default="")
    parser.add_argument(
        "--sqlite-file", default="", help="SQLite database to reuse (built if missing)"
    )
    parser.add_argument(
        "--parts", default="pages,export,import", help="what to time: pages, export, import"
    )
    args = parser.parse_args()
    if args.database_url and args.sqlite_file:
        parser.error("--database-url and --sqlite-file: one or the other")
    run_in_database(run, args, prefix="hazards-bench-")


def build_enterprises(args, units, leaves, industries, dept, rng):
    from django.utils import timezone

    from bench.registers_bench import enterprise_rows
    from tracker.bulk_insert import insert_rows
    from tracker.enterprises.models import Enterprise, Grid

    parent = dict(Grid.objects.filter(level="grid").values_list("pk", "parent_id"))
    now = timezone.now()
    insert_rows(
        Enterprise,
        ["name", "credit_code", "township_id", "village_id", "grid_id", "industry_id",
         "supervisor_id"],
        ((name, code, township, parent.get(grid), grid, industry, dept.pk)
         for name, code, township, grid, industry, _ in enterprise_rows(
             args.enterprises, units, leaves, industries, rng)),
        constants={"standard_level": "none", "created_at": now, "updated_at": now},
    )  # fmt: skip
    return list(
        Enterprise.objects.values_list("pk", "township_id", "grid_id", "industry_id", "name")
    )


# What hazards say, at the frequencies a register has: the demo's phrases by industry, each at a
# place; one row in 10,000 names something rare (液氨), so the searches below find a few rows,
# thousands, or most of the register.
PLACES = ["一号车间", "二号车间", "仓库", "配电房", "办公楼", "宿舍", "厨房", "锅炉房", "装卸区",
          "门店", "楼梯间", "屋顶", "停车场", "原料堆场", "生产线"]  # fmt: skip
RARE = "液氨储罐阀门泄漏"
SEARCHES = [("rare", "液氨储罐"), ("common", "灭火器"), ("two_chars", "消防"),
            ("two_chars_rare", "液氨")]  # fmt: skip


def description(i: int, rng) -> str:
    if i % 10_000 == 4321:
        return f"{rng.choice(PLACES)}{RARE}"
    return f"{rng.choice(PLACES)}{rng.choice(phrases())}"


@functools.cache
def phrases() -> list[str]:
    from tracker.enterprises.demo import HAZARDS

    return [phrase for group in HAZARDS.values() for phrase in group]


def build_hazards(n, enterprises, dept, office, rng, today):
    from django.db import connection, transaction
    from django.utils import timezone

    from tracker.bulk_insert import insert_rows
    from tracker.hazards import text_index
    from tracker.hazards.models import Hazard

    now = timezone.now()
    states = ["closed"] * 7 + ["fixing", "fixing", "pending", "review", "deferred"]

    def rows():
        for i in range(n):
            pk, township, grid, industry, _ = enterprises[i % len(enterprises)]
            found = today - timedelta(days=rng.randint(0, 730))
            state = rng.choice(states)
            major = rng.random() < 0.01
            deadline = found + timedelta(days=rng.choice([7, 15, 30, 60]))
            closed = state == "closed"
            yield (
                pk, township, grid, industry, dept.pk, found, rng.choice(Hazard.Source.values),
                description(i, rng), rng.choice(["site", "basic"]),
                "major" if major else "general", "判定标准第三条" if major else "",
                "整改措施", "责任人", 1000, deadline, "防范措施", state,
                "原因" if state == "deferred" else "", "管控" if state == "deferred" else "",
                deadline if closed else None, "验收人" if closed else "",
                "county" if major and rng.random() < 0.3 else "",
            )  # fmt: skip

    # One transaction, indexed for keywords in one statement at the end, as the import does.
    with transaction.atomic(), text_index.bulk_inserting(connection):
        insert_rows(
            Hazard,
            ["enterprise_id", "township_id", "grid_id", "industry_id", "supervisor_id",
             "found_on", "source", "description", "category", "level", "basis", "measures",
             "responsible", "funds", "deadline", "contingency", "state", "deferred_reason",
             "interim_measures", "accepted_on", "accepted_by", "listing"],
            rows(),
            constants={"recorded_by_id": office.pk, "created_at": now, "updated_at": now},
        )  # fmt: skip


def import_workbook(rows: int, enterprises, townships, rng, today) -> bytes:
    import xlsxwriter

    data = io.BytesIO()
    book = xlsxwriter.Workbook(data, {"constant_memory": True})
    sheet = book.add_worksheet()
    sheet.write_row(0, 0, ["全县隐患排查治理台账"])
    header = ["序号", "排查日期", "企业名称", "所属乡镇", "行业", "隐患部位及描述", "隐患类别",
              "隐患等级", "排查方式", "整改措施", "整改责任人", "整改资金", "整改时限",
              "防范措施", "整改完成日期", "验收人", "验收日期", "整改情况", "是否挂牌督办",
              "督办层级", "备注"]  # fmt: skip
    sheet.write_row(1, 0, header)
    for i in range(rows):
        _, township, _, _, name = enterprises[i % len(enterprises)]
        found = today - timedelta(days=rng.randint(0, 300))
        done = rng.random() < 0.6
        sheet.write_row(i + 2, 0, [
            i + 1, f"{found:%Y-%m-%d}", name, townships[township], "", f"导入隐患{i:06d}",
            "现场管理", "一般", "部门检查", "整改", "张三", 500,
            f"{found + timedelta(days=30):%Y/%m/%d}", "警示", "", "李四" if done else "",
            f"{found + timedelta(days=20):%Y年%m月%d日}" if done else "",
            "已整改" if done else "整改中", "否", "", "",
        ])  # fmt: skip
    book.close()
    return data.getvalue()


def time_pages(pages, args):
    from bench.registers_bench import time_pages as timer

    return timer(pages, args)


def run(args):
    from bench.django_setup import setup_django

    setup_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.utils import timezone

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from bench.registers_bench import build_grids, build_units
    from tracker.enterprises.models import Enterprise
    from tracker.hazards.models import Hazard, HazardChange
    from tracker.models import Unit, User

    today = timezone.localdate()
    rng = random.Random(200_000)
    t0 = time.perf_counter()
    if args.reuse:
        # The county an earlier run built in this file; the import's rows are removed again
        # after each run, so the file starts the same every time.
        office = User.objects.get(username="office")
        units = list(Unit.objects.filter(kind="township").order_by("sort_order"))
        dept = Unit.objects.get(kind="department", name="县应急管理局")
        accounts = {u.pk: User.objects.get(username=f"grid{u.pk}") for u in units}
        enterprises = list(
            Enterprise.objects.values_list("pk", "township_id", "grid_id", "industry_id", "name")
        )
        build = None
    else:
        office, units, dept, industries = build_units(args.townships)
        leaves, accounts = build_grids(units, args.grids, rng)
        enterprises = build_enterprises(args, units, leaves, industries, dept, rng)
        build_hazards(args.hazards, enterprises, dept, office, rng, today)
        build = round(time.perf_counter() - t0, 1)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")

    def client_for(user):
        client = Client()
        client.force_login(user)
        return client

    staff = User.objects.filter(username="staff").first() or User.objects.create_user(
        "staff", password="x", role="staff", unit=units[0]
    )
    dept_user = User.objects.filter(username="dept").first() or User.objects.create_user(
        "dept", password="x", role="staff", unit=dept
    )
    office_c, staff_c, dept_c = client_for(office), client_for(staff), client_for(dept_user)
    grid_c = client_for(accounts[units[0].pk])
    pages = [
        ("register", office_c, "/hazards/"),
        ("register_page_40", office_c, "/hazards/?page=40"),
        ("register_township_open", office_c, f"/hazards/?township={units[5].pk}&open=1"),
        ("register_major_listed", office_c, "/hazards/?level=major&listed=1"),
        ("register_overdue", office_c, "/hazards/?overdue=1"),
        *((f"register_search_{name}", office_c, f"/hazards/?q={word}")
          for name, word in SEARCHES),
        ("register_as_township", staff_c, "/hazards/?open=1"),
        *((f"register_search_{name}_as_township", staff_c, f"/hazards/?q={word}")
          for name, word in SEARCHES[:2]),
        ("register_as_department", dept_c, "/hazards/"),
        ("register_as_grid_member", grid_c, "/hazards/"),
        ("summary", office_c, f"/hazards/summary/?month={today:%Y-%m}"),
        ("summary_as_township", staff_c, "/hazards/summary/"),
        ("dashboard", office_c, "/hazards/dashboard/"),
    ]  # fmt: skip
    parts = set(args.parts.split(","))
    result = {
        "uptime_before": uptime(),
        "database": connection.vendor,
        "enterprises": len(enterprises),
        "hazards": Hazard.objects.count(),
        "build_s": build,
        "goals_ms": GOALS_MS,
    }
    if "pages" in parts:
        result.update(time_pages(pages, args))
    if "export" in parts:
        result["export"] = time_export(Hazard)
    if "import" in parts:
        result["import"] = time_import(args, enterprises, office, rng, today)
        if args.reuse or args.sqlite_file:
            # Leave a reused file as it was: the imported rows and their history go again.
            # (History is append-only through the ORM; a scratch file is cleaned in SQL.)
            hazards, changes = Hazard._meta.db_table, HazardChange._meta.db_table
            with connection.cursor() as cursor:
                where = f"SELECT id FROM {hazards} WHERE description LIKE '导入隐患%'"
                cursor.execute(f"DELETE FROM {changes} WHERE hazard_id IN ({where})")
                cursor.execute(f"DELETE FROM {hazards} WHERE id IN ({where})")
    result["uptime_after"] = uptime()
    print(json.dumps(result, ensure_ascii=False, indent=1))


def time_export(Hazard):
    from tracker.hazards.excel_export import write_register

    # Export: all 200,000, to a temporary file; the peak RSS it added (ru_maxrss is a peak).
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with tempfile.TemporaryFile() as handle:
        start, cpu = time.perf_counter(), time.process_time()
        count = write_register(handle, Hazard.objects.all())
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        size = handle.tell()
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"rows": count, "seconds": round(seconds, 1), "cpu_s": round(cpu, 1), "mb": round(size / 1e6, 1),
                        "peak_rss_added_mb": round((after - before) / 1024, 1),
                        "goal_s": EXPORT_GOAL_S}  # fmt: skip


def time_import(args, enterprises, office, rng, today):
    from tracker.hazards.excel_import import import_hazards
    from tracker.models import Unit

    townships = dict(Unit.objects.filter(kind="township").values_list("pk", "name"))
    book = import_workbook(args.import_rows, enterprises, townships, rng, today)
    start, cpu = time.perf_counter(), time.process_time()
    dry = import_hazards(io.BytesIO(book), user=office, dry_run=True, today=today)
    dry_s, dry_cpu = time.perf_counter() - start, time.process_time() - cpu
    start, cpu = time.perf_counter(), time.process_time()
    report = import_hazards(io.BytesIO(book), user=office, dry_run=False, today=today)
    commit_s, commit_cpu = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    again = import_hazards(io.BytesIO(book), user=office, dry_run=False, today=today)
    again_s = time.perf_counter() - start
    assert not dry.errors and report.committed and again.added == 0, dry.errors[:3]
    return {"rows": args.import_rows, "dry_run_s": round(dry_s, 1),
                        "commit_s": round(commit_s, 1), "added": report.added,
                        "same_file_again_s": round(again_s, 1),
                        "dry_run_plus_commit_s": round(dry_s + commit_s, 1),
                        "dry_run_plus_commit_cpu_s": round(dry_cpu + commit_cpu, 1),
                        "goal_s": IMPORT_GOAL_S}  # fmt: skip


if __name__ == "__main__":
    main()
