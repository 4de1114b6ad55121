"""The 隐患台账's reading pages for the office and leaders: export, the monthly summary, the
dashboard, and the import of an existing 台账 (preview, then confirm)."""

import re
import tempfile
import uuid
from calendar import monthrange
from datetime import date

from django import forms as django_forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import security
from tracker import services as core_services
from tracker.forms import WorkbookField
from tracker.hazards import dashboard as dashboards
from tracker.hazards import permissions, selectors, summary
from tracker.hazards.excel_export import write_register, write_summary
from tracker.hazards.excel_import import import_hazards

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SESSION_KEY = "hazard_imports"
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _file(write, filename: str) -> FileResponse:
    handle = tempfile.TemporaryFile()
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def hazard_export(request):
    today = timezone.localdate()
    filterset = selectors.hazard_list(request.user, request.GET, today=today)
    security.log_event(request, "export", "success", file="hazards")
    return _file(lambda f: write_register(f, filterset.qs), f"隐患台账-{today:%Y%m%d}.xlsx")


def _month(request, today) -> tuple[date, date]:
    m = re.fullmatch(r"(\d{4})-(\d{1,2})", request.GET.get("month", ""))
    year, mon = (int(m[1]), int(m[2])) if m and 1 <= int(m[2]) <= 12 else (today.year, today.month)
    year = min(max(year, 2000), 2099)
    return date(year, mon, 1), date(year, mon, monthrange(year, mon)[1])


def hazard_summary(request):
    today = timezone.localdate()
    start, end = _month(request, today)
    figures = summary.summaries(request.user, start=start, end=end, today=today)
    sections = [(label, *figures[by]) for label, by in (("乡镇", "township"), ("行业", "industry"))]
    title = f"{start.year}年{start.month}月隐患排查治理情况汇总表"
    if request.GET.get("format") == "xlsx":
        security.log_event(request, "export", "success", file="hazard_summary")
        return _file(lambda f: write_summary(f, sections, title=title), f"{title}.xlsx")
    context = {"sections": sections, "title": title, "month": f"{start:%Y-%m}"}
    return render(request, "hazards/hazard_summary.html", context)


def hazard_dashboard(request):
    if not request.user.sees_all_units:
        raise PermissionDenied("隐患统计页面供安委办和领导查看。")
    today = timezone.localdate()
    context = dashboards.dashboard(request.user, today=today)
    context["today"] = today
    return render(request, "hazards/hazard_dashboard.html", context)


class ImportForm(django_forms.Form):
    file = WorkbookField(label="隐患台账（.xlsx）")


def _require_importer(user):
    if not permissions.may_import(user):
        raise PermissionDenied("只有安委办可以导入隐患台账。")


def hazard_import(request):
    _require_importer(request.user)
    if request.method != "POST":
        return render(request, "hazards/hazard_import.html", {"form": ImportForm()})
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "hazards/hazard_import.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    report = import_hazards(upload, user=request.user, dry_run=True)
    token = ""
    if report.ok:
        token = uuid.uuid4().hex
        name = f"imports/{token}.xlsx"
        try:
            upload.seek(0)
            default_storage.save(name, upload)
        except OSError as exc:
            core_services.remove_files(default_storage, [name])
            if not core_services.is_disk_full(exc):
                raise
            form.add_error("file", core_services.DISK_FULL_MESSAGE)
            return render(request, "hazards/hazard_import.html", {"form": form}, status=507)
        pending = request.session.get(SESSION_KEY, {})
        pending[token] = upload.name[:120]
        request.session[SESSION_KEY] = pending
    context = {"form": form, "report": report, "token": token, "file_name": upload.name}
    return render(request, "hazards/hazard_import.html", context, status=200 if report.ok else 400)


@require_POST
def hazard_import_confirm(request):
    _require_importer(request.user)
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    if not TOKEN.match(token) or token not in pending:
        context = {"form": ImportForm(), "notice": "导入已失效或已完成，请重新上传文件。"}
        return render(request, "hazards/hazard_import.html", context, status=410)
    name = pending.pop(token)
    request.session[SESSION_KEY] = pending
    path = f"imports/{token}.xlsx"
    try:
        with default_storage.open(path, "rb") as handle:
            report = import_hazards(handle, user=request.user, dry_run=False)
    finally:
        default_storage.delete(path)
    security.log_event(
        request, "hazard_import", "committed" if report.committed else "failed", file=name
    )
    if not report.committed:
        context = {"form": ImportForm(), "report": report, "file_name": name}
        return render(request, "hazards/hazard_import.html", context, status=409)
    messages.success(
        request, f"已导入「{name}」：新增隐患 {report.added} 处，{report.existing} 处已在台账中。"
    )
    return redirect("hazards:hazard_list")
