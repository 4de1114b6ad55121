"""The bell (in-app notices) and 催办 buttons."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from tracker import selectors, services
from tracker.models import Notice, Unit, User
from tracker.supervision import supervise, supervise_unit

# The bell shows at most this many, as "99+": counting further costs a page load for nothing.
BADGE_MAX = 100


def notices_for(user):
    """A unit's notices; for the office every unit's, which it sent itself (退回, 督办单,
    延期审批, reminders): its page lists them as a log, but they do not light its bell."""
    if user.is_office:
        return Notice.objects.select_related("unit")
    # A unit's own staff only: a 网格员 belongs to a township but none of its tasks is theirs,
    # and the notices are about those tasks (退回 reasons, 督办单).
    if user.unit_id and user.role == User.Role.STAFF:
        return Notice.objects.filter(unit_id=user.unit_id).select_related("unit")
    return Notice.objects.none()


def _office_news(user):
    """What is news to the office: submissions waiting for its review and 延期申请 waiting for
    its decision. Handled ones drop out; those that came before notices_seen_at are not new."""
    return selectors.review_queue(user), selectors.pending_extensions(user)


def unread_count(user) -> int:
    """The bell's number, once per request: a page that renders a table runs the context
    processors again for it."""
    cached = getattr(user, "_unread_notices", None)
    if cached is None:
        cached = user._unread_notices = _unread_count(user)
    return cached


def _unread_count(user) -> int:
    if user.is_office:
        submissions, extensions = _office_news(user)
        seen = user.notices_seen_at
        if seen:
            submissions = submissions.filter(submitted_at__gt=seen)
            extensions = extensions.filter(created_at__gt=seen)
        return sum(
            qs.order_by().values("pk")[:BADGE_MAX].count() for qs in (submissions, extensions)
        )
    qs = notices_for(user)
    if user.notices_seen_at:
        qs = qs.filter(created_at__gt=user.notices_seen_at)
    return qs[:BADGE_MAX].count()


def _news_entries(user, limit: int = 50) -> list[dict]:
    """The office's news as one list, newest first, each with its link."""
    submissions, extensions = _office_news(user)
    seen = user.notices_seen_at
    entries = [
        {
            "at": a.submitted_at,
            "title": f"提交审核：{a.item.code} {a.item.title}",
            "unit": a.unit.name,
            "body": "单位已报办结，等待审核（销号或退回）。",
            "url": reverse("assignment_detail", args=[a.pk]) + "#review",
            "link": "去审核",
        }
        for a in submissions.order_by("-submitted_at", "-id")[:limit]
    ]
    entries += [
        {
            "at": e.created_at,
            "title": f"延期申请：{e.assignment.item.code} {e.assignment.item.title}",
            "unit": e.assignment.unit.name,
            "body": f"申请将完成时限由 {e.current_due_date or '长期'} 延至 "
            f"{e.requested_due_date}。理由：{e.reason}",
            "url": reverse("review_queue"),
            "link": "去审批",
        }
        for e in extensions.order_by("-created_at", "-id")[:limit]
    ]
    entries.sort(key=lambda entry: entry["at"], reverse=True)
    for entry in entries[:limit]:
        entry["unread"] = not seen or entry["at"] > seen
    return entries[:limit]


def notice_list(request):
    user = request.user
    context = {"seen_at": user.notices_seen_at}
    if user.is_office:
        context["news"] = _news_entries(user)
        context["sent"] = notices_for(user)[:100]
    else:
        context["notices"] = notices_for(user)[:100]
    return render(request, "tracker/notices.html", context)


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
