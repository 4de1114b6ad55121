from django import forms

from tracker.enterprises.forms import PhotoField
from tracker.hazards.models import Hazard

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


class HazardForm(forms.Form):
    """Record a hazard on a phone: the enterprise (or a place), what, how found, a photo."""

    enterprise = forms.IntegerField(widget=forms.HiddenInput, required=False)
    location = forms.CharField(label="隐患部位", max_length=200, required=False)
    description = forms.CharField(
        label="隐患描述", widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "请填写隐患描述。"},
    )  # fmt: skip
    found_on = date_field("发现日期")
    source = forms.ChoiceField(label="发现方式", choices=Hazard.Source.choices)
    category = forms.ChoiceField(
        label="隐患类别", choices=Hazard.Category.choices, initial="site",
        widget=forms.RadioSelect,
    )  # fmt: skip
    level = forms.ChoiceField(
        label="隐患等级", choices=Hazard.Level.choices, initial="general", widget=forms.RadioSelect
    )
    basis = forms.CharField(
        label="重大隐患判定依据", required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text="重大隐患须写明依据的标准条款。",
    )  # fmt: skip
    photos = PhotoField(label="整改前照片", required=False)


class PlanForm(forms.Form):
    measures = forms.CharField(label="整改措施", widget=forms.Textarea(attrs={"rows": 2}))
    responsible = forms.CharField(label="整改责任人", max_length=40)
    funds = forms.DecimalField(label="整改资金（元）", min_value=0, max_digits=12, decimal_places=2)
    deadline = date_field("整改时限")
    contingency = forms.CharField(
        label="应急预案/防范措施", widget=forms.Textarea(attrs={"rows": 2})
    )


class SubmitForm(forms.Form):
    note = forms.CharField(
        label="整改情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    photos = PhotoField(label="整改后照片")


class AcceptForm(forms.Form):
    accepted_on = date_field("验收日期")
    signer = forms.CharField(label="验收人", max_length=40)
    photos = PhotoField(label="验收照片（可补充）", required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label="原因", widget=forms.Textarea(attrs={"rows": 2}))


class DeferForm(forms.Form):
    reason = forms.CharField(label="暂不能整改的原因", widget=forms.Textarea(attrs={"rows": 2}))
    interim = forms.CharField(label="临时管控措施", widget=forms.Textarea(attrs={"rows": 2}))


class ListForm(forms.Form):
    level = forms.ChoiceField(label="督办层级", choices=Hazard.Listing.choices)
    doc = forms.CharField(label="督办单号", max_length=60)
    listed_on = date_field("挂牌日期")


class DelistForm(forms.Form):
    delisted_on = date_field("摘牌日期")
