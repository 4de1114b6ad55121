"""Import of the 任务分解表: one sheet of tasks with their units and deadlines → draft items
and their assignments. Always a dry run first; a commit writes every row or none."""

import gc
from collections.abc import Iterable
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from checklist.codes import last_code_number
from checklist.models import ChecklistItem, Theme
from tracker.bulk_insert import insert_rows
from tracker.excel import parse_cache
from tracker.excel.reading import open_sheet
from tracker.excel.report import COUNT_LABELS, ImportReport, RowError, TaskRow, a1
from tracker.excel.safety import UnsafeWorkbook
from tracker.excel.task_sheet import TaskSheetParser
from tracker.models import Assignment, StatusUpdate, Unit, UnitAlias, User

__all__ = ["COUNT_LABELS", "ON_CONFLICT", "ImportReport", "RowError", "a1", "import_tasks"]

ON_CONFLICT = ("skip", "update", "stop")


def _plan(report: ImportReport, *, on_conflict: str, year: int) -> dict:
    """Compare the parsed rows with the database: what to create, update or skip."""
    by_code = {r.code: r for r in report.rows if r.code}
    codes = list(by_code)
    if len(codes) > 5000:
        # A large sheet is mostly new items: one pass over the catalog's codes costs less
        # than a hundred IN (…999 codes…) queries, then only the known codes are loaded.
        known = ChecklistItem.objects.values_list("code", flat=True).iterator(chunk_size=20000)
        codes = [code for code in known if code in by_code]
    existing = ChecklistItem.objects.in_bulk(codes, field_name="code") if codes else {}
    untitled = [r for r in report.rows if not r.code]
    if untitled:
        # Sheets without a 编号 column match items by title, so importing twice adds nothing.
        by_title = {}
        for item in ChecklistItem.objects.filter(title__in=[r.title for r in untitled]):
            by_title.setdefault(item.title, item)
        prefix = f"{year}-"
        next_number = last_code_number(year) + 1
        for row in untitled:
            match = by_title.get(row.title)
            if match:
                row.code = match.code
                existing[match.code] = match
            else:
                row.code = f"{prefix}{next_number:03d}"
                next_number += 1
    have = {}
    if existing:
        for item_id, unit_id, role in Assignment.objects.filter(
            item_id__in=[i.pk for i in existing.values()]
        ).values_list("item_id", "unit_id", "role"):
            have.setdefault(item_id, {})[unit_id] = role
    plan = {"create": [], "update": [], "assign": []}
    for row in report.rows:
        item = existing.get(row.code)
        if item is None:
            plan["create"].append(row)
            report.counts["items_create"] += 1
            report.counts["assignments_create"] += len(row.units)
            continue
        if on_conflict == "stop":
            report.errors.append(
                RowError(row.row, None, f"编号 {row.code} 已存在（{item.title}）。")
            )
            continue
        if on_conflict == "skip":
            report.counts["items_skip"] += 1
            report.counts["assignments_skip"] += len(row.units)
            continue
        current = have.get(item.pk, {})
        lead_unit = next((u for u, r in current.items() if r == "lead"), None)
        new_units = []
        for unit, role in row.units:
            if unit.pk in current:
                report.counts["assignments_skip"] += 1
                continue
            if role == "lead" and lead_unit is not None:
                role = "responsible"
                report.warnings.append(
                    f"第{row.row}行：任务 {row.code} 已有牵头单位，「{unit.name}」作为责任单位加入。"
                )
            new_units.append((unit, role))
        row.units = new_units
        report.counts["assignments_create"] += len(new_units)
        if _item_changes(item, row):
            report.counts["items_update"] += 1
            plan["update"].append((item, row))
        else:
            report.counts["items_skip"] += 1
        if new_units:
            plan["assign"].append((item, row))
    return plan


def _item_fields(row: TaskRow) -> dict:
    return {
        "title": row.title,
        "detail": row.detail,
        "theme_id": row.theme.pk,
        "deadline": row.deadline,
        "cadence": row.cadence,
        "cadence_day": row.cadence_day,
        "target_quantity": row.target,
        "target_unit": row.target_unit,
    }


def _item_changes(item: ChecklistItem, row: TaskRow) -> bool:
    return any(getattr(item, name) != value for name, value in _item_fields(row).items())


def _commit(plan: dict, report: ImportReport, *, user: User, today: date, label: str) -> None:
    """Write the plan: items, their assignments and one 导入 history row per assignment.

    Rows go in as plain tuples (see tracker.bulk_insert); new ids are read back by the
    insertion time, which only this transaction's rows carry.
    """
    now = timezone.now()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # The default 2 MB page cache thrashes on the indexes of a 100,000-row import.
            cursor.execute("PRAGMA cache_size=-65536")
    field_names = list(_item_fields(plan["create"][0])) if plan["create"] else []
    insert_rows(
        ChecklistItem,
        ["code", "start_date", *field_names],
        (
            (
                row.code,
                min(today, row.deadline) if row.deadline else today,
                *_item_fields(row).values(),
            )
            for row in plan["create"]
        ),
        constants={"state": ChecklistItem.State.DRAFT, "created_at": now, "updated_at": now},
    )
    item_ids = dict(
        ChecklistItem.objects.filter(created_at=now).values_list("code", "pk").iterator(10000)
    )
    for item, row in plan["update"]:
        for name, value in _item_fields(row).items():
            setattr(item, name, value)
        item.updated_at = now
    if plan["update"]:
        ChecklistItem.objects.bulk_update(
            [item for item, _ in plan["update"]],
            [*(_item_fields(plan["update"][0][1])), "updated_at"],
            batch_size=1000,
        )
    pairs = [(item_ids[row.code], row) for row in plan["create"]]
    pairs += [(item.pk, row) for item, row in plan["assign"]]
    insert_rows(
        Assignment,
        ["item_id", "unit_id", "role", "due_date"],
        (
            (item_id, unit.pk, role, row.deadline)
            for item_id, row in pairs
            for unit, role in row.units
        ),
        constants={"created_at": now, "updated_at": now},
    )
    _write_history(pairs, user=user, now=now, label=label)


def _write_history(pairs: list, *, user: User, now, label: str) -> None:
    """One 导入 row per new assignment, written by the database from the assignments themselves.

    The note names the sheet line each item came from; those lines go into a temporary table
    so that a single INSERT … SELECT writes the whole history.
    """
    quote = connection.ops.quote_name
    history, assignments = StatusUpdate._meta, Assignment._meta
    column = {f.name: quote(f.column) for f in history.concrete_fields}
    temporary = "CREATE TEMP TABLE import_line (item_id bigint PRIMARY KEY, line integer NOT NULL)"
    if connection.vendor == "postgresql":
        temporary += " ON COMMIT DROP"
    moment = connection.ops.adapt_datetimefield_value(now)
    labels = dict(Assignment.Role.choices)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS import_line")
        cursor.execute(temporary)
        cursor.executemany(
            "INSERT INTO import_line (item_id, line) VALUES (%s, %s)",
            [(item_id, row.row) for item_id, row in pairs],
        )
        cursor.execute(
            f"""
            INSERT INTO {quote(history.db_table)} ({column["assignment"]}, {column["author"]},
                {column["kind"]}, {column["from_status"]}, {column["to_status"]},
                {column["to_due_date"]}, {column["note"]}, {column["created_at"]})
            SELECT a.{quote("id")}, %s, %s, '', %s, a.{quote("due_date")},
                %s || CAST(l.line AS TEXT) || %s
                   || CASE a.{quote("role")} WHEN %s THEN %s WHEN %s THEN %s ELSE %s END || %s,
                %s
            FROM {quote(assignments.db_table)} a
            JOIN import_line l ON l.item_id = a.{quote("item_id")}
            WHERE a.{quote("created_at")} = %s
            ORDER BY a.{quote("id")}
            """,
            [
                user.pk,
                StatusUpdate.Kind.IMPORT.value,
                Assignment.Status.NOT_STARTED.value,
                f"由{label}第",
                "行导入（",
                Assignment.Role.LEAD.value,
                labels[Assignment.Role.LEAD],
                Assignment.Role.RESPONSIBLE.value,
                labels[Assignment.Role.RESPONSIBLE],
                labels[Assignment.Role.COOPERATE],
                "）",
                moment,
                moment,
            ],
        )
        if connection.vendor != "postgresql":
            cursor.execute("DROP TABLE import_line")


def import_tasks(
    source,
    *,
    user: User,
    dry_run: bool,
    on_conflict: str = "skip",
    year: int | None = None,
    label: str = "任务分解表",
    max_rows: int | None = None,
) -> ImportReport:
    """Read, check and (unless dry_run, and only without errors) write a 任务分解表.

    Every problem is a row error; a commit writes all rows or none.
    """
    if not (user and user.is_office):
        raise PermissionError("只有安委办可以导入任务分解表。")
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict 应为 {'/'.join(ON_CONFLICT)}")
    with _collector_paused():
        return _import(
            source, user=user, dry_run=dry_run, on_conflict=on_conflict, year=year,
            label=label, max_rows=max_rows,
        )  # fmt: skip


@contextmanager
def _collector_paused():
    """A large sheet makes millions of objects that all live until the import ends; the cyclic
    garbage collector would walk them over and over for nothing (a fifth of the CPU time at
    100,000 rows). Reference counting still frees everything as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(source, *, user, dry_run, on_conflict, year, label, max_rows) -> ImportReport:
    today = timezone.localdate()
    year = year or today.year
    max_rows = max_rows or settings.EXCEL_MAX_ROWS
    report = ImportReport()
    cache_key = parse_cache.key(
        file=parse_cache.file_digest(source), context=(_catalog(), year, today, max_rows)
    )
    parsed = None if dry_run else parse_cache.load(cache_key)
    if parsed is not None:
        _unpack(parsed, report)
    else:
        try:
            sheet = open_sheet(source, max_rows=max_rows)
        except UnsafeWorkbook as exc:
            report.errors.append(RowError(0, None, str(exc)))
            return report
        TaskSheetParser(sheet, year=year, today=today).parse(report)
        if report.errors:
            return report
        if dry_run:
            parse_cache.store(cache_key, _pack(report))
    with transaction.atomic():
        plan = _plan(report, on_conflict=on_conflict, year=year)
        if report.errors or dry_run:
            return report
        _commit(plan, report, user=user, today=today, label=label)
        report.committed = True
    parse_cache.discard(cache_key)
    return report


def _catalog() -> tuple:
    """Everything in the database that parsing a sheet depends on."""
    return (
        list(
            Unit.objects.order_by("pk").values_list(
                "pk", "name", "short_name", "kind", "active", "sort_order"
            )
        ),
        list(UnitAlias.objects.order_by("pk").values_list("pk", "alias", "unit_id")),
        list(Theme.objects.order_by("pk").values_list("pk", "name")),
    )


def _pack(report: ImportReport) -> tuple:
    rows = tuple(
        (
            r.row, str(r.code), str(r.title), str(r.detail), r.theme.pk,
            r.deadline.toordinal() if r.deadline else None,
            str(r.cadence), r.cadence_day,
            str(r.target) if r.target is not None else None, str(r.target_unit),
            tuple((unit.pk, str(role)) for unit, role in r.units),
        )
        for r in report.rows
    )  # fmt: skip
    return rows, tuple(map(str, report.warnings)), report.counts["rows"]


def _unpack(parsed: tuple, report: ImportReport) -> None:
    rows, warnings, count = parsed
    themes = Theme.objects.in_bulk()
    units = Unit.objects.in_bulk()
    report.rows = [
        TaskRow(
            row=row, code=code, title=title, detail=detail, theme=themes[theme_id],
            deadline=date.fromordinal(deadline) if deadline is not None else None,
            cadence=cadence, cadence_day=cadence_day,
            target=Decimal(target) if target is not None else None, target_unit=target_unit,
            units=[(units[unit_id], role) for unit_id, role in pairs],
        )
        for (row, code, title, detail, theme_id, deadline, cadence, cadence_day, target,
             target_unit, pairs) in rows
    ]  # fmt: skip
    report.warnings = list(warnings)
    report.counts["rows"] = count


def errors_text(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in errors]
