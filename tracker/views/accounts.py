"""账号管理 (the office) and 修改密码 (everyone)."""

import logging

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.decorators.http import require_POST

from tracker import accounts, security
from tracker.account_forms import AccountCreateForm, AccountMoveForm, PasswordChangeForm
from tracker.models import Unit, User


def _office(request):
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以管理账号。")


def _account(pk) -> User:
    return get_object_or_404(User.objects.select_related("unit"), pk=pk)


def account_list(request):
    _office(request)
    qs = User.objects.select_related("unit").order_by(
        "unit__kind", "unit__sort_order", "unit__name", "role", "username"
    )
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = get_object_or_404(Unit, pk=int(request.GET["unit"]))
        qs = qs.filter(unit=unit)
    rows = list(qs)
    for row in rows:
        row.manageable = accounts.manageable(row)
    return render(
        request,
        "tracker/accounts.html",
        {"rows": rows, "unit": unit, "units": Unit.objects.order_by("kind", "sort_order", "name")},
    )


@sensitive_variables("password")
def _one_time(request, account, password, action):
    """The one page that ever shows the password: not stored, not in a message, not cached
    (signed-in responses are no-store)."""
    return render(
        request,
        "tracker/account_password.html",
        {"account": account, "password": password, "action": action},
    )


@sensitive_variables("password")
def account_new(request):
    _office(request)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, password = accounts.account_create(
                user=request.user,
                username=data["username"],
                display_name=data["display_name"],
                unit=data["unit"],
                role=data["role"],
                email=data["email"],
            )
        except accounts.AccountError as exc:
            form.add_error(None, str(exc))
        else:
            security.log_event(
                request,
                "account_create",
                "success",
                target=account.get_username(),
                unit=account.unit.name,
                role=account.role,
            )
            return _one_time(request, account, password, "已创建账号")
    return render(request, "tracker/account_new.html", {"form": form})


def account_detail(request, pk):
    _office(request)
    account = _account(pk)
    return render(
        request,
        "tracker/account_detail.html",
        {
            "account": account,
            "manageable": accounts.manageable(account),
            "move_form": AccountMoveForm(initial={"unit": account.unit_id}),
        },
    )


@require_POST
@sensitive_variables("password")
def account_reset(request, pk):
    _office(request)
    account = _account(pk)
    password = accounts.password_reset(user=request.user, account=account)
    security.log_event(
        request, "password_reset", "success", level=logging.WARNING, target=account.get_username()
    )
    return _one_time(request, account, password, "已重置密码")


@require_POST
def account_active(request, pk):
    _office(request)
    account = _account(pk)
    active = request.POST.get("active") == "1"
    try:
        accounts.account_set_active(user=request.user, account=account, active=active)
    except accounts.AccountError as exc:
        messages.error(request, str(exc))
    else:
        security.log_event(
            request,
            "account_activate" if active else "account_deactivate",
            "success",
            target=account.get_username(),
        )
        messages.success(
            request, f"已{'启用' if active else '停用'}账号 {account.get_username()}。"
        )
    return redirect("account_detail", pk=account.pk)


@require_POST
def account_move(request, pk):
    _office(request)
    account = _account(pk)
    form = AccountMoveForm(request.POST)
    if not form.is_valid():
        messages.error(request, "请选择要调到的单位。")
        return redirect("account_detail", pk=account.pk)
    try:
        account, left = accounts.account_move(
            user=request.user, account=account, unit=form.cleaned_data["unit"]
        )
    except accounts.AccountError as exc:
        messages.error(request, str(exc))
    else:
        security.log_event(
            request,
            "account_move",
            "success",
            target=account.get_username(),
            from_unit=left.name if left else "",
            to_unit=account.unit.name,
        )
        messages.success(request, f"{account} 已调到{account.unit.name}。")
    return redirect("account_detail", pk=account.pk)


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
def password_change(request):
    user = request.user
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            accounts.password_change(
                user=user,
                old_password=form.cleaned_data["old_password"],
                new_password=form.cleaned_data["new_password2"],
            )
        except accounts.AccountError as exc:
            form.add_error(None, str(exc))
            security.log_event(request, "password_change", "failure", level=logging.WARNING)
        else:
            # Other sessions of this account end; this one goes on.
            update_session_auth_hash(request, user)
            security.log_event(request, "password_change", "success")
            messages.success(request, "密码已修改。")
            target = request.POST.get("next", "")
            if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
                return redirect(target)
            return redirect("home")
    return render(
        request,
        "tracker/password_change.html",
        {
            "form": form,
            "forced": user.must_change_password,
            "next": request.POST.get("next") or request.GET.get("next", ""),
        },
    )
