"""网格: coverage by township and by grid, and a 网格员's phone home page."""

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from tracker.enterprises import periods, permissions, selectors
from tracker.enterprises.models import Enterprise, Inspection
from tracker.models import Unit

WAITING_SHOWN = 200


def _period(request, today) -> periods.Period:
    return periods.parse(request.GET.get("period")) or periods.quarter_of(today)


def grid_coverage(request):
    """The county's townships with their coverage (office, leaders), or one township's grid
    tree with each grid's coverage, 网格员 and the 网格员 without an inspection this month."""
    user = request.user
    if not permissions.sees_grids(user):
        raise PermissionDenied("网格由乡镇（街道）管理；部门请在企业台账中查看所监管的企业。")
    today = timezone.localdate()
    period = _period(request, today)
    month = periods.month_of(today)
    township = None
    if user.sees_all_units:
        raw = request.GET.get("township", "")
        if raw:
            if not (raw.isascii() and raw.isdigit() and len(raw) <= 18):
                raise Http404("没有找到该乡镇（街道）")
            township = get_object_or_404(Unit, pk=raw, kind=Unit.Kind.TOWNSHIP)
    else:
        township = user.unit
    county = selectors.county_coverage(user, period, only=township)
    context = {
        "period": period,
        "month": month,
        "choices": [
            *periods.recent(today, "quarter", 4),
            *periods.recent(today, "month", 3),
        ],
        "county": county,
        "township": township,
    }
    if township is not None:
        context["lines"] = selectors.township_grid_coverage(user, township, period)
        context["idle"] = list(
            selectors.members_without_inspection(user, month).filter(grid__township=township)[:200]
        )
    return render(request, "enterprises/grid_coverage.html", context)


def grid_home(request):
    """A 网格员's first page on the phone: my grids, what is not yet inspected this quarter."""
    user = request.user
    if not permissions.is_grid_member(user):
        raise PermissionDenied("这是网格员的首页。")
    today = timezone.localdate()
    quarter = periods.quarter_of(today)
    grids = selectors.my_grids(user)
    enterprises = selectors.enterprises_for_user(user)
    waiting = selectors.uninspected(user, quarter)
    context = {
        "grids": grids,
        "quarter": quarter,
        "total": enterprises.filter(state__in=Enterprise.OPEN_STATES).count(),
        "waiting": list(waiting[:WAITING_SHOWN]),
        "waiting_count": waiting.count(),
        "recent": list(
            Inspection.objects.filter(enterprise__in=enterprises, recorded_by=user)
            .select_related("enterprise")
            .order_by("-inspected_on", "-id")[:10]
        ),
    }
    if apps.is_installed("tracker.hazards"):
        # Overdue 整改 of the hazards on my grids, from the hazard register when installed.
        from tracker.hazards.home import overdue_panel

        context["hazard_panel"] = overdue_panel(user=user, today=today)
    return render(request, "enterprises/grid_home.html", context)
