"""Who may see and do what in the registers. Views and services ask the same functions.

- 安委办 and 领导: every enterprise, grid and record (领导 read only).
- A township's staff: their township's enterprises and grids.
- A department's staff: the enterprises it supervises (行业监管部门), across townships; no grids.
- A 网格员: the enterprises of their own grids (and the grids below them); nothing else.
"""

from tracker.models import Unit, User


def is_township_staff(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.STAFF
        and user.unit_id is not None
        and user.unit.kind == Unit.Kind.TOWNSHIP
    )


def is_department_staff(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.STAFF
        and user.unit_id is not None
        and user.unit.kind == Unit.Kind.DEPARTMENT
    )


def is_grid_member(user: User) -> bool:
    return (
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.GRID
        and user.unit_id is not None
    )


def may_write(user: User) -> bool:
    """Everyone who sees a register may add to it, except leaders, who read."""
    return user.is_authenticated and user.is_active and not user.is_leader


def may_import(user: User) -> bool:
    return user.is_authenticated and user.is_office


def sees_grids(user: User) -> bool:
    """Grids are the townships' (属地): departments have none to look at."""
    return user.is_authenticated and (
        user.sees_all_units or is_township_staff(user) or is_grid_member(user)
    )


def may_manage_grids(user: User, township_id: int) -> bool:
    return user.is_authenticated and (
        user.is_office or (is_township_staff(user) and user.unit_id == township_id)
    )


def may_inspect(user: User, enterprise) -> bool:
    """The enterprise must already be one the user sees (selectors.enterprises_for_user)."""
    return may_write(user)


def may_standardize(user: User, enterprise) -> bool:
    """标准化 is the township's and the supervising department's work, not a 网格员's."""
    if not may_write(user):
        return False
    if user.is_office:
        return True
    if is_township_staff(user):
        return enterprise.township_id == user.unit_id
    if is_department_staff(user):
        return enterprise.supervisor_id == user.unit_id
    return False
