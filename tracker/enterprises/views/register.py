"""企业台账: the list with its filters, an enterprise's file, Excel in and out."""

import re
import tempfile
import uuid

from django.apps import apps
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import security, services
from tracker.enterprises import permissions, selectors
from tracker.enterprises.excel_export import write_register, write_template
from tracker.enterprises.excel_import import import_enterprises
from tracker.enterprises.forms import (
    EnterpriseImportForm,
    InspectionForm,
    StandardizationChangeForm,
    StandardizationForm,
)
from tracker.enterprises.models import Inspection, InspectionHazard
from tracker.enterprises.periods import quarter_of
from tracker.views.evidence import shows_inline

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TOKEN = re.compile(r"^[0-9a-f]{32}$")
SESSION_KEY = "pending_enterprise_imports"
PER_PAGE = 25


def _last_inspected():
    """The latest inspection day, computed only for the rows of the page shown."""
    return Subquery(
        Inspection.objects.filter(enterprise_id=OuterRef("pk"))
        .order_by("-inspected_on")
        .values("inspected_on")[:1]
    )


def enterprise_list(request):
    """A page of 25 by name. A plain loop in the template, not a table library: the page is read
    on township phones and rendered for every filter change."""
    today = timezone.localdate()
    filterset = selectors.enterprise_list(request.user, request.GET, today=today)
    rows = filterset.qs.annotate(last_inspected=_last_inspected()).order_by("name", "id")
    page = Paginator(rows, PER_PAGE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    user = request.user
    context = {
        "filter": filterset,
        "page": page,
        "pages": page.paginator.get_elided_page_range(page.number, on_each_side=2, on_ends=1),
        "query": query.urlencode(),
        "show_township": user.sees_all_units or permissions.is_department_staff(user),
        "quarter": quarter_of(today),
        "can_import": permissions.may_import(user),
        "sees_grids": permissions.sees_grids(user),
    }
    return render(request, "enterprises/enterprise_list.html", context)


def enterprise_detail(request, pk, *, inspection_form=None, std_form=None, status=200):
    enterprise = selectors.get_enterprise_for_user(request.user, pk)
    user, today = request.user, timezone.localdate()
    quarter = quarter_of(today)
    inspections = selectors.inspections_of(enterprise)
    for inspection in inspections:
        for photo in inspection.photos.all():
            photo.inline = shows_inline(photo)
    # The hazard register, when installed: 登记隐患 for this enterprise, and 转入隐患台账 on an
    # inspection whose found hazards are not all in it yet (one query, by the reverse link).
    can_record_hazard = apps.is_installed("tracker.hazards") and permissions.may_write(user)
    if can_record_hazard:
        waiting = set(
            InspectionHazard.objects.filter(
                inspection__in=[i.pk for i in inspections], register_row__isnull=True
            ).values_list("inspection_id", flat=True)
        )
        for inspection in inspections:
            inspection.to_register = inspection.pk in waiting
    records = selectors.standardizations_of(enterprise)
    can_standardize = permissions.may_standardize(user, enterprise)
    if can_standardize:
        for record in records:
            if record.state != record.State.REVOKED:
                record.form = StandardizationChangeForm(
                    initial={
                        "state": record.state,
                        "achieved_on": record.achieved_on,
                        "certificate_no": record.certificate_no,
                        "valid_until": record.valid_until,
                        "version": record.version,
                    },
                    prefix=f"r{record.pk}",
                )
    context = {
        "enterprise": enterprise,
        "inspections": inspections,
        "inspection_total": enterprise.inspections.count(),
        "inspected_this_quarter": any(quarter.contains(i.inspected_on) for i in inspections),
        "quarter": quarter,
        "records": records,
        "today": today,
        "can_inspect": permissions.may_inspect(user, enterprise),
        "can_standardize": can_standardize,
        "can_record_hazard": can_record_hazard,
        "std_form": std_form or (StandardizationForm() if can_standardize else None),
        "inspection_form": inspection_form,
    }
    return render(request, "enterprises/enterprise_detail.html", context, status=status)


def _file(write, filename: str) -> FileResponse:
    handle = tempfile.TemporaryFile()
    write(handle)
    handle.seek(0)
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=XLSX)


def enterprise_export(request):
    today = timezone.localdate()
    filterset = selectors.enterprise_list(request.user, request.GET, today=today)
    security.log_event(request, "export", "success", file="enterprises")
    return _file(lambda f: write_register(f, filterset.qs), f"企业台账-{today:%Y%m%d}.xlsx")


# --- import (安委办) -------------------------------------------------------------------------


def _require_importer(user):
    if not permissions.may_import(user):
        raise PermissionDenied("只有安委办可以导入企业台账。")


def _park(request, upload) -> str:
    """Keep the upload until the office confirms; only this session may use the token."""
    token = uuid.uuid4().hex
    name = f"imports/{token}.xlsx"
    try:
        default_storage.save(name, upload)
    except OSError as exc:
        if not services.is_disk_full(exc):
            raise
        services.remove_files(default_storage, [name])
        raise services.StorageFullError(services.DISK_FULL_MESSAGE) from exc
    pending = request.session.get(SESSION_KEY, {})
    pending[token] = upload.name[:120]
    request.session[SESSION_KEY] = pending
    return token


def enterprise_import(request):
    _require_importer(request.user)
    if request.method != "POST":
        return render(
            request, "enterprises/enterprise_import.html", {"form": EnterpriseImportForm()}
        )
    form = EnterpriseImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "enterprises/enterprise_import.html", {"form": form}, status=400)
    upload = form.cleaned_data["file"]
    report = import_enterprises(upload, user=request.user, dry_run=True)
    token = ""
    if report.ok:
        try:
            token = _park(request, upload)
        except services.StorageFullError as exc:
            form.add_error("file", str(exc))
            return render(request, "enterprises/enterprise_import.html", {"form": form}, status=507)
    context = {"form": form, "report": report, "token": token, "file_name": upload.name}
    status = 200 if report.ok else 400
    return render(request, "enterprises/enterprise_import.html", context, status=status)


@require_POST
def enterprise_import_confirm(request):
    _require_importer(request.user)
    token = request.POST.get("token", "")
    pending = request.session.get(SESSION_KEY, {})
    if not TOKEN.match(token) or token not in pending:
        context = {"form": EnterpriseImportForm(), "notice": "导入已失效或已完成，请重新上传文件。"}
        return render(request, "enterprises/enterprise_import.html", context, status=410)
    name = pending.pop(token)
    request.session[SESSION_KEY] = pending
    path = f"imports/{token}.xlsx"
    try:
        with default_storage.open(path, "rb") as handle:
            report = import_enterprises(handle, user=request.user, dry_run=False)
    finally:
        default_storage.delete(path)
    outcome = "committed" if report.committed else "failed"
    security.log_event(request, "enterprise_import", outcome, file=name, counts=report.counts)
    if not report.committed:
        context = {"form": EnterpriseImportForm(), "report": report, "file_name": name}
        return render(request, "enterprises/enterprise_import.html", context, status=409)
    c = report.counts
    messages.success(
        request,
        f"已导入「{name}」：新增企业 {c['create']} 家、更新 {c['update']} 家、"
        f"未改动 {c['unchanged']} 家；新增村（社区） {len(report.new_villages)} 个。",
    )
    return redirect("enterprises:enterprise_list")


def enterprise_import_template(request):
    _require_importer(request.user)
    security.log_event(request, "export", "success", file="enterprise_template")
    return _file(write_template, "企业名单模板.xlsx")


# --- an inspection form on the enterprise's file (used by the inspection views) -------------


def inspection_form_for(request, enterprise, data=None, files=None):
    today = timezone.localdate()
    initial = {"signature": request.user.display_name or ""}
    return InspectionForm(data, files, today=today, initial=initial)
