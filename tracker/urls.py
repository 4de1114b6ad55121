from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from tracker import views
from tracker.forms import LoginForm

admin.site.site_header = "安全生产任务督办台账 · 管理后台"
admin.site.site_title = "督办台账管理"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="registration/login.html",
            authentication_form=LoginForm,
            redirect_authenticated_user=True,
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
]
