"""The channel pages and the delivery log, under /messages/ (tracker.urls includes them)."""

from django.urls import path

from tracker.messaging import views

app_name = "messaging"

urlpatterns = [
    path("", views.messaging_home, name="home"),
    path("units/<int:pk>/", views.unit_channels, name="unit_channels"),
    path("units/<int:pk>/new/<slug:kind>/", views.channel_new, name="channel_new"),
    path("people/<int:pk>/new/<slug:kind>/", views.owner_new, name="owner_new"),
    path("channels/<int:pk>/", views.channel_edit, name="channel_edit"),
    path("channels/<int:pk>/delete/", views.channel_delete, name="channel_delete"),
    path("channels/<int:pk>/test/", views.channel_test, name="channel_test"),
    path("log/", views.delivery_log, name="delivery_log"),
    path("deliveries/<int:pk>/retry/", views.delivery_retry, name="delivery_retry"),
]
