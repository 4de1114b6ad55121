"""Accounts: the office's 账号管理 (create a unit's 联络员 or 网格员, deactivate, move to another
unit, reset a password) and everyone's own 修改密码; the password policy; admin permissions.

The office manages unit accounts (联络员, 网格员, 领导) and nothing more: it cannot create or
change an office account, a superuser or an account with admin access, here or in the admin
(tracker.admin), so it cannot hand out more power than it has. A new or reset account gets a
one-time password, shown once, that must be changed at the next sign-in.
"""

import secrets

from django.apps import apps
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import MinimumLengthValidator
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q

from tracker.models import AppendOnlyModel, Unit, User

OFFICE_GROUP = "安委办"

# History is read-only for everyone; the office may only view it.
READ_ONLY_MODELS = ("statusupdate", "evidence")
PROJECT_PACKAGES = ("checklist", "tracker")

# One-time passwords are read out over the phone: no 0/O, 1/l/I.
ONE_TIME_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz23456789"
MANAGED_ROLES = (User.Role.STAFF, User.Role.GRID, User.Role.LEADER)
CREATED_ROLES = (User.Role.STAFF, User.Role.GRID)


@transaction.atomic
def office_group() -> Group:
    """The admin permissions of the 安委办: the whole catalog and execution side, history read-only."""
    group, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    # The project's own apps, core and registers alike; the append-only ones (history, files,
    # inspections …) are read-only in the admin, whoever declares them.
    project = [c.label for c in apps.get_app_configs() if c.name.split(".")[0] in PROJECT_PACKAGES]
    append_only = [
        m._meta.model_name
        for m in apps.get_models()
        if issubclass(m, AppendOnlyModel) and m._meta.app_label in project
    ]
    perms = Permission.objects.filter(content_type__app_label__in=project).exclude(
        Q(content_type__model__in=[*READ_ONLY_MODELS, *append_only])
        & ~Q(codename__startswith="view_")
    )
    group.permissions.set(perms)
    return group


# --- the password policy -----------------------------------------------------------------------


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule with its message in Chinese: Django 5.2's new wording of it has no
    Chinese translation yet, and the other validators' messages do."""

    def get_error_message(self):
        return f"密码太短，至少需要 {self.min_length} 个字符。"

    def get_help_text(self):
        return f"密码至少 {self.min_length} 个字符。"


def one_time_password() -> str:
    """Twelve random characters in three groups of four, e.g. Kp7m-Rt3x-Wq9a."""
    chars = "".join(secrets.choice(ONE_TIME_ALPHABET) for _ in range(12))
    return "-".join(chars[i : i + 4] for i in range(0, 12, 4))


# --- the office's account management -----------------------------------------------------------


class AccountError(Exception):
    """A refusal with a message for the page, in Chinese."""


def _require_office(user: User) -> None:
    if not user.is_office:
        raise PermissionDenied("只有安委办可以管理账号。")


def manageable(account: User) -> bool:
    """Accounts the office may change: a unit's, never an office account or one with admin
    access."""
    return account.role in MANAGED_ROLES and not (account.is_superuser or account.is_staff)


def _require_manageable(account: User) -> None:
    if not manageable(account):
        raise PermissionDenied("安委办账号和管理后台账号不在这里管理。")


def _check_unit(role: str, unit: Unit | None) -> None:
    if unit is None:
        raise AccountError("请选择所属单位。")
    if not unit.active:
        raise AccountError(f"{unit.name}已停用，不能再添加或调入账号。")
    if role == User.Role.GRID and unit.kind != Unit.Kind.TOWNSHIP:
        raise AccountError("网格员只能属于乡镇（街道）。")


@transaction.atomic
def account_create(
    *,
    user: User,
    username: str,
    display_name: str,
    unit: Unit,
    role: str = User.Role.STAFF,
    email: str = "",
) -> tuple[User, str]:
    """A 联络员 or 网格员 for a unit, with a one-time password (returned, never stored in
    clear) that must be changed at the first sign-in."""
    _require_office(user)
    if role not in CREATED_ROLES:
        raise PermissionDenied("这里只能添加联络员和网格员。")
    username = (username or "").strip()
    if not username:
        raise AccountError("请填写用户名。")
    # The sign-in throttle counts usernames case-blind: two accounts must not differ by case.
    if User.objects.filter(username__iexact=username).exists():
        raise AccountError(f"用户名“{username}”已被使用。")
    _check_unit(role, unit)
    account = User(
        username=username,
        display_name=" ".join((display_name or "").split())[:40],
        unit=unit,
        role=role,
        email=(email or "").strip(),
        is_staff=False,
        is_superuser=False,
        must_change_password=True,
    )
    try:
        account.full_clean(exclude=["password"])
    except ValidationError as exc:
        raise AccountError(_first(exc)) from None
    password = one_time_password()
    account.set_password(password)
    account.save()
    return account, password


@transaction.atomic
def password_reset(*, user: User, account: User) -> str:
    """A new one-time password for a unit's account (a forgotten password, a new holder of
    the post); every session of the account ends, and it must be changed at next sign-in."""
    _require_office(user)
    account = User.objects.select_for_update().get(pk=account.pk)
    _require_manageable(account)
    password = one_time_password()
    account.set_password(password)
    account.must_change_password = True
    account.save(update_fields=["password", "must_change_password"])
    return password


@transaction.atomic
def account_set_active(*, user: User, account: User, active: bool) -> User:
    _require_office(user)
    account = User.objects.select_for_update().get(pk=account.pk)
    _require_manageable(account)
    if account.is_active == active:
        raise AccountError("该账号已停用。" if not active else "该账号已启用。")
    if active and account.unit_id:
        _check_unit(account.role, account.unit)
    account.is_active = active
    account.save(update_fields=["is_active"])
    return account


@transaction.atomic
def account_move(*, user: User, account: User, unit: Unit) -> tuple[User, Unit | None]:
    """Move a 联络员 or 网格员 to another unit (a township's liaison changed posts); returns the
    account and the unit it left. From then on it sees the new unit's work only."""
    _require_office(user)
    account = User.objects.select_for_update().get(pk=account.pk)
    _require_manageable(account)
    if account.role not in CREATED_ROLES:
        raise AccountError("只有联络员和网格员属于某个单位，可以调整。")
    if account.unit_id == unit.pk:
        raise AccountError(f"该账号已属于{unit.name}。")
    _check_unit(account.role, unit)
    # A 网格员 keeps grids of the old township until the township reassigns them
    # (tracker.enterprises); moving the account would leave it seeing those grids.
    memberships = getattr(account, "grid_memberships", None)
    if account.role == User.Role.GRID and memberships is not None and memberships.exists():
        raise AccountError("该网格员仍在原乡镇的网格中，请先在网格中移除后再调整单位。")
    left = account.unit
    account.unit = unit
    account.save(update_fields=["unit"])
    return account, left


# --- everyone's own password -------------------------------------------------------------------


@transaction.atomic
def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """A user changes their own password: the old one (or the one-time one) first, the new one
    by the policy (AUTH_PASSWORD_VALIDATORS, messages in Chinese) and not the old one again."""
    account = User.objects.select_for_update().get(pk=user.pk)
    if not account.check_password(old_password or ""):
        raise AccountError("原密码不正确。")
    if new_password == old_password:
        raise AccountError("新密码不能与原密码相同。")
    try:
        password_validation.validate_password(new_password, account)
    except ValidationError as exc:
        raise AccountError(" ".join(exc.messages)) from None
    account.set_password(new_password)
    account.must_change_password = False
    account.save(update_fields=["password", "must_change_password"])
    user.password = account.password
    user.must_change_password = False
    return account


def _first(exc: ValidationError) -> str:
    messages = getattr(exc, "message_dict", None)
    if messages:
        for errors in messages.values():
            return errors[0]
    return exc.messages[0]
