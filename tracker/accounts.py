"""Accounts and their admin permissions."""

from django.contrib.auth.models import Group, Permission
from django.db import transaction
from django.db.models import Q

OFFICE_GROUP = "安委办"

# History is read-only for everyone; the office may only view it.
READ_ONLY_MODELS = ("statusupdate", "evidence")


@transaction.atomic
def office_group() -> Group:
    """The admin permissions of the 安委办: the whole catalog and execution side, history read-only."""
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    perms = Permission.objects.filter(content_type__app_label__in=["checklist", "tracker"]).exclude(
        Q(content_type__model__in=READ_ONLY_MODELS) & ~Q(codename__startswith="view_")
    )
    group.permissions.set(perms)
    return group
