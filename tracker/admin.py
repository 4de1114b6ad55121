"""Admin for the office. Assignment writes go through the services so that history is kept;
history and evidence are read-only here, whoever is logged in."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.utils import timezone

from checklist.admin import ChecklistItemAdmin
from checklist.models import ChecklistItem
from checklist.shares import is_rate_unit
from tracker import extensions, measuring, services, whole_items
from tracker.item_void import REASON_REQUIRED_MESSAGE, item_void
from tracker.models import Assignment, Evidence, StatusUpdate, Unit, UnitAlias, User

WORKFLOW_FIELDS = [
    "status",
    "percent",
    "quantity_done",
    "last_reported_at",
    "submitted_at",
    "verified_at",
    "verified_by",
    "version",
    "created_at",
    "updated_at",
]


class OverdueFilter(admin.SimpleListFilter):
    title = "是否逾期"
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", "已逾期"), ("no", "未逾期")]

    def queryset(self, request, queryset):
        overdue = queryset.overdue(timezone.localdate())
        if self.value() == "yes":
            return overdue
        if self.value() == "no":
            return queryset.exclude(pk__in=overdue.values("pk"))
        return queryset


class UnitAliasInline(admin.TabularInline):
    model = UnitAlias
    extra = 1


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "sort_order", "active"]
    list_editable = ["sort_order", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["name", "short_name", "aliases__alias"]
    inlines = [UnitAliasInline]


@admin.register(UnitAlias)
class UnitAliasAdmin(admin.ModelAdmin):
    list_display = ["alias", "unit"]
    search_fields = ["alias", "unit__name"]
    autocomplete_fields = ["unit"]


@admin.register(User)
class TrackerUserAdmin(UserAdmin):
    list_display = ["username", "display_name", "unit", "role", "is_active", "last_login"]
    list_filter = ["role", "unit__kind", "is_active", "unit"]
    search_fields = ["username", "display_name", "unit__name"]
    autocomplete_fields = ["unit"]
    fieldsets = [
        (None, {"fields": ["username", "password"]}),
        ("单位与角色", {"fields": ["display_name", "unit", "role", "email"]}),
        ("权限", {"fields": ["is_active", "is_staff", "is_superuser", "groups"]}),
        ("登录记录", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"fields": ["username", "password1", "password2"]}),
        ("单位与角色", {"fields": ["display_name", "unit", "role"]}),
    ]
    # Admin powers: only a superuser hands them out. For anyone else they are read-only, so
    # they are not form fields at all and a crafted POST cannot set them.
    GRANT_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            readonly += [f for f in self.GRANT_FIELDS if f not in readonly]
        return readonly

    def has_change_permission(self, request, obj=None):
        # Nor may anyone else change a superuser's account or its password: taking it over
        # would be the same as granting superuser.
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.is_superuser and not request.user.is_superuser:
            return False
        return super().has_delete_permission(request, obj)


class AssignmentForm(forms.ModelForm):
    """Checks the one-lead rule even where the item is shown read-only (and so not validated)."""

    class Meta:
        model = Assignment
        fields = ["item", "unit", "role", "due_date", "share_quantity"]
        help_texts = {
            "share_quantity": "本单位承担的全县目标数量；不填则按全县目标计。配合单位不填。",
        }

    def clean(self):
        cleaned = super().clean()
        item = cleaned.get("item") or getattr(self.instance, "item", None)
        self._check_share(item, cleaned)
        # A new item (added together with its units) has no leads in the database yet; the
        # inline's formset checks the rows of that one submission against each other.
        saved = item is not None and not item._state.adding
        if cleaned.get("role") == Assignment.Role.LEAD and saved:
            other = Assignment.objects.filter(item=item, role=Assignment.Role.LEAD)
            if self.instance.pk:
                other = other.exclude(pk=self.instance.pk)
            lead = other.select_related("unit").first()
            if lead:
                self.add_error(
                    "role", f"每项任务只能有一个牵头单位，该任务已由「{lead.unit.name}」牵头。"
                )
        return cleaned

    def _check_share(self, item, cleaned) -> None:
        """The services' share rules, on the field: the item here is the one being saved."""
        if cleaned.get("share_quantity") is None or item is None:
            return
        if cleaned.get("role") == Assignment.Role.COOPERATE:
            self.add_error("share_quantity", "配合单位不计入完成率，没有分解数量。")
        elif item.target_quantity is None:
            self.add_error("share_quantity", "该任务没有目标数量，不能填写分解数量。")
        elif is_rate_unit(item.target_unit):
            self.add_error(
                "share_quantity", "目标是比率（%），由各单位报送本单位的比率，不分解数量。"
            )


class AssignmentInlineFormSet(forms.BaseInlineFormSet):
    """One lead among the rows of one submission, whether the item is new or not."""

    def clean(self):
        super().clean()
        leads = [
            form
            for form in self.forms
            if getattr(form, "cleaned_data", None)
            and not self._should_delete_form(form)
            and form.cleaned_data.get("role") == Assignment.Role.LEAD
        ]
        if len(leads) > 1:
            raise forms.ValidationError("每项任务只能有一个牵头单位，请只选一个牵头单位。")


class AssignmentWritesThroughServices:
    """Create and change assignments via the services, so each change leaves a history row."""

    def _save_assignment(self, request, obj, is_new):
        try:
            if is_new:
                created = services.assignment_create(
                    item=obj.item,
                    unit=obj.unit,
                    user=request.user,
                    role=obj.role,
                    due_date=obj.due_date,
                    share_quantity=obj.share_quantity,
                )
                obj.pk = created.pk
                obj._state.adding = False
            else:
                # An emptied 完成时限 means 长期; without long_term it would be silently kept.
                services.assignment_change(
                    assignment=obj,
                    user=request.user,
                    role=obj.role,
                    due_date=obj.due_date,
                    long_term=obj.due_date is None,
                    share_quantity=obj.share_quantity,
                )
        except (services.WorkflowError, PermissionDenied) as exc:
            self.message_user(request, str(exc), messages.ERROR)


@admin.register(Assignment)
class AssignmentAdmin(AssignmentWritesThroughServices, admin.ModelAdmin):
    form = AssignmentForm
    list_display = [
        "item_code", "item_title", "unit", "role", "share_quantity", "status", "percent", "due_label",
    ]  # fmt: skip
    list_display_links = ["item_code", "item_title"]
    list_filter = ["status", "role", OverdueFilter, "item__theme", "unit__kind", "unit"]
    search_fields = ["item__code", "item__title", "unit__name", "unit__short_name"]
    list_select_related = ["item", "unit"]
    autocomplete_fields = ["item", "unit"]
    readonly_fields = WORKFLOW_FIELDS

    def get_readonly_fields(self, request, obj=None):
        # Item and unit identify the row; once assigned, only role and due date change here.
        return [*WORKFLOW_FIELDS, "item", "unit"] if obj else WORKFLOW_FIELDS

    @admin.display(description="编号", ordering="item__code")
    def item_code(self, obj):
        return obj.item.code

    @admin.display(description="任务", ordering="item__title")
    def item_title(self, obj):
        return obj.item.title

    @admin.display(description="完成时限", ordering="due_date")
    def due_label(self, obj):
        if obj.due_date is None:
            return "长期"
        if obj.status != Assignment.Status.VERIFIED and obj.due_date < timezone.localdate():
            return f"{obj.due_date}（逾期）"
        return obj.due_date

    def save_model(self, request, obj, form, change):
        self._save_assignment(request, obj, is_new=not change)

    def has_delete_permission(self, request, obj=None):
        # An assignment has history from the moment it exists; it is never deleted.
        return False


class AssignmentInline(admin.TabularInline):
    model = Assignment
    form = AssignmentForm
    formset = AssignmentInlineFormSet
    extra = 0
    fields = ["unit", "role", "share_quantity", "due_date", "status", "percent", "last_reported_at"]
    readonly_fields = ["status", "percent", "last_reported_at"]
    autocomplete_fields = ["unit"]
    can_delete = False
    show_change_link = True
    ordering = ["role", "unit__kind", "unit__sort_order"]


admin.site.unregister(ChecklistItem)


class ItemForm(forms.ModelForm):
    """An item whose units have shares keeps a quantity target: clear the shares first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "measure" in self.fields:
            # The figures the installed registers offer (tracker.extensions).
            field = self.fields["measure"]
            self.fields["measure"] = forms.ChoiceField(
                label=field.label,
                required=False,
                choices=[("", "由各单位填报"), *extensions.measure_choices()],
                help_text=field.help_text,
            )

    def clean(self):
        cleaned = super().clean()
        self._check_measure(cleaned)
        item = self.instance
        if item.pk is None or "target_quantity" not in cleaned:
            return cleaned
        split = Assignment.objects.filter(item=item, share_quantity__isnull=False)
        if not split.exists():
            return cleaned
        if cleaned.get("target_quantity") is None:
            self.add_error(
                "target_quantity",
                "各单位已有分解数量，不能删除目标数量；请先清除各单位的分解数量。",
            )
        elif is_rate_unit(cleaned.get("target_unit")):
            self.add_error("target_unit", "比率目标（%）不分解数量：请先清除各单位的分解数量。")
        return cleaned

    def _check_measure(self, cleaned) -> None:
        measure = extensions.measure(cleaned.get("measure") or "")
        if measure is None or cleaned.get("target_quantity") is None:
            return
        unit = (cleaned.get("target_unit") or "").strip()
        same = is_rate_unit(unit) if measure.unit_word == "%" else unit == measure.unit_word
        if not same:
            self.add_error(
                "measure",
                f"计量来源“{measure.label}”以“{measure.unit_word}”计，"
                f"与目标数量的计量单位“{unit}”不一致。",
            )


@admin.register(ChecklistItem)
class ChecklistItemWithAssignmentsAdmin(AssignmentWritesThroughServices, ChecklistItemAdmin):
    form = ItemForm
    inlines = [AssignmentInline]
    actions = ["publish", "assign_all_townships", "split_evenly", "void_items"]

    def get_fieldsets(self, request, obj=None):
        # The split beside the target it splits, on items that have units.
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [
            (name, {**options, "fields": [*options["fields"], "share_status"]})
            if name == "目标数量"
            else (name, options)
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "share_status"]

    @admin.display(description="分解情况")
    def share_status(self, obj):
        split = whole_items.item_split_state(obj, whole_items.shares_of(obj)) if obj.pk else None
        if split is None:
            return "—"
        if not split.started:
            return "未分解：各单位均按全县目标计"
        text = split.text(obj.target_unit)
        return f"{text}。{split.advice}" if split.warning else text

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        self._warn_split(request, form.instance)
        if form.instance.measure:
            # 台账计量 from now on: the units' figures are read from the register at once.
            changed = measuring.measure_item(item=form.instance, today=timezone.localdate())
            if changed:
                self.message_user(
                    request, f"任务 {form.instance.code}：已从台账计量 {changed} 个单位的完成数量。"
                )

    def _warn_split(self, request, item) -> None:
        """A warning, never an error: the office may split step by step."""
        if item is None:
            return
        split = whole_items.item_split_state(item, whole_items.shares_of(item))
        if split is not None and split.warning:
            self.message_user(
                request,
                f"任务 {item.code}：{split.text(item.target_unit)}。{split.advice}",
                messages.WARNING,
            )

    def save_formset(self, request, form, formset, change):
        if formset.model is not Assignment:
            return super().save_formset(request, form, formset, change)
        for obj in formset.save(commit=False):
            obj.item = form.instance
            self._save_assignment(request, obj, is_new=obj._state.adding)

    @admin.action(description="按单位平均分解目标数量（余数由牵头单位承担）")
    def split_evenly(self, request, queryset):
        done = []
        for item in queryset.order_by("code"):
            try:
                services.split_evenly(item=item, user=request.user)
            except (services.WorkflowError, PermissionDenied) as exc:
                self.message_user(request, str(exc), messages.ERROR)
                continue
            done.append(item.code)
        if done:
            self.message_user(request, f"已按单位平均分解 {len(done)} 项任务：{'、'.join(done)}。")

    @admin.action(description="分解给全部乡镇（街道），作为责任单位")
    def assign_all_townships(self, request, queryset):
        total, items = 0, 0
        for item in queryset.order_by("code"):
            created = services.assign_to_all_townships(item=item, user=request.user)
            total += len(created)
            items += 1
        self.message_user(
            request, f"已为 {items} 项任务新增 {total} 条乡镇（街道）责任分解；已有的未重复添加。"
        )

    @admin.action(description="作废所选任务")
    def void_items(self, request, queryset):
        """Asks for the reason on a page of its own, then voids each item through the service."""
        items = list(queryset.order_by("code"))
        reason = request.POST.get("void_reason", "")
        if "apply" in request.POST:
            voided, refused = [], []
            for item in items:
                try:
                    item_void(item=item, user=request.user, reason=reason)
                    voided.append(item.code)
                except (services.WorkflowError, PermissionDenied) as exc:
                    if str(exc) == REASON_REQUIRED_MESSAGE:
                        return self._void_page(request, items, reason, error=str(exc))
                    refused.append(str(exc))
            if voided:
                self.message_user(request, f"已作废 {len(voided)} 项任务：{'、'.join(voided)}。")
            for text in refused:
                self.message_user(request, text, messages.ERROR)
            return None
        return self._void_page(request, items, reason)

    def _void_page(self, request, items, reason, error=""):
        context = {
            **self.admin_site.each_context(request),
            "title": "作废任务",
            "opts": self.model._meta,
            "items": items,
            "reason": reason,
            "error": error,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/checklist/checklistitem/void.html", context)


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is append-only: nobody adds, edits or deletes rows from the admin."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EvidenceInline(admin.TabularInline):
    model = Evidence
    fields = ["original_name", "size", "content_type", "sha256", "uploaded_by", "uploaded_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StatusUpdate)
class StatusUpdateAdmin(ReadOnlyAdmin):
    list_display = [
        "created_at",
        "assignment",
        "kind",
        "from_status",
        "to_status",
        "percent",
        "author",
    ]
    list_filter = ["kind", "to_status", "assignment__unit", "assignment__item__theme"]
    search_fields = [
        "assignment__item__code",
        "assignment__item__title",
        "assignment__unit__name",
        "note",
    ]
    list_select_related = ["assignment__item", "assignment__unit", "author"]
    date_hierarchy = "created_at"
    inlines = [EvidenceInline]


@admin.register(Evidence)
class EvidenceAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "assignment",
        "size",
        "content_type",
        "uploaded_by",
        "uploaded_at",
    ]
    list_filter = ["content_type", "assignment__unit"]
    search_fields = ["original_name", "sha256", "assignment__item__code", "assignment__item__title"]
    list_select_related = ["assignment__item", "assignment__unit", "uploaded_by"]
