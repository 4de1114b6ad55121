"""The record/edit form (phone-friendly: one column, native date and number inputs) and the
void form. Range checks are left to the services so every refusal reads the same."""

from django import forms

from tracker.accidents.models import Accident
from tracker.enterprises.models import Industry
from tracker.models import Unit

DATE = {"type": "date"}


def date_field(label, required=True):
    return forms.DateField(
        label=label,
        required=required,
        widget=forms.DateInput(attrs=DATE, format="%Y-%m-%d"),
        error_messages={
            "required": f"请填写{label}。",
            "invalid": f"{label}格式不对，如 2026-05-08。",
        },
    )


def count_field(label):
    return forms.IntegerField(
        label=label,
        initial=0,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
        error_messages={
            "required": f"请填写{label}（没有请填 0）。",
            "invalid": f"{label}须是整数。",
        },
    )


class AccidentForm(forms.Form):
    occurred_on = date_field("发生日期")
    township = forms.ModelChoiceField(
        label="属地乡镇（街道）",
        queryset=Unit.objects.filter(kind=Unit.Kind.TOWNSHIP, active=True),
        error_messages={
            "required": "请选择事故发生地所属的乡镇（街道）。",
            "invalid_choice": "所选属地不是乡镇（街道），请重新选择。",
        },
    )
    place = forms.CharField(
        label="发生地点", max_length=200, error_messages={"required": "请填写发生地点。"}
    )
    enterprise_name = forms.CharField(
        label="事故单位（企业台账中的名称，可不填）", max_length=100, required=False
    )
    industry = forms.ModelChoiceField(
        label="行业（有事故单位时按企业台账）",
        queryset=Industry.objects.filter(active=True),
        required=False,
        error_messages={"invalid_choice": "所选行业不存在，请重新选择。"},
    )
    level = forms.ChoiceField(
        label="事故等级",
        choices=Accident.Level.choices,
        initial=Accident.Level.GENERAL,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择事故等级。", "invalid_choice": "请选择事故等级。"},
    )
    deaths = count_field("死亡人数")
    injuries = count_field("受伤人数")
    direct_loss = forms.DecimalField(
        label="直接经济损失（万元）",
        required=False,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
        error_messages={"invalid": "直接经济损失须是数字（单位：万元）。"},
    )
    description = forms.CharField(
        label="事故简要经过",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "请填写事故简要经过。"},
    )
    state = forms.ChoiceField(
        label="调查处理",
        choices=Accident.State.choices,
        initial=Accident.State.INVESTIGATING,
        error_messages={"invalid_choice": "请选择调查处理状态。"},
    )
    closed_on = date_field("结案日期（已结案时填写）", required=False)
    note = forms.CharField(label="修改说明", required=False, max_length=500)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not editing:
            self.fields.pop("note")
            self.fields.pop("version")
        if not user.is_office and user.unit is not None and user.unit.kind == Unit.Kind.TOWNSHIP:
            # A township records on its own ground: nothing to choose.
            self.fields["township"].queryset = Unit.objects.filter(pk=user.unit_id)
            self.fields["township"].initial = user.unit_id


class VoidForm(forms.Form):
    reason = forms.CharField(
        label="作废原因",
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"required": "作废须写明原因。"},
    )
