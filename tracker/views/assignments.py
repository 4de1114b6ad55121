"""我的任务: the list, one assignment with its history, and the unit's report form."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from checklist.models import ChecklistItem
from tracker import extensions, measuring, selectors, services
from tracker.forms import ExtensionForm, ProgressForm, ReviewForm
from tracker.instructions import can_instruct, unanswered
from tracker.item_forms import InstructionForm
from tracker.models import Assignment
from tracker.periods import summarize
from tracker.progress import progress
from tracker.reporting import assignment_periods
from tracker.supervision import HELD_BY_UNIT
from tracker.tables import AssignmentTable
from tracker.views.evidence import shows_inline
from tracker.work_years import is_closed


def can_report(user, assignment: Assignment) -> bool:
    if assignment.status not in (Assignment.Status.NOT_STARTED, Assignment.Status.IN_PROGRESS):
        return False
    return user.is_office or (user.role == user.Role.STAFF and user.unit_id == assignment.unit_id)


def mark_inline_images(history) -> list:
    """The history with each evidence file marked for the page: photos as thumbnails."""
    history = list(history)
    for update in history:
        for file in update.evidence.all():
            file.inline = shows_inline(file)
    return history


def assignment_list(request):
    filterset = selectors.assignment_list(request.user, request.GET)
    table = AssignmentTable(
        filterset.qs, show_unit=request.user.sees_all_units, selectable=request.user.is_office
    )
    RequestConfig(request, paginate={"per_page": 25}).configure(table)
    return render(
        request,
        "tracker/assignment_list.html",
        {
            "filter": filterset,
            "table": table,
            "bulk_actions": request.user.is_office,
            "returned_only": selectors.returned_only(request.GET),
        },
    )


def _detail(
    request, assignment, *, form=None, extension_form=None, review_form=None, alert="", status=200
):
    user = request.user
    pending = assignment.extensions.filter(state="pending").first()
    context = {
        "assignment": assignment,
        "item": assignment.item,
        "directive": assignment.item.directive,
        "progress": progress(
            status=assignment.status,
            percent=assignment.percent,
            start=assignment.item.start_date,
            due=assignment.due_date,
            today=timezone.localdate(),
            submitted_on=assignment.submitted_on,
        ),
        "siblings": selectors.sibling_assignments(assignment),
        "history": mark_inline_images(selectors.history_for(assignment)),
        "returned": selectors.returns_of([assignment.pk]).get(assignment.pk),
        "pending_extension": pending,
        "alert": alert,
        "supervision": assignment.supervisions.filter(resolved_at__isnull=True).first(),
        # The period calendar (✔ 按期, ⚠ 迟报, ✘ 未报) of a task with a 报送频次.
        "periods": assignment_periods(assignment, today=timezone.localdate()),
    }
    context["period_tally"] = summarize(context["periods"])
    # 台账计量: the register's figure for this unit, with the rows behind it.
    context["reading"] = measuring.reading_for(
        assignment.item, assignment.unit, today=timezone.localdate()
    )
    context["measure"] = extensions.measure(assignment.item.measure)
    # 领导批示 the unit has not answered with a report since: shown first on its page.
    context["instructions"] = list(unanswered(Assignment.objects.filter(pk=assignment.pk)))
    item = assignment.item
    context["year_closed"] = closed = is_closed(item.year)
    context["carried_from"] = item.carried_from
    context["carried_to"] = ChecklistItem.objects.filter(carried_from=item).first()
    if closed or item.state == ChecklistItem.State.VOID:
        # A closed 年度 is read-only: the services refuse every change, so offer none.
        context["can_supervise"] = False
        return render(request, "tracker/assignment_detail.html", context, status=status)
    context["can_supervise"] = (
        user.is_office and context["progress"].overdue and assignment.status in HELD_BY_UNIT
    )
    if can_instruct(user) and item.state == ChecklistItem.State.PUBLISHED:
        context["instruction_form"] = InstructionForm()
    # The item as a whole: for the office and leaders, and for the unit that leads it.
    context["item_url"] = (
        reverse("item_detail", args=[item.pk])
        if user.sees_all_units or assignment.role == Assignment.Role.LEAD
        else ""
    )
    if can_report(user, assignment):
        context["form"] = form or ProgressForm(
            assignment=assignment,
            initial={
                "version": assignment.version,
                "percent": assignment.percent or None,
                "quantity": assignment.quantity_done,
            },
        )
        # A 长期 task has no due date to move: it reports period by period instead.
        if not pending and assignment.due_date is not None:
            context["extension_form"] = extension_form or ExtensionForm()
    if user.is_office and assignment.status == Assignment.Status.SUBMITTED:
        context["review_form"] = review_form or ReviewForm(initial={"version": assignment.version})
        submission, files = selectors.submission_of(assignment)
        for file in files:
            file.inline = shows_inline(file)
        context["submission"], context["submitted_files"] = submission, files
    return render(request, "tracker/assignment_detail.html", context, status=status)


def assignment_detail(request, pk):
    assignment = selectors.get_assignment_for_user(request.user, pk)
    return _detail(request, assignment)


@require_POST
def assignment_report(request, pk):
    assignment = selectors.get_assignment_for_user(request.user, pk)
    if not can_report(request.user, assignment):
        return HttpResponseForbidden("您无权办理该任务，或该任务当前不能报送。")
    form = ProgressForm(request.POST, request.FILES, assignment=assignment)
    if not form.is_valid():
        return _detail(request, assignment, form=form, status=400)
    data = form.cleaned_data
    write = services.assignment_submit if data["action"] == "submit" else services.assignment_report
    try:
        write(
            assignment=assignment,
            user=request.user,
            percent=data.get("percent"),
            quantity=data.get("quantity"),
            note=data["note"],
            files=data["files"],
            expected_version=data["version"],
        )
    except services.ConflictError as exc:
        form.add_error(None, str(exc))
        assignment.refresh_from_db()
        return _detail(request, assignment, form=form, status=409)
    except services.StorageFullError as exc:
        # 507 Insufficient Storage: nothing was kept; the same form, filled in, to try again.
        form.add_error(None, str(exc))
        return _detail(request, assignment, form=form, status=507)
    except services.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _detail(request, assignment, form=form, status=400)
    except PermissionDenied:
        return HttpResponseForbidden("您无权办理该任务。")
    done = "已提交审核，请等待安委办审核。" if data["action"] == "submit" else "进度已保存。"
    messages.success(request, done)
    return redirect("assignment_detail", pk=assignment.pk)


@require_POST
def extension_request(request, pk):
    assignment = selectors.get_assignment_for_user(request.user, pk)
    form = ExtensionForm(request.POST)
    if not form.is_valid():
        return _detail(request, assignment, extension_form=form, status=400)
    try:
        services.extension_request(
            assignment=assignment,
            user=request.user,
            new_due_date=form.cleaned_data["new_due_date"],
            reason=form.cleaned_data["reason"],
        )
    except services.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _detail(request, assignment, extension_form=form, status=400)
    except PermissionDenied:
        return HttpResponseForbidden("您无权为该任务申请延期。")
    messages.success(request, "延期申请已提交，请等待安委办审批。")
    return redirect("assignment_detail", pk=assignment.pk)
