"""Reads, always scoped by the user asking. Views get assignments from here and nowhere else."""

from django.db.models import QuerySet
from django.http import Http404

from checklist.models import ChecklistItem
from tracker.models import Assignment, User


def assignments_for_user(user: User) -> QuerySet[Assignment]:
    """The assignments this user may see: all for the office and leaders, own unit for staff.

    Staff see only published items; drafts are the office's work in progress.
    """
    qs = Assignment.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_units:
        return qs
    if user.role == User.Role.STAFF and user.unit_id:
        return qs.filter(unit_id=user.unit_id, item__state=ChecklistItem.State.PUBLISHED)
    return qs.none()


def get_assignment_for_user(user: User, pk) -> Assignment:
    """The assignment with this id if the user may see it; 404 otherwise (never 403: no hint)."""
    try:
        return assignments_for_user(user).select_related("item", "unit").get(pk=pk)
    except (Assignment.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该任务") from None
