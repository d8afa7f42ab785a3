"""Pages of the evaluation app under /evaluation/ (the home page stays at the site root)."""

from django.urls import path

from evaluation import views

app_name = "evaluation"

urlpatterns = [
    path(
        "results/<str:period_label>/<str:agency_code>.xlsx",
        views.official_results_download,
        name="official-results",
    ),
]
