"""Who may see and do what in the 隐患台账. Views and services ask the same functions.

- 安委办 and 领导: every hazard (领导 read only).
- A township's staff: the hazards of their township (属地).
- A department's staff: the hazards of the industries it supervises (行业监管部门).
- A 网格员: the hazards of their own grids; they record, the township rectifies.
"""

from tracker.enterprises import permissions as registers
from tracker.models import User


def may_record(user: User) -> bool:
    return registers.may_write(user)


def may_rectify(user: User, hazard) -> bool:
    """Plan, submit, 挂账: the township, the supervising department and the office."""
    if not registers.may_write(user):
        return False
    if user.is_office:
        return True
    if registers.is_township_staff(user):
        return hazard.township_id == user.unit_id
    if registers.is_department_staff(user):
        return hazard.supervisor_id == user.unit_id
    return False


def may_accept(user: User, hazard) -> bool:
    """验收: 一般 by the township, 重大 by the supervising department, the office for both;
    never the unit that must do the 整改 itself."""
    if not registers.may_write(user):
        return False
    if hazard.rectifier_id is not None and user.unit_id == hazard.rectifier_id:
        return False
    if user.is_office:
        return True
    if hazard.level == "major":
        return registers.is_department_staff(user) and hazard.supervisor_id == user.unit_id
    if registers.is_township_staff(user):
        return hazard.township_id == user.unit_id
    # A 一般 hazard the township must fix itself is checked by its department instead.
    return (
        registers.is_department_staff(user)
        and hazard.rectifier_id is not None
        and hazard.supervisor_id == user.unit_id
    )


def may_supervise(user: User) -> bool:
    """挂牌督办, 摘牌, 催办 and 作废 are the office's."""
    return user.is_authenticated and user.is_office


def may_import(user: User) -> bool:
    return user.is_authenticated and user.is_office
