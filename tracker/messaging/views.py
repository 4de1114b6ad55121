"""Channel settings (消息推送) and the delivery log (发送记录)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST

from tracker import channels, security
from tracker.messaging import forms as channel_forms
from tracker.messaging import selectors, services
from tracker.messaging.models import Delivery
from tracker.models import User

# Every field that may hold a secret: kept out of Django's error reports too.
SECRET_FIELDS = ("webhook", "secret", "access_key_secret", "token", "url", "endpoint")
OUTCOME_WORDS = {channels.SENT: "发送成功", channels.RETRY: "暂时失败", channels.FAILED: "发送失败"}


def messaging_home(request):
    user = request.user
    if user.is_office:
        failed = selectors.failed_by_unit()
        units = selectors.units_overview()
        for unit in units:
            unit.failed = failed.get(unit.pk, 0)
        return render(request, "messaging/home.html", {"units": units})
    if user.role == User.Role.STAFF and user.unit_id:
        return redirect("messaging:unit_channels", pk=user.unit_id)
    raise PermissionDenied("只有安委办和单位联络员可以设置消息推送。")


def _cards(user, channel_list):
    for channel in channel_list:
        module = channel.transport
        channel.shown = [
            (spec.label, channel_forms.shown(spec, channel.config))
            for spec in module.FIELDS
            if channel.config.get(spec.name) not in (None, "", [])
        ]
        channel.kind_names = [
            label for kind, label in services.kinds_for_form() if kind in channel.kinds
        ]
        channel.can_change = services.can_change(user, channel)
        channel.can_test = channel.can_change or services.may_test(user, channel)
        channel.test_words = OUTCOME_WORDS.get(channel.last_test_outcome, "")
        last = channel.deliveries.order_by("-updated_at", "-id").first()
        channel.last_delivery = last
    return channel_list


def unit_channels(request, pk):
    unit = selectors.get_unit_for_user(request.user, pk)
    user = request.user
    kinds = channels.choices()
    context = {
        "unit": unit,
        "channels": _cards(user, list(selectors.unit_channels(unit))),
        "personal": _cards(user, list(selectors.personal_channels(unit, user))),
        "unit_kinds": [(k, label) for k, label in kinds if services.can_set_up(user, k, unit=unit)],
        "own_kinds": [(k, label) for k, label in kinds if services.can_set_up(user, k, owner=user)],
        "can_own": user.role == User.Role.STAFF and user.unit_id == unit.pk,
        "deliveries": selectors.deliveries_for(user, unit=unit)[:20],
    }
    return render(request, "messaging/unit.html", context)


def _save(request, form, *, channel=None, unit=None, owner=None, kind=None):
    data = form.cleaned_data
    return services.channel_save(
        user=request.user,
        kind=kind or channel.kind,
        name=data["name"],
        config=form.config,
        kinds=data["kinds"],
        active=data["active"],
        channel=channel,
        unit=unit,
        owner=owner,
    )


def _form_page(request, form, *, title, back, channel=None, unit=None, owner=None, kind=None):
    if request.method == "POST" and form.is_valid():
        try:
            saved = _save(request, form, channel=channel, unit=unit, owner=owner, kind=kind)
        except services.ChannelError as exc:
            form.add_error(None, str(exc))
        else:
            security.log_event(
                request,
                "channel_save",
                "success",
                channel=saved.pk,
                kind=saved.kind,
                unit=saved.unit.name if saved.unit else "",
                owner=saved.user.get_username() if saved.user else "",
            )
            messages.success(request, f"已保存“{saved.name}”。可以点“测试发送”看看是否收到。")
            return redirect(back)
    return render(
        request,
        "messaging/channel_form.html",
        {"form": form, "title": title, "back": back, "module": channels.get(kind or channel.kind)},
    )


@sensitive_post_parameters(*SECRET_FIELDS)
def channel_new(request, pk, kind):
    unit = selectors.get_unit_for_user(request.user, pk)
    try:
        module = channels.get(kind)
    except channels.ConfigError:
        raise PermissionDenied("未知的消息渠道。") from None
    if not services.can_set_up(request.user, kind, unit=unit):
        raise PermissionDenied("短信渠道由安委办设置。")
    data = request.POST if request.method == "POST" else None
    form = channel_forms.channel_form(kind, data=data)
    if data is None:
        form.initial["name"] = f"{unit.label}{module.LABEL}"
    back = reverse("messaging:unit_channels", args=[unit.pk])
    return _form_page(
        request, form, title=f"{unit.name} · 添加{module.LABEL}", back=back, unit=unit, kind=kind
    )


@sensitive_post_parameters(*SECRET_FIELDS)
def owner_new(request, pk, kind):
    owner = selectors.get_owner_for_user(request.user, pk)
    try:
        module = channels.get(kind)
    except channels.ConfigError:
        raise PermissionDenied("未知的消息渠道。") from None
    if not services.can_set_up(request.user, kind, owner=owner):
        raise PermissionDenied("短信渠道由安委办设置。")
    data = request.POST if request.method == "POST" else None
    form = channel_forms.channel_form(kind, data=data)
    back = reverse("messaging:unit_channels", args=[owner.unit_id])
    return _form_page(
        request, form, title=f"{owner} 个人 · 添加{module.LABEL}", back=back, owner=owner, kind=kind
    )


def _back_for(channel):
    return reverse("messaging:unit_channels", args=[channel.unit_id or channel.user.unit_id])


@sensitive_post_parameters(*SECRET_FIELDS)
def channel_edit(request, pk):
    channel = selectors.get_channel_for_user(request.user, pk)
    if not services.can_change(request.user, channel):
        raise PermissionDenied("短信渠道由安委办设置。")
    data = request.POST if request.method == "POST" else None
    form = channel_forms.channel_form(channel.kind, instance=channel, data=data)
    return _form_page(
        request, form, title=f"修改 · {channel}", back=_back_for(channel), channel=channel
    )


@require_POST
def channel_delete(request, pk):
    channel = selectors.get_channel_for_user(request.user, pk)
    back = _back_for(channel)
    name = channel.name
    services.channel_delete(user=request.user, channel=channel)
    security.log_event(request, "channel_delete", "success", channel=pk, kind=channel.kind)
    messages.success(request, f"已删除“{name}”。")
    return redirect(back)


@require_POST
def channel_test(request, pk):
    channel = selectors.get_channel_for_user(request.user, pk)
    try:
        result = services.channel_test(user=request.user, channel=channel)
    except services.ChannelError as exc:
        messages.error(request, str(exc))
    else:
        security.log_event(
            request, "channel_test", result.outcome, channel=channel.pk, kind=channel.kind
        )
        text = f"测试发送到“{channel.name}”：{OUTCOME_WORDS[result.outcome]}。服务商应答：{result.detail}"
        (messages.success if result.sent else messages.error)(request, text)
    return redirect(_back_for(channel))


def delivery_log(request):
    if not request.user.is_office:
        raise PermissionDenied("只有安委办可以查看全部发送记录。")
    state = request.GET.get("state", "")
    if state not in Delivery.State.values:
        state = ""
    unit = None
    if request.GET.get("unit", "").isdigit():
        unit = selectors.get_unit_for_user(request.user, int(request.GET["unit"]))
    qs = selectors.deliveries_for(request.user, unit=unit, state=state)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    counts = {
        s: selectors.deliveries_for(request.user, unit=unit, state=s).count()
        for s in Delivery.State.values
    }
    return render(
        request,
        "messaging/log.html",
        {
            "page": page,
            "state": state,
            "unit": unit,
            "states": [(s, label, counts[s]) for s, label in Delivery.State.choices],
        },
    )


@require_POST
def delivery_retry(request, pk):
    delivery = get_object_or_404(selectors.deliveries_for(request.user), pk=pk)
    try:
        services.delivery_retry(user=request.user, delivery=delivery)
    except services.ChannelError as exc:
        messages.error(request, str(exc))
    else:
        security.log_event(request, "delivery_retry", "success", delivery=pk)
        messages.success(request, "已重新排队，发送程序下次运行时发出。")
    back = request.POST.get("back", "")
    if url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        return redirect(back)
    return redirect("messaging:delivery_log")
