"""The office's admin for the registers: industries, the grid tree with its people, the
enterprises. Writes go through the wing's checks (the models' clean and the services);
inspections and the 标准化 history are read-only here, as the assignments' history is."""

from django.contrib import admin

from tracker.enterprises import services
from tracker.enterprises.models import (
    Enterprise,
    Grid,
    GridMember,
    Industry,
    Inspection,
    InspectionHazard,
    Standardization,
    StandardizationChange,
)


@admin.register(Industry)
class IndustryAdmin(admin.ModelAdmin):
    list_display = ["name", "supervisor", "credit_code_optional", "sort_order", "active"]
    list_editable = ["sort_order", "active"]
    search_fields = ["name"]
    autocomplete_fields = ["supervisor"]


class GridMemberInline(admin.TabularInline):
    model = GridMember
    extra = 1
    autocomplete_fields = ["user"]


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent", "township", "sort_order"]
    list_filter = ["level", "township"]
    search_fields = ["name", "parent__name", "township__name"]
    autocomplete_fields = ["township", "parent"]
    list_select_related = ["parent", "township"]
    inlines = [GridMemberInline]

    def has_delete_permission(self, request, obj=None):
        # A grid with enterprises or inspections is moved or renamed, not deleted.
        return False


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = ["name", "credit_code", "township", "grid", "industry", "risk", "state"]
    list_filter = ["township", "industry", "risk", "state", "standard_level", "scale"]
    search_fields = ["name", "credit_code", "address", "principal"]
    autocomplete_fields = ["township", "village", "grid", "supervisor", "industry"]
    list_select_related = ["township", "grid", "industry"]
    readonly_fields = ["standard_level", "created_at", "updated_at"]

    def save_model(self, request, obj, form, change):
        # The form has run the same checks (Enterprise.clean); the service keeps the rest.
        services.enterprise_save(user=request.user, enterprise=obj)

    def has_delete_permission(self, request, obj=None):
        # 关闭 is a state: the file and its inspections stay.
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InspectionHazardInline(admin.TabularInline):
    model = InspectionHazard
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "inspected_on", "result", "hazard_count", "signature"]
    list_filter = ["result", "enterprise__township"]
    search_fields = ["enterprise__name", "signature"]
    date_hierarchy = "inspected_on"
    list_select_related = ["enterprise"]
    inlines = [InspectionHazardInline]


class StandardizationChangeInline(admin.TabularInline):
    model = StandardizationChange
    extra = 0
    can_delete = False
    fields = ["created_at", "author", "kind", "from_state", "to_state", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Standardization)
class StandardizationAdmin(ReadOnlyAdmin):
    list_display = ["enterprise", "level", "state", "achieved_on", "certificate_no", "valid_until"]
    list_filter = ["level", "state"]
    search_fields = ["enterprise__name", "certificate_no"]
    list_select_related = ["enterprise"]
    inlines = [StandardizationChangeInline]
