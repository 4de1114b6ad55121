from django.contrib.auth.decorators import login_not_required
from django.db.models import Count, F, Q
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from checklist.models import ChecklistItem
from tracker import extensions
from tracker.models import Assignment, User
from tracker.models import waiting_on_office as waiting_filter
from tracker.progress import waiting_on_office
from tracker.reporting import missed_reports_of
from tracker.selectors import assignments_for_user, currently_returned, returns_of
from tracker.supervision import open_supervisions


def home(request):
    # Leaders read the county's figures, not a list of tasks: their first page is the dashboard.
    if request.user.is_leader:
        return redirect("dashboard")
    # A 网格员 works in the registers, on their own grids: no task is theirs.
    if request.user.role == User.Role.GRID:
        return redirect("enterprises:grid_home")
    today = timezone.localdate()
    # A closed 年度's unfinished work is frozen in its record, not today's to-do list.
    # Published work only: drafts are the office's, not yet anybody's 未开始.
    visible = (
        assignments_for_user(request.user)
        .in_open_years()
        .filter(item__state=ChecklistItem.State.PUBLISHED)
    )
    # A unit's tasks sent back to it are its first work. Counting them tests every open row's
    # history: cheap for one unit's rows, some 50 ms for a county of 100,000, so the office's
    # page marks them in its list only.
    returned = (
        {}
        if request.user.sees_all_units
        else {"returned": Count("pk", filter=currently_returned())}
    )
    counts = visible.aggregate(
        total=Count("pk"),
        items=Count("item", distinct=True),
        **{status: Count("pk", filter=Q(status=status)) for status in Assignment.Status.values},
        # The unit's 逾期, as the task list's 已逾期 filter counts it (AssignmentQuerySet.overdue).
        overdue=Count(
            "pk",
            filter=~Q(status=Assignment.Status.VERIFIED)
            & Q(due_date__lt=today)
            & ~waiting_filter(),
        ),
        **returned,
    )
    open_assignments = list(
        visible.open()
        .select_related("item", "item__theme", "unit")
        .order_by(F("due_date").asc(nulls_last=True), "item__code", "unit__sort_order")[:50]
    )
    returns = returns_of(a.pk for a in open_assignments)
    for assignment in open_assignments:
        assignment.returned = returns.get(assignment.pk)
        assignment.late = (
            assignment.due_date is not None
            and assignment.due_date < today
            and not waiting_on_office(
                status=assignment.status,
                due=assignment.due_date,
                submitted_on=assignment.submitted_on,
            )
        )
    context = {
        "assignments": open_assignments,
        "counts": counts,
        "today": today,
        "supervisions": [] if request.user.sees_all_units else open_supervisions(visible),
        # The unit's 未按期报送 (the county's is on the dashboard), by the dashboard's rule.
        "missed_reports": (
            [] if request.user.sees_all_units else missed_reports_of(request.user, today=today)
        ),
        # The registers' blocks (a unit's overdue hazards …), each from its own wing.
        "panels": extensions.panels("home", user=request.user, today=today),
    }
    return render(request, "tracker/home.html", context)


@login_not_required
def favicon(request):
    """/favicon.ico, which browsers ask for on their own (PDF tabs, the admin, bookmarks)."""
    # Not permanent: the static file's hashed name changes with its content.
    return redirect(static("favicon.svg"))
