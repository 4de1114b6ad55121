from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from tracker.forms import LoginForm
from tracker.views import (
    accounts,
    assignments,
    dashboard,
    evidence,
    excel,
    home,
    items,
    notices,
    review,
    speeches,
    years,
)

handler500 = "tracker.views.errors.server_error"

admin.site.site_header = "安全生产任务督办台账 · 管理后台"
admin.site.site_title = "督办台账管理"
admin.site.index_title = "数据管理"

urlpatterns = [
    path("", home.home, name="home"),
    path("favicon.ico", home.favicon, name="favicon"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("tasks/", assignments.assignment_list, name="assignment_list"),
    path("tasks/bulk/", review.bulk_action, name="bulk_action"),
    path("items/", items.item_list, name="item_list"),
    path("items/<int:pk>/", items.item_detail, name="item_detail"),
    path("items/<int:pk>/close/", items.item_close, name="item_close"),
    path("items/<int:pk>/split/", items.item_split, name="item_split"),
    path("items/<int:pk>/summary/", items.item_summary, name="item_summary"),
    path("items/<int:pk>/instruction/", items.item_instruction, name="item_instruction"),
    path(
        "tasks/<int:pk>/instruction/",
        items.assignment_instruction,
        name="assignment_instruction",
    ),
    path("tasks/<int:pk>/", assignments.assignment_detail, name="assignment_detail"),
    path("tasks/<int:pk>/report/", assignments.assignment_report, name="assignment_report"),
    path("tasks/<int:pk>/extension/", assignments.extension_request, name="extension_request"),
    path("tasks/<int:pk>/review/", review.assignment_review, name="assignment_review"),
    path("review/", review.review_queue, name="review_queue"),
    path("tasks/<int:pk>/supervise/", notices.assignment_supervise, name="assignment_supervise"),
    path("units/<int:pk>/supervise/", notices.unit_supervise, name="unit_supervise"),
    path("notices/", notices.notice_list, name="notice_list"),
    path("notices/seen/", notices.notices_seen, name="notices_seen"),
    path("extensions/<int:pk>/decide/", review.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", evidence.evidence_download, name="evidence_download"),
    path("tasks/export/", excel.bulletin_export, name="bulletin_export"),
    path("tasks/export/docx/", excel.bulletin_docx_export, name="bulletin_docx_export"),
    path("import/", excel.task_import, name="task_import"),
    path("import/confirm/", excel.task_import_confirm, name="task_import_confirm"),
    path("import/template/", excel.task_import_template, name="task_import_template"),
    path("return-sheet/", excel.return_sheet_upload, name="return_sheet"),
    path("return-sheet/download/", excel.return_sheet_download, name="return_sheet_download"),
    path("return-sheet/confirm/", excel.return_sheet_confirm, name="return_sheet_confirm"),
    path("years/", years.work_year_list, name="work_year_list"),
    path("years/<int:year>/", years.work_year_detail, name="work_year_detail"),
    path("years/<int:year>/close/", years.work_year_close, name="work_year_close"),
    path("speeches/", speeches.speech_list, name="speech_list"),
    path("speeches/new/", speeches.speech_new, name="speech_new"),
    path("speeches/<int:pk>/review/", speeches.speech_review_page, name="speech_review"),
    path("speeches/<int:pk>/publish/", speeches.speech_publish, name="speech_publish"),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/accept/",
        speeches.candidate_accept,
        name="candidate_accept",
    ),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/reject/",
        speeches.candidate_reject,
        name="candidate_reject",
    ),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/restore/",
        speeches.candidate_restore,
        name="candidate_restore",
    ),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/merge/",
        speeches.candidate_merge,
        name="candidate_merge",
    ),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/split/",
        speeches.candidate_split,
        name="candidate_split",
    ),
    path(
        "speeches/<int:pk>/candidates/<int:cid>/alias/",
        speeches.candidate_alias,
        name="candidate_alias",
    ),
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
    path("password/", accounts.password_change, name="password_change"),
    path("accounts/", accounts.account_list, name="account_list"),
    path("accounts/new/", accounts.account_new, name="account_new"),
    path("accounts/<int:pk>/", accounts.account_detail, name="account_detail"),
    path("accounts/<int:pk>/reset/", accounts.account_reset, name="account_reset"),
    path("accounts/<int:pk>/active/", accounts.account_active, name="account_active"),
    path("accounts/<int:pk>/move/", accounts.account_move, name="account_move"),
    path("admin/", admin.site.urls),
    # The registers' wing: 企业台账, 网格, 巡查检查, 标准化创建.
    path("registers/", include("tracker.enterprises.urls")),
    path("hazards/", include("tracker.hazards.urls")),
    path("accidents/", include("tracker.accidents.urls")),
    # The messaging wing: channels (钉钉, 企业微信, SMS, e-mail) and the delivery log.
    path("messages/", include("tracker.messaging.urls")),
    # The 年度考核 wing: schemes, each unit's score and its lines, 申诉, results.
    path("assessment/", include("tracker.assessment.urls")),
]
