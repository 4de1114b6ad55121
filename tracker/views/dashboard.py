from django.http import QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone

from tracker import charts, extensions
from tracker.dashboard import DashboardFilters, build_dashboard, filter_choices
from tracker.models import User
from tracker.work_years import years_info

SORTS = {
    "rate": lambda s: (-s.rate, s.overdue, s.name),
    "overdue": lambda s: (-s.overdue, s.name),
    "total": lambda s: (-s.total, s.name),
    "name": lambda s: s.name,
}


def list_query(filters: DashboardFilters, *, counted: bool = True) -> str:
    """The task list's query for the rows the dashboard counts under these filters: every
    figure links to it with its own condition added, and the list then counts the same."""
    query = QueryDict(mutable=True)
    query["year"] = str(filters.year) if filters.year is not None else ""
    if filters.theme:
        query["theme"] = str(filters.theme.pk)
    if filters.kind:
        query["kind"] = filters.kind
    if filters.source:
        query["source"] = str(filters.source.pk)
    if counted:
        query["counted"] = "1"
    return query.urlencode()


def dashboard(request):
    """Leaders and the office see the county; staff see the same page for their own unit."""
    if request.user.role == User.Role.GRID:
        return redirect("enterprises:grid_home")  # no task is a 网格员's: their page is their grid
    today = timezone.localdate()
    years = years_info(today=today)
    filters = DashboardFilters.from_params(request.GET, years=years)
    if not request.user.sees_all_units:
        filters.kind = ""  # a unit's own dashboard has no other kind to choose
    # A closed 年度 is counted as on its closing day: its figures as they stood.
    board = build_dashboard(
        request.user, filters, today=years.figures_day(filters.year, today=today)
    )
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "rate"
    for group in (board.townships, board.departments, board.others):
        group.sort(key=SORTS[sort])
    context = {
        "board": board,
        "filters": filters,
        "choices": filter_choices(),
        "years": years.choices,
        "work_year": {
            "is_closed": filters.year in years.closed_on,
            "closed_on": years.closed_on.get(filters.year),
        },
        "sort": sort,
        "list_query": list_query(filters),
        # 未按期报送 counts every role's reports, 配合 included.
        "all_roles_query": list_query(filters, counted=False),
        "theme_chart": charts.bar_chart(
            [(t["name"], t["rate"]) for t in board.themes], title="各领域完成率"
        ),
        "weekly_chart": charts.line_chart(
            board.weekly,
            title="完成率走势（按周）",
            compare=board.weekly_last_year,
            legend=(f"{filters.year}年度", f"{filters.year - 1}年度同期"),
        ),
        "light_chart": charts.light_bar(board.lights),
        # The registers' tiles (accidents against the 控制指标 …), each from its own wing.
        "panels": extensions.panels("dashboard", user=request.user, today=today),
    }
    return render(request, "tracker/dashboard.html", context)
