"""Reads, always scoped by the user asking. Views get assignments from here and nowhere else."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from checklist.models import ChecklistItem, DirectiveCandidate, Source
from tracker.filters import AssignmentFilter
from tracker.models import Assignment, Evidence, ExtensionRequest, StatusUpdate, User


def assignments_for_user(user: User) -> QuerySet[Assignment]:
    """The assignments this user may see: all for the office and leaders, own unit for staff.

    Staff see only published items; drafts are the office's work in progress. Void (作废)
    items are in nobody's lists: only their own pages still show them (get_assignment_for_user).
    """
    qs = assignments_of_visible_units(user)
    if user.is_authenticated and not user.sees_all_units:
        return qs.filter(item__state=ChecklistItem.State.PUBLISHED)
    return qs.exclude(item__state=ChecklistItem.State.VOID)


def _assignments_with_void_items(user: User) -> QuerySet[Assignment]:
    """assignments_for_user and, for the office and leaders, the assignments of void items:
    their pages keep the history, which says who voided the item and why."""
    qs = assignments_of_visible_units(user)
    if user.is_authenticated and not user.sees_all_units:
        return qs.filter(item__state=ChecklistItem.State.PUBLISHED)
    return qs


def assignments_of_visible_units(user: User) -> QuerySet[Assignment]:
    """The assignments of the units this user may see, without the published-item join.

    Only for reads that keep to published items themselves, as the dashboard does with its own
    item list: joining every assignment to its item costs a full scan's worth of lookups.
    Restricted to published items it is exactly assignments_for_user.
    """
    qs = Assignment.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_units:
        return qs
    if user.role == User.Role.STAFF and user.unit_id:
        return qs.filter(unit_id=user.unit_id)
    return qs.none()


def get_assignment_for_user(user: User, pk) -> Assignment:
    """The assignment with this id if the user may see it; 404 otherwise (never 403: no hint)."""
    try:
        return _assignments_with_void_items(user).select_related("item", "unit").get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该任务") from None


def assignment_list(user: User, params) -> AssignmentFilter:
    """The task list: the user's visible assignments, filtered by the query string.

    Without a year in the query string, the current 年度's; ``year=`` (empty) lists all years.
    """
    base = assignments_for_user(user).select_related("item", "item__theme", "unit")
    filterset = AssignmentFilter(params, queryset=base, user=user)
    if filterset.form.is_bound:
        filterset.form.is_valid()  # invalid filter values are shown as form errors, not 500s
    return filterset


def history_for(assignment: Assignment) -> QuerySet[StatusUpdate]:
    return (
        assignment.history.select_related("author", "author__unit")
        .prefetch_related("evidence")
        .order_by("-created_at", "-id")
    )


def sibling_assignments(assignment: Assignment) -> QuerySet[Assignment]:
    """The other units on the same item (names and status only are shown)."""
    return (
        Assignment.objects.filter(item_id=assignment.item_id)
        .exclude(pk=assignment.pk)
        .select_related("unit")
        .order_by("role", "unit__kind", "unit__sort_order")
    )


def review_queue(user: User) -> QuerySet[Assignment]:
    """Submissions waiting for the office, oldest first."""
    return (
        assignments_for_user(user)
        .in_open_years()
        .filter(status=Assignment.Status.SUBMITTED)
        .select_related("item", "unit")
        .order_by("submitted_at", "id")
    )


def pending_extensions(user: User) -> QuerySet[ExtensionRequest]:
    visible = assignments_for_user(user).in_open_years()
    return (
        ExtensionRequest.objects.filter(
            state=ExtensionRequest.State.PENDING, assignment__in=visible
        )
        .select_related("assignment__item", "assignment__unit", "requested_by")
        .order_by("created_at", "id")
    )


def get_evidence_for_user(user: User, pk) -> Evidence:
    try:
        return Evidence.objects.select_related("assignment").get(
            pk=pk, assignment__in=_assignments_with_void_items(user)
        )
    except (Evidence.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该文件") from None


def get_extension_for_user(user: User, pk) -> ExtensionRequest:
    try:
        return ExtensionRequest.objects.select_related("assignment").get(
            pk=pk, assignment__in=assignments_for_user(user)
        )
    except (ExtensionRequest.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该延期申请") from None


# --- speeches under review (the office's; leaders read them; units never see them) ----------


def speeches_for_user(user: User) -> QuerySet[Source]:
    """Speeches entered for review, newest first, with their candidates counted by state."""
    if not (user.is_authenticated and user.is_active and user.sees_all_units):
        return Source.objects.none()
    state = DirectiveCandidate.State
    return (
        Source.objects.filter(extracted_at__isnull=False)
        .annotate(
            n_pending=Count("candidates", filter=Q(candidates__state=state.PENDING)),
            n_accepted=Count("candidates", filter=Q(candidates__state=state.ACCEPTED)),
            n_rejected=Count("candidates", filter=Q(candidates__state=state.REJECTED)),
            n_published=Count(
                "candidates",
                filter=Q(
                    candidates__state=state.ACCEPTED,
                    candidates__item__state=ChecklistItem.State.PUBLISHED,
                ),
            ),
        )
        .order_by("-extracted_at", "-id")
    )


def get_speech_for_user(user: User, pk) -> Source:
    """The speech with its counts if the user may review or read it; 404 otherwise."""
    try:
        return speeches_for_user(user).get(pk=pk)
    except (Source.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该讲话") from None


def get_candidate_for_user(user: User, speech_pk, pk) -> DirectiveCandidate:
    speech = get_speech_for_user(user, speech_pk)
    try:
        return speech.candidates.select_related("source", "item").get(pk=pk)
    except (DirectiveCandidate.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该条部署要求") from None


def candidates_of(speech: Source) -> QuerySet[DirectiveCandidate]:
    return speech.candidates.select_related("item", "decided_by").order_by("start")
