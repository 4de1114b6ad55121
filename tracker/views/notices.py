"""The bell (in-app notices) and 催办 buttons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker import selectors, services
from tracker.models import Notice, Unit
from tracker.supervision import supervise, supervise_unit


def notices_for(user):
    if user.is_office:
        return Notice.objects.select_related("unit")
    if user.unit_id:
        return Notice.objects.filter(unit_id=user.unit_id).select_related("unit")
    return Notice.objects.none()


def unread_count(user) -> int:
    qs = notices_for(user)
    if user.notices_seen_at:
        qs = qs.filter(created_at__gt=user.notices_seen_at)
    return qs.count()


def notice_list(request):
    notices = notices_for(request.user)[:100]
    return render(
        request,
        "tracker/notices.html",
        {"notices": notices, "seen_at": request.user.notices_seen_at},
    )


@require_POST
def notices_seen(request):
    request.user.notices_seen_at = timezone.now()
    request.user.save(update_fields=["notices_seen_at"])
    return redirect("notice_list")


def _back(request, default):
    back = request.POST.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return default


@require_POST
def assignment_supervise(request, pk):
    assignment = selectors.get_assignment_for_user(request.user, pk)
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以催办。")
    try:
        s = supervise(
            assignment=assignment, user=request.user, note=request.POST.get("note", "")[:500]
        )
        messages.success(request, f"已向{assignment.unit.name}发出{s.get_level_display()}。")
    except services.WorkflowError as exc:
        messages.error(request, str(exc))
    return _back(request, redirect("assignment_detail", pk=assignment.pk))


@require_POST
def unit_supervise(request, pk):
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以催办。")
    unit = get_object_or_404(Unit, pk=pk)
    done, skipped = supervise_unit(
        unit=unit, user=request.user, note=request.POST.get("note", "")[:500]
    )
    if done:
        messages.success(request, f"已向{unit.name}发出 {done} 份督办单。")
    if skipped:
        messages.warning(request, f"{len(skipped)} 项未催办：" + "；".join(skipped[:5]))
    if not done and not skipped:
        messages.info(request, f"{unit.name}没有逾期任务。")
    return _back(request, redirect("dashboard"))
