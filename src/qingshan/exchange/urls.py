from django.urls import path

from qingshan.exchange import views

app_name = "exchange"

urlpatterns = [
    path("", views.home, name="home"),
    path("template.xlsx", views.template_download, name="template"),
    path("export.xlsx", views.export_download, name="export"),
    path("import/", views.import_upload, name="import"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="job-progress"),
    path("jobs/<int:pk>/report.xlsx", views.job_report, name="job-report"),
]
