"""The v1 API: one router; each app registers its viewsets here."""

from rest_framework.routers import DefaultRouter

from scoring.api import RuleSetViewSet
from staff.api import AgencyViewSet, StaffMemberViewSet, UnitViewSet

router = DefaultRouter()
router.register("staff", StaffMemberViewSet, basename="staff")
router.register("agencies", AgencyViewSet, basename="agency")
router.register("units", UnitViewSet, basename="unit")
router.register("rulesets", RuleSetViewSet, basename="ruleset")

urlpatterns = [*router.urls]
