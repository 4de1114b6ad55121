"""The office's admin for 年度考核: a scheme with its items, each item's 扣分规则 and the
一票否决, and 复制为下一年度方案. While a scheme is open the office adds, edits and removes
them, checked as the scheme page checks them; once it is closed (归档) everything of it is
read-only here, so the frozen results stay as they were. 加减分, 扣分调整, 申诉 and the frozen
results are only listed and viewed: they are written by the 考核 pages, one row per change."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils.html import format_html

from tracker.admin import ReadOnlyAdmin  # written by the 考核 pages: only listed and viewed here
from tracker.assessment import services
from tracker.assessment.models import (
    Adjustment,
    Appeal,
    FrozenResult,
    LineOverride,
    Rule,
    Scheme,
    SchemeItem,
    Veto,
    num,
)

THRESHOLD_KINDS = (Rule.Kind.COVERAGE, Rule.Kind.STANDARD)


def _points(value, field: str):
    """The services' check of a number of points (not negative, at most two decimals …)."""
    if value is None:
        return value
    try:
        return services._points(value, field)
    except services.AssessmentError as exc:
        raise forms.ValidationError(str(exc)) from None


def _is_open(scheme: Scheme | None) -> bool:
    return scheme is None or not scheme.closed


def _lock_open(scheme_id: int) -> None:
    """Holds the scheme for the rest of the save, so that closing it waits for the save (or
    the save finds it closed): a frozen year never gains or loses an item afterwards."""
    scheme = Scheme.objects.select_for_update().get(pk=scheme_id)
    if scheme.closed:
        raise PermissionDenied(f"{scheme.year}年度考核已归档，只能查看，不能再修改。")


class SchemeForm(forms.ModelForm):
    class Meta:
        model = Scheme
        fields = ["year", "kind", "name", "excellent", "good", "passing"]

    def clean_excellent(self):
        return _points(self.cleaned_data.get("excellent"), "优秀分数线")

    def clean_good(self):
        return _points(self.cleaned_data.get("good"), "良好分数线")

    def clean_passing(self):
        return _points(self.cleaned_data.get("passing"), "合格分数线")

    def clean(self):
        cleaned = super().clean()
        bands = [cleaned.get(f) for f in ("excellent", "good", "passing")]
        if None not in bands and not bands[0] >= bands[1] >= bands[2]:
            raise forms.ValidationError("分数线应为：优秀 ≥ 良好 ≥ 合格。")
        return cleaned


class SchemeItemForm(forms.ModelForm):
    class Meta:
        model = SchemeItem
        fields = ["scheme", "name", "points", "sort_order"]

    def clean_points(self):
        return _points(self.cleaned_data.get("points"), "分值")


class RuleForm(forms.ModelForm):
    class Meta:
        model = Rule
        fields = ["kind", "points", "threshold"]
        help_texts = {
            "points": "按次计的规则为每次扣分；按比例的规则为全部未完成时的满扣分值。",
            "threshold": "巡查覆盖率：低于该百分比扣分；标准化创建：目标家数。其他规则留空。",
        }

    def clean_points(self):
        return _points(self.cleaned_data.get("points"), "扣分")

    def clean_threshold(self):
        return _points(self.cleaned_data.get("threshold"), "阈值/目标")

    def clean(self):
        cleaned = super().clean()
        kind, threshold = cleaned.get("kind"), cleaned.get("threshold")
        if not kind or "threshold" not in cleaned:
            return cleaned
        label = Rule.Kind(kind).label
        if kind in THRESHOLD_KINDS and threshold is None:
            self.add_error("threshold", f"「{label}」须填写阈值/目标。")
        elif kind not in THRESHOLD_KINDS and threshold is not None:
            self.add_error("threshold", f"「{label}」不用阈值，请留空。")
        elif kind == Rule.Kind.COVERAGE and threshold > 100:
            self.add_error("threshold", "巡查覆盖率阈值不能超过 100%。")
        return cleaned


class ClosedSchemeReadOnly:
    """An inline of a scheme (or of an item): nothing is added, changed or removed once the
    scheme is closed. `obj` is the page's object; scheme_of finds its scheme."""

    def scheme_of(self, obj):
        return obj

    def _open(self, obj) -> bool:
        return obj is None or _is_open(self.scheme_of(obj))

    def has_add_permission(self, request, obj=None):
        return self._open(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._open(obj) and super().has_delete_permission(request, obj)


class SchemeItemInline(ClosedSchemeReadOnly, admin.TabularInline):
    model = SchemeItem
    form = SchemeItemForm
    fields = ["name", "points", "sort_order", "rule_list"]
    readonly_fields = ["rule_list"]
    extra = 0
    show_change_link = True

    @admin.display(description="扣分规则（点“修改”增删）")
    def rule_list(self, obj):
        if obj is None or obj.pk is None:
            return "保存后添加"
        return "；".join(r.label for r in obj.rules.all()) or "—"


class VetoInline(ClosedSchemeReadOnly, admin.TabularInline):
    model = Veto
    extra = 0


def _warn_points(model_admin, request, scheme: Scheme) -> None:
    warning = services.scheme_warning(scheme)
    if warning:
        model_admin.message_user(request, f"{scheme.name}：{warning}", messages.WARNING)


@admin.register(Scheme)
class SchemeAdmin(admin.ModelAdmin):
    form = SchemeForm
    list_display = ["name", "year", "kind", "item_count", "points_total", "closed", "closed_on"]
    list_filter = ["kind", "closed", "year"]
    search_fields = ["name"]
    inlines = [SchemeItemInline, VetoInline]
    actions = ["copy_to_next_year"]
    fields = [
        "year", "kind", "name", "excellent", "good", "passing",
        "closed", "closed_on", "closed_by", "scheme_page",
    ]  # fmt: skip
    # 归档 is the 考核 page's: it freezes every unit's result in the same step.
    CLOSE_FIELDS = ["closed", "closed_on", "closed_by", "scheme_page"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("items")

    def get_readonly_fields(self, request, obj=None):
        # The year and kind are what the adjustments, overrides and results hang on.
        return [*self.CLOSE_FIELDS, "year", "kind"] if obj else self.CLOSE_FIELDS

    @admin.display(description="考核项目")
    def item_count(self, obj):
        return len(obj.items.all())

    @admin.display(description="分值合计")
    def points_total(self, obj):
        return num(sum((i.points for i in obj.items.all()), 0))

    @admin.display(description="考核方案页面")
    def scheme_page(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("assessment:scheme", args=[obj.pk])
        return format_html('<a href="{}">打开方案页面（修改分值、归档）</a>', url)

    def has_change_permission(self, request, obj=None):
        return _is_open(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return _is_open(obj) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        if change:
            _lock_open(obj.pk)
        super().save_model(request, obj, form, change)

    def delete_model(self, request, obj):
        _lock_open(obj.pk)
        super().delete_model(request, obj)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _warn_points(self, request, form.instance)

    @admin.action(description="复制为下一年度方案", permissions=["add"])
    def copy_to_next_year(self, request, queryset):
        for scheme in queryset.order_by("year", "kind"):
            try:
                copy = services.scheme_copy_next_year(user=request.user, scheme=scheme)
            except (services.AssessmentError, PermissionDenied) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            url = reverse("admin:assessment_scheme_change", args=[copy.pk])
            self.message_user(
                request,
                format_html(
                    "已复制「{}」为「<a href=\"{}\">{}</a>」：{} 个考核项目、{} 条扣分规则、"
                    "{} 项一票否决，可继续修改。",
                    scheme.name, url, copy.name, copy.items.count(),
                    Rule.objects.filter(item__scheme=copy).count(), copy.vetoes.count(),
                ),
            )  # fmt: skip


class RuleInline(ClosedSchemeReadOnly, admin.TabularInline):
    model = Rule
    form = RuleForm
    extra = 1

    def scheme_of(self, obj):
        return obj.scheme


@admin.register(SchemeItem)
class SchemeItemAdmin(admin.ModelAdmin):
    """An item with its rules: reached from its scheme (Django has no inline of an inline)."""

    form = SchemeItemForm
    list_display = ["name", "scheme", "points", "sort_order"]
    list_filter = ["scheme__year", "scheme__kind"]
    search_fields = ["name", "scheme__name"]
    list_select_related = ["scheme"]
    inlines = [RuleInline]

    def get_readonly_fields(self, request, obj=None):
        return ["scheme"] if obj else []

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "scheme":
            kwargs["queryset"] = Scheme.objects.filter(closed=False)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        return (obj is None or _is_open(obj.scheme)) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return (obj is None or _is_open(obj.scheme)) and super().has_delete_permission(request, obj)

    def save_model(self, request, obj, form, change):
        _lock_open(obj.scheme_id)
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        _warn_points(self, request, form.instance.scheme)

    def delete_model(self, request, obj):
        _lock_open(obj.scheme_id)
        scheme = obj.scheme
        super().delete_model(request, obj)
        _warn_points(self, request, scheme)

    def delete_queryset(self, request, queryset):
        for scheme_id in sorted(set(queryset.values_list("scheme_id", flat=True))):
            _lock_open(scheme_id)
        super().delete_queryset(request, queryset)


@admin.register(Adjustment)
class AdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "unit", "item", "points", "level", "created_by"]
    list_filter = ["item__scheme", "level", "unit"]
    search_fields = ["unit__name", "item__name", "reason"]
    list_select_related = ["unit", "item__scheme", "created_by"]
    # The evidence file is opened on the 考核 page, which checks who is asking.
    exclude = ["file"]


@admin.register(LineOverride)
class LineOverrideAdmin(ReadOnlyAdmin):
    list_display = ["created_at", "unit", "rule", "old_value", "new_value", "created_by"]
    list_filter = ["rule__item__scheme", "unit"]
    search_fields = ["unit__name", "reason"]
    list_select_related = ["unit", "rule__item", "created_by"]


@admin.register(Appeal)
class AppealAdmin(ReadOnlyAdmin):
    list_display = ["filed_at", "unit", "rule", "state", "filed_by", "decided_by", "decided_at"]
    list_filter = ["state", "rule__item__scheme", "unit"]
    search_fields = ["unit__name", "reason", "note"]
    list_select_related = ["unit", "rule__item", "filed_by", "decided_by"]


@admin.register(FrozenResult)
class FrozenResultAdmin(ReadOnlyAdmin):
    list_display = ["scheme", "unit", "score", "grade", "as_of", "frozen_at"]
    list_filter = ["scheme", "grade"]
    search_fields = ["unit__name"]
    list_select_related = ["scheme", "unit"]
