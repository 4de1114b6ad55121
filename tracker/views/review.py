"""The office's side: the 待审核 queue, approving or returning, extensions, bulk actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseBadRequest, HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker import selectors, services
from tracker.forms import BulkForm, ExtensionDecisionForm, ReviewForm
from tracker.models import Assignment
from tracker.notices import items_publish
from tracker.views.assignments import _detail


def review_queue(request):
    if not request.user.sees_all_units:
        raise PermissionDenied("只有安委办和领导可以查看审核队列。")
    return render(
        request,
        "tracker/review_queue.html",
        {
            "submissions": selectors.review_queue(request.user),
            "extensions": selectors.pending_extensions(request.user),
            "can_decide": request.user.is_office,
        },
    )


@require_POST
def assignment_review(request, pk):
    assignment = selectors.get_assignment_for_user(request.user, pk)
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以审核。")
    form = ReviewForm(request.POST)
    if not form.is_valid():
        return _detail(request, assignment, review_form=form, status=400)
    data = form.cleaned_data
    try:
        if data["decision"] == "approve":
            services.assignment_approve(
                assignment=assignment,
                user=request.user,
                note=data["note"],
                expected_version=data["version"],
            )
            messages.success(
                request, f"{assignment.unit.name}的任务 {assignment.item.code} 已审核通过（销号）。"
            )
        else:
            services.assignment_return(
                assignment=assignment,
                user=request.user,
                reason=data["note"],
                expected_version=data["version"],
            )
            messages.success(request, f"已退回{assignment.unit.name}，原因已告知。")
    except services.ConflictError as exc:
        assignment.refresh_from_db()
        return _detail(request, assignment, alert=str(exc), status=409)
    except services.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _detail(request, assignment, review_form=form, status=400)
    if request.POST.get("next") == "queue":
        return redirect("review_queue")
    return redirect("assignment_detail", pk=assignment.pk)


@require_POST
def extension_decide(request, pk):
    extension = selectors.get_extension_for_user(request.user, pk)
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以审批延期申请。")
    form = ExtensionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.extension_decide(
                extension=extension,
                user=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
            messages.success(request, "延期申请已审批。")
        except services.WorkflowError as exc:
            messages.error(request, str(exc))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("review_queue")


@require_POST
def bulk_action(request):
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以批量操作。")
    form = BulkForm(request.POST)
    if not form.is_valid() and form.has_error("ids"):
        # Not something the page's checkboxes send: refuse before touching anything.
        return HttpResponseBadRequest(BulkForm.BAD_IDS)
    # Only what this user may see is ever touched, whatever ids were posted.
    chosen = (
        selectors.assignments_for_user(request.user)
        .filter(pk__in=form.cleaned_data["ids"])
        .select_related("item", "unit")
    )
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    elif not chosen:
        messages.error(request, "请先勾选要操作的任务。")
    else:
        _apply_bulk(request, form.cleaned_data, list(chosen))
    back = request.POST.get("back", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = "assignment_list"
    return redirect(back or "assignment_list")


def _apply_bulk(request, data, chosen: list[Assignment]) -> None:
    action, user = data["action"], request.user
    if action == "publish":
        items = {a.item_id: a.item for a in chosen}.values()
        count = items_publish(items=items)
        messages.success(request, f"已发布 {count} 项任务（所选中已发布的未作改动）。")
        return
    done, skipped = 0, []
    for assignment in chosen:
        try:
            if action == "return":
                services.assignment_return(assignment=assignment, user=user, reason=data["reason"])
            else:
                if not services.assignment_change(
                    assignment=assignment, user=user, due_date=data["due_date"]
                ):
                    continue
            done += 1
        except services.WorkflowError as exc:
            skipped.append(
                f"{assignment.item.code} {assignment.unit.label}：{str(exc).rstrip('。')}"
            )
    verb = "退回" if action == "return" else "修改完成时限"
    if done or not skipped:
        messages.success(request, f"已{verb} {done} 条。")
    if skipped:
        more = f"等（共 {len(skipped)} 条）" if len(skipped) > 10 else ""
        messages.warning(
            request, f"未处理 {len(skipped)} 条：" + "；".join(skipped[:10]) + more + "。"
        )
