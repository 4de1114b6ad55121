"""Excel in and out: the 任务分解表 import (dry run, then confirm), the unit return sheet, and the
bulletin export. The upload waits in storage between the dry run and the confirmation."""

import re
import tempfile
import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from checklist.models import Theme
from tracker import security, selectors, services
from tracker.excel.bulletin import write_bulletin
from tracker.excel.bulletin_docx import describe_filters, issuer_for, write_bulletin_docx
from tracker.excel.return_sheet import read_return_sheet, write_return_sheet
from tracker.excel.task_import import import_tasks
from tracker.excel.template import write_task_template
from tracker.forms import ReturnSheetForm, TaskImportForm
from tracker.models import Unit
from tracker.work_years import closed_years, current_year, parse_year, year_choices

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _require_office(user):
    if not user.is_office:
        raise PermissionDenied("只有安委办可以进行此操作。")


def _file_response(write, filename: str, content_type: str = XLSX) -> FileResponse:
    handle = tempfile.TemporaryFile()
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)


def _park(request, upload, **meta) -> str:
    """Keep the uploaded file until the user confirms; only this session may use the token."""
    token = uuid.uuid4().hex
    name = f"imports/{token}.xlsx"
    try:
        default_storage.save(name, upload)
    except OSError as exc:
        if not services.is_disk_full(exc):
            raise
        services.remove_files(default_storage, [name])  # what was written before space ran out
        raise services.StorageFullError(services.DISK_FULL_MESSAGE) from exc
    pending = request.session.get("pending_imports", {})
    pending[token] = {"name": upload.name[:120], **meta}
    request.session["pending_imports"] = pending
    return token


EXPIRED = "导入已失效，请重新上传文件。"
ALREADY_IMPORTED = "这份文件已经导入，无需重复确认。"
KEEP_DONE = 20


def _unpark(request, token: str) -> dict | None:
    pending = request.session.get("pending_imports", {})
    if not TOKEN.match(token or "") or token not in pending:
        return None
    return pending[token]


def _discard(request, token: str, *, imported: bool = False) -> None:
    pending = request.session.get("pending_imports", {})
    pending.pop(token, None)
    request.session["pending_imports"] = pending
    if imported:
        # Remembered so that a second 确认导入 (browser Back, double click) can say the file
        # is already in, instead of asking the user to upload it again.
        done = request.session.get("done_imports", [])
        request.session["done_imports"] = [*done, token][-KEEP_DONE:]
    default_storage.delete(f"imports/{token}.xlsx")


def _gone(request, token: str) -> tuple[str, int]:
    """Why a confirmation has nothing to confirm, and the status that says so."""
    if token in request.session.get("done_imports", []):
        return ALREADY_IMPORTED, 409
    return EXPIRED, 410


# --- the 任务分解表 -------------------------------------------------------------------------


def _import_form(today, *args) -> TaskImportForm:
    """The import form; its 年度 select offers every open year with items, this year and next
    year (a December import of next year's plan), the current 年度 first chosen."""
    closed = closed_years()
    years = set(year_choices(today=today)) | {today.year, today.year + 1}
    return TaskImportForm(
        *args,
        years=sorted(years - closed, reverse=True),
        closed=closed,
        current=current_year(today=today),
    )


def task_import(request):
    _require_office(request.user)
    today = timezone.localdate()
    if request.method != "POST":
        return render(request, "tracker/task_import.html", {"form": _import_form(today)})
    form = _import_form(today, request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "tracker/task_import.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    on_conflict = form.cleaned_data["on_conflict"]
    year = form.cleaned_data["year"]
    report = import_tasks(
        upload, user=request.user, dry_run=True, on_conflict=on_conflict, year=year, today=today
    )
    try:
        token = (
            _park(request, upload, kind="tasks", on_conflict=on_conflict, year=year)
            if report.ok
            else ""
        )
    except services.StorageFullError as exc:
        form.add_error("file", str(exc))
        return render(request, "tracker/task_import.html", {"form": form}, status=507)
    context = {"form": form, "report": report, "token": token, "file_name": upload.name}
    return render(request, "tracker/task_import.html", context, status=200 if report.ok else 400)


@require_POST
def task_import_confirm(request):
    """Write a previewed upload. Deadlines already past on the import date need the
    已核对 tick; without it nothing is written and the preview is shown again, the upload
    still waiting."""
    _require_office(request.user)
    today = timezone.localdate()
    token = request.POST.get("token", "")
    meta = _unpark(request, token)
    if meta is None:
        notice, status = _gone(request, token)
        context = {"form": _import_form(today), "notice": notice, "imported": status == 409}
        return render(request, "tracker/task_import.html", context, status=status)
    with default_storage.open(f"imports/{token}.xlsx", "rb") as handle:
        report = import_tasks(
            handle,
            user=request.user,
            dry_run=False,
            on_conflict=meta["on_conflict"],
            year=meta.get("year"),
            today=today,
            accept_past_deadlines=request.POST.get("accept_past") == "1",
            label=f"「{meta['name']}」",
        )
    if report.refused:
        context = {
            "form": _import_form(today),
            "report": report,
            "token": token,
            "file_name": meta["name"],
            "notice": report.refused,
        }
        return render(request, "tracker/task_import.html", context, status=400)
    _discard(request, token, imported=report.committed)
    outcome = "committed" if report.committed else "failed"
    security.log_event(request, "task_import", outcome, file=meta["name"], counts=report.counts)
    if not report.committed:
        context = {"form": _import_form(today), "report": report, "file_name": meta["name"]}
        return render(request, "tracker/task_import.html", context, status=409)
    c = report.counts
    past = len(report.past_deadlines)
    messages.success(
        request,
        f"已导入：新增任务 {c['items_create']} 项（草稿）、更新 {c['items_update']} 项、"
        f"跳过 {c['items_skip']} 项；新增责任分解 {c['assignments_create']} 条。"
        + (f"其中 {past} 行的完成时限早于导入日期，已显示为逾期。" if past else "")
        + "请核对后在任务列表或管理后台发布。",
    )
    return redirect("assignment_list")


def task_import_template(request):
    _require_office(request.user)
    themes = list(Theme.objects.filter(active=True).values_list("name", flat=True))
    year = timezone.localdate().year
    security.log_event(request, "export", "success", file="task_template")
    return _file_response(
        lambda f: write_task_template(f, theme_names=themes, year=year), "任务分解表模板.xlsx"
    )


# --- the unit return sheet (填报表) ---------------------------------------------------------


def _sheet_unit(request) -> Unit | None:
    """Staff fill their own unit's sheet; the office may act for any unit (?unit=id) and gets
    None until it has picked one."""
    user = request.user
    if user.is_office:
        unit_id = request.GET.get("unit") or request.POST.get("unit")
        if not unit_id:
            return None
        # ASCII digits that fit the id column: "²".isdigit() is true too, and int() refuses it.
        if not re.fullmatch(r"[0-9]{1,18}", unit_id):
            raise Http404("请选择单位")
        return get_object_or_404(Unit, pk=unit_id)
    if user.role == user.Role.STAFF and user.unit_id:
        return user.unit
    raise PermissionDenied("领导账号只能查看，不能填报。")


def _sheet_page(request, unit: Unit | None, *, status: int = 200, **context):
    """The return sheet page; the office also gets its unit picker."""
    if request.user.is_office:
        context["units"] = Unit.objects.filter(active=True).order_by("kind", "sort_order", "name")
    today = timezone.localdate()
    context["year"] = parse_year(request.GET.get("year")) or current_year(today=today)
    context["years"] = year_choices(today=today)
    if unit is not None:
        context.setdefault("form", ReturnSheetForm())
    return render(request, "tracker/return_sheet.html", {"unit": unit, **context}, status=status)


def return_sheet_download(request):
    unit = _sheet_unit(request)
    if unit is None:
        return redirect("return_sheet")
    today = timezone.localdate()
    year = parse_year(request.GET.get("year")) or current_year(today=today)
    security.log_event(request, "export", "success", file="return_sheet", unit=unit.name)
    return _file_response(
        lambda f: write_return_sheet(f, unit=unit, today=today, year=year),
        f"填报表-{unit.label}-{today:%Y%m%d}.xlsx",
    )


def return_sheet_upload(request):
    unit = _sheet_unit(request)
    if request.method != "POST":
        return _sheet_page(request, unit)
    if unit is None:
        return _sheet_page(request, None, status=400, notice="请先选择单位，再上传填报表。")
    form = ReturnSheetForm(request.POST, request.FILES)
    if not form.is_valid():
        return _sheet_page(request, unit, status=400, form=form)
    upload = form.cleaned_data["file"]
    report = read_return_sheet(upload, unit=unit, user=request.user, dry_run=True)
    if report.errors:
        return _sheet_page(
            request, unit, status=400, form=form, report=report, file_name=upload.name
        )
    try:
        token = _park(request, upload, kind="return", unit_id=unit.pk)
    except services.StorageFullError as exc:
        form.add_error("file", str(exc))
        return _sheet_page(request, unit, status=507, form=form)
    return _sheet_page(request, unit, form=form, report=report, file_name=upload.name, token=token)


@require_POST
def return_sheet_confirm(request):
    token = request.POST.get("token", "")
    unit = _sheet_unit(request)
    meta = _unpark(request, token)
    if meta is None or unit is None or meta.get("unit_id") != unit.pk:
        notice, status = _gone(request, token)
        return _sheet_page(request, unit, status=status, notice=notice, imported=status == 409)
    with default_storage.open(f"imports/{token}.xlsx", "rb") as handle:
        report = read_return_sheet(handle, unit=unit, user=request.user, dry_run=False)
    _discard(request, token, imported=report.committed)
    outcome = "committed" if report.committed else "failed"
    security.log_event(
        request, "return_sheet_import", outcome, unit=unit.name, counts=report.counts
    )
    if not report.committed:
        return _sheet_page(request, unit, status=409, report=report)
    c = report.counts
    messages.success(
        request, f"填报表已导入：报送进度 {c['report']} 条，提交审核 {c['submit']} 条。"
    )
    return redirect("assignment_list")


# --- the bulletin ---------------------------------------------------------------------------


def _bulletin_scope(request) -> str:
    return "" if request.user.sees_all_units else request.user.unit.name


def bulletin_export(request):
    """The bulletin of exactly what the task list shows with the same filters."""
    filterset = selectors.assignment_list(request.user, request.GET)
    # A closed 年度 is reported as on its closing day, like its dashboard.
    today = filterset.today
    scope = _bulletin_scope(request)
    if filterset.year:
        scope = f"{filterset.year}年度" + (f" · {scope}" if scope else "")
    security.log_event(
        request, "export", "success", file="bulletin", filters=request.GET.urlencode()
    )
    return _file_response(
        lambda f: write_bulletin(f, assignments=filterset.qs, today=today, scope=scope),
        f"安全生产任务进度通报-{today:%Y%m%d}.xlsx",
    )


def bulletin_docx_export(request):
    """The same bulletin as an official document (通报): the same filters, scope and day as the
    .xlsx, so its figures are the spreadsheet's. A unit's own staff get their unit's document,
    without a rank: their rows alone would rank them first among themselves."""
    user = request.user
    filterset = selectors.assignment_list(user, request.GET)
    today = filterset.today
    security.log_event(
        request, "export", "success", file="bulletin_docx", filters=request.GET.urlencode()
    )
    return _file_response(
        lambda f: write_bulletin_docx(
            f,
            assignments=filterset.qs,
            today=today,
            year=filterset.year,
            scope=_bulletin_scope(request),
            issuer=issuer_for(user),
            ranked=user.sees_all_units,
            filters=describe_filters(filterset),
        ),
        f"安全生产重点工作任务推进情况通报-{today:%Y%m%d}.docx",
        content_type=DOCX,
    )
