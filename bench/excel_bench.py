"""Workbook import and export speed at scale: `python bench/excel_bench.py [--rows 100000]`.

Generates one 任务分解表 of N rows (deterministic), then measures, each in its own fresh
subprocess so that peak RSS is that measurement's own, and each import on its own fresh
database copied from one migrated template:

  ours_import         tracker.excel.task_import.import_tasks, dry run then commit
  peer_import_default django-import-export: tablib Dataset from the xlsx + a ModelResource with
                      the library's default options (a save() per row, a diff per row)
  peer_import_bulk    the same resource with the library's documented speed options:
                      use_bulk=True, batch_size=1000, skip_diff=True
  floor_import        python-calamine rows → ChecklistItem.bulk_create, no validation at all
  ours_export         tracker.excel.bulletin.write_bulletin of every assignment ours_import made
                      (its items published first, untimed: the bulletin counts published items)
  xlsxwriter_export   baseline: the same assignment rows, unstyled, XlsxWriter constant_memory
  floor_export        floor: the same query written as CSV by the csv module (no styling, no
                      workbook): the least any export of these rows can cost

Both peer setups run on --peer-rows rows (default: all N; the first rows of the same sheet
otherwise). When that is fewer than N, ours is measured once more on exactly those rows, so that
every ratio and every memory figure compares the same number of rows.

Every date follows the real date: the sheet's 年度 is the plan year of the demo calendar
(tracker/demo_calendar.py), its deadlines run from 240 days before today to 240 days after (so
about half are overdue whatever the season), and the bulletin is as of today.

Prints one JSON object to stdout; progress goes to stderr. SQLite by default (temporary
files); `--database-url postgres://postgres@127.0.0.1:5432/postgres` runs every measurement
on PostgreSQL instead, each on a database created (and dropped at the end) for it.

Internally the script re-invokes itself: `--child setup|ours_import|... --xlsx PATH
--database-url URL --today YYYY-MM-DD` runs one step and prints its result as the last line
of stdout.
"""

import argparse
import json
import os
import platform
import random
import resource
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from tracker.demo_calendar import plan_year  # noqa: E402  (pure: no Django needed)

SHEET = "任务分解表"
HEADER = [
    "序号",
    "编号",
    "工作任务",
    "具体要求",
    "类别",
    "牵头单位",
    "责任单位",
    "配合单位",
    "完成时限",
    "报送频次",
    "目标数量",
    "备注",
]
# Deadlines this many days either side of today: about half the dated assignments are overdue
# on the bulletin, so its 逾期清单 sheet is well filled in every season.
DEADLINE_SPREAD_DAYS = 240
# The peer's documented options for speed (its "Bulk imports" and performance docs); 1,000 is
# also the library's own default batch_size, named here so the setup reads in full.
PEER_SETUPS = {
    "default": {},
    "bulk": {"use_bulk": True, "batch_size": 1000, "skip_diff": True},
}
MEASUREMENTS = (
    "ours_import",
    "ours_import_at_peer_rows",
    "peer_import_default",
    "peer_import_bulk",
    "floor_import",
    "ours_export",
    "xlsxwriter_export",
    "floor_export",
)


class Calendar:
    """The dates of one run, all from the day it starts (the children are told that day, so a
    run across midnight stays one calendar)."""

    def __init__(self, today: date):
        self.today = today
        self.year = plan_year(today)  # the 年度 the office would be working on today
        self.first_deadline = today - timedelta(days=DEADLINE_SPREAD_DAYS)
        self.last_deadline = today + timedelta(days=DEADLINE_SPREAD_DAYS)
        # Every item starts when the sheet was issued, before its first deadline.
        self.start = self.first_deadline
        self.title = f"{self.year}年全县安全生产重点工作任务分解表"
        self.subtitle = f"县安委办 {self.year}年3月"

    def next_day(self, month: int, day: int) -> date:
        """年底前 / 6月底前: the next such day on or after today, as our importer reads them."""
        candidate = date(self.today.year, month, day)
        return candidate if candidate >= self.today else date(self.today.year + 1, month, day)

    def text_deadlines(self) -> dict:
        return {"年底前": self.next_day(12, 31), "6月底前": self.next_day(6, 30), "长期坚持": None}


def log(message: str) -> None:
    print(f"[excel_bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # KB on Linux


# ----------------------------------------------------------------------------------------
# The workbook


def fixture_names() -> tuple[list[str], list[str], list[str]]:
    """Theme names, department names, township names, from the project's fixtures."""
    themes = json.loads((ROOT / "fixtures/themes.json").read_text(encoding="utf-8"))
    units = json.loads((ROOT / "fixtures/units.json").read_text(encoding="utf-8"))
    theme_names = [o["fields"]["name"] for o in themes if o["model"] == "checklist.theme"]
    unit_rows = [o["fields"] for o in units if o["model"] == "tracker.unit"]
    departments = [u["name"] for u in unit_rows if u["kind"] == "department"]
    townships = [u["name"] for u in unit_rows if u["kind"] == "township"]
    assert theme_names and departments and townships, "fixtures without themes or units"
    return theme_names, departments, townships


VERBS = ["开展", "深入开展", "持续推进", "全面推进", "组织开展", "扎实推进", "深化", "落实"]
PLACES = ["", "", "", "在全县范围内", "结合季节特点", "在重要节日和重大活动期间", "以乡镇为单位"]
OBJECTS = [
    "危险化学品企业",
    "非煤矿山",
    "建筑施工工地",
    "人员密集场所",
    "道路运输企业",
    "烟花爆竹经营单位",
    "工贸企业",
    "城镇燃气",
    "经营性自建房",
    "学校及周边",
    "水上交通",
    "特种设备",
    "“九小”场所",
    "高层建筑",
    "电动自行车",
    "有限空间作业",
    "粉尘涉爆企业",
    "农村道路",
]
ACTIONS = [
    "隐患排查治理",
    "专项整治",
    "标准化创建",
    "执法检查",
    "安全培训",
    "应急演练",
    "风险辨识管控",
    "打非治违",
    "消防安全检查",
    "宣传教育",
    "重大事故隐患动态清零",
]
SUFFIXES = ["", "工作", "行动", "三年行动", "“回头看”", "百日攻坚行动", "专项行动"]
TAILS = ["", "", "", "，建立问题清单和整改台账", "，确保不发生较大以上事故", "，实现闭环管理"]
CLAUSES = [
    "对辖区内{obj}逐家开展检查，",
    "建立问题隐患和整改措施“两个清单”，",
    "做到整改责任、措施、资金、时限和预案“五落实”，",
    "对发现的重大事故隐患实行挂牌督办，",
    "严格落实企业安全生产主体责任，",
    "督促企业主要负责人带头开展自查自改，",
    "对拒不整改的依法依规从严处罚，",
    "每季度向县安委办报送工作进展，",
    "组织专家对{obj}开展指导服务，",
    "按照“一企一档”要求建立工作台账，",
    "加强部门联动和信息共享，",
]
ENDINGS = ["确保按期完成。", "形成长效机制。", "年底前完成验收。", "切实防范化解重大安全风险。"]
QUANTITY_UNITS = ["家", "场", "人次", "次", "个", "处"]
NOTES = ["重点督办", "纳入年度考核", "县领导挂点", "省级督办事项", "市级交办", "上年度结转"]


def _title(rng: random.Random, obj: str) -> str:
    title = rng.choice(PLACES) + rng.choice(VERBS) + obj + rng.choice(ACTIONS)
    title += rng.choice(SUFFIXES) or ("专项行动" if len(title) < 12 else "")
    tail = rng.choice(TAILS)
    return title + tail if len(title + tail) <= 40 else title  # 12 to 40 characters


def _detail(rng: random.Random, obj: str) -> str:
    text = ""
    while len(text) < 40:
        text += rng.choice(CLAUSES).format(obj=obj)
    if len(text) < 90 and rng.random() < 0.6:
        text += rng.choice(CLAUSES).format(obj=obj)
    text = text.rstrip("，") + "，" + rng.choice(ENDINGS)
    return text if len(text) <= 120 else text[:119] + "。"


def task_rows(n: int, calendar: Calendar):
    """The N data rows, deterministic (random.Random(42)) given the calendar; each a list of
    12 cell values."""
    theme_names, departments, townships = fixture_names()
    rng = random.Random(42)
    span = (calendar.last_deadline - calendar.first_deadline).days
    for i in range(1, n + 1):
        obj = rng.choice(OBJECTS)
        lead = rng.choice(departments)
        cooperate = ""
        if rng.random() >= 0.5:
            cooperate = rng.choice([d for d in departments if d != lead])
        roll = rng.random()
        cadence = ""
        if roll < 0.90:
            deadline = datetime.combine(
                calendar.first_deadline + timedelta(days=rng.randint(0, span)),
                datetime.min.time(),
            )
        elif roll < 0.95:
            deadline = rng.choice(["年底前", "6月底前"])
        else:
            deadline = "长期坚持"
            cadence = "每月28日前"
        target = ""
        if rng.random() < 0.2:
            target = f"{rng.choice([3, 5, 12, 20, 40, 100, 500, 3000])}{rng.choice(QUANTITY_UNITS)}"
        note = rng.choice(NOTES) if rng.random() < 0.3 else ""
        yield [
            i,
            f"B{i:06d}",
            _title(rng, obj),
            _detail(rng, obj),
            rng.choice(theme_names),
            lead,
            rng.choice(townships),
            cooperate,
            deadline,
            cadence,
            target,
            note,
        ]


def write_workbook(path: Path, n: int, calendar: Calendar | None = None) -> None:
    """The sheet as the office would send it; dated around today unless told otherwise."""
    import xlsxwriter

    calendar = calendar or Calendar(date.today())
    book = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = book.add_worksheet(SHEET)
    title = book.add_format({"bold": True, "font_size": 16, "align": "center"})
    header = book.add_format({"bold": True, "border": 1, "align": "center"})
    day = book.add_format({"num_format": "yyyy-mm-dd"})
    last = len(HEADER) - 1
    sheet.merge_range(0, 0, 0, last, calendar.title, title)
    sheet.merge_range(1, 0, 1, last, calendar.subtitle)
    for col, label in enumerate(HEADER):
        sheet.write_string(2, col, label, header)
    for r, values in enumerate(task_rows(n, calendar), start=3):
        sheet.write_number(r, 0, values[0])
        for col in range(1, len(HEADER)):
            value = values[col]
            if isinstance(value, datetime):
                sheet.write_datetime(r, col, value, day)
            elif value != "":
                sheet.write_string(r, col, value)
    book.close()


# ----------------------------------------------------------------------------------------
# Databases: one migrated template, one fresh copy per measurement


class SqliteDatabases:
    def __init__(self, workdir: Path):
        self.dir = workdir / "db"
        self.dir.mkdir()

    def url(self, name: str) -> str:
        return f"sqlite:///{self.dir / (name + '.sqlite3')}"

    def create_empty(self, name: str) -> str:
        return self.url(name)

    def copy(self, source: str, name: str) -> str:
        # The backup API copies a consistent database whatever is still in a WAL file.
        src = sqlite3.connect(str(self.dir / (source + ".sqlite3")))
        dst = sqlite3.connect(str(self.dir / (name + ".sqlite3")))
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        return self.url(name)

    def cleanup(self) -> None:
        pass  # the whole work directory goes


class PostgresDatabases:
    """Databases created beside the one the URL names; copies are CREATE DATABASE … TEMPLATE."""

    def __init__(self, admin_url: str):
        import psycopg

        self.psycopg = psycopg
        self.admin_url = admin_url
        self.prefix = f"bench_{os.getpid()}_"
        self.created: list[str] = []

    def _execute(self, sql: str) -> None:
        with self.psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(sql)

    def url(self, name: str) -> str:
        parts = urlsplit(self.admin_url)
        return urlunsplit(parts._replace(path="/" + self.prefix + name))

    def create_empty(self, name: str) -> str:
        self._execute(f'CREATE DATABASE "{self.prefix}{name}"')
        self.created.append(name)
        return self.url(name)

    def copy(self, source: str, name: str) -> str:
        self._execute(f'CREATE DATABASE "{self.prefix}{name}" TEMPLATE "{self.prefix}{source}"')
        self.created.append(name)
        return self.url(name)

    def cleanup(self) -> None:
        for name in reversed(self.created):
            try:
                self._execute(f'DROP DATABASE IF EXISTS "{self.prefix}{name}"')
            except Exception as exc:  # noqa: BLE001 - report and go on dropping the rest
                log(f"could not drop {self.prefix}{name}: {exc}")


# ----------------------------------------------------------------------------------------
# Children: each runs one step in a fresh interpreter


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "tracker.settings"
    os.environ["DEBUG"] = "0"  # no query log growing in memory
    # Production mode refuses the development key; a throwaway one is right for a benchmark.
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def child_setup(args) -> dict:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command(
        "loaddata",
        str(ROOT / "fixtures/themes.json"),
        str(ROOT / "fixtures/units.json"),
        verbosity=0,
    )
    from django.utils import timezone

    from tracker.models import Unit, User

    User.objects.create_user(
        "bench", password="x", role="office", unit=Unit.objects.get(name="县安委办"), is_staff=True
    )
    # The county's date, as the app reads it (TIME_ZONE): the day the whole run is dated from.
    return {"today": timezone.localdate().isoformat()}


def child_ours_import(args) -> dict:
    from checklist.models import ChecklistItem
    from tracker.excel.task_import import import_tasks
    from tracker.models import Assignment, User

    calendar = Calendar(args.today)
    user = User.objects.get(username="bench")
    # Half the deadlines are already past on the import date: confirmed, as the office would.
    options = {
        "on_conflict": "skip",
        "year": calendar.year,
        "today": calendar.today,
        "accept_past_deadlines": True,
    }
    path = str(args.xlsx)

    def check(report, stage):
        if report.errors:
            shown = "\n".join(str(e) for e in report.errors[:20])
            raise SystemExit(
                f"ours_import {stage}: {len(report.errors)} errors on the generated file, "
                f"first ones:\n{shown}"
            )

    start = time.perf_counter()
    report = import_tasks(path, user=user, dry_run=True, **options)
    dry = time.perf_counter() - start
    check(report, "dry run")
    dry_counts = dict(report.counts)
    warnings = len(getattr(report, "warnings", []) or [])
    del report  # the web flow holds the dry run and the commit in different requests

    start = time.perf_counter()
    report = import_tasks(path, user=user, dry_run=False, **options)
    commit = time.perf_counter() - start
    check(report, "commit")
    counts = dict(report.counts)
    items = ChecklistItem.objects.count()
    assert items == args.rows, f"ours_import: {items} items in the database, expected {args.rows}"
    return {
        "rows": items,
        "dry_run_s": round(dry, 3),
        "commit_s": round(commit, 3),
        "total_s": round(dry + commit, 3),
        "rows_per_s": round(args.rows / (dry + commit)),
        "counts": counts,
        "dry_run_counts_match": dry_counts == counts,
        "warnings": warnings,
        "items_in_db": items,
        "assignments_in_db": Assignment.objects.count(),
    }


def peer_import(args, setup: str) -> dict:
    import re

    import tablib
    from import_export import fields, resources, widgets

    from checklist.models import ChecklistItem, Theme

    calendar = Calendar(args.today)
    text_deadlines = calendar.text_deadlines()
    cadence_pattern = re.compile(r"每月(\d+)日前")

    class DeadlineWidget(widgets.DateWidget):
        """A date cell, or one of the sheet's words for a deadline (长期坚持 means none)."""

        def clean(self, value, row=None, **kwargs):
            if isinstance(value, str) and value.strip() in text_deadlines:
                return text_deadlines[value.strip()]
            return super().clean(value, row=row, **kwargs)

    class CadenceWidget(widgets.Widget):
        def clean(self, value, row=None, **kwargs):
            return "monthly" if value and cadence_pattern.fullmatch(str(value)) else "none"

    class CadenceDayWidget(widgets.IntegerWidget):
        def clean(self, value, row=None, **kwargs):
            match = cadence_pattern.fullmatch(str(value or ""))
            return int(match.group(1)) if match else None

    meta_options = {
        "model": ChecklistItem,
        "fields": (
            "code",
            "title",
            "detail",
            "theme",
            "start_date",
            "deadline",
            "cadence",
            "cadence_day",
        ),  # state: the model's default, draft
        "import_id_fields": ("code",),  # 编号 identifies an item, so a re-import updates it
        **PEER_SETUPS[setup],
    }

    class ChecklistItemResource(resources.ModelResource):
        code = fields.Field(attribute="code", column_name="编号")
        title = fields.Field(attribute="title", column_name="工作任务")
        detail = fields.Field(attribute="detail", column_name="具体要求")
        theme = fields.Field(
            attribute="theme",
            column_name="类别",
            widget=widgets.ForeignKeyWidget(Theme, field="name"),
        )
        start_date = fields.Field(attribute="start_date", column_name="开始日期")
        deadline = fields.Field(
            attribute="deadline", column_name="完成时限", widget=DeadlineWidget()
        )
        # The model requires a cadence on items without a deadline (长期坚持).
        cadence = fields.Field(attribute="cadence", column_name="报送频次", widget=CadenceWidget())
        cadence_day = fields.Field(
            attribute="cadence_day", column_name="报送频次", widget=CadenceDayWidget()
        )

        Meta = type("Meta", (), meta_options)

        def before_import_row(self, row, **kwargs):
            # Columns the sheet does not have: every item starts when the sheet was issued.
            row["开始日期"] = calendar.start

    start = time.perf_counter()
    with open(args.xlsx, "rb") as f:
        dataset = tablib.Dataset().load(f.read(), format="xlsx", skip_lines=2)
    loaded = time.perf_counter()
    assert dataset.headers[: len(HEADER)] == HEADER, dataset.headers
    result = ChecklistItemResource().import_data(dataset, dry_run=False, raise_errors=True)
    done = time.perf_counter()
    assert not result.has_errors() and not result.has_validation_errors()
    items = ChecklistItem.objects.count()
    assert items == len(dataset) == args.rows, (items, len(dataset), args.rows)
    return {
        "setup": peer_setup_label(setup),
        "rows": items,
        "load_s": round(loaded - start, 3),
        "import_s": round(done - loaded, 3),
        "total_s": round(done - start, 3),
        "rows_per_s": round(items / (done - start)),
    }


def peer_setup_label(setup: str) -> str:
    options = PEER_SETUPS[setup]
    if not options:
        return "ModelResource, the library's default options"
    return "ModelResource with " + ", ".join(f"{k}={v}" for k, v in options.items())


def child_floor_import(args) -> dict:
    from django.db import transaction
    from django.utils import timezone
    from python_calamine import CalamineWorkbook

    from checklist.models import ChecklistItem, Theme

    calendar = Calendar(args.today)
    text_deadlines = calendar.text_deadlines()
    start = time.perf_counter()
    rows = CalamineWorkbook.from_path(str(args.xlsx)).get_sheet_by_index(0).to_python()
    read = time.perf_counter()
    themes = dict(Theme.objects.values_list("name", "id"))
    now = timezone.now()
    items = []
    for values in rows[3:]:
        deadline = values[8]
        if isinstance(deadline, datetime):
            deadline = deadline.date()
        elif not isinstance(deadline, date):
            deadline = text_deadlines.get(deadline)  # None: 长期坚持
        items.append(
            ChecklistItem(
                code=values[1],
                title=values[2],
                detail=values[3],
                theme_id=themes[values[4]],
                start_date=calendar.start,
                deadline=deadline,
                cadence="none" if deadline else "monthly",
                cadence_day=None if deadline else 28,
                created_at=now,
                updated_at=now,
            )
        )
    with transaction.atomic():
        ChecklistItem.objects.bulk_create(items, batch_size=2000)
    done = time.perf_counter()
    count = ChecklistItem.objects.count()
    assert count == args.rows, (count, args.rows)
    return {
        "rows": count,
        "read_s": round(read - start, 3),
        "insert_s": round(done - read, 3),
        "total_s": round(done - start, 3),
        "rows_per_s": round(args.rows / (done - start)),
    }


def child_publish(args) -> dict:
    """Publish every imported item: the bulletin, like the dashboard, counts published items
    only. Not timed; every export then reads the same published rows."""
    from django.utils import timezone

    from checklist.models import ChecklistItem

    published = ChecklistItem.objects.update(
        state=ChecklistItem.State.PUBLISHED, published_at=timezone.now()
    )
    return {"published": published}


def child_ours_export(args) -> dict:
    from tracker.excel.bulletin import write_bulletin
    from tracker.models import Assignment

    rows = Assignment.objects.count()
    target = args.workdir / "bulletin.xlsx"
    start = time.perf_counter()
    write_bulletin(str(target), assignments=Assignment.objects.all(), today=args.today)
    seconds = time.perf_counter() - start
    return {
        "seconds": round(seconds, 3),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "file_mb": round(target.stat().st_size / 2**20, 1),
    }


def detail_rows():
    """The twelve values per row of the bulletin's detail sheet (latest note and time
    included), in its order, straight from a chunked cursor: the driver's own values, no
    per-value converters. What the baseline and the floor exports write."""
    from django.db import connection
    from django.db.models import OuterRef, Subquery

    from tracker.models import Assignment, StatusUpdate

    history = StatusUpdate.objects.filter(assignment=OuterRef("pk")).order_by("-created_at", "-id")
    query = (
        Assignment.objects.annotate(
            latest_note=Subquery(history.exclude(note="").values("note")[:1]),
            latest_at=Subquery(history.values("created_at")[:1]),
        )
        .order_by("item__code", "unit__kind", "unit__sort_order", "unit__name")
        .values_list(
            "item__code",
            "item__title",
            "item__theme__name",
            "unit__name",
            "role",
            "status",
            "percent",
            "quantity_done",
            "item__target_quantity",
            "due_date",
            "latest_note",
            "latest_at",
        )
    )
    sql, params = query.query.sql_with_params()
    with connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while chunk := cursor.fetchmany(5000):
            yield from chunk


def _export_result(rows: int, written: int, seconds: float, target: Path) -> dict:
    assert written == rows, (written, rows)
    return {
        "seconds": round(seconds, 3),
        "rows": rows,
        "rows_per_s": round(rows / seconds),
        "file_mb": round(target.stat().st_size / 2**20, 1),
    }


def child_xlsxwriter_export(args) -> dict:
    """Baseline: the detail sheet's rows written unstyled with XlsxWriter's write_row, no
    formats, no traffic light, no other sheets."""
    import xlsxwriter

    from tracker.models import Assignment

    rows = Assignment.objects.count()
    target = args.workdir / "baseline.xlsx"
    start = time.perf_counter()
    book = xlsxwriter.Workbook(str(target), {"constant_memory": True, "remove_timezone": True})
    sheet = book.add_worksheet("任务明细")
    written = 0
    for r, values in enumerate(detail_rows()):
        sheet.write_row(r, 0, values)
        written += 1
    book.close()
    return _export_result(rows, written, time.perf_counter() - start, target)


def child_floor_export(args) -> dict:
    """Floor: the same rows written as CSV by the csv module; no workbook, no styling. Any
    export of these rows costs at least this."""
    import csv

    from tracker.models import Assignment

    rows = Assignment.objects.count()
    target = args.workdir / "floor.csv"
    start = time.perf_counter()
    with open(target, "w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f)
        written = 0
        for values in detail_rows():
            writer.writerow(values)
            written += 1
    return _export_result(rows, written, time.perf_counter() - start, target)


CHILDREN = {
    "setup": child_setup,
    "ours_import": child_ours_import,
    "peer_import_default": lambda args: peer_import(args, "default"),
    "peer_import_bulk": lambda args: peer_import(args, "bulk"),
    "floor_import": child_floor_import,
    "publish": child_publish,
    "ours_export": child_ours_export,
    "xlsxwriter_export": child_xlsxwriter_export,
    "floor_export": child_floor_export,
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_as_child(args) -> None:
    django_setup(args.database_url)
    baseline = peak_rss_mb()
    cpu = cpu_seconds()
    result = CHILDREN[args.child](args)
    if args.child not in ("setup", "publish"):
        # CPU time of this process (on SQLite all the work, the database included): steadier
        # than wall time when others share the cores.
        result["cpu_s"] = round(cpu_seconds() - cpu, 3)
        result["peak_rss_mb"] = peak_rss_mb()
        result["baseline_rss_mb"] = baseline  # after django.setup(), before the measurement
    print(json.dumps(result, ensure_ascii=False), flush=True)


def spawn(
    name: str, *, database_url: str, xlsx: Path, rows: int, workdir: Path, today: date | None
):
    """Run one child; its result, or {"error": …} with the tail of what it said."""
    child = "ours_import" if name == "ours_import_at_peer_rows" else name
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--child",
        child,
        "--database-url",
        database_url,
        "--xlsx",
        str(xlsx),
        "--rows",
        str(rows),
        "--workdir",
        str(workdir),
        *(["--today", today.isoformat()] if today else []),
    ]
    log(f"{name}: {rows} rows …" if "import" in name else f"{name} …")
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.stderr.strip():
        sys.stderr.write(proc.stderr if proc.returncode else proc.stderr[-2000:])
    lines = [line for line in proc.stdout.splitlines() if line.strip()]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["(no output)"])[-1]
        log(f"{name}: FAILED (exit {proc.returncode}): {tail}")
        return {"error": tail, "exit_code": proc.returncode}
    result = json.loads(lines[-1])
    log(f"{name}: done in {elapsed:.1f} s wall: {json.dumps(result, ensure_ascii=False)}")
    return result


# ----------------------------------------------------------------------------------------
# The parent


def ratio(a, b, digits=2):
    return round(a / b, digits) if a and b else None


def _cpu_per_row(result: dict):
    rows = result.get("rows")
    return result["cpu_s"] / rows if result.get("cpu_s") and rows else None


def summarize(results: dict) -> dict:
    """Ratios between measurements of the same number of rows, by wall and by CPU time, and
    the peaks of memory side by side at that same number."""
    ours, floor = results["ours_import"], results["floor_import"]
    # Ours on exactly the rows the peer imported: itself when the peer had every row.
    ours_same = results.get("ours_import_at_peer_rows") or ours
    ours_x, baseline_x, floor_x = (
        results[k] for k in ("ours_export", "xlsxwriter_export", "floor_export")
    )
    ratios = {}
    for setup in PEER_SETUPS:
        peer = results[f"peer_import_{setup}"]
        ratios[f"import_vs_peer_{setup}"] = ratio(
            ours_same.get("rows_per_s"), peer.get("rows_per_s"), 1
        )
        # By CPU time per row, which other people's work on the cores disturbs less.
        ratios[f"import_vs_peer_{setup}_cpu"] = ratio(
            _cpu_per_row(peer), _cpu_per_row(ours_same), 1
        )
    ratios.update(
        {
            # Below 1: ours writes items, assignments and history and checks every cell; the
            # floor writes the items alone, unchecked.
            "import_vs_floor": ratio(ours.get("rows_per_s"), floor.get("rows_per_s")),
            "import_vs_floor_cpu": ratio(_cpu_per_row(floor), _cpu_per_row(ours)),
            # Above 1: how many times the CSV floor's time our styled bulletin takes.
            "export_time_vs_csv_floor": ratio(ours_x.get("seconds"), floor_x.get("seconds")),
            "export_cpu_vs_csv_floor": ratio(ours_x.get("cpu_s"), floor_x.get("cpu_s")),
            # Above 1: how many times faster our bulletin is than unstyled XlsxWriter.
            "xlsxwriter_time_vs_export": ratio(baseline_x.get("seconds"), ours_x.get("seconds")),
            "xlsxwriter_cpu_vs_export": ratio(baseline_x.get("cpu_s"), ours_x.get("cpu_s")),
        }
    )
    same_rows = ours_same.get("rows")
    memory = {
        "rows": same_rows,
        "ours_import": ours_same.get("peak_rss_mb"),
        **{f"peer_import_{s}": results[f"peer_import_{s}"].get("peak_rss_mb") for s in PEER_SETUPS},
    }
    if floor.get("rows") == same_rows:
        memory["floor_import"] = floor.get("peak_rss_mb")

    def goal(value, test):
        return None if value is None else bool(test(value))

    goals = {
        # The goals as first set, each now held against both peer setups and the true floor.
        "import_10x_peer_default": goal(ratios["import_vs_peer_default"], lambda r: r >= 10),
        "import_10x_peer_bulk": goal(ratios["import_vs_peer_bulk"], lambda r: r >= 10),
        "import_half_floor": goal(ratios["import_vs_floor"], lambda r: r >= 0.5),
        "export_within_1_5x_csv_floor": goal(
            ratios["export_time_vs_csv_floor"], lambda r: r <= 1.5
        ),
        "import_rss_under_400mb": goal(ours.get("peak_rss_mb"), lambda m: m < 400),
        "export_rss_under_150mb": goal(ours_x.get("peak_rss_mb"), lambda m: m < 150),
    }
    return {"ratios": ratios, "peak_rss_mb_same_rows": memory, "goals": goals}


def machine(database_url: str | None) -> dict:
    from importlib.metadata import version

    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "django": version("django"),
        "django_import_export": version("django-import-export"),
        "database": urlsplit(database_url).scheme if database_url else "sqlite",
        **({} if database_url else {"sqlite": sqlite3.sqlite_version}),
    }


def run_parent(args) -> None:
    n = args.rows
    peer_rows = min(n, args.peer_rows or n)
    workdir = Path(tempfile.mkdtemp(prefix="excel-bench-"))
    dbs = PostgresDatabases(args.database_url) if args.database_url else SqliteDatabases(workdir)
    results = {}
    load_before = [round(x, 2) for x in os.getloadavg()]
    started = time.perf_counter()
    try:
        xlsx = workdir / "tasks.xlsx"
        template = dbs.create_empty("template")
        setup = spawn(
            "setup", database_url=template, xlsx=xlsx, rows=n, workdir=workdir, today=None
        )
        if "error" in setup:
            raise SystemExit(f"could not build the template database: {setup['error']}")
        calendar = Calendar(date.fromisoformat(setup["today"]))
        start = time.perf_counter()
        write_workbook(xlsx, n, calendar)
        log(
            f"workbook of {n} rows: {xlsx.stat().st_size / 2**20:.1f} MB in "
            f"{time.perf_counter() - start:.1f} s"
        )
        peer_xlsx = xlsx
        if peer_rows < n:  # the same generator and seed: the first peer_rows rows of the sheet
            peer_xlsx = workdir / "tasks_peer.xlsx"
            write_workbook(peer_xlsx, peer_rows, calendar)

        common = {"xlsx": xlsx, "rows": n, "workdir": workdir, "today": calendar.today}
        peer_common = {**common, "xlsx": peer_xlsx, "rows": peer_rows}

        def fresh(name: str) -> str:
            return dbs.copy("template", name)

        results["ours_import"] = spawn("ours_import", database_url=fresh("ours_import"), **common)
        if peer_rows < n:
            name = "ours_import_at_peer_rows"
            results[name] = spawn(name, database_url=fresh(name), **peer_common)
        for setup_name in PEER_SETUPS:
            name = f"peer_import_{setup_name}"
            results[name] = spawn(name, database_url=fresh(name), **peer_common)
        results["floor_import"] = spawn(
            "floor_import", database_url=fresh("floor_import"), **common
        )
        published = {"error": "skipped: ours_import failed"}
        if "error" not in results["ours_import"]:
            url = dbs.copy("ours_import", "published")
            published = spawn("publish", database_url=url, **common)
        for name in ("ours_export", "xlsxwriter_export", "floor_export"):
            if "error" in published:
                results[name] = {"error": f"skipped: {published['error']}"}
                continue
            results[name] = spawn(name, database_url=dbs.copy("published", name), **common)
    finally:
        dbs.cleanup()
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    output = {
        "rows": n,
        "peer_rows": peer_rows,
        "today": calendar.today.isoformat(),
        "plan_year": calendar.year,
        "peer_setups": {s: peer_setup_label(s) for s in PEER_SETUPS},
        "machine": machine(args.database_url),
        # Others' work on the same cores: the load average before and after the run.
        "loadavg_before": load_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        "run_s": round(time.perf_counter() - started, 1),
    }
    output.update({name: results[name] for name in MEASUREMENTS if name in results})
    output.update(summarize(results))
    print(json.dumps(output, ensure_ascii=False, indent=1))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="task rows in the workbook")
    parser.add_argument(
        "--peer-rows",
        type=int,
        default=None,
        help="rows for both django-import-export setups (default: --rows); when fewer, ours "
        "is measured again on the same rows so every ratio compares equal sizes",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="e.g. postgres://postgres@127.0.0.1:5432/postgres: run on PostgreSQL, one fresh "
        "database per measurement created beside this one (default: SQLite temp files)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--xlsx", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--workdir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--today", type=date.fromisoformat, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.rows < 1:
        parser.error("--rows must be at least 1")
    if args.peer_rows is not None and args.peer_rows < 1:
        parser.error("--peer-rows must be at least 1")
    if args.child:
        run_as_child(args)
    else:
        run_parent(args)


if __name__ == "__main__":
    main()
