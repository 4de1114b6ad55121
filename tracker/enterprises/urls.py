"""The registers' pages, under /registers/ (tracker.urls includes them)."""

from django.urls import path

from tracker.enterprises.views import grids, inspections, register, standardization

app_name = "enterprises"

urlpatterns = [
    path("enterprises/", register.enterprise_list, name="enterprise_list"),
    path("enterprises/export/", register.enterprise_export, name="enterprise_export"),
    path("enterprises/import/", register.enterprise_import, name="enterprise_import"),
    path(
        "enterprises/import/confirm/",
        register.enterprise_import_confirm,
        name="enterprise_import_confirm",
    ),
    path(
        "enterprises/import/template/",
        register.enterprise_import_template,
        name="enterprise_import_template",
    ),
    path("enterprises/<int:pk>/", register.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/inspect/", inspections.inspection_new, name="inspection_new"),
    path(
        "enterprises/<int:pk>/standardization/",
        standardization.standardization_add,
        name="standardization_add",
    ),
    path(
        "standardization/<int:pk>/",
        standardization.standardization_change,
        name="standardization_change",
    ),
    path("inspect/", inspections.inspect_pick, name="inspect_pick"),
    path("photos/<int:pk>/", inspections.photo_download, name="photo_download"),
    path("grids/", grids.grid_coverage, name="grid_coverage"),
    path("my-grid/", grids.grid_home, name="grid_home"),
]
