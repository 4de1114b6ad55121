"""Who may see and do what in the 事故台账. Views and services ask the same functions.

- 安委办: every accident; records, edits, voids; sets the 控制指标.
- 领导: every accident and the 控制指标, read only.
- A township's staff: the accidents on its ground (属地); records and edits them.
- A department's staff: the accidents of the industries it supervises; records and edits them.
- 网格员 and other units' staff: no access to the register.
"""

from tracker.enterprises import permissions as registers
from tracker.models import User


def may_view(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and (
            user.sees_all_units
            or registers.is_township_staff(user)
            or registers.is_department_staff(user)
        )
    )


def may_record(user: User) -> bool:
    return may_view(user) and not user.is_leader


def may_edit(user: User, accident) -> bool:
    """The office, the township on whose ground it happened, or its supervising department."""
    if not may_record(user) or accident.voided:
        return False
    if user.is_office:
        return True
    if registers.is_township_staff(user):
        return accident.township_id == user.unit_id
    if registers.is_department_staff(user):
        return accident.supervisor_id == user.unit_id
    return False


def may_void(user: User) -> bool:
    return user.is_authenticated and user.is_office


def may_set_indicators(user: User) -> bool:
    return user.is_authenticated and user.is_office


def may_view_indicators(user: User) -> bool:
    return user.is_authenticated and user.sees_all_units
