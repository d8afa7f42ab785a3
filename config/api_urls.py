"""The v1 API: one router; each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from dashboards.api import AgencyRatingViewSet, DashboardViewSet
from evaluation.api import (
    AgencyResultViewSet,
    AppealViewSet,
    ApprovalViewSet,
    AuditViewSet,
    EvaluationViewSet,
    NotificationViewSet,
    PeriodViewSet,
    ProductViewSet,
    PublicationViewSet,
    QuotaExceptionViewSet,
)
from scoring.api import RuleSetViewSet
from staff.api import (
    AccessLogViewSet,
    AgencyViewSet,
    RestructuringViewSet,
    StaffMemberViewSet,
    UnitViewSet,
)

router = DefaultRouter()
router.register("staff", StaffMemberViewSet, basename="staff")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("units", UnitViewSet, basename="unit")
router.register("rulesets", RuleSetViewSet, basename="ruleset")
router.register("periods", PeriodViewSet, basename="period")
router.register("evaluations", EvaluationViewSet, basename="evaluation")
router.register("products", ProductViewSet, basename="product")
router.register("appeals", AppealViewSet, basename="appeal")
router.register("audit", AuditViewSet, basename="audit")
router.register("approvals", ApprovalViewSet, basename="approval")
router.register("quota-exceptions", QuotaExceptionViewSet, basename="quota-exception")
router.register("publications", PublicationViewSet, basename="publication")
router.register("agency-results", AgencyResultViewSet, basename="agency-result")
router.register("notifications", NotificationViewSet, basename="notification")
router.register("access-log", AccessLogViewSet, basename="access-log")
router.register("restructurings", RestructuringViewSet, basename="restructuring")
router.register("agency-ratings", AgencyRatingViewSet, basename="agency-rating")

dashboard = DashboardViewSet.as_view
urlpatterns = [
    *router.urls,
    path("dashboards/indicators/", dashboard({"get": "indicators"}), name="dashboard-indicators"),
    path("dashboards/rankings/", dashboard({"get": "rankings"}), name="dashboard-rankings"),
    path("dashboards/par/", dashboard({"get": "par"}), name="dashboard-par"),
]
