"""Dashboard pages (server-rendered; the API under /api/v1/dashboards/ serves the same tables)."""

from django.urls import path

from dashboards import views

app_name = "dashboards"

urlpatterns = [
    path("", views.index, name="index"),
    path("agency/<str:code>/", views.agency_dashboard, name="agency"),
    path("rankings/", views.ranking_page, name="ranking"),
    path("par/", views.par_page, name="par"),
    path("agency-ratings/", views.agency_ratings_page, name="agency-ratings"),
    path("exports/<uuid:pk>/", views.export_job, name="export-job"),
    path("exports/<uuid:pk>/file/", views.export_file, name="export-file"),
]
