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
from checklist.models import ChecklistItem, Theme, year_of_code
from checklist.shares import is_rate_unit
from tracker import services
from tracker.bulk_insert import insert_rows
from tracker.excel import parse_cache
from tracker.excel.reading import open_sheet
from tracker.excel.report import COUNT_LABELS, ImportReport, RowError, TaskRow, a1
from tracker.excel.safety import UnsafeWorkbook
from tracker.excel.task_sheet import TaskSheetParser
from tracker.models import Assignment, StatusUpdate, Unit, UnitAlias, User
from tracker.work_years import closed_years, is_closed

__all__ = ["COUNT_LABELS", "ON_CONFLICT", "ImportReport", "RowError", "a1", "import_tasks"]

ON_CONFLICT = ("skip", "update", "stop")


def item_year(code: str, *, chosen: int | None, reference: date) -> int:
    """The 年度 of a new item: the one chosen for the import, else the year its 编号 starts
    with, else the year of the reference date."""
    return chosen or year_of_code(code) or reference.year


def _plan(report: ImportReport, *, on_conflict: str, year: int | None, reference: date) -> dict:
    """Compare the parsed rows with the database: what to create, update or skip.

    New items go into ``year`` (the chosen 年度), else their code's year; a row that would
    write into a closed 年度 is a row error.
    """
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
        # Sheets without a 编号 column match the 年度's items by title, so importing twice adds
        # nothing; the same title in another year's plan is another task.
        numbering = year or reference.year
        by_title = {}
        # A void (作废) item is no match: re-importing a corrected sheet makes a new task.
        for item in ChecklistItem.objects.filter(
            title__in=[r.title for r in untitled], year=numbering
        ).exclude(state=ChecklistItem.State.VOID):
            by_title.setdefault(item.title, item)
        prefix = f"{numbering}-"
        next_number = last_code_number(numbering) + 1
        for row in untitled:
            match = by_title.get(row.title)
            if match:
                row.code = match.code
                existing[match.code] = match
            else:
                row.code = f"{prefix}{next_number:03d}"
                next_number += 1
    have, shares_of = {}, {}
    if existing:
        for pk, item_id, unit_id, role, share in Assignment.objects.filter(
            item_id__in=[i.pk for i in existing.values()]
        ).values_list("pk", "item_id", "unit_id", "role", "share_quantity"):
            have.setdefault(item_id, {})[unit_id] = role
            shares_of[(item_id, unit_id)] = (pk, share)
    split_items = {item_id for (item_id, _), (_, share) in shares_of.items() if share is not None}
    plan = {"create": [], "update": [], "assign": [], "shares": []}
    closed = closed_years()
    today = report.today
    past = report.past_deadlines
    other_year = []  # rows whose 编号 names another year than the chosen 年度
    for row in report.rows:
        item = existing.get(row.code)
        if item is None:
            row.year = item_year(row.code, chosen=year, reference=reference)
            if row.year in closed:
                message = f"{row.year}年度已归档，不能再导入任务（编号 {row.code}）。"
                report.errors.append(RowError(row.row, None, message))
                continue
            if year and year_of_code(row.code) not in (None, year):
                other_year.append(row)
            if row.deadline is not None and row.deadline < today:
                past.append((row.row, row.deadline))
            plan["create"].append(row)
            report.counts["items_create"] += 1
            report.counts["assignments_create"] += len(row.units)
            continue
        if item.state == ChecklistItem.State.VOID:
            message = (
                f"编号 {row.code} 的任务已作废，不能再导入到它；"
                "请改用新编号，或不填编号由系统自动编号。"
            )
            report.errors.append(RowError(row.row, None, message))
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
        share_changes, refused = _share_changes(
            item, row, current, shares_of, split=item.pk in split_items
        )
        if refused:
            report.errors.append(RowError(row.row, None, refused))
            continue
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
        changes = _item_changes(item, row)
        if item.year in closed and (changes or new_units or share_changes):
            report.errors.append(
                RowError(
                    row.row,
                    None,
                    f"编号 {row.code} 属于已归档的{item.year}年度，不能修改或补充单位。",
                )
            )
            continue
        if (
            row.deadline is not None
            and row.deadline < today
            and (new_units or row.deadline != item.deadline)
        ):
            past.append((row.row, row.deadline))
        report.counts["assignments_create"] += len(new_units)
        if share_changes:
            report.counts["shares_update"] = report.counts.get("shares_update", 0) + len(
                share_changes
            )
            plan["shares"].append((row, share_changes))
        if changes:
            report.counts["items_update"] += 1
            plan["update"].append((item, row))
        else:
            report.counts["items_skip"] += 1
        if new_units:
            plan["assign"].append((item, row))
    if other_year:
        first = other_year[0]
        report.warnings.append(
            f"有 {len(other_year)} 行的编号年份与所选 {year} 年度不同（如第{first.row}行 "
            f"{first.code}），这些任务按 {year} 年度导入。"
        )
    return plan


def _share_changes(
    item: ChecklistItem, row: TaskRow, current: dict, shares_of: dict, *, split: bool
) -> tuple[list[tuple[int, Decimal]], str]:
    """A re-imported row's 分解数量 for units the task already has: [(assignment id, share)]
    that differ from the ones on record, or why the row cannot be written. Units the cell
    does not name keep their shares; ``split``: some unit of the task has a share."""
    if split and (row.target is None or is_rate_unit(row.target_unit)):
        return [], (
            f"任务 {row.code} 的各单位已有分解数量，目标数量不能删除或改为比率；"
            "请先在管理后台清除分解数量。"
        )
    changes = []
    for unit_id, share in row.shares.items():
        if unit_id not in current:
            continue  # a new unit: inserted with its share
        pk, old = shares_of[(item.pk, unit_id)]
        if current[unit_id] == Assignment.Role.COOPERATE:
            name = next(unit.name for unit, _ in row.units if unit.pk == unit_id)
            return [], f"「{name}」在任务 {row.code} 中是配合单位，不计入完成率，没有分解数量。"
        if old != share:
            changes.append((pk, share))
    return changes, ""


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


def _commit(plan: dict, report: ImportReport, *, user: User, start: date, label: str) -> None:
    """Write the plan: items, their assignments and one 导入 history row per assignment.

    Rows go in as plain tuples (see tracker.bulk_insert); new ids are read back by the
    insertion time, which only this transaction's rows carry. New items start on ``start``
    (the reference date: the import date, or 1 January of a later 年度), or on their
    deadline if it is earlier.
    """
    now = timezone.now()
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            # The default 2 MB page cache thrashes on the indexes of a 100,000-row import.
            cursor.execute("PRAGMA cache_size=-65536")
    field_names = list(_item_fields(plan["create"][0])) if plan["create"] else []
    insert_rows(
        ChecklistItem,
        ["code", "year", "start_date", *field_names],
        (
            (
                row.code,
                row.year,
                min(start, row.deadline) if row.deadline else start,
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
        ["item_id", "unit_id", "role", "due_date", "share_quantity"],
        (
            (item_id, unit.pk, role, row.deadline, row.shares.get(unit.pk))
            for item_id, row in pairs
            for unit, role in row.units
        ),
        constants={"created_at": now, "updated_at": now},
    )
    _write_history(pairs, user=user, now=now, label=label)
    # A re-imported sheet's new shares for units the task already had: few, each one history
    # row through the service, after the items' new targets are written.
    changed = [pk for _, changes in plan["shares"] for pk, _ in changes]
    assignments = Assignment.objects.in_bulk(changed)
    for row, changes in plan["shares"]:
        for pk, share in changes:
            services.assignment_change(
                assignment=assignments[pk],
                user=user,
                share_quantity=share,
                note=f"由{label}第{row.row}行导入",
                at=now,
            )


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
    today: date | None = None,
    accept_past_deadlines: bool = False,
    label: str = "任务分解表",
    max_rows: int | None = None,
) -> ImportReport:
    """Read, check and (unless dry_run, and only without errors) write a 任务分解表.

    Every problem is a row error; a commit writes all rows or none.

    ``today`` is the import date (read once by the caller). ``year`` is the 年度 chosen for the
    new items; a 完成时限 without a year (6月底前, 一季度) is then the next such date on or after
    the later of the import date and 1 January of that 年度, else on or after the import date.
    Rows that would write a deadline already before the import date are listed in
    ``report.past_deadlines``; a commit with any of them writes nothing unless
    ``accept_past_deadlines`` (the office ticked 已核对), and says so in ``report.refused``.
    """
    if not (user and user.is_office):
        raise PermissionError("只有安委办可以导入任务分解表。")
    if on_conflict not in ON_CONFLICT:
        raise ValueError(f"on_conflict 应为 {'/'.join(ON_CONFLICT)}")
    with _collector_paused():
        return _import(
            source, user=user, dry_run=dry_run, on_conflict=on_conflict, year=year,
            today=today or timezone.localdate(), accept_past=accept_past_deadlines,
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


def reference_date(*, today: date, year: int | None) -> date:
    """What a deadline without a year counts forward from: the import date, or 1 January of
    the chosen 年度 when that is later (a plan for next year imported in December)."""
    return max(today, date(year, 1, 1)) if year else today


def past_refusal(count: int) -> str:
    return (
        f"有 {count} 行的完成时限早于导入日期，确认导入后将立即显示为逾期。"
        "请核对后勾选“已核对，仍按上述时限导入”再确认；本次没有写入任何数据。"
    )


def _import(
    source, *, user, dry_run, on_conflict, year, today, accept_past, label, max_rows
) -> ImportReport:
    reference = reference_date(today=today, year=year)
    max_rows = max_rows or settings.EXCEL_MAX_ROWS
    report = ImportReport(today=today, reference=reference, year=year)
    if year is not None and is_closed(year):
        report.errors.append(RowError(0, None, f"{year}年度已归档，不能再导入任务。"))
        return report
    cache_key = parse_cache.key(
        file=parse_cache.file_digest(source), context=(_catalog(), reference, max_rows)
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
        TaskSheetParser(sheet, reference=reference, today=today).parse(report)
        if report.errors:
            return report
        if dry_run:
            parse_cache.store(cache_key, _pack(report))
    with transaction.atomic():
        plan = _plan(report, on_conflict=on_conflict, year=year, reference=reference)
        if report.errors or dry_run:
            return report
        if report.past_deadlines and not accept_past:
            report.refused = past_refusal(len(report.past_deadlines))
            return report
        _commit(plan, report, user=user, start=reference, label=label)
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
            tuple((unit.pk, str(role)) for unit, role in r.units), str(r.deadline_text),
            tuple((pk, str(share)) for pk, share in r.shares.items()),
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
            units=[(units[unit_id], role) for unit_id, role in pairs], deadline_text=written,
            shares={pk: Decimal(share) for pk, share in shares},
        )
        for (row, code, title, detail, theme_id, deadline, cadence, cadence_day, target,
             target_unit, pairs, written, shares) in rows
    ]  # fmt: skip
    report.warnings = list(warnings)
    report.counts["rows"] = count


def errors_text(errors: Iterable[RowError]) -> list[str]:
    return [str(e) for e in errors]
