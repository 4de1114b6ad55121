from django.contrib import admin, messages
from django.db.models import Count
from django.utils import timezone

from checklist.models import ChecklistItem, Directive, Source, Theme, WorkYear, year_of_code
from checklist.services import items_publish


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order", "active", "item_count"]
    list_editable = ["sort_order", "active"]
    search_fields = ["name"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_items=Count("items"))

    @admin.display(description="任务数", ordering="n_items")
    def item_count(self, obj):
        return obj.n_items


@admin.register(Source)
class SourceAdmin(admin.ModelAdmin):
    list_display = ["title", "kind", "speaker", "date", "directive_count"]
    list_filter = ["kind"]
    search_fields = ["title", "speaker", "key"]
    prepopulated_fields = {"key": ["title"]}
    date_hierarchy = "date"

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_directives=Count("directives"))

    @admin.display(description="部署要求数", ordering="n_directives")
    def directive_count(self, obj):
        return obj.n_directives


@admin.register(Directive)
class DirectiveAdmin(admin.ModelAdmin):
    list_display = ["short_text", "source", "part", "heading_path"]
    list_filter = ["source", "themes"]
    search_fields = ["text", "heading_path", "source__title"]
    list_select_related = ["source"]
    filter_horizontal = ["themes"]
    autocomplete_fields = ["source"]

    @admin.display(description="原文")
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 60 else obj.text[:60] + "…"


class DeadlineFilter(admin.SimpleListFilter):
    title = "完成时限"
    parameter_name = "deadline_kind"

    def lookups(self, request, model_admin):
        return [("fixed", "有明确时限"), ("long_term", "长期/持续")]

    def queryset(self, request, queryset):
        if self.value() == "fixed":
            return queryset.filter(deadline__isnull=False)
        if self.value() == "long_term":
            return queryset.filter(deadline__isnull=True)
        return queryset


TARGET_HELP = {
    "target_quantity": "全县的目标（如 40 家），在下方各单位的“分解数量”中分到各单位；"
    "未分解的单位按全县目标计。",
    "target_unit": "家、处、场 …；比率目标填 %（如持证上岗率 100 %），各单位报送本单位的比率，"
    "全县取平均值，不分解。",
}


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["code", "year", "title", "theme", "deadline_label", "target_label", "state"]
    list_display_links = ["code", "title"]
    list_filter = ["year", "state", "theme", DeadlineFilter, "cadence"]
    search_fields = ["code", "title", "detail"]
    list_select_related = ["theme"]
    autocomplete_fields = ["directive"]
    readonly_fields = [
        "published_at",
        "carried_from",
        "created_at",
        "updated_at",
        "void_reason",
        "voided_at",
        "voided_by",
    ]
    actions = ["publish"]
    fieldsets = [
        (None, {"fields": ["code", "year", "title", "detail", "theme", "directive"]}),
        ("时限与报送", {"fields": ["start_date", "deadline", "cadence", "cadence_day"]}),
        ("目标数量", {"fields": ["target_quantity", "target_unit", "measure"]}),
        ("发布", {"fields": ["state", "published_at", "created_at", "updated_at"]}),
        ("作废", {"fields": ["void_reason", "voided_at", "voided_by"]}),
    ]

    @admin.display(description="完成时限", ordering="deadline")
    def deadline_label(self, obj):
        return obj.deadline or f"长期（{obj.cadence_label}）"

    @admin.display(description="目标")
    def target_label(self, obj):
        if obj.target_quantity is None:
            return "—"
        text = f"{obj.target_quantity:f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        return f"{text} {obj.target_unit}"

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs.setdefault("help_texts", TARGET_HELP)
        return super().get_form(request, obj, change, **kwargs)

    def has_change_permission(self, request, obj=None):
        # A closed 年度's items are read-only, here as on every page; so are void items.
        if obj is not None and (_closed(obj.year) or obj.state == ChecklistItem.State.VOID):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Never deleted: assignments and their history refer to the item. 作废 instead.
        return False

    def formfield_for_choice_field(self, db_field, request, **kwargs):
        # 作废 needs a reason and leaves history: only the 作废 action sets it.
        if db_field.name == "state":
            kwargs["choices"] = [
                choice for choice in db_field.choices if choice[0] != ChecklistItem.State.VOID
            ]
        return super().formfield_for_choice_field(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        # Publishing through the form must stamp the time the database requires.
        if obj.state == ChecklistItem.State.PUBLISHED and obj.published_at is None:
            obj.published_at = timezone.now()
        # A new item's 年度 follows its code (2025-007 → 2025) unless the office chose one.
        if not change and "year" not in form.changed_data and year_of_code(obj.code):
            obj.year = year_of_code(obj.code)
        super().save_model(request, obj, form, change)

    @admin.action(description="发布所选任务（发布后各单位可见）")
    def publish(self, request, queryset):
        changed = items_publish(items=queryset)
        already = queryset.count() - changed
        text = f"已发布 {changed} 项任务。"
        if already > 0:
            text += f"另有 {already} 项原已发布，未作改动。"
        self.message_user(request, text, messages.SUCCESS)


def _closed(year: int) -> bool:
    return WorkYear.objects.filter(year=year, state=WorkYear.State.CLOSED).exists()


@admin.register(WorkYear)
class WorkYearAdmin(admin.ModelAdmin):
    """A record of each year's closing; closing itself is done on the 年度 page (归档…)."""

    list_display = ["year", "state", "closed_on", "closed_by"]
    readonly_fields = ["year", "state", "closed_on", "closed_at", "closed_by", "note", "frozen"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
