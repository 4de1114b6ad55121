"""年度考核's pages: the league of each kind, a unit's 明细 with its lines' rows, the office's
adjustments, overrides, 申诉 decisions, scheme editor and closing, and the exports."""

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST

from tracker.assessment import exports, results, selectors, services
from tracker.assessment.models import Adjustment, Appeal, LineOverride, Rule, Scheme
from tracker.models import Unit, User
from tracker.services import WorkflowError
from tracker.work_years import current_year, parse_year


def _may_see(user: User, unit: Unit) -> bool:
    if user.sees_all_units:
        return True
    return user.role == User.Role.STAFF and user.unit_id == unit.pk


def get_unit_for_user(user: User, pk) -> Unit:
    """The unit if the user may read its assessment; 404 otherwise (never 403: no hint)."""
    try:
        unit = Unit.objects.get(pk=pk, kind__in=[Unit.Kind.TOWNSHIP, Unit.Kind.DEPARTMENT])
    except (Unit.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该单位") from None
    if not _may_see(user, unit):
        raise Http404("没有找到该单位")
    return unit


def get_scheme(year: int, kind: str) -> Scheme:
    scheme = Scheme.objects.filter(year=year, kind=kind).first()
    if scheme is None:
        raise Http404("该年度还没有这类单位的考核方案")
    return scheme


def get_rule_for_user(user: User, rule_pk, unit_pk) -> tuple[Rule, Unit]:
    unit = get_unit_for_user(user, unit_pk)
    try:
        rule = Rule.objects.select_related("item__scheme").get(
            pk=rule_pk, item__scheme__kind=unit.kind
        )
    except (Rule.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该考核项") from None
    return rule, unit


def _as_of(request, today: date) -> date:
    """The day the assessment is read as of: ?as_of=YYYY-MM-DD, never after today."""
    try:
        day = date.fromisoformat(request.GET.get("as_of", ""))
    except ValueError:
        return today
    return min(day, today)


def _year(request, today: date) -> int:
    # The current 年度 by default: in January the office is still assessing last year.
    return parse_year(request.GET.get("year")) or current_year(today=today)


def index(request):
    user = request.user
    today = timezone.localdate()
    year = _year(request, today)
    if not user.sees_all_units:
        if user.role == User.Role.STAFF and user.unit and user.unit.kind in Scheme.Kind.values:
            return redirect(f"{reverse('assessment:unit', args=[year, user.unit_id])}")
        raise Http404("没有可查看的考核")
    as_of = _as_of(request, today)
    leagues = _leagues(year, as_of, today)
    context = {
        "year": year,
        "as_of": as_of,
        "today": today,
        "leagues": leagues,
        "years": sorted(set(Scheme.objects.values_list("year", flat=True)) | {year}, reverse=True),
        "pending": Appeal.objects.filter(
            state=Appeal.State.PENDING, rule__item__scheme__year=year
        ).select_related("unit", "rule"),
    }
    return render(request, "assessment/index.html", context)


def unit_detail(request, year, pk):
    user = request.user
    unit = get_unit_for_user(user, pk)
    scheme = get_scheme(year, unit.kind)
    today = timezone.localdate()
    as_of = _as_of(request, today)
    record = results.unit_result(scheme, unit, as_of=as_of, today=today)
    if record is None:
        raise Http404("该单位没有归档的考核结果")
    rules = {r.pk: r for r in Rule.objects.filter(item__scheme=scheme)}
    appeals = list(
        Appeal.objects.filter(unit=unit, rule__item__scheme=scheme).select_related(
            "rule", "filed_by", "decided_by"
        )
    )
    pending = {a.rule_id for a in appeals if a.state == Appeal.State.PENDING}
    for item in record["items"]:
        for line in item["lines"]:
            line["appeal_pending"] = line["rule"] in pending
    context = {
        "scheme": scheme,
        "unit": unit,
        "record": record,
        "as_of": as_of,
        "today": today,
        "rules": rules,
        "adjustments": Adjustment.objects.filter(unit=unit, item__scheme=scheme).select_related(
            "item", "created_by"
        ),
        "overrides": LineOverride.objects.filter(unit=unit, rule__item__scheme=scheme)
        .select_related("rule", "created_by")
        .order_by("-created_at", "-id"),
        "appeals": appeals,
        "levels": Adjustment.Level.choices,
        "can_edit": user.is_office and not scheme.closed,
        "can_appeal": (
            user.role == User.Role.STAFF and user.unit_id == unit.pk and not scheme.closed
        ),
    }
    return render(request, "assessment/unit.html", context)


def line_rows(request, rule, unit):
    """Exactly the rows a line counted, as of the day asked."""
    rule, unit = get_rule_for_user(request.user, rule, unit)
    today = timezone.localdate()
    year = rule.item.scheme.year
    as_of = selectors.judged_on(year, _as_of(request, today))
    figure = selectors.line_figure(rule, unit, year=year, as_of=as_of, today=today)
    rows = list(figure.rows)
    kind = rule.kind
    if kind in (Rule.Kind.OVERDUE, Rule.Kind.SHORTFALL):
        rows = list(figure.rows.select_related("item"))
    elif kind in (Rule.Kind.RETURNED, Rule.Kind.YELLOW, Rule.Kind.RED):
        rows = list(figure.rows.select_related("assignment__item"))
    context = {
        "rule": rule,
        "unit": unit,
        "year": year,
        "as_of": as_of,
        "kind": kind,
        "rows": rows,
        "rows_count": len(rows),
    }
    return render(request, "assessment/rows.html", context)


def _back(year, unit, request) -> str:
    url = reverse("assessment:unit", args=[year, unit.pk])
    as_of = request.POST.get("as_of") or request.GET.get("as_of")
    return f"{url}?as_of={as_of}" if as_of else url


def _post_as_of(request, today: date) -> date:
    try:
        return min(date.fromisoformat(request.POST.get("as_of", "")), today)
    except ValueError:
        return today


@require_POST
def line_override(request, rule, unit):
    rule, unit = get_rule_for_user(request.user, rule, unit)
    today = timezone.localdate()
    try:
        services.line_override(
            user=request.user,
            unit=unit,
            rule=rule,
            new_value=request.POST.get("new_value", ""),
            reason=request.POST.get("reason", ""),
            as_of=_post_as_of(request, today),
            today=today,
        )
        messages.success(request, f"已调整「{rule.label}」。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(_back(rule.item.scheme.year, unit, request))


@require_POST
def adjustment_add(request, year, pk):
    unit = get_unit_for_user(request.user, pk)
    scheme = get_scheme(year, unit.kind)
    try:
        item = scheme.items.get(pk=request.POST.get("item", ""))
    except (ValueError, scheme.items.model.DoesNotExist):
        messages.error(request, "请选择考核项目。")
        return redirect(_back(year, unit, request))
    try:
        services.adjustment_add(
            user=request.user,
            unit=unit,
            item=item,
            points=request.POST.get("points", ""),
            level=request.POST.get("level", ""),
            reason=request.POST.get("reason", ""),
            upload=request.FILES.get("evidence"),
        )
        messages.success(request, "已录入加减分。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(_back(year, unit, request))


@require_POST
def appeal_file(request, rule, unit):
    rule, unit = get_rule_for_user(request.user, rule, unit)
    try:
        services.appeal_file(
            user=request.user, unit=unit, rule=rule, reason=request.POST.get("reason", "")
        )
        messages.success(request, "申诉已提交，等待安委办处理。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(_back(rule.item.scheme.year, unit, request))


@require_POST
def appeal_decide(request, pk):
    if not request.user.is_office:
        raise Http404("没有找到该申诉")
    try:
        appeal = Appeal.objects.select_related("rule__item__scheme", "unit").get(pk=pk)
    except (Appeal.DoesNotExist, ValueError):
        raise Http404("没有找到该申诉") from None
    today = timezone.localdate()
    try:
        services.appeal_decide(
            user=request.user,
            appeal=appeal,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
            new_value=request.POST.get("new_value", ""),
            as_of=_post_as_of(request, today),
            today=today,
        )
        messages.success(request, "申诉已处理。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(_back(appeal.rule.item.scheme.year, appeal.unit, request))


def _office_scheme(request, pk) -> Scheme:
    if not request.user.is_office:
        raise Http404("没有找到该方案")
    try:
        return Scheme.objects.get(pk=pk)
    except (Scheme.DoesNotExist, ValueError):
        raise Http404("没有找到该方案") from None


def scheme_edit(request, pk):
    """The office edits an item's 分值 and its rules' points and thresholds, item by item."""
    scheme = _office_scheme(request, pk)
    if request.method == "POST":
        if scheme.closed:
            raise PermissionDenied("该年度考核已归档，方案只能查看。")
        try:
            item = scheme.items.get(pk=request.POST.get("item", ""))
        except (ValueError, scheme.items.model.DoesNotExist):
            raise Http404("没有找到该考核项目") from None
        rules = {
            r.pk: (request.POST.get(f"rule-{r.pk}", ""), request.POST.get(f"threshold-{r.pk}"))
            for r in item.rules.all()
            if f"rule-{r.pk}" in request.POST
        }
        try:
            warning = services.item_update(
                user=request.user, item=item, points=request.POST.get("points", ""), rules=rules
            )
            messages.success(request, f"已保存「{item.name}」。")
            if warning:
                messages.warning(request, warning)
        except WorkflowError as exc:
            messages.error(request, str(exc))
        return redirect("assessment:scheme", pk=scheme.pk)
    context = {
        "scheme": scheme,
        "items": scheme.items.prefetch_related("rules"),
        "vetoes": scheme.vetoes.all(),
        "warning": services.scheme_warning(scheme),
        "threshold_kinds": (Rule.Kind.COVERAGE, Rule.Kind.STANDARD),
    }
    return render(request, "assessment/scheme.html", context)


@require_POST
def scheme_close(request, pk):
    scheme = _office_scheme(request, pk)
    try:
        n = services.scheme_close(user=request.user, scheme=scheme, today=timezone.localdate())
        messages.success(request, f"{scheme.name}已归档，{n} 个单位的考核结果已固定。")
    except WorkflowError as exc:
        messages.error(request, str(exc))
    return redirect(f"{reverse('assessment:index')}?year={scheme.year}")


def _export_records(request):
    if not request.user.sees_all_units:
        raise Http404("没有可导出的考核结果")
    today = timezone.localdate()
    year = _year(request, today)
    as_of = _as_of(request, today)
    return year, as_of, _leagues(year, as_of, today)


def _leagues(year: int, as_of: date, today: date) -> list[tuple]:
    """(label, scheme, ranked records) of the year's township and department schemes."""
    labels = dict(Scheme.Kind.choices)
    schemes = sorted(Scheme.objects.filter(year=year), key=lambda s: list(labels).index(s.kind))
    found = results.leagues(schemes, as_of=as_of, today=today)
    return [(labels[s.kind], s, found[s.pk]) for s in schemes]


def export_xlsx(request):
    year, as_of, leagues = _export_records(request)
    data = exports.results_xlsx(year=year, as_of=as_of, leagues=leagues)
    response = HttpResponse(data, content_type=exports.XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{year}年度考核结果.xlsx")
    return response


def export_docx(request):
    year, as_of, leagues = _export_records(request)
    data = exports.results_docx(year=year, as_of=as_of, leagues=leagues)
    response = HttpResponse(data, content_type=exports.DOCX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        True, f"{year}年度考核结果通报.docx"
    )
    return response
