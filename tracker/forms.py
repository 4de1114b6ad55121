import re

from django import forms
from django.conf import settings
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxValueValidator
from django.utils import timezone

from checklist.shares import is_rate_unit
from tracker import security
from tracker.models import Assignment
from tracker.progress import format_quantity
from tracker.services import clean_text
from tracker.uploads import (
    MAX_EVIDENCE_BYTES,
    MAX_FILES_PER_REPORT,
    TOO_BIG,
    TOO_MANY,
    RejectedFile,
    check_evidence,
)
from tracker.work_years import parse_year

ACCEPT = ".jpg,.jpeg,.png,.pdf,.doc,.docx,.xls,.xlsx,image/jpeg,image/png"
NOTE_MAX = 2000


class LoginForm(AuthenticationForm):
    """Sign-in, throttled per (username, address): see tracker.security."""

    error_messages = {
        "invalid_login": "用户名或密码不正确。",
        "inactive": "该账号已停用，请联系安委办。",
        "throttled": security.THROTTLED_MESSAGE,
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["password"].label = "密码"

    def clean(self):
        username = self.cleaned_data.get("username")
        throttled = forms.ValidationError(self.error_messages["throttled"], code="throttled")
        if username and security.refuse_if_locked(self.request, username):
            raise throttled
        try:
            return super().clean()
        except forms.ValidationError:
            # The failure that reaches the limit says so at once, not on the next try.
            if (
                username
                and self.request
                and security.locked_until(username, security.request_ip(self.request))
            ):
                raise throttled from None
            raise


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field; each is checked by content in the form's clean_files."""

    def __init__(self, **kwargs):
        attrs = {
            "accept": ACCEPT,
            "data-max-bytes": MAX_EVIDENCE_BYTES,
            "data-max-files": MAX_FILES_PER_REPORT,
            "data-too-big": TOO_BIG,
            "data-too-many": TOO_MANY,
        }
        kwargs.setdefault("widget", MultipleFileInput(attrs=attrs))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        if not data:
            return []
        return list(data) if isinstance(data, (list, tuple)) else [data]


class NoteField(forms.CharField):
    """A note or reason, cleaned as the services keep it: text made only of invisible
    characters (zero-width, BOM, full-width spaces) is empty, so a required one is missing."""

    def clean(self, value):
        value = self.to_python(value)
        self.run_validators(value)  # on the text as sent: a NUL is named, not dropped
        value = clean_text(value)
        self.validate(value)
        return value


def note_field(label: str, required: bool = False) -> forms.CharField:
    return NoteField(
        label=label,
        required=required,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "max_length": f"{label}不能超过 {NOTE_MAX} 字（现有 %(show_value)d 字）。",
            "required": f"请填写{label}。",
            "null_characters_not_allowed": f"{label}中含有不可见的控制字符，请删除后重试。",
        },
    )


def version_field() -> forms.IntegerField:
    return forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class ProgressForm(forms.Form):
    """One screen for a unit's report: progress, a note, files; save or submit for review."""

    ACTIONS = [("report", "保存进度"), ("submit", "提交审核")]

    action = forms.ChoiceField(choices=ACTIONS, error_messages={"invalid_choice": "不允许的操作。"})
    percent = forms.IntegerField(
        label="完成百分比（%）",
        required=False,
        min_value=0,
        max_value=100,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 0, "max": 100}),
        error_messages={
            "invalid": "完成百分比请填写 0 到 100 之间的整数。",
            "min_value": "完成百分比不能小于 0。",
            "max_value": "完成百分比不能大于 100。",
        },
    )
    quantity = forms.DecimalField(
        label="已完成数量",
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "min": 0, "step": "any"}),
        error_messages={
            "invalid": "已完成数量请填写数字。",
            "min_value": "已完成数量不能为负数。",
            "max_digits": "已完成数量过大。",
            "max_decimal_places": "已完成数量最多保留两位小数。",
            "max_whole_digits": "已完成数量过大。",
        },
    )
    note = note_field("进展说明")
    files = MultipleFileField(label="佐证材料", required=False)
    version = version_field()

    def __init__(self, *args, assignment: Assignment, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignment = assignment
        item = assignment.item
        target = assignment.target
        if item.target_quantity:
            unit = item.target_unit
            quantity = self.fields["quantity"]
            if is_rate_unit(unit):
                quantity.label = f"本单位比率（%，目标 {format_quantity(target)}%）"
                quantity.validators.append(MaxValueValidator(100))
                quantity.widget.attrs["max"] = 100
            elif assignment.is_split:
                quantity.label = (
                    f"已完成数量（本单位分解数量 {format_quantity(target)} {unit}，"
                    f"全县目标 {format_quantity(item.target_quantity)} {unit}）"
                )
            else:
                quantity.label = f"已完成数量（目标 {format_quantity(target)} {unit}）"
            del self.fields["percent"]
        else:
            del self.fields["quantity"]
            if assignment.due_date is None:
                # A 长期 task has no end to be a share of: each period reports what was done.
                # Without the field a posted percent is not read at all.
                del self.fields["percent"]
                self.fields["note"].label = "本期进展"
                cadence = assignment.item.cadence_label or "期"
                self.fields[
                    "note"
                ].help_text = f"长期任务按{cadence}报送：写明本期做了什么，附上佐证材料。"
        if item.measure:
            # 台账计量: the figure comes from the register; the unit writes what it did.
            self.fields.pop("quantity", None)
            if item.target_quantity:
                self.fields.pop("percent", None)
        self.fields[
            "files"
        ].help_text = (
            f"照片、PDF、Word、Excel，每个不超过 20 MB，一次最多 {MAX_FILES_PER_REPORT} 个。"
        )

    def clean_quantity(self):
        # Python reads "1e3" as 1000; on a phone that is a slip of the keyboard, not a number.
        raw = str(self.data.get(self.add_prefix("quantity"), ""))
        if "e" in raw.lower():
            raise forms.ValidationError("已完成数量请填写数字，如 25 或 12.5。")
        return self.cleaned_data.get("quantity")

    def clean_files(self):
        files = self.cleaned_data["files"]
        if len(files) > MAX_FILES_PER_REPORT:
            raise forms.ValidationError(TOO_MANY.format(count=len(files)))
        errors = []
        for upload in files:
            try:
                checked = check_evidence(upload, upload.name, upload.size)
            except RejectedFile as exc:
                errors.append(str(exc))
                continue
            upload.name = checked.safe_name
            upload.content_type = checked.content_type
        if errors:
            raise forms.ValidationError(errors)
        return files

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "report" and not self.errors:
            has_progress = cleaned.get("percent") is not None or cleaned.get("quantity") is not None
            if not (has_progress or cleaned.get("note", "").strip() or cleaned.get("files")):
                raise forms.ValidationError("请填写完成进度、进展说明或上传佐证材料。")
        return cleaned


class ExtensionForm(forms.Form):
    new_due_date = forms.DateField(
        label="申请延至",
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "invalid": "请填写有效日期，如 2026-12-31。",
            "required": "请填写申请延至的日期。",
        },
    )
    reason = note_field("延期理由", required=True)


class ReviewForm(forms.Form):
    DECISIONS = [("approve", "审核通过（销号）"), ("return", "退回")]

    decision = forms.ChoiceField(
        choices=DECISIONS, error_messages={"invalid_choice": "不允许的操作。"}
    )
    note = note_field("审核意见")
    version = version_field()

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "return" and not cleaned.get("note", "").strip():
            self.add_error("note", "退回时请填写原因，让责任单位知道需要补充什么。")
        return cleaned


class ExtensionDecisionForm(forms.Form):
    DECISIONS = [("approve", "同意延期"), ("refuse", "不同意")]

    decision = forms.ChoiceField(
        choices=DECISIONS, error_messages={"invalid_choice": "不允许的操作。"}
    )
    note = note_field("审批意见")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == "refuse" and not cleaned.get("note", "").strip():
            self.add_error("note", "不同意延期时请填写理由。")
        return cleaned


class BulkForm(forms.Form):
    ACTIONS = [
        ("publish", "发布所选任务"),
        ("return", "退回所选（待审核的）"),
        ("set_due", "修改完成时限"),
    ]

    action = forms.ChoiceField(choices=ACTIONS, error_messages={"invalid_choice": "不允许的操作。"})
    reason = forms.CharField(label="退回原因", required=False, max_length=NOTE_MAX)
    due_date = forms.DateField(
        label="新的完成时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": "请填写有效日期，如 2026-12-31。"},
    )
    ids = forms.Field(required=False, widget=forms.MultipleHiddenInput)

    # A task's id as the checkboxes send it: ASCII digits only (str.isdigit() also takes "²"
    # and str.isdecimal() "١", which int() then refuses or reads), and at most 18 of them,
    # so it fits a 64-bit integer column on every database.
    ID = re.compile(r"^[0-9]{1,18}$")
    BAD_IDS = "所选任务的编号无效，请刷新页面后重新勾选。"

    def clean_ids(self) -> list[int]:
        values = self.cleaned_data.get("ids") or []
        if not all(isinstance(v, str) and self.ID.fullmatch(v) for v in values):
            raise forms.ValidationError(self.BAD_IDS, code="bad_ids")
        return [int(v) for v in values]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == "return" and not cleaned.get("reason", "").strip():
            self.add_error("reason", "批量退回时请填写退回原因。")
        if cleaned.get("action") == "set_due":
            due = cleaned.get("due_date")
            if not due:
                self.add_error("due_date", "请填写新的完成时限。")
            elif due < timezone.localdate():
                # A new deadline in the past makes every chosen task overdue at once; single
                # corrections of past dates go through the admin, where each is seen.
                self.add_error("due_date", f"新的完成时限不能早于今天（{timezone.localdate()}）。")
        return cleaned


def _workbook_too_big() -> str:
    return f"文件超过 {settings.EXCEL_MAX_UPLOAD_BYTES // (1024 * 1024)} MB，请拆分后再导入。"


class WorkbookField(forms.FileField):
    """An .xlsx upload; its content is checked by the importer, its size here."""

    def __init__(self, **kwargs):
        attrs = {
            "accept": ".xlsx",
            "data-max-bytes": settings.EXCEL_MAX_UPLOAD_BYTES,
            "data-too-big": _workbook_too_big(),
        }
        kwargs.setdefault("widget", forms.ClearableFileInput(attrs=attrs))
        kwargs.setdefault(
            "error_messages", {"required": "请选择要导入的 .xlsx 文件。", "empty": "文件是空的。"}
        )
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        if upload and upload.size > settings.EXCEL_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_workbook_too_big())
        return upload


class TaskImportForm(forms.Form):
    CONFLICT = [
        ("skip", "已存在的编号跳过，不改动"),
        ("update", "已存在的编号更新任务内容并补充新单位"),
        ("stop", "已存在的编号视为错误"),
    ]
    file = WorkbookField(label="任务分解表（.xlsx）")
    year = forms.CharField(
        label="年度",
        required=False,
        widget=forms.Select,
        help_text="新任务归入这个年度；“6月底前”等不写年份的时限，从导入日期和该年度1月1日中"
        "较晚的一天往后推算（12月导入明年的计划，请选明年）。",
    )
    on_conflict = forms.ChoiceField(label="编号已存在时", choices=CONFLICT, initial="skip")

    def __init__(self, *args, years: list[int], closed: set[int], current: int, **kwargs):
        """``years``: the 年度 offered, newest first; closed ones are refused by name."""
        super().__init__(*args, **kwargs)
        self.closed = closed
        self.fields["year"].widget.choices = [(str(y), f"{y}年度") for y in years]
        self.fields["year"].initial = str(current)

    def clean_year(self) -> int | None:
        """None when the page sent no 年度: each item then takes its 编号's year."""
        raw = self.cleaned_data.get("year")
        if not raw:
            return None
        year = parse_year(raw)
        if year is None:
            raise forms.ValidationError("请选择有效的年度。")
        if year in self.closed:
            raise forms.ValidationError(f"{year}年度已归档，不能再导入任务。")
        return year


class ReturnSheetForm(forms.Form):
    file = WorkbookField(label="填好的填报表（.xlsx）")
