"""Reads, always scoped by the user asking. Views get assignments from here and nowhere else."""

from collections.abc import Iterable

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.lookups import Exact
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
    ``returned=1`` keeps the tasks sent back and not yet submitted again (the home page's
    被退回 count links there).
    """
    base = assignments_for_user(user).select_related("item", "item__theme", "unit")
    if returned_only(params):
        # Work for the unit to do again: a closed 年度's returned tasks can no longer be.
        base = base.in_open_years().filter(currently_returned())
    filterset = AssignmentFilter(params, queryset=base, user=user)
    if filterset.form.is_bound:
        filterset.form.is_valid()  # invalid filter values are shown as form errors, not 500s
    return filterset


def returned_only(params) -> bool:
    return (params or {}).get("returned") == "1"


# The rows that decide whether a task is back with its unit: the latest of them says so.
_ROUND_KINDS = (StatusUpdate.Kind.SUBMIT, StatusUpdate.Kind.RETURN)


def currently_returned() -> Q:
    """Sent back (退回) by the office and not submitted again since: the latest 提交审核 or
    退回 row of the assignment is a 退回.

    Nothing on the assignment row says so (a return puts it back to 推进中 like any report),
    so the history decides, one index lookup (update_assignment_time) per 推进中 row: only
    those are tested, since a return leaves 推进中 and only a submission leaves that.
    """
    latest = (
        StatusUpdate.objects.filter(assignment=OuterRef("pk"), kind__in=_ROUND_KINDS)
        .order_by("-created_at", "-id")
        .values("kind")[:1]
    )
    return Q(status=Assignment.Status.IN_PROGRESS) & Q(
        Exact(Subquery(latest), StatusUpdate.Kind.RETURN)
    )


def returns_of(assignment_ids: Iterable[int]) -> dict[int, StatusUpdate]:
    """The 退回 row (with its reason) of each of these assignments that is currently returned,
    by assignment id: one query for a page of rows, rather than one per row."""
    ids = list(assignment_ids)
    if not ids:
        return {}
    rows = (
        StatusUpdate.objects.filter(assignment_id__in=ids, kind__in=_ROUND_KINDS)
        .select_related("author")
        .order_by("assignment_id", "-created_at", "-id")
    )
    latest: dict[int, StatusUpdate] = {}
    for row in rows:
        latest.setdefault(row.assignment_id, row)
    return {pk: row for pk, row in latest.items() if row.kind == StatusUpdate.Kind.RETURN}


def submission_of(assignment: Assignment) -> tuple[StatusUpdate | None, list]:
    """What a submitted assignment was submitted with, for the office's review: the 提交审核
    row (figure, note, files) and every file the unit sent since the last 退回 (or since it
    began), newest first. (None, []) when it is not waiting for review."""
    if assignment.status != Assignment.Status.SUBMITTED:
        return None, []
    submit = (
        assignment.history.filter(kind=StatusUpdate.Kind.SUBMIT)
        .select_related("author", "author__unit")
        .order_by("-created_at", "-id")
        .first()
    )
    if submit is None:
        return None, []
    last_return = (
        assignment.history.filter(kind=StatusUpdate.Kind.RETURN, created_at__lte=submit.created_at)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )
    files = Evidence.objects.filter(
        assignment=assignment, update__created_at__lte=submit.created_at
    )
    if last_return is not None:
        files = files.filter(update__created_at__gt=last_return)
    return submit, list(files.order_by("-uploaded_at", "-id"))


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
