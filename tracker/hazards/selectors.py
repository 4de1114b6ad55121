"""Reads of the 隐患台账, scoped by the user asking."""

from django.db.models import QuerySet
from django.http import Http404

from tracker.enterprises import permissions as registers
from tracker.enterprises.selectors import own_grid_ids
from tracker.hazards.filters import HazardFilter
from tracker.hazards.models import Hazard, HazardPhoto
from tracker.models import User


def hazards_for_user(user: User) -> QuerySet[Hazard]:
    qs = Hazard.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if user.sees_all_units:
        return qs
    if registers.is_township_staff(user):
        return qs.filter(township_id=user.unit_id)
    if registers.is_department_staff(user):
        return qs.filter(supervisor_id=user.unit_id)
    if registers.is_grid_member(user):
        return qs.filter(grid_id__in=own_grid_ids(user), township_id=user.unit_id)
    return qs.none()


def get_hazard_for_user(user: User, pk) -> Hazard:
    """The hazard if the user may see it; 404 otherwise, whatever the id (never 403)."""
    try:
        return (
            hazards_for_user(user)
            .select_related(
                "enterprise",
                "township",
                "grid",
                "industry",
                "supervisor",
                "rectifier",
                "accepted_unit",
                "task",
                "recorded_by",
            )  # fmt: skip
            .get(pk=pk)
        )
    except (Hazard.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该隐患") from None


def get_photo_for_user(user: User, pk) -> HazardPhoto:
    try:
        return HazardPhoto.objects.get(pk=pk, hazard__in=hazards_for_user(user))
    except (HazardPhoto.DoesNotExist, ValueError, TypeError):
        raise Http404("没有找到该照片") from None


def history_of(hazard: Hazard):
    return list(hazard.changes.select_related("author").order_by("created_at", "id"))


def hazard_list(user: User, params, *, today) -> HazardFilter:
    base = hazards_for_user(user).select_related("enterprise", "township", "industry")
    if params.get("voided") != "1":
        base = base.filter(voided=False)
    filterset = HazardFilter(
        params, queryset=base.order_by("-found_on", "-id"), user=user, today=today
    )
    if filterset.form.is_bound:
        filterset.form.is_valid()  # bad filter values show as form errors, not 500s
    return filterset
