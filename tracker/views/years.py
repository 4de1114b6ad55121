"""年度: the list of work years, one closed year's record, and closing a year (office only)."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone

from checklist.models import ChecklistItem, WorkYear
from tracker import services
from tracker.models import Assignment
from tracker.work_years import current_year, year_choices
from tracker.year_close import closing_preview, year_close


def _require_reader(user):
    if not user.sees_all_units:
        raise PermissionDenied("只有安委办和领导可以查看年度归档。")


def _year_or_404(year: int) -> int:
    if not (2000 <= year <= 2099) or not (
        ChecklistItem.objects.filter(year=year).exists()
        or WorkYear.objects.filter(year=year).exists()
    ):
        raise Http404("没有这个年度")
    return year


def work_year_list(request):
    _require_reader(request.user)
    today = timezone.localdate()
    counted = Q(assignments__role__in=Assignment.COUNTED_ROLES)
    per_year = {
        row["year"]: row
        for row in ChecklistItem.objects.published()
        .values("year")
        .annotate(
            items=Count("pk", distinct=True),
            total=Count("assignments", filter=counted),
            verified=Count("assignments", filter=counted & Q(assignments__status="verified")),
        )
    }
    records = {w.year: w for w in WorkYear.objects.select_related("closed_by")}
    rows = []
    for year in year_choices(today=today):
        figures = per_year.get(year, {"items": 0, "total": 0, "verified": 0})
        rows.append(
            {
                "year": year,
                "record": records.get(year),
                "items": figures["items"],
                "total": figures["total"],
                "verified": figures["verified"],
                "rate": round(100 * figures["verified"] / figures["total"], 1)
                if figures["total"]
                else 0.0,
                "can_close": request.user.is_office
                and year <= today.year
                and figures["items"]
                and not (records.get(year) and records[year].is_closed),
            }
        )
    return render(
        request,
        "tracker/work_years.html",
        {"rows": rows, "current": current_year(today=today)},
    )


def work_year_detail(request, year):
    _require_reader(request.user)
    year = _year_or_404(year)
    record = WorkYear.objects.filter(year=year).select_related("closed_by").first()
    carried = (
        ChecklistItem.objects.filter(year=year, carried_to__isnull=False)
        .select_related("carried_to")
        .order_by("code")
    )
    carried_in = (
        ChecklistItem.objects.filter(year=year, carried_from__isnull=False)
        .exclude(state=ChecklistItem.State.VOID)
        .select_related("carried_from")
    )
    return render(
        request,
        "tracker/work_year_detail.html",
        {"year": year, "record": record, "carried": carried, "carried_in": carried_in},
    )


def work_year_close(request, year):
    """GET: what closing will do, with the long-term items to carry over ticked; POST: close."""
    _require_reader(request.user)
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以归档年度。")
    year = _year_or_404(year)
    today = timezone.localdate()
    record = WorkYear.objects.filter(year=year).first()
    error = ""
    if request.method == "POST":
        # ASCII digits that fit the id column ("²".isdigit() is true too, and int() refuses it).
        chosen = [
            int(pk) for pk in request.POST.getlist("carry") if re.fullmatch(r"[0-9]{1,18}", pk)
        ]
        try:
            closed = year_close(
                year=year,
                user=request.user,
                carry_item_ids=chosen,
                today=today,
                note=request.POST.get("note", ""),
            )
        except services.WorkflowError as exc:
            error = str(exc)
        else:
            messages.success(
                request,
                f"{year}年度已归档：数据按 {closed.closed_on:%Y-%m-%d} 冻结，"
                f"结转 {len(chosen)} 项长期任务到{year + 1}年度。",
            )
            return redirect("work_year_detail", year=year)
        record = WorkYear.objects.filter(year=year).first()
    if record and record.is_closed:
        error = error or f"{year}年度已于 {record.closed_on:%Y-%m-%d} 归档，不能重复归档。"
        return render(
            request,
            "tracker/work_year_close.html",
            {"year": year, "record": record, "error": error},
            status=409 if request.method == "POST" else 200,
        )
    return render(
        request,
        "tracker/work_year_close.html",
        {"year": year, "preview": closing_preview(year, today=today), "error": error},
        status=400 if error else 200,
    )
