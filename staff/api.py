"""The staff API (/api/v1/staff/, /agencies/, /units/): thin, read-only.

Views parse query parameters with a filter serializer and call a selector; every queryset comes
from ``staff.access`` via the selectors, so an object out of scope is simply absent — a 404 on
detail, never a 403 that would confirm it exists. Objects are addressed by their public codes,
not database ids.
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import PermissionDenied
from rest_framework.request import Request
from rest_framework.response import Response

from staff import selectors
from staff.access import scope_for
from staff.models import (
    AccessKind,
    AccessLog,
    Agency,
    Gender,
    StaffCategory,
    StaffMember,
    Unit,
)

# --- output -----------------------------------------------------------------------------------


class AgencySerializer(serializers.ModelSerializer):
    agency_type = serializers.CharField(source="agency_type.code", read_only=True)
    agency_type_name = serializers.CharField(source="agency_type.name", read_only=True)
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)
    province = serializers.CharField(source="province.code", read_only=True)

    class Meta:
        model = Agency
        fields = [
            "code",
            "name",
            "name_en",
            "agency_type",
            "agency_type_name",
            "parent",
            "province",
            "valid_from",
            "valid_to",
            "is_active",
        ]
        read_only_fields = fields


class UnitSerializer(serializers.ModelSerializer):
    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    parent = serializers.CharField(source="parent.code", read_only=True, allow_null=True)

    class Meta:
        model = Unit
        fields = ["code", "name", "agency", "agency_name", "parent", "valid_from", "valid_to"]
        read_only_fields = fields


class StaffMemberSerializer(serializers.ModelSerializer):
    category_display = serializers.CharField(source="get_category_display", read_only=True)
    position = serializers.CharField(source="position.code", read_only=True, allow_null=True)
    position_name = serializers.CharField(source="position.name", read_only=True, allow_null=True)
    leadership = serializers.CharField(
        source="position.leadership", read_only=True, allow_null=True
    )
    duty_group = serializers.CharField(source="duty_group.code", read_only=True, allow_null=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)
    agency_name = serializers.CharField(source="agency.name", read_only=True)
    manager = serializers.CharField(source="manager.code", read_only=True, allow_null=True)
    manager_name = serializers.CharField(
        source="manager.full_name", read_only=True, allow_null=True
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "code",
            "full_name",
            "family_name",
            "middle_name",
            "given_name",
            "category",
            "category_display",
            "position",
            "position_name",
            "leadership",
            "duty_group",
            "unit",
            "unit_name",
            "agency",
            "agency_name",
            "manager",
            "manager_name",
            "is_active",
        ]
        read_only_fields = fields


class StaffMemberDetailSerializer(StaffMemberSerializer):
    """The detail adds personal data, shown only to someone who may open this record."""

    # Many records come from spreadsheets without these: blank is a valid answer.
    email = serializers.CharField(read_only=True, help_text="Thư điện tử, có thể để trống")
    gender = serializers.ChoiceField(
        choices=Gender.choices,
        allow_blank=True,
        read_only=True,
        help_text="male, female hoặc trống",
    )

    class Meta(StaffMemberSerializer.Meta):
        fields = [
            *StaffMemberSerializer.Meta.fields,
            "email",
            "date_of_birth",
            "gender",
            "joined_on",
            "left_on",
            "party_member",
        ]
        read_only_fields = fields


# --- input ------------------------------------------------------------------------------------


class StaffFilterSerializer(serializers.Serializer):
    search = serializers.CharField(
        required=False, allow_blank=True, help_text="Tên hoặc mã, không cần dấu"
    )
    unit = serializers.CharField(
        required=False, allow_blank=True, help_text="Mã đơn vị (gồm cả đơn vị cấp dưới)"
    )
    agency = serializers.CharField(required=False, allow_blank=True, help_text="Mã cơ quan")
    category = serializers.ChoiceField(
        choices=StaffCategory.choices, required=False, allow_blank=True
    )
    active = serializers.BooleanField(required=False, allow_null=True, default=None)


class AgencyFilterSerializer(serializers.Serializer):
    type = serializers.CharField(required=False, allow_blank=True, help_text="Mã loại cơ quan")


class UnitFilterSerializer(serializers.Serializer):
    agency = serializers.CharField(required=False, allow_blank=True, help_text="Mã cơ quan")


def _filters(serializer_class: type[serializers.Serializer], request) -> dict:
    """Validated query parameters (400 on a bad value), blanks dropped."""
    s = serializer_class(data=request.query_params)
    s.is_valid(raise_exception=True)
    return {k: v for k, v in s.validated_data.items() if v not in ("", None)}


# --- views ------------------------------------------------------------------------------------


@extend_schema_view(list=extend_schema(parameters=[StaffFilterSerializer]))
class StaffMemberViewSet(viewsets.ReadOnlyModelViewSet):
    """Cán bộ the caller may see, in official Vietnamese order."""

    lookup_field = "code"
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[StaffMember]:
        params = _filters(StaffFilterSerializer, self.request) if self.action == "list" else {}
        return selectors.staff_list(user=self.request.user, **params)

    def get_serializer_class(self):
        if self.action == "retrieve":
            return StaffMemberDetailSerializer
        return StaffMemberSerializer


@extend_schema_view(list=extend_schema(parameters=[AgencyFilterSerializer]))
class AgencyViewSet(viewsets.ReadOnlyModelViewSet):
    """Cơ quan, đơn vị the caller may see."""

    lookup_field = "code"
    filter_backends: list = []
    serializer_class = AgencySerializer

    def get_queryset(self) -> QuerySet[Agency]:
        params = _filters(AgencyFilterSerializer, self.request) if self.action == "list" else {}
        return selectors.agency_list(user=self.request.user, agency_type=params.get("type"))


@extend_schema_view(list=extend_schema(parameters=[UnitFilterSerializer]))
class UnitViewSet(viewsets.ReadOnlyModelViewSet):
    """Đơn vị nội bộ the caller may see, in tree order."""

    lookup_field = "code"
    filter_backends: list = []
    serializer_class = UnitSerializer

    def get_queryset(self) -> QuerySet[Unit]:
        params = _filters(UnitFilterSerializer, self.request) if self.action == "list" else {}
        return selectors.unit_list(user=self.request.user, agency=params.get("agency"))


# --- accountable access -----------------------------------------------------------------------


class AccessLogSerializer(serializers.ModelSerializer):
    user = serializers.CharField(source="user.username", read_only=True, default="")
    staff = serializers.CharField(source="staff.code", read_only=True, default="")

    class Meta:
        model = AccessLog
        fields = [
            "id",
            "at",
            "kind",
            "user",
            "username",
            "ip",
            "method",
            "path",
            "status",
            "evaluation",
            "staff",
        ]


class AccessLogFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=AccessKind.choices)
    user = django_filters.CharFilter(
        field_name="username", help_text="Tên đăng nhập (kể cả tên đã thử khi đăng nhập lỗi)"
    )
    evaluation = django_filters.NumberFilter(field_name="evaluation_id", help_text="Id phiếu")

    class Meta:
        model = AccessLog
        fields = ["kind", "user", "evaluation"]


@extend_schema_view(
    list=extend_schema(
        summary="Nhật ký truy cập / Access log",
        description="Who opened whose evaluation, failed sign-ins and refused accesses. "
        "Inspector and province admin only (403 for everyone else).",
    )
)
class AccessLogViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = AccessLogSerializer
    filterset_class = AccessLogFilter

    def get_queryset(self) -> QuerySet[AccessLog]:
        return AccessLog.objects.select_related("user", "staff").order_by("-at", "-id")

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not scope_for(request.user).can_read_audit():
            raise PermissionDenied()
        return super().list(request, *args, **kwargs)
