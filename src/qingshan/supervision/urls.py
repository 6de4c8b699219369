from django.urls import path

from qingshan.supervision import views

app_name = "supervision"
urlpatterns = [
    path("", views.case_list, name="case-list"),
    path("new/", views.case_new, name="case-new"),
    path("open/", views.case_open, name="case-open"),
    path("<int:pk>/", views.case_detail, name="case"),
    path("<int:pk>/act/", views.case_act, name="case-act"),
    path("<int:pk>/order.pdf", views.case_order_pdf, name="case-order"),
    path("field/", views.field_list, name="field"),
    path("field/<int:pk>/", views.field_case, name="field-case"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("inbox/", views.inbox, name="inbox"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
]
