from django import forms
from django.utils import timezone

from tracker.enterprises.models import Inspection, Standardization
from tracker.forms import MultipleFileInput, NoteField, WorkbookField, note_field
from tracker.uploads import MAX_EVIDENCE_BYTES, TOO_BIG, RejectedFile, check_evidence

MAX_PHOTOS = 9
PHOTO_KINDS = ("jpg", "png")
HAZARD_MAX = 500


class PhotoField(forms.FileField):
    """Photos taken on the phone: checked by content like every evidence file, and only
    pictures (JPG, PNG) are kept."""

    def __init__(self, **kwargs):
        attrs = {
            "accept": "image/jpeg,image/png",
            "data-max-bytes": MAX_EVIDENCE_BYTES,
            "data-max-files": MAX_PHOTOS,
            "data-too-big": TOO_BIG,
            "data-too-many": f"一次最多上传 {MAX_PHOTOS} 张照片，您选择了 {{count}} 张。",
        }
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        files = list(data) if isinstance(data, (list, tuple)) else [data]
        if len(files) > MAX_PHOTOS:
            raise forms.ValidationError(
                f"一次最多上传 {MAX_PHOTOS} 张照片，您选择了 {len(files)} 张。"
            )
        errors = []
        for upload in files:
            try:
                checked = check_evidence(upload, upload.name, upload.size)
            except RejectedFile as exc:
                errors.append(str(exc))
                continue
            if checked.kind not in PHOTO_KINDS:
                errors.append(f"文件「{checked.safe_name}」不是照片：巡查照片只能是 JPG 或 PNG。")
                continue
            upload.name = checked.safe_name
            upload.content_type = checked.content_type
        if errors:
            raise forms.ValidationError(errors)
        return files


class InspectionForm(forms.Form):
    inspected_on = forms.DateField(
        label="检查日期",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={
            "required": "请填写检查日期。",
            "invalid": "检查日期格式不对，如 2026-05-08。",
        },
    )
    result = forms.ChoiceField(
        label="检查结果",
        choices=Inspection.Result.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择检查结果。", "invalid_choice": "请选择检查结果。"},
    )
    hazards = NoteField(
        label="隐患描述（每处一行）",
        required=False,
        max_length=20 * HAZARD_MAX,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "如：配电箱无漏电保护\n灭火器过期"}),
        error_messages={"max_length": "隐患描述过长。"},
    )
    photos = PhotoField(label="现场照片", required=False)
    signature = forms.CharField(
        label="检查人签名（姓名）",
        max_length=40,
        error_messages={"required": "请填写检查人签名（姓名）。", "max_length": "签名最多 40 字。"},
    )
    note = note_field("补充说明")

    def __init__(self, *args, today=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["inspected_on"].initial = today or timezone.localdate()
        self.fields["photos"].help_text = f"JPG 或 PNG，每张不超过 20 MB，最多 {MAX_PHOTOS} 张。"

    def hazard_lines(self) -> list[str]:
        text = self.cleaned_data.get("hazards") or ""
        return [line.strip(" 　、;；,，.。") for line in text.splitlines() if line.strip()]

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        lines = self.hazard_lines()
        if cleaned.get("result") == Inspection.Result.HAZARDS and not lines:
            self.add_error("hazards", "检查结果为“发现隐患”，请逐条填写隐患描述（每处一行）。")
        if cleaned.get("result") == Inspection.Result.CLEAR and lines:
            self.add_error(
                "hazards", "检查结果为“未发现问题”，不用填写隐患；发现隐患请改选“发现隐患”。"
            )
        for number, line in enumerate(lines, start=1):
            if len(line) > HAZARD_MAX:
                self.add_error("hazards", f"第{number}处隐患的描述超过 {HAZARD_MAX} 字。")
        return cleaned


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": f"{label}格式不对，如 2026-05-08。"},
    )


class StandardizationForm(forms.Form):
    """Register a 标准化创建 (under way, or a certificate already held)."""

    level = forms.ChoiceField(
        label="创建等级",
        choices=Standardization.Level.choices,
        error_messages={"required": "请选择创建等级。", "invalid_choice": "请选择创建等级。"},
    )
    state = forms.ChoiceField(
        label="状态",
        choices=[(s, label) for s, label in Standardization.State.choices if s != "revoked"],
        initial=Standardization.State.BUILDING,
        error_messages={"invalid_choice": "请选择有效的状态。"},
    )
    achieved_on = _date("达标日期")
    certificate_no = forms.CharField(label="证书编号", max_length=40, required=False)
    valid_until = _date("有效期至")
    note = note_field("说明")


class StandardizationChangeForm(forms.Form):
    """推进, correct the certificate, or 撤销 with a reason."""

    state = forms.ChoiceField(
        label="改为",
        choices=Standardization.State.choices,
        error_messages={"invalid_choice": "请选择有效的状态。"},
    )
    achieved_on = _date("达标日期")
    certificate_no = forms.CharField(label="证书编号", max_length=40, required=False)
    valid_until = _date("有效期至")
    note = note_field("说明（撤销须写明原因）")
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class EnterpriseImportForm(forms.Form):
    file = WorkbookField(label="企业名单（.xlsx）")
