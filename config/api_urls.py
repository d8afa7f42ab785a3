"""The v1 API: one router; each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()
router.register("staff", __import__("staff.api").api.StaffMemberViewSet, basename="staff")
router.register("agencies", __import__("staff.api").api.AgencyViewSet, basename="agency")
router.register("units", __import__("staff.api").api.UnitViewSet, basename="unit")

urlpatterns: list = [*router.urls]
_ = path
