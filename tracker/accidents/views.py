"""The 事故台账's pages: the register with its filters and export, recording an accident on a
phone, an accident with its history, correcting and voiding it, and the 控制指标 of the year."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import security
from tracker.accidents import forms, permissions, selectors, services
from tracker.accidents.excel_export import write_register
from tracker.accidents.models import Accident
from tracker.enterprises.selectors import enterprises_for_user
from tracker.models import Unit

PAGE_SIZE = 25
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_view(user) -> None:
    if not permissions.may_view(user):
        raise PermissionDenied("事故台账只对安委办、领导和乡镇（街道）、部门联络员开放。")


def accident_list(request):
    _require_view(request.user)
    today = timezone.localdate()
    filterset, rows = selectors.accident_list(request.user, request.GET, today=today)
    paginator = Paginator(rows, PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    unit = filterset.form.cleaned_data.get("unit") if filterset.form.is_valid() else None
    context = {
        "filter": filterset,
        "page": page,
        "query": query.urlencode(),
        "unit": unit,
        "year": (filterset.form.cleaned_data.get("year") or today.year) if unit else None,
        "until": min(filterset.form.cleaned_data.get("until") or today, today) if unit else None,
        "today": today,
        "can_record": permissions.may_record(request.user),
    }
    return render(request, "accidents/accident_list.html", context)


def accident_export(request):
    _require_view(request.user)
    today = timezone.localdate()
    _, rows = selectors.accident_list(request.user, request.GET, today=today)
    security.log_event(request, "export", "success", file="accidents")
    import tempfile

    from django.http import FileResponse

    handle = tempfile.TemporaryFile()
    write_register(handle, rows)
    handle.seek(0)
    return FileResponse(
        handle, as_attachment=True, filename=f"事故台账-{today:%Y%m%d}.xlsx", content_type=XLSX
    )


def _enterprise(user, name: str):
    """The enterprise of that exact name among those the user sees, or an error naming it."""
    name = name.strip()
    if not name:
        return None
    found = list(enterprises_for_user(user).filter(name=name).select_related("township")[:2])
    if not found:
        raise services.AccidentError(
            f"企业台账中没有找到「{name}」：请核对名称，或不填事故单位并在发生地点写明。"
        )
    return found[0]


def _save(request, form, *, accident: Accident | None, today: date):
    data = form.cleaned_data
    fields = dict(
        occurred_on=data["occurred_on"], place=data["place"], township=data["township"],
        enterprise=_enterprise(request.user, data["enterprise_name"]),
        industry=data["industry"], level=data["level"], deaths=data["deaths"],
        injuries=data["injuries"], direct_loss=data["direct_loss"],
        description=data["description"], state=data["state"], closed_on=data["closed_on"],
    )  # fmt: skip
    if accident is None:
        return services.accident_record(user=request.user, today=today, **fields)
    return services.accident_edit(
        user=request.user, accident=accident, version=data.get("version"),
        note=data.get("note", ""), today=today, **fields,
    )  # fmt: skip


def _form_page(request, form, *, accident=None, status=200):
    context = {"form": form, "accident": accident}
    return render(request, "accidents/accident_form.html", context, status=status)


def accident_new(request):
    if not permissions.may_record(request.user):
        if request.user.is_leader:
            raise PermissionDenied("领导账号只能查看，不能登记事故。")
        _require_view(request.user)
    today = timezone.localdate()
    if request.method != "POST":
        form = forms.AccidentForm(initial={"occurred_on": today}, user=request.user)
        return _form_page(request, form)
    form = forms.AccidentForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            accident = _save(request, form, accident=None, today=today)
        except (services.AccidentError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
            status = 403 if isinstance(exc, PermissionDenied) else 400
            return _form_page(request, form, status=status)
        messages.success(request, f"已登记事故 {accident.number}。")
        return redirect("accidents:accident_detail", pk=accident.pk)
    return _form_page(request, form, status=400)


def accident_detail(request, pk):
    accident = selectors.get_accident_for_user(request.user, pk)
    context = {
        "accident": accident,
        "history": selectors.history_of(accident),
        "can_edit": permissions.may_edit(request.user, accident),
        "can_void": permissions.may_void(request.user) and not accident.voided,
        "void_form": forms.VoidForm(),
    }
    return render(request, "accidents/accident_detail.html", context)


def accident_edit(request, pk):
    accident = selectors.get_accident_for_user(request.user, pk)
    if not permissions.may_edit(request.user, accident):
        raise PermissionDenied("只有属地乡镇（街道）、行业监管部门或安委办可以修改该事故。")
    today = timezone.localdate()
    if request.method != "POST":
        initial = {
            name: getattr(accident, name)
            for name in ("occurred_on", "place", "level", "deaths", "injuries", "direct_loss",
                         "description", "state", "closed_on", "version")
        }  # fmt: skip
        initial.update(
            township=accident.township_id,
            industry=accident.industry_id,
            enterprise_name=accident.enterprise.name if accident.enterprise_id else "",
        )
        form = forms.AccidentForm(initial=initial, user=request.user, editing=True)
        return _form_page(request, form, accident=accident)
    form = forms.AccidentForm(request.POST, user=request.user, editing=True)
    if form.is_valid():
        try:
            _save(request, form, accident=accident, today=today)
        except (services.AccidentError, PermissionDenied) as exc:
            form.add_error(None, str(exc))
            status = 403 if isinstance(exc, PermissionDenied) else 400
            return _form_page(request, form, accident=accident, status=status)
        messages.success(request, f"事故 {accident.number} 已修改。")
        return redirect("accidents:accident_detail", pk=accident.pk)
    return _form_page(request, form, accident=accident, status=400)


@require_POST
def accident_void(request, pk):
    accident = selectors.get_accident_for_user(request.user, pk)
    form = forms.VoidForm(request.POST)
    error = None
    if form.is_valid():
        try:
            services.accident_void(
                user=request.user, accident=accident, reason=form.cleaned_data["reason"]
            )
        except services.AccidentError as exc:
            error = str(exc)
    else:
        error = form.errors["reason"][0]
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"事故 {accident.number} 已作废。")
    return redirect("accidents:accident_detail", pk=accident.pk)


# --- 控制指标 --------------------------------------------------------------------------------


def _year(request, today: date) -> int:
    raw = request.POST.get("year") or request.GET.get("year") or ""
    try:
        year = int(raw)
    except ValueError:
        return today.year
    return year if 2000 <= year <= 2100 else today.year


def _parse(raw: str, label: str, unit: Unit) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise services.AccidentError(
            f"{unit.name}：{label}须是整数，而不是「{raw[:20]}」。"
        ) from None


def indicators(request):
    """Each township's and department's 控制指标 for the year, with its year so far beside it
    (red when over). The office sets them here, all in one save; leaders read."""
    if not permissions.may_view_indicators(request.user):
        raise PermissionDenied("控制指标页面只对安委办和领导开放。")
    today = timezone.localdate()
    year = _year(request, today)
    until = min(today, date(year, 12, 31))
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        if not permissions.may_set_indicators(request.user):
            raise PermissionDenied("只有安委办可以下达控制指标。")
        saved = 0
        try:
            with transaction.atomic():
                for tally in selectors.unit_tallies(year=year, until=until):
                    unit = tally.unit
                    deaths = _parse(
                        request.POST.get(f"deaths_{unit.pk}", ""), "死亡人数控制指标", unit
                    )
                    count = _parse(
                        request.POST.get(f"accidents_{unit.pk}", ""), "事故起数控制指标", unit
                    )
                    if deaths is None and count is None:
                        continue
                    if tally.indicator and (deaths, count) == (
                        tally.indicator.max_deaths,
                        tally.indicator.max_accidents,
                    ):
                        continue
                    services.indicator_set(
                        user=request.user, unit=unit, year=year,
                        max_deaths=deaths, max_accidents=count,
                    )  # fmt: skip
                    saved += 1
        except services.AccidentError as exc:
            errors.append(str(exc))
            status = 400
        else:
            messages.success(request, f"{year}年控制指标已保存（{saved} 个单位有变化）。")
            return redirect(f"{request.path}?year={year}")
    tallies = selectors.unit_tallies(year=year, until=until)
    context = {
        "year": year,
        "until": until,
        "townships": [t for t in tallies if t.unit.kind == Unit.Kind.TOWNSHIP],
        "departments": [t for t in tallies if t.unit.kind == Unit.Kind.DEPARTMENT],
        "can_edit": permissions.may_set_indicators(request.user),
        "errors": errors,
        "posted": request.POST if errors else None,
    }
    return render(request, "accidents/indicators.html", context, status=status)
