"""标准化创建 on an enterprise's file: register one, 推进 it, correct it or 撤销 it."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from tracker.enterprises import permissions, selectors, services
from tracker.enterprises.forms import StandardizationChangeForm, StandardizationForm
from tracker.enterprises.views.register import enterprise_detail


def _back(enterprise) -> str:
    return reverse("enterprises:enterprise_detail", args=[enterprise.pk]) + "#standardization"


@require_POST
def standardization_add(request, pk):
    enterprise = selectors.get_enterprise_for_user(request.user, pk)
    if not permissions.may_standardize(request.user, enterprise):
        raise PermissionDenied("只有安委办、企业属地乡镇（街道）和行业监管部门可以登记标准化创建。")
    form = StandardizationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.standardization_create(
                user=request.user,
                enterprise=enterprise,
                level=data["level"],
                state=data["state"],
                achieved_on=data["achieved_on"],
                certificate_no=data["certificate_no"],
                valid_until=data["valid_until"],
                note=data["note"],
                today=timezone.localdate(),
            )
        except services.RegisterError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "已登记标准化创建。")
            return redirect(_back(enterprise))
    return enterprise_detail(request, enterprise.pk, std_form=form, status=400)


@require_POST
def standardization_change(request, pk):
    record = selectors.get_standardization_for_user(request.user, pk)
    enterprise = record.enterprise
    if not permissions.may_standardize(request.user, enterprise):
        raise PermissionDenied("只有安委办、企业属地乡镇（街道）和行业监管部门可以修改标准化创建。")
    form = StandardizationChangeForm(request.POST, prefix=f"r{record.pk}")
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.standardization_change(
                user=request.user,
                record=record,
                state=data["state"],
                achieved_on=data["achieved_on"],
                certificate_no=data["certificate_no"],
                valid_until=data["valid_until"],
                note=data["note"],
                expected_version=data["version"],
                today=timezone.localdate(),
            )
        except services.RegisterError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(request, "已保存。")
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect(_back(enterprise))
