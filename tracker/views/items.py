"""按任务: the items as wholes, one item with every unit's share, and what is done to a whole
item: 整体销号 (office), 汇总情况 (牵头单位) and 批示 (leaders)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseForbidden
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker import extensions, instructions, measuring, selectors, services, whole_items
from tracker.item_forms import InstructionForm, ItemCloseForm, SummaryForm
from tracker.views.evidence import shows_inline
from tracker.work_years import is_closed, years_info


def item_list(request):
    """One row per item: its lead, its units' states as badges, the share sums."""
    if not request.user.sees_all_units:
        raise PermissionDenied
    years = years_info(today=timezone.localdate())
    year = years.selected(request.GET)
    page, rows, total = whole_items.item_page(request.user, request.GET, year=year)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "tracker/item_list.html",
        {
            "rows": rows,
            "page": page,
            "total": total,
            "year": year,
            "years": years.choices,
            "states": whole_items.WHOLE_STATES,
            "params": request.GET,
            "query": query.urlencode(),
        },
    )


def _detail(
    request, item, *, summary_form=None, close_form=None, instruction_form=None, status=200
):
    user = request.user
    shares = whole_items.shares_of(item)
    lead = next((s for s in shares if s.role == s.Role.LEAD), None)
    history = whole_items.item_history(item)
    for update in history:
        for file in update.evidence.all():
            file.inline = shows_inline(file)
    writable = not is_closed(item.year) and item.state == item.State.PUBLISHED
    state = whole_items.whole_state(shares)
    split = whole_items.item_split_state(item, shares)
    context = {
        "item": item,
        "shares": shares,
        "lead": lead,
        "state": state,
        "history": history,
        "writable": writable,
        "figure": whole_items.item_figure(item),
        "split": split,
        "split_text": split.text(item.target_unit) if split else "",
        # Drafts are split before they are published, as their units are given then.
        "can_split": (
            split is not None
            and split.units > 0
            and user.is_office
            and not is_closed(item.year)
            and item.state != item.State.VOID
        ),
    }
    if item.measure:
        # 台账计量: each unit's figure from its own register rows, and the county's.
        today = timezone.localdate()
        context["measure"] = extensions.measure(item.measure)
        context["county_reading"] = measuring.reading_for(item, None, today=today)
        for share in shares:
            share.reading = measuring.reading_for(item, share.unit, today=today)
    if writable and whole_items.can_summarize(user, item, lead):
        context["summary_form"] = summary_form or SummaryForm()
    # A refused close is shown with its reason even when nothing is waiting any more.
    if writable and user.is_office and (state["submitted"] or close_form is not None):
        context["close_form"] = close_form or ItemCloseForm()
    if writable and instructions.can_instruct(user) and not state["done"]:
        context["instruction_form"] = instruction_form or InstructionForm()
    return render(request, "tracker/item_detail.html", context, status=status)


def item_detail(request, pk):
    item = whole_items.get_item_for_user(request.user, pk)
    return _detail(request, item)


@require_POST
def item_close(request, pk):
    item = whole_items.get_item_for_user(request.user, pk)
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以销号。")
    form = ItemCloseForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, close_form=form, status=400)
    try:
        closed = whole_items.item_close(
            item=item, user=request.user, note=form.cleaned_data["note"]
        )
    except services.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _detail(request, item, close_form=form, status=400)
    messages.success(request, f"已销号 {closed} 个单位的待审核任务。")
    return redirect("item_detail", pk=item.pk)


@require_POST
def item_split(request, pk):
    """按单位平均分解: the office splits the item's county target over its counted units."""
    item = whole_items.get_item_for_user(request.user, pk)
    if not request.user.is_office:
        return HttpResponseForbidden("只有安委办可以分解目标数量。")
    try:
        updates = services.split_evenly(item=item, user=request.user)
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("item_detail", pk=item.pk)
    if updates:
        messages.success(request, f"已按单位平均分解，{len(updates)} 个单位的分解数量有变化。")
    else:
        messages.info(request, "各单位的分解数量已是平均分解的结果，没有变化。")
    return redirect("item_detail", pk=item.pk)


@require_POST
def item_summary(request, pk):
    item = whole_items.get_item_for_user(request.user, pk)
    form = SummaryForm(request.POST, request.FILES)
    if not form.is_valid():
        return _detail(request, item, summary_form=form, status=400)
    try:
        whole_items.item_summary(
            item=item,
            user=request.user,
            note=form.cleaned_data["note"],
            files=form.cleaned_data["files"],
        )
    except PermissionDenied:
        return HttpResponseForbidden("只有牵头单位可以填写汇总情况。")
    except (services.WorkflowError, services.StorageFullError) as exc:
        form.add_error(None, str(exc))
        return _detail(request, item, summary_form=form, status=400)
    messages.success(request, "汇总情况已保存，安委办销号时可以看到。")
    return redirect("item_detail", pk=item.pk)


@require_POST
def item_instruction(request, pk):
    """A leader's 批示 on the whole item: to every unit whose share is still open."""
    item = whole_items.get_item_for_user(request.user, pk)
    form = InstructionForm(request.POST)
    if not form.is_valid():
        return _detail(request, item, instruction_form=form, status=400)
    try:
        rows = instructions.instruction_write(
            user=request.user, item=item, note=form.cleaned_data["note"]
        )
    except PermissionDenied:
        return HttpResponseForbidden("只有县领导可以作出批示。")
    except services.WorkflowError as exc:
        form.add_error(None, str(exc))
        return _detail(request, item, instruction_form=form, status=400)
    messages.success(request, f"批示已送达 {len(rows)} 个单位。")
    return redirect("item_detail", pk=item.pk)


@require_POST
def assignment_instruction(request, pk):
    """A leader's 批示 on one unit's share (its latest report)."""
    assignment = selectors.get_assignment_for_user(request.user, pk)
    form = InstructionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(e for errors in form.errors.values() for e in errors))
        return redirect("assignment_detail", pk=assignment.pk)
    try:
        instructions.instruction_write(
            user=request.user,
            item=assignment.item,
            assignment=assignment,
            note=form.cleaned_data["note"],
        )
    except PermissionDenied:
        return HttpResponseForbidden("只有县领导可以作出批示。")
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
        return redirect("assignment_detail", pk=assignment.pk)
    messages.success(request, f"批示已送达{assignment.unit.label}。")
    return redirect("assignment_detail", pk=assignment.pk)
