"""Pages of the staff app, under /staff/."""

from django.urls import path

from staff import views

app_name = "staff"

urlpatterns = [
    path("import/", views.import_upload, name="import-upload"),
    path("import/<int:pk>/", views.import_detail, name="import-detail"),
    path("import/<int:pk>/status/", views.import_status, name="import-status"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import-cancel"),
    path("import/<int:pk>/report.xlsx", views.import_report, name="import-report"),
]
