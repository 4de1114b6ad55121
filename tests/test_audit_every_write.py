"""Every write path that can change an assignment leaves history: who, what kind, from → to.

The `audit` fixture snapshots every Assignment row and the last history id before the write,
and after the test checks that every assignment whose row changed in any column got at least
one new StatusUpdate row. Each test then says which author, kind and from/to it expects.
The static test at the end reads the project's source for bulk and raw-SQL writes that would
bypass the services, and allows only a short list, each with its reason.
"""

import ast
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.management import call_command
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from checklist.models import ChecklistItem
from tracker import demo, services
from tracker.excel.task_import import import_tasks
from tracker.excel.template import TEMPLATE_HEADERS
from tracker.models import Assignment, StatusUpdate, Unit

Kind = StatusUpdate.Kind
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --- the audit fixture --------------------------------------------------------------------


def _rows() -> dict[int, dict]:
    return {row["id"]: row for row in Assignment.objects.values()}


def _last_history_id() -> int:
    return StatusUpdate.objects.aggregate(last=Max("id"))["last"] or 0


@dataclass
class Change:
    before: dict | None  # None: the assignment is new
    after: dict
    history: list[StatusUpdate]  # new rows, oldest first


class Audit:
    def __init__(self):
        self.origin_rows, self.origin_history = _rows(), _last_history_id()
        self.start()

    def start(self):
        """Snapshot now: what a test set up before this is not part of the write under test."""
        self.rows, self.history_from = _rows(), _last_history_id()

    def changes(self, rows=None, history_from=None) -> dict[int, Change]:
        rows = self.rows if rows is None else rows
        history_from = self.history_from if history_from is None else history_from
        new = {}
        for update in StatusUpdate.objects.filter(id__gt=history_from).order_by("id"):
            new.setdefault(update.assignment_id, []).append(update)
        return {
            pk: Change(rows.get(pk), after, new.get(pk, []))
            for pk, after in _rows().items()
            if rows.get(pk) != after
        }

    def new_history(self) -> list[StatusUpdate]:
        return list(StatusUpdate.objects.filter(id__gt=self.history_from).order_by("id"))

    def unrecorded(self, changes: dict[int, Change]) -> list[str]:
        return [
            f"assignment {pk}: {_diff(change.before, change.after)}"
            for pk, change in changes.items()
            if not change.history
        ]

    def check(self, *, author, kind, count=None, from_status=None, to_status=None):
        """Every changed assignment got history; its newest new row is by `author`, of `kind`,
        from the status before to the status after (and from/to due date when that moved)."""
        changes = self.changes()
        assert changes, "the write changed no assignment"
        assert not self.unrecorded(changes), self.unrecorded(changes)
        if count is not None:
            assert len(changes) == count, sorted(changes)
        for pk, change in changes.items():
            for update in change.history:
                assert update.author_id == author.pk, (pk, update.author, author)
            last = change.history[-1]
            assert last.kind == kind, (pk, last.kind)
            before_status = change.before["status"] if change.before else ""
            assert last.from_status == (before_status if from_status is None else from_status)
            assert last.to_status == (change.after["status"] if to_status is None else to_status)
            assert last.to_status == change.after["status"]
            if change.before and change.before["due_date"] != change.after["due_date"]:
                assert any(
                    u.from_due_date == change.before["due_date"]
                    and u.to_due_date == change.after["due_date"]
                    for u in change.history
                ), (pk, "due date moved without from/to in history")
            if change.before is None:
                assert last.to_due_date == change.after["due_date"]
        return changes


def _diff(before, after) -> str:
    if before is None:
        return "created"
    return ", ".join(f"{k}: {before[k]!r} → {after[k]!r}" for k in after if before[k] != after[k])


@pytest.fixture
def audit(db):
    tracker = Audit()
    yield tracker
    # Whatever the test did, no assignment may have changed since it began without history.
    changes = tracker.changes(tracker.origin_rows, tracker.origin_history)
    assert not tracker.unrecorded(changes), tracker.unrecorded(changes)


def overdue(world, assignment):
    services.assignment_change(
        assignment=assignment, user=world.office, due_date=timezone.localdate() - timedelta(5)
    )


# --- pages: report, submit, review, extensions ----------------------------------------------


def post_report(client, assignment, **data):
    assignment.refresh_from_db()
    payload = {"action": "report", "version": assignment.version, **data}
    return client.post(reverse("assignment_report", args=[assignment.pk]), payload)


def test_a_report_on_the_form_is_recorded_as_the_units_report(login, world, audit):
    response = post_report(login(world.staff_a), world.a_item, percent=30, note="已排查12家")
    assert response.status_code == 302
    audit.check(author=world.staff_a, kind=Kind.REPORT, count=1, from_status="not_started")


def test_a_submission_on_the_form_is_recorded_as_a_submission(login, world, audit):
    services.assignment_report(assignment=world.a_item, user=world.staff_a, percent=50)
    audit.start()
    response = post_report(login(world.staff_a), world.a_item, action="submit", note="完成")
    assert response.status_code == 302
    audit.check(author=world.staff_a, kind=Kind.SUBMIT, count=1, to_status="submitted")


def test_approving_on_the_review_form_is_recorded_as_the_offices_approval(login, world, audit):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    audit.start()
    world.a_item.refresh_from_db()
    login(world.office).post(
        reverse("assignment_review", args=[world.a_item.pk]),
        {"decision": "approve", "note": "同意销号", "version": world.a_item.version},
    )
    audit.check(author=world.office, kind=Kind.APPROVE, count=1, to_status="verified")


def test_returning_on_the_review_form_is_recorded_with_the_reason(login, world, audit):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    audit.start()
    world.a_item.refresh_from_db()
    login(world.office).post(
        reverse("assignment_review", args=[world.a_item.pk]),
        {"decision": "return", "note": "缺少照片", "version": world.a_item.version},
    )
    changes = audit.check(author=world.office, kind=Kind.RETURN, count=1, to_status="in_progress")
    assert changes[world.a_item.pk].history[-1].note == "缺少照片"


def test_an_extension_request_is_recorded_with_both_dates(login, world, audit):
    later = world.item.deadline + timedelta(days=90)
    login(world.staff_a).post(
        reverse("extension_request", args=[world.a_item.pk]),
        {"new_due_date": later.isoformat(), "reason": "冬季停工"},
    )
    changes = audit.check(author=world.staff_a, kind=Kind.EXTENSION_REQUEST, count=1)
    last = changes[world.a_item.pk].history[-1]
    assert (last.from_due_date, last.to_due_date) == (world.item.deadline, later)


@pytest.mark.parametrize(
    ("decision", "kind", "moved"),
    [("approve", Kind.EXTENSION_APPROVE, True), ("refuse", Kind.EXTENSION_REFUSE, False)],
)
def test_an_extension_decision_is_recorded_by_the_office(
    login, world, audit, decision, kind, moved
):
    later = world.item.deadline + timedelta(days=90)
    extension = services.extension_request(
        assignment=world.a_item, user=world.staff_a, new_due_date=later, reason="停工"
    )
    audit.start()
    login(world.office).post(
        reverse("extension_decide", args=[extension.pk]), {"decision": decision, "note": "理由"}
    )
    changes = audit.check(author=world.office, kind=kind, count=1)
    new_due = later if moved else world.item.deadline
    assert changes[world.a_item.pk].after["due_date"] == new_due


# --- pages: bulk actions ---------------------------------------------------------------------


def bulk(client, **data):
    return client.post(reverse("bulk_action"), data)


def test_bulk_return_records_each_returned_assignment_and_no_other(login, world, audit):
    services.assignment_submit(assignment=world.a_item, user=world.staff_a)
    services.assignment_submit(assignment=world.b_item, user=world.staff_b)
    audit.start()
    ids = [world.a_item.pk, world.b_item.pk, world.lead.pk]  # the lead was never submitted
    bulk(login(world.office), action="return", reason="材料不全", ids=ids)
    changes = audit.check(author=world.office, kind=Kind.RETURN, count=2)
    assert set(changes) == {world.a_item.pk, world.b_item.pk}


def test_bulk_due_date_change_records_the_old_and_new_date(login, world, audit):
    ids = [world.a_item.pk, world.b_item.pk, world.a_target.pk]
    later = world.item.deadline + timedelta(days=20)
    bulk(login(world.office), action="set_due", due_date=later.isoformat(), ids=ids)
    audit.check(author=world.office, kind=Kind.EDIT, count=3)


def test_bulk_publish_changes_items_but_no_assignment(login, world, audit):
    bulk(login(world.office), action="publish", ids=[world.a_draft.pk])
    world.draft.refresh_from_db()
    assert world.draft.state == "published"
    # Publishing is a catalog change: the assignment rows stay as they were, so no history.
    assert audit.changes() == {} and audit.new_history() == []


# --- pages: 催办 -------------------------------------------------------------------------------


def test_supervising_an_assignment_leaves_a_remind_row(login, world, audit):
    overdue(world, world.a_item)
    audit.start()
    login(world.office).post(reverse("assignment_supervise", args=[world.a_item.pk]))
    # A 督办单 changes no column of the assignment; it is still in its history.
    assert audit.changes() == {}
    [remind] = audit.new_history()
    assert (remind.assignment_id, remind.kind, remind.author) == (
        world.a_item.pk,
        Kind.REMIND,
        world.office,
    )
    assert remind.from_status == remind.to_status == "not_started"


def test_supervising_a_unit_leaves_a_remind_row_on_each_overdue_assignment(login, world, audit):
    overdue(world, world.a_item)
    overdue(world, world.a_target)
    audit.start()
    login(world.office).post(reverse("unit_supervise", args=[world.town_a.pk]))
    assert audit.changes() == {}
    reminders = audit.new_history()
    assert {u.assignment_id for u in reminders} == {world.a_item.pk, world.a_target.pk}
    assert {(u.kind, u.author_id) for u in reminders} == {(Kind.REMIND, world.office.pk)}


# --- admin -----------------------------------------------------------------------------------


def form_values(form) -> dict:
    data = {}
    for bound in form:
        value = bound.value()
        if isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, (list, tuple)):
            data[bound.html_name] = [str(v) for v in value]
        else:
            data[bound.html_name] = "" if value is None else str(value)
    return data


def admin_change_data(response) -> dict:
    """What the browser would post back unchanged: the main form and every inline formset."""
    data = form_values(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update(form_values(formset.management_form))
        for form in formset.forms:
            data.update(form_values(form))
    return data


def test_adding_an_assignment_in_the_admin_is_recorded_as_assign(login, world, audit):
    response = login(world.office).post(
        reverse("admin:tracker_assignment_add"),
        {"item": world.item_target.pk, "unit": world.town_b.pk, "role": "responsible"},
    )
    assert response.status_code == 302
    audit.check(author=world.office, kind=Kind.ASSIGN, count=1)


def test_changing_an_assignment_in_the_admin_is_recorded_as_edit(login, world, audit):
    url = reverse("admin:tracker_assignment_change", args=[world.a_item.pk])
    later = world.item.deadline + timedelta(days=30)
    response = login(world.office).post(url, {"role": "cooperate", "due_date": later.isoformat()})
    assert response.status_code == 302
    changes = audit.check(author=world.office, kind=Kind.EDIT, count=1)
    assert "角色：责任→配合" in changes[world.a_item.pk].history[-1].note


def test_emptying_the_due_date_in_the_admin_makes_it_long_term_and_is_recorded(login, world, audit):
    url = reverse("admin:tracker_assignment_change", args=[world.a_item.pk])
    login(world.office).post(url, {"role": "responsible", "due_date": ""})
    changes = audit.check(author=world.office, kind=Kind.EDIT, count=1)
    assert changes[world.a_item.pk].after["due_date"] is None
    assert (
        f"完成时限：{world.item.deadline:%Y-%m-%d}→长期"
        in changes[world.a_item.pk].history[-1].note
    )


def test_the_inline_on_an_item_records_new_and_changed_assignments(login, world, audit):
    client = login(world.office)
    url = reverse("admin:checklist_checklistitem_change", args=[world.item.pk])
    data = admin_change_data(client.get(url))
    prefix = "assignments"
    rows = int(data[f"{prefix}-TOTAL_FORMS"])
    for n in range(rows):  # move town B's due date
        if data[f"{prefix}-{n}-id"] == str(world.b_item.pk):
            data[f"{prefix}-{n}-due_date"] = (world.item.deadline + timedelta(days=180)).isoformat()
    data.update(
        {
            f"{prefix}-TOTAL_FORMS": str(rows + 1),
            f"{prefix}-{rows}-id": "",
            f"{prefix}-{rows}-item": str(world.item.pk),
            f"{prefix}-{rows}-unit": str(world.office_unit.pk),
            f"{prefix}-{rows}-role": "cooperate",
            f"{prefix}-{rows}-due_date": "",
        }
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["errors"]
    changes = audit.changes()
    new = Assignment.objects.get(unit=world.office_unit)
    assert set(changes) == {world.b_item.pk, new.pk}
    assert [u.kind for u in changes[new.pk].history] == [Kind.ASSIGN]
    assert [u.kind for u in changes[world.b_item.pk].history] == [Kind.EDIT]
    assert not audit.unrecorded(changes)
    assert {u.author_id for c in changes.values() for u in c.history} == {world.office.pk}


def test_the_assign_all_townships_action_is_recorded_as_assign(login, world, audit):
    Unit.objects.create(name="经济开发区", kind="township", sort_order=40)
    login(world.office).post(
        reverse("admin:checklist_checklistitem_changelist"),
        {"action": "assign_all_townships", ACTION_CHECKBOX_NAME: [world.item_target.pk]},
    )
    audit.check(author=world.office, kind=Kind.ASSIGN, count=2)  # 河西镇 and the new zone


def test_the_publish_action_changes_no_assignment(login, world, audit):
    login(world.office).post(
        reverse("admin:checklist_checklistitem_changelist"),
        {"action": "publish", ACTION_CHECKBOX_NAME: [world.draft.pk]},
    )
    assert ChecklistItem.objects.get(pk=world.draft.pk).state == "published"
    assert audit.changes() == {} and audit.new_history() == []


# --- Excel: task import and the return sheet -------------------------------------------------


def task_sheet(*rows) -> io.BytesIO:
    """A 任务分解表 in the template's layout: title, issuer, header on the third row."""
    book = Workbook()
    ws = book.active
    ws.append([f"{timezone.localdate().year}年安全生产重点工作任务分解表"])
    ws.append(["县安委办"])
    headers = [label for label, _ in TEMPLATE_HEADERS]
    ws.append(headers)
    for row in rows:
        ws.append([row.get(h, "") for h in headers])
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "分解表.xlsx"
    buffer.seek(0)
    return buffer


def task(world, code, title, lead="县应急管理局", responsible=""):
    """A row due when the little world's items are."""
    return {
        "编号": code,
        "工作任务": title,
        "类别": "隐患排查治理",
        "牵头单位": lead,
        "责任单位": responsible,
        "完成时限": world.item.deadline.isoformat(),
    }


def test_a_task_import_records_each_new_assignment_as_imported(world, audit):
    sheet = task_sheet(task(world, f"{world.year}-201", "导入任务", responsible="城关镇、河西镇"))
    report = import_tasks(sheet, user=world.office, dry_run=False)
    assert report.committed, report.errors
    audit.check(author=world.office, kind=Kind.IMPORT, count=3, from_status="")


def test_an_import_with_update_records_the_units_it_adds_and_touches_no_other(
    world, audit, tmp_path
):
    path = tmp_path / "更新.xlsx"
    row = task(
        world, world.item.code, "开展拉网式隐患排查（修订）", responsible="城关镇、河西镇、县安委办"
    )
    path.write_bytes(task_sheet(row).getvalue())
    call_command("import_tasks", str(path), "--on-conflict", "update", "--user", "office")
    changes = audit.check(author=world.office, kind=Kind.IMPORT, count=1)
    assert Assignment.objects.get(pk=next(iter(changes))).unit == world.office_unit
    assert ChecklistItem.objects.get(pk=world.item.pk).title.endswith("（修订）")


def test_an_import_through_the_pages_is_recorded_as_imported(login, world, audit):
    client = login(world.office)
    sheet = task_sheet(task(world, f"{world.year}-202", "页面导入任务", responsible="各乡镇"))
    preview = client.post(reverse("task_import"), {"file": sheet, "on_conflict": "skip"})
    assert preview.status_code == 200
    assert audit.changes() == {}  # the preview writes nothing
    client.post(reverse("task_import_confirm"), {"token": preview.context["token"]})
    audit.check(author=world.office, kind=Kind.IMPORT, count=3)


def filled_return_sheet(client, values: dict[str, dict[str, object]]) -> io.BytesIO:
    response = client.get(reverse("return_sheet_download"))
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    ws = book.active
    headers = [c.value for c in ws[3]]
    for row in ws.iter_rows(min_row=4):
        for header, value in values.get(row[0].value, {}).items():
            row[headers.index(header)].value = value
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "填报表.xlsx"
    buffer.seek(0)
    return buffer


def test_a_return_sheet_records_each_row_as_the_units_report_or_submission(login, world, audit):
    client = login(world.staff_a)
    sheet = filled_return_sheet(
        client,
        {
            world.item.code: {"完成%": 60, "本次进展说明": "已排查"},
            world.item_target.code: {"填报状态": "提交审核", "完成数量": 40},
        },
    )
    preview = client.post(reverse("return_sheet"), {"file": sheet})
    assert preview.status_code == 200
    client.post(reverse("return_sheet_confirm"), {"token": preview.context["token"]})
    changes = audit.changes()
    assert set(changes) == {world.a_item.pk, world.a_target.pk} and not audit.unrecorded(changes)
    report = changes[world.a_item.pk].history[-1]
    submit = changes[world.a_target.pk].history[-1]
    assert (report.kind, report.from_status, report.to_status) == (
        Kind.REPORT,
        "not_started",
        "in_progress",
    )
    assert (submit.kind, submit.to_status) == (Kind.SUBMIT, "submitted")
    assert {report.author, submit.author} == {world.staff_a}


# --- management commands ---------------------------------------------------------------------


def test_send_reminders_writes_notices_and_never_touches_an_assignment(world, audit):
    overdue(world, world.a_item)
    audit.start()
    call_command("send_reminders", verbosity=0)
    assert world.town_a.notices.exists()
    assert audit.changes() == {} and audit.new_history() == []


def test_load_demos_progress_is_recorded_as_each_units_own_reports(world, audit):
    # load_demo's writes after its fixtures: believable progress on untouched assignments.
    # Six of them, so that some get progress whatever the year in their codes draws.
    for unit in (world.town_b, world.dept):
        services.assignment_create(item=world.item_target, unit=unit, user=world.office)
    audit.start()
    seeded = demo.seed_all_progress(office=world.office, today=world.today)
    changes = audit.changes()
    assert seeded and len(changes) >= seeded and not audit.unrecorded(changes)
    for change in changes.values():
        unit_id = change.after["unit_id"]
        for update in change.history:
            if update.kind in (Kind.REPORT, Kind.SUBMIT):
                assert update.author.unit_id == unit_id
            else:
                assert (update.kind, update.author) == (Kind.APPROVE, world.office)


def test_generate_scale_gives_every_generated_assignment_a_history_row(world, audit):
    call_command("generate_scale", "--units", "4", "--items", "5", "--assignments", "12")
    changes = audit.changes()
    assert len(changes) == 12 and not audit.unrecorded(changes)


# --- the static check ------------------------------------------------------------------------

# Rows whose every change must leave history, and the append-only history itself.
AUDITED = {"Assignment"}
HISTORY = {"StatusUpdate", "Evidence"}
RELATED = {"assignments": "Assignment", "history": "StatusUpdate", "evidence": "Evidence"}
ORM_WRITES = {"update", "bulk_update", "bulk_create", "create", "get_or_create"}
ORM_WRITES |= {"update_or_create", "delete", "raw"}
HISTORY_MUTATIONS = {"update", "bulk_update", "update_or_create", "delete", "raw"}
RAW_SQL = re.compile(
    r"\b(?P<verb>UPDATE|INSERT\s+INTO|DELETE\s+FROM|REPLACE\s+INTO)\s+[\"'`]?"
    r"(?P<table>tracker_assignment|tracker_statusupdate|tracker_evidence)\b",
    re.IGNORECASE,
)

# (file, function, write) → why it keeps history anyway. Keep this short; each entry is a
# promise that a dynamic test above covers the path.
ALLOWED = {
    ("tracker/services.py", "assignment_create", "Assignment.create"): (
        "the 下达 history row is written right after, in the same atomic service"
    ),
    ("tracker/excel/task_import.py", "_commit", "Assignment.insert_rows"): (
        "the import inserts one 导入 history row per new assignment in the same transaction "
        "(test_a_task_import_records_each_new_assignment_as_imported)"
    ),
    ("tracker/management/commands/generate_scale.py", "handle", "Assignment.bulk_create"): (
        "benchmark data: one history row per generated assignment in the same transaction "
        "(test_generate_scale_gives_every_generated_assignment_a_history_row)"
    ),
}


def _chain(node):
    """The names along a receiver: `Assignment.objects.filter(...)` → root Assignment."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return (node.id if isinstance(node, ast.Name) else None), names[::-1]


def _model_of(receiver) -> str | None:
    root, names = _chain(receiver)
    if "objects" in names and root:
        return root
    for name in names:
        if name in RELATED:
            return RELATED[name]
    return root if root in AUDITED | HISTORY else None


def _dict_names(function) -> set[str]:
    """Local names bound to a dict literal: their .update() is not a queryset's."""
    names = set()
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and isinstance(node.value, (ast.Dict, ast.DictComp)):
            names |= {t.id for t in node.targets if isinstance(t, ast.Name)}
    return names


def find_writes(source: str, path: str = "<source>") -> list[tuple[str, str, str, int]]:
    """(path, enclosing function, "Model.method" or "raw SQL", line) for each write that could
    change an assignment or history without the services."""
    tree = ast.parse(source)
    found = []

    def visit(node, function, local_dicts):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function, local_dicts = node.name, _dict_names(node)
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "insert_rows" and node.args:
                model = node.args[0].id if isinstance(node.args[0], ast.Name) else "?"
                if model in AUDITED or model == "?":
                    found.append((path, function, f"{model}.insert_rows", node.lineno))
            elif isinstance(func, ast.Attribute) and func.attr in ORM_WRITES:
                model = _model_of(func.value)
                if model in AUDITED or (model in HISTORY and func.attr in HISTORY_MUTATIONS):
                    found.append((path, function, f"{model}.{func.attr}", node.lineno))
                elif model is None and (
                    func.attr in ("bulk_update", "bulk_create")
                    # QuerySet.update takes keywords only; hashes and dicts take a positional.
                    or (
                        func.attr == "update"
                        and node.keywords
                        and not node.args
                        and _chain(func.value)[0] not in local_dicts
                    )
                ):
                    # A receiver the scan cannot name: it must be explained like the others.
                    found.append((path, function, f"?.{func.attr}", node.lineno))
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for match in RAW_SQL.finditer(node.value):
                verb = " ".join(match["verb"].upper().split())
                if verb == "INSERT INTO" and match["table"] != "tracker_assignment":
                    continue  # adding history rows is what history is for
                found.append((path, function, f"raw SQL {verb} {match['table']}", node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function, local_dicts)

    visit(tree, "<module>", set())
    return found


def project_writes():
    found = []
    for package in ("tracker", "checklist"):
        for file in sorted((ROOT / package).rglob("*.py")):
            relative = file.relative_to(ROOT).as_posix()
            if "/migrations/" in relative:
                continue
            found += find_writes(file.read_text(encoding="utf-8"), relative)
    return found


def test_the_scanner_finds_bulk_and_raw_writes_and_ignores_dicts_and_hashes():
    source = """
def bad(qs, pk, rows):
    Assignment.objects.filter(pk=pk).update(status="verified")
    unit.assignments.update(due_date=None)
    Assignment.objects.bulk_update(rows, ["status"])
    StatusUpdate.objects.filter(pk=1).delete()
    insert_rows(Assignment, ["item_id"], rows)
    qs.update(percent=100)
    cursor.execute("UPDATE tracker_assignment SET status = 'verified'")
    cursor.execute('DELETE FROM "tracker_statusupdate"')

def fine(digest, chunk, at):
    digest.update(chunk)
    context = {"a": 1}
    context.update(b=2)
    Supervision.objects.filter(resolved_at=None).update(resolved_at=at)
    StatusUpdate.objects.bulk_create([])
    insert_rows(StatusUpdate, ["note"], [])
    sql = "INSERT INTO tracker_statusupdate (note) VALUES (%s)"
"""
    found = [(function, write) for _, function, write, _ in find_writes(source)]
    assert found == [
        ("bad", "Assignment.update"),
        ("bad", "Assignment.update"),
        ("bad", "Assignment.bulk_update"),
        ("bad", "StatusUpdate.delete"),
        ("bad", "Assignment.insert_rows"),
        ("bad", "?.update"),
        ("bad", "raw SQL UPDATE tracker_assignment"),
        ("bad", "raw SQL DELETE FROM tracker_statusupdate"),
    ]


def test_no_code_writes_assignments_or_history_around_the_services_unless_allowed():
    found = project_writes()
    unexplained = [
        f"{path}:{line} {function}(): {write}"
        for path, function, write, line in found
        if (path, function, write) not in ALLOWED
    ]
    assert not unexplained, (
        "These writes change assignments or history without going through tracker.services. "
        "Write through the services, or add them to ALLOWED with the reason history is still "
        "kept:\n" + "\n".join(unexplained)
    )
    stale = set(ALLOWED) - {(path, function, write) for path, function, write, _ in found}
    assert not stale, f"ALLOWED lists writes that no longer exist: {sorted(stale)}"
