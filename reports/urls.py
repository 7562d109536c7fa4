from django.urls import path

from . import views

app_name = "reports"

# An export's progress and download, for every kind (the archive's came first).
EXPORT = "archives/<id:export_id>/"

urlpatterns = [
    path("", views.index, name="index"),
    path("coordinator-report.pdf", views.report_pdf, name="report_pdf"),
    path("archives/", views.archives, name="archives"),
    path("archives/new/", views.archive_create, name="archive_create"),
    path(EXPORT + "status/", views.archive_status, name="archive_status"),
    path(EXPORT + "download/", views.archive_download, name="archive_download"),
    path("documents/", views.exports, name="exports"),
    path("documents/new/", views.export_create, name="export_create"),
    path("documents/<id:export_id>/", views.export_detail, name="export"),
]
