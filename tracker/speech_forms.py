"""Forms of the speech review: entering a speech, and the compact form under each candidate."""

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import date
from decimal import Decimal

from django import forms

from checklist.extract import SpeechFileError, read_speech
from checklist.models import ChecklistItem, DirectiveCandidate, Theme
from checklist.shares import SharesError, is_rate_unit, parse_shares, plain_quantity
from tracker.excel import cells
from tracker.excel.task_sheet import UnitIndex
from tracker.models import Assignment, Unit
from tracker.progress import format_quantity
from tracker.speech_review import Acceptance, title_for

# <input type="date"> takes only ISO dates; zh-hans would format them 2026/03/31 (then shown empty).
ISO_DATE = "%Y-%m-%d"
SPEECH_FILE_MAX_BYTES = 10 * 1024 * 1024
SPEECH_TEXT_MAX = 300_000
ALL_TOWNSHIPS = "全部乡镇（街道）"
ALL_DEPARTMENTS = "全部部门"
# Control characters other than tab and line breaks: PostgreSQL refuses NUL, none belongs here.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_speech_text(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip("\ufeff").strip()


class SpeechForm(forms.Form):
    title = forms.CharField(
        label="讲话标题",
        max_length=200,
        error_messages={"required": "请填写讲话标题。", "max_length": "标题不能超过 200 字。"},
    )
    speaker = forms.CharField(label="讲话人", max_length=100, required=False)
    day = forms.DateField(
        label="讲话日期",
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        help_text="“本月底前”“年内”等时限按这个日期推算。",
        error_messages={
            "required": "请填写讲话日期，时限按它推算。",
            "invalid": "请填写有效日期，如 2026-03-16。",
        },
    )
    text = forms.CharField(
        label="讲话全文",
        required=False,
        strip=False,
        widget=forms.Textarea(attrs={"rows": 12}),
    )
    file = forms.FileField(
        label="或上传讲话稿（.txt 或 .docx）",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,.docx,text/plain"}),
        error_messages={"empty": "文件是空的。"},
    )

    def clean(self):
        cleaned = super().clean()
        text = clean_speech_text(cleaned.get("text") or "")
        upload = cleaned.get("file")
        if upload and text:
            raise forms.ValidationError("请只粘贴全文或只上传文件，不要同时提供。")
        if upload:
            if upload.size > SPEECH_FILE_MAX_BYTES:
                self.add_error("file", "文件超过 10 MB，讲话稿不会这么大，请检查是否选错了文件。")
                return cleaned
            try:
                text = clean_speech_text(read_speech(upload.read(), upload.name))
            except SpeechFileError as exc:
                self.add_error("file", str(exc))
                return cleaned
            if not text:
                self.add_error("file", "文件中没有文字。")
                return cleaned
        elif not text:
            raise forms.ValidationError("请粘贴讲话全文，或上传 .txt / .docx 文件。")
        if len(text) > SPEECH_TEXT_MAX:
            raise forms.ValidationError(
                f"讲话全文有 {len(text)} 字，超过 {SPEECH_TEXT_MAX} 字，请分篇录入。"
            )
        cleaned["speech"] = text
        return cleaned


class SplitForm(forms.Form):
    at = forms.IntegerField(
        label="拆分位置",
        min_value=0,
        error_messages={"required": "请选择拆分位置。", "invalid": "拆分位置应为数字。"},
    )


# A quantity as people write it: digits with an optional decimal point. Python's Decimal also
# reads 1e3, inf, nan and non-ASCII digits; none of them is a target anyone typed on purpose.
PLAIN_DECIMAL = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")


class PlainDecimalField(forms.DecimalField):
    def to_python(self, value):
        if value not in self.empty_values and not PLAIN_DECIMAL.fullmatch(str(value).strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


CADENCES = [(value, label) for value, label in ChecklistItem.Cadence.choices if value != "none"]


class CandidateForm(forms.Form):
    """One candidate's settings. Units are typed as the office writes them in a 任务分解表
    (全称、简称或旧称, separated by 、), so the form stays small on a page with many candidates."""

    title = forms.CharField(
        label="任务名称",
        max_length=300,
        error_messages={"required": "请填写任务名称。", "max_length": "任务名称不能超过 300 字。"},
    )
    theme = forms.TypedChoiceField(
        label="领域", coerce=int, error_messages={"required": "请选择领域。"}
    )
    lead = forms.CharField(label="牵头单位", required=False, max_length=60)
    all_townships = forms.BooleanField(label=ALL_TOWNSHIPS, required=False)
    all_departments = forms.BooleanField(label=ALL_DEPARTMENTS, required=False)
    responsible = forms.CharField(label="责任单位", required=False, max_length=2000)
    cooperate = forms.CharField(label="配合单位", required=False, max_length=2000)
    deadline = forms.DateField(
        label="完成时限",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format=ISO_DATE),
        error_messages={"invalid": "请填写有效日期，如 2026-12-31。"},
    )
    long_term = forms.BooleanField(label="长期", required=False)
    cadence = forms.ChoiceField(label="报送频次", choices=[("", "—"), *CADENCES], required=False)
    cadence_day = forms.IntegerField(
        label="报送日",
        required=False,
        min_value=1,
        max_value=31,
        error_messages={
            "min_value": "报送日应在 1 到 31 之间。",
            "max_value": "报送日应在 1 到 31 之间。",
            "invalid": "报送日应为数字。",
        },
    )
    target_quantity = PlainDecimalField(
        label="目标数量",
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0.01,
        error_messages={
            "invalid": "目标数量请填写数字，如 40 或 2.5。",
            "min_value": "目标数量应大于 0。",
        },
    )
    target_unit = forms.CharField(label="计量单位", required=False, max_length=10)
    shares = forms.CharField(label="分解数量", required=False, max_length=2000)

    def __init__(self, *args, themes: list[Theme], units: UnitIndex, start: date, **kwargs):
        super().__init__(*args, **kwargs)
        self.themes = {theme.pk: theme for theme in themes}
        self.units = units
        self.start = start
        self.fields["theme"].choices = [("", "请选择"), *((t.pk, t.name) for t in themes)]
        self.fields["lead"].widget.attrs["list"] = "unit-names"
        for name in ("responsible", "cooperate"):
            self.fields[name].widget.attrs["placeholder"] = "如：城关镇、应急局"

    def _units(self, name: str) -> tuple[list[Unit], list[Unit]]:
        """The units a field names one by one, and those its groups (各部门, 各乡镇) stand for."""
        named, grouped, unknown = [], [], []
        for part in cells.split_units(self.cleaned_data.get(name, "")):
            group = cells.unit_group(part)
            if group:
                grouped.extend(self.units.groups[group])
                continue
            unit = self.units.find(part)
            if unit:
                named.append(unit)
            else:
                unknown.append(part)
        if unknown:
            self.add_error(
                name, f"没有找到单位：{'、'.join(unknown)}（可填写全称、简称或旧称，用、分隔）"
            )
        return named, grouped

    def clean(self):
        cleaned = super().clean()
        cleaned["theme_obj"] = self.themes.get(cleaned.get("theme"))
        leads, lead_groups = self._units("lead")
        if len(leads) > 1 or lead_groups:
            self.add_error("lead", "牵头单位只能有一个，其他单位请填为责任单位。")
        cleaned["lead_unit"] = leads[0] if leads else None
        responsible, responsible_groups = self._units("responsible")
        cooperate, cooperate_groups = self._units("cooperate")
        if cleaned.get("all_townships"):
            responsible_groups = [*self.units.groups["township"], *responsible_groups]
        if cleaned.get("all_departments"):
            responsible_groups = [*self.units.groups["department"], *responsible_groups]
        # A group stands for every unit of its kind but those named in a role of their own:
        # 牵头 应急局 with 责任 各部门 means every other department.
        named = {unit.pk for unit in [*leads, *responsible, *cooperate]}
        responsible += [unit for unit in responsible_groups if unit.pk not in named]
        taken = named | {unit.pk for unit in responsible}
        cooperate += [unit for unit in cooperate_groups if unit.pk not in taken]
        cleaned["responsible_units"] = list(dict.fromkeys(responsible))
        cleaned["cooperate_units"] = list(dict.fromkeys(cooperate))
        deadline, long_term = cleaned.get("deadline"), cleaned.get("long_term")
        if cleaned.get("cadence_day") and not cleaned.get("cadence"):
            self.add_error("cadence", "填写报送日时请选择报送频次。")
        if long_term:
            if not cleaned.get("cadence"):
                self.add_error("cadence", "长期任务请选择报送频次。")
            cleaned["deadline"] = None
        elif "deadline" not in self.errors:
            if deadline is None:
                self.add_error("deadline", "请填写完成时限，或勾选长期并选择报送频次。")
            elif deadline < self.start:
                self.add_error(
                    "deadline", f"完成时限不能早于开始日期 {self.start:%Y-%m-%d}（讲话日期）。"
                )
        quantity, unit = cleaned.get("target_quantity"), (cleaned.get("target_unit") or "").strip()
        if "target_quantity" not in self.errors and (quantity is None) != (not unit):
            self.add_error(
                "target_quantity", "目标数量和计量单位要一起填写（如 40 家），或都不填。"
            )
        cleaned["share_map"] = self._shares(cleaned, quantity, unit)
        return cleaned

    def _shares(self, cleaned, quantity, unit) -> dict[int, Decimal]:
        """分解数量 as in a 任务分解表: 河西镇8、平山街道5, or one number for each 牵头 and
        责任 unit; every unit it names must be one of them."""
        text = (cleaned.get("shares") or "").strip()
        if not text or "target_quantity" in self.errors:
            return {}
        if quantity is None:
            self.add_error("shares", "填写分解数量需先填写目标数量（全县的目标，如 40 家）。")
            return {}
        if is_rate_unit(unit):
            self.add_error(
                "shares", "目标是比率（%），由各单位报送本单位的比率，全县取平均值，不分解数量。"
            )
            return {}
        lead = cleaned.get("lead_unit")
        counted = {u.pk: u for u in [*([lead] if lead else []), *cleaned["responsible_units"]]}
        cooperating = {u.pk for u in cleaned["cooperate_units"]}
        try:
            each = plain_quantity(text)
            if each is not None:
                return dict.fromkeys(counted, each)
            written = parse_shares(text, find=self.units.find_share_unit, target_unit=unit)
        except SharesError as exc:
            self.add_error("shares", f"{exc}。")
            return {}
        shares, problems = {}, []
        unknown = [share.name for share in written if share.key is None]
        if unknown:
            problems.append(f"没有找到单位：{'、'.join(unknown)}")
        for share in written:
            if share.key is None:
                continue
            found = self.units.by_name[share.key]
            if found.pk in cooperating:
                problems.append(f"「{found.name}」是配合单位，不计入完成率，没有分解数量")
            elif found.pk not in counted:
                problems.append(f"「{found.name}」不是本任务的牵头或责任单位")
            else:
                shares[found.pk] = share.quantity
        if problems:
            self.add_error("shares", "；".join(problems) + "。")
        return shares

    def acceptance(self) -> Acceptance:
        data = self.cleaned_data
        long_term = bool(data.get("long_term"))
        return Acceptance(
            title=data["title"],
            theme=data["theme_obj"],
            lead=data["lead_unit"],
            responsible=data["responsible_units"],
            cooperate=data["cooperate_units"],
            deadline=None if long_term else data["deadline"],
            # A dated task may be reported on a cadence too (月报 until its deadline).
            cadence=data.get("cadence") or ChecklistItem.Cadence.NONE,
            cadence_day=data.get("cadence_day") if data.get("cadence") else None,
            target_quantity=data.get("target_quantity"),
            target_unit=(data.get("target_unit") or "").strip(),
            shares=data.get("share_map") or {},
        )


def initial_for(
    candidate: DirectiveCandidate, *, themes: list[Theme], kinds: dict[str, str]
) -> dict:
    """The form's starting values from what extraction found. 各乡镇 ticks 全部乡镇（街道）; 各部门
    and 企业 name no unit, so those are left for the office (a hint says so)."""
    by_name = {theme.name: theme.pk for theme in themes}
    theme = next((by_name[name] for name in candidate.themes if name in by_name), "")
    Role = Assignment.Role
    roles: dict[str, list[str]] = {Role.LEAD: [], Role.RESPONSIBLE: [], Role.COOPERATE: []}
    for entry in candidate.units:
        if entry.get("unit") in kinds:
            roles.setdefault(entry.get("role"), []).append(entry["unit"])
    deadline = candidate.deadline
    if deadline is None and candidate.immediate:
        deadline = candidate.source.date
    return {
        "title": title_for(candidate),
        "theme": theme,
        "lead": (roles[Role.LEAD] or [""])[0],
        "responsible": "、".join(roles[Role.RESPONSIBLE]),
        "cooperate": "、".join(roles[Role.COOPERATE]),
        "all_townships": "township" in candidate.groups,
        "deadline": deadline,
        # As written: 50, 2.5 (the column keeps two decimals, 50.00).
        "target_quantity": (
            "" if candidate.target_quantity is None else format_quantity(candidate.target_quantity)
        ),
        "target_unit": candidate.target_unit,
    }


def deadline_source(candidate: DirectiveCandidate) -> str:
    """The words a deadline came from and the date they resolve to, shown beside the field:
    "时限原文：6月底前 → 2027-06-30"."""
    if not candidate.deadline_phrase:
        return ""
    resolved = f"{candidate.deadline:%Y-%m-%d}" if candidate.deadline else "未能推算，请填写"
    return f"时限原文：{candidate.deadline_phrase} → {resolved}"


def deadline_warnings(value: str, *, speech_date: date | None, today: date) -> list[str]:
    """Warnings beside the 完成时限 field for the date it shows (ISO text, as in the input):
    a date before the speech (今年3月底前 said in December) or already past today."""
    try:
        deadline = date.fromisoformat(value)
    except (TypeError, ValueError):
        return []
    if speech_date and deadline < speech_date:
        return [
            f"完成时限 {deadline:%Y-%m-%d} 早于讲话日期 {speech_date:%Y-%m-%d}，"
            "请核对是否应为下一年。"
        ]
    if deadline < today:
        return [f"完成时限 {deadline:%Y-%m-%d} 已过（早于今天），接受后将立即显示为逾期。"]
    return []


def unresolved_names(candidate: DirectiveCandidate, kinds: dict[str, str]) -> list[str]:
    """Units extraction named that are no longer active units (renamed or disabled since)."""
    return [entry["unit"] for entry in candidate.units if entry.get("unit") not in kinds]


def group_hints(candidate: DirectiveCandidate) -> list[str]:
    hints = []
    if "department" in candidate.groups:
        hints.append("讲话提到“各部门”：请选择相关部门。")
    if "enterprise" in candidate.groups:
        hints.append("讲话要求企业落实：请选择负责监管的单位。")
    return hints


# Shown inside the actor's brackets on the review page, hence no brackets of their own.
GROUP_LABELS = {
    "township": "各乡镇、街道",
    "department": "各部门",
    "enterprise": "企业",
    "village": "各村、社区",
}
ROLE_LABELS = dict(Assignment.Role.choices)


@dataclass
class ActorView:
    """One actor of a candidate as the review page lists it."""

    name: str  # as written in the speech
    unit: str  # the unit it matched, "" if none
    group: str  # the group it stands for (各村 …), "" if none
    role: str  # 牵头 / 责任 / 配合
    suggestion: str = ""  # for an unmatched one: the unit its name leads to now (a new alias)

    @property
    def unmatched(self) -> bool:
        return not self.unit and not self.group


def actor_views(candidate: DirectiveCandidate, units: UnitIndex) -> list[ActorView]:
    """The candidate's actors, each with its unit, its group or nothing. An unmatched name
    that a unit's name or alias now leads to (mapped on another candidate since the speech
    was read) comes with that unit filled in, so confirming it is one click."""
    views = []
    for entry in candidate.actors:
        name = entry.get("name") or ""
        if not name:
            continue
        view = ActorView(
            name=name,
            unit=entry.get("unit") or "",
            group=GROUP_LABELS.get(entry.get("group") or "", entry.get("group") or ""),
            role=ROLE_LABELS.get(entry.get("role"), ROLE_LABELS[Assignment.Role.RESPONSIBLE]),
        )
        if view.unmatched:
            found = units.find(name)
            view.suggestion = found.name if found else ""
        views.append(view)
    return views


@dataclass
class FieldView:
    """A bound field reduced to plain strings, for a template that writes the <input> itself."""

    name: str
    id: str
    label: str
    value: str
    errors: list[str]
    checked: bool = False
    choices: list[tuple[str, str, bool]] = dc_field(default_factory=list)


def field_views(form: forms.Form) -> dict[str, FieldView]:
    """Django renders each widget through two or three templates; with twenty forms on a page
    that was most of the page's time, so the review page writes the inputs itself from these."""
    views = {}
    for bound in form:
        raw = bound.value()
        if isinstance(bound.field, forms.BooleanField):
            value, checked = "", bool(raw)
        else:
            formatted = "" if raw is None else bound.field.widget.format_value(raw)
            if isinstance(formatted, list):  # a <select> gives its selected values as a list
                formatted = formatted[0] if formatted else ""
            value, checked = str(formatted or ""), False
        choices = [
            (str(option), str(label), str(option) == value)
            for option, label in getattr(bound.field, "choices", [])
        ]
        views[bound.name] = FieldView(
            bound.html_name,
            bound.auto_id,
            str(bound.label),
            value,
            list(bound.errors),
            checked,
            choices,
        )
    return views
