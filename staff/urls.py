"""Pages of the staff app, under /staff/."""

from django.urls import path

from staff.views import imports, people, restructuring

app_name = "staff"

urlpatterns = [
    path("import/", imports.import_upload, name="import-upload"),
    path("import/<int:pk>/", imports.import_detail, name="import-detail"),
    path("import/<int:pk>/status/", imports.import_status, name="import-status"),
    path("import/<int:pk>/confirm/", imports.import_confirm, name="import-confirm"),
    path("import/<int:pk>/cancel/", imports.import_cancel, name="import-cancel"),
    path("import/<int:pk>/report.xlsx", imports.import_report, name="import-report"),
    *people.urls,
    *restructuring.urls,
]
