"""The 隐患台账's pages, under /hazards/ (tracker.urls includes them)."""

from django.urls import path

from tracker.hazards import views

app_name = "hazards"

urlpatterns = [
    path("", views.hazard_list, name="hazard_list"),
    path("new/", views.hazard_new, name="hazard_new"),
    path("<int:pk>/", views.hazard_detail, name="hazard_detail"),
    path("<int:pk>/<slug:action>/", views.hazard_action, name="hazard_action"),
    path("photos/<int:pk>/", views.photo_download, name="photo_download"),
    path("from-inspection/<int:pk>/", views.inspection_convert, name="inspection_convert"),
]
