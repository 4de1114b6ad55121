"""The 事故台账's pages, under /accidents/ (tracker.urls includes them)."""

from django.urls import path

from tracker.accidents import views

app_name = "accidents"

urlpatterns = [
    path("", views.accident_list, name="accident_list"),
    path("new/", views.accident_new, name="accident_new"),
    path("export/", views.accident_export, name="accident_export"),
    path("indicators/", views.indicators, name="indicators"),
    path("<int:pk>/", views.accident_detail, name="accident_detail"),
    path("<int:pk>/edit/", views.accident_edit, name="accident_edit"),
    path("<int:pk>/void/", views.accident_void, name="accident_void"),
]
