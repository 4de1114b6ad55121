"""Reads for the channel pages and the delivery log, scoped by the user: the office sees every
unit's, a 联络员 their own unit's and their own; anyone else nothing."""

from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from tracker.messaging.models import Channel, Delivery
from tracker.models import Unit, User


def get_unit_for_user(user: User, pk: int) -> Unit:
    unit = get_object_or_404(Unit, pk=pk)
    if user.is_office or (user.role == User.Role.STAFF and user.unit_id == unit.pk):
        return unit
    raise Http404


def visible_channels(user: User) -> QuerySet[Channel]:
    qs = Channel.objects.select_related("unit", "user")
    if user.is_office:
        return qs
    if user.role == User.Role.STAFF and user.unit_id:
        return qs.filter(Q(unit_id=user.unit_id) | Q(user=user))
    return qs.none()


def get_channel_for_user(user: User, pk: int) -> Channel:
    return get_object_or_404(visible_channels(user), pk=pk)


def get_owner_for_user(user: User, pk: int) -> User:
    """Whose personal channel: one's own, or (the office) any 联络员's."""
    owner = get_object_or_404(User, pk=pk, role=User.Role.STAFF, is_active=True)
    if user.is_office or owner.pk == user.pk:
        return owner
    raise Http404


def unit_channels(unit: Unit) -> QuerySet[Channel]:
    return Channel.objects.filter(unit=unit).order_by("kind", "id")


def personal_channels(unit: Unit, user: User) -> QuerySet[Channel]:
    """The 联络员's own channels: the office sees each of the unit's, a 联络员 only theirs."""
    qs = Channel.objects.filter(user__unit=unit).select_related("user").order_by("user", "id")
    return qs if user.is_office else qs.filter(user=user)


def deliveries_for(user: User, *, unit: Unit | None = None, state: str = "") -> QuerySet:
    qs = Delivery.objects.select_related("message__unit", "channel")
    if not user.is_office:
        if user.role != User.Role.STAFF or not user.unit_id:
            return qs.none()
        qs = qs.filter(message__unit_id=user.unit_id)
    if unit is not None:
        qs = qs.filter(message__unit=unit)
    if state:
        qs = qs.filter(state=state)
    return qs.order_by("-created_at", "-id")


def units_overview() -> list[Unit]:
    """Each active unit with how many channels it has and how many deliveries failed."""
    return list(
        Unit.objects.filter(active=True)
        .annotate(
            channel_count=Count("channels", distinct=True),
            active_count=Count("channels", filter=Q(channels__active=True), distinct=True),
        )
        .order_by("kind", "sort_order", "name")
    )


def failed_by_unit() -> dict[int, int]:
    rows = (
        Delivery.objects.filter(state=Delivery.State.FAILED)
        .values("message__unit")
        .annotate(n=Count("id"))
    )
    return {row["message__unit"]: row["n"] for row in rows}
