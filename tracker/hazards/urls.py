"""The 隐患台账's pages, under /hazards/ (tracker.urls includes them)."""

app_name = "hazards"

urlpatterns: list = []
