"""The 隐患台账's pages, under /hazards/ (tracker.urls includes them)."""

from django.urls import path

from tracker.hazards import views, views_reports

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="hazard_list"),
    path("new/", views.hazard_new, name="hazard_new"),
    path("export/", views_reports.hazard_export, name="hazard_export"),
    path("summary/", views_reports.hazard_summary, name="hazard_summary"),
    path("dashboard/", views_reports.hazard_dashboard, name="hazard_dashboard"),
    path("import/", views_reports.hazard_import, name="hazard_import"),
    path("import/confirm/", views_reports.hazard_import_confirm, name="hazard_import_confirm"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/<slug:action>/", views.hazard_action, name="hazard_action"),
    path("photos/<int:pk>/", views.photo_download, name="photo_download"),
    path("from-inspection/<int:pk>/", views.inspection_convert, name="inspection_convert"),
]
