"""The v1 API: one router; each app registers its viewsets here."""

from django.urls import path
from rest_framework.routers import DefaultRouter

router = DefaultRouter()

urlpatterns: list = [*router.urls]
_ = path
