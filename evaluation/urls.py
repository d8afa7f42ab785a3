"""Pages of the evaluation app under /evaluation/ (the home page stays at the site root).

Each screen's module lists its own routes (``urls``); this file only puts them together.
"""

from django.urls import path

from evaluation.views import approval, heads, home, inspect, my_month, periods, team

app_name = "evaluation"

urlpatterns = [
    path(
        "results/<str:period_label>/<str:agency_code>.xlsx",
        home.official_results_download,
        name="official-results",
    ),
    *home.urls,
    *my_month.urls,
    *team.urls,
    *approval.urls,
    *heads.urls,
    *periods.urls,
    *inspect.urls,
]
