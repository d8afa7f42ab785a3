"""Top-level URLs: admin, the v1 API and its schema/Swagger UI (served from local static files)."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from evaluation.views import home as evaluation_home
from evaluation.views import people as evaluation_people
from staff import otp
from staff import urls as staff_urls

urlpatterns = [
    path("", evaluation_home.home, name="home"),
    path("accounts/login/", otp.LoginView.as_view(), name="login"),
    path("accounts/otp/setup/", otp.otp_setup, name="otp-setup"),
    path("accounts/otp/verify/", otp.otp_verify, name="otp-verify"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    # The person page shows evaluations too, so the workflow app serves it (still staff:person).
    path("staff/", include(([*staff_urls.urlpatterns, *evaluation_people.urls], "staff"))),
    path("evaluation/", include("evaluation.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("rules/", include("scoring.urls")),
    path("api/v1/", include("config.api_urls")),
    path("api/v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
    # The short addresses for the same schema and Swagger UI.
    path("api/schema/", SpectacularAPIView.as_view(), name="schema-short"),
    path(
        "api/docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui-short"
    ),
    path("i18n/", include("django.conf.urls.i18n")),
]

handler404 = "config.exceptions.api_not_found"
