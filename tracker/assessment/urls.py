"""年度考核's pages, under /assessment/ (tracker.urls includes them)."""

from django.urls import path

from tracker.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.index, name="index"),
    path("export/xlsx/", views.export_xlsx, name="export_xlsx"),
    path("export/docx/", views.export_docx, name="export_docx"),
    path("<int:year>/units/<int:pk>/", views.unit_detail, name="unit"),
    path("<int:year>/units/<int:pk>/adjust/", views.adjustment_add, name="adjust"),
    path("rules/<int:rule>/units/<int:unit>/", views.line_rows, name="line_rows"),
    path("rules/<int:rule>/units/<int:unit>/override/", views.line_override, name="override"),
    path("rules/<int:rule>/units/<int:unit>/appeal/", views.appeal_file, name="appeal"),
    path("appeals/<int:pk>/decide/", views.appeal_decide, name="appeal_decide"),
    path("schemes/<int:pk>/", views.scheme_edit, name="scheme"),
    path("schemes/<int:pk>/close/", views.scheme_close, name="close"),
]
