"""The staff API (/api/v1/staff/, /agencies/, /units/, /restructurings/): thin.

Views parse query parameters with a filter serializer and call a selector; every queryset comes
from ``staff.access`` via the selectors, so an object out of scope is simply absent — a 404 on
detail, never a 403 that would confirm it exists. Objects are addressed by their public codes,
not database ids. The one write is the province admin's restructuring plan
(``staff.restructuring``: previewed with ``dry_run``, carried out all or nothing).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.db.models import QuerySet
from drf_spectacular.types import OpenApiTypes
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
    Restructuring,
    RestructuringKind,
    StaffCategory,
    StaffMember,
    Unit,
)
from staff.restructuring import (
    NewAgency,
    Plan,
    Problem,
    RestructuringRefused,
    Step,
    plan_apply,
    plan_preview,
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


# --- restructuring ----------------------------------------------------------------------------


class NewAgencyInput(serializers.Serializer):
    code = serializers.CharField(max_length=30)
    name = serializers.CharField(max_length=255)
    agency_type = serializers.CharField(max_length=20, help_text="Mã loại cơ quan")
    name_en = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")


class StepInput(serializers.Serializer):
    """One decision; which fields matter depends on ``kind`` (``staff.restructuring.Step``)."""

    kind = serializers.ChoiceField(choices=RestructuringKind.choices)
    effective_on = serializers.DateField()
    reference = serializers.CharField(max_length=300, help_text="Số, ngày của quyết định")
    agencies = serializers.ListField(
        child=serializers.CharField(max_length=30), required=False, default=list
    )
    target = serializers.CharField(max_length=30, required=False, allow_blank=True, default="")
    new = NewAgencyInput(many=True, required=False, default=list)
    units = serializers.DictField(
        child=serializers.CharField(max_length=30),
        required=False,
        default=dict,
        help_text="Chia tách: mã đơn vị cấp cao nhất → mã cơ quan nhận",
    )
    unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    to_unit = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    name_en = serializers.CharField(max_length=255, required=False, allow_blank=True, default="")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PlanInput(serializers.Serializer):
    dry_run = serializers.BooleanField(
        required=False, default=False, help_text="true: chỉ xem trước, không ghi gì"
    )
    steps = StepInput(many=True, allow_empty=False)


class RestructuringSerializer(serializers.ModelSerializer):
    recorded_by = serializers.CharField(source="recorded_by.username", default="", read_only=True)
    predecessors = serializers.SerializerMethodField()

    class Meta:
        model = Restructuring
        fields = [
            "id",
            "kind",
            "effective_on",
            "reference",
            "note",
            "summary",
            "recorded_by",
            "recorded_at",
            "predecessors",
        ]
        read_only_fields = fields

    def get_predecessors(self, obj: Restructuring) -> list[dict[str, str]]:
        """The lineage this decision made: predecessor → successor."""
        return [
            {"predecessor": s.predecessor.code, "successor": s.successor.code}
            for s in obj.successions.all()
        ]


def _plan_from(data: dict[str, Any]) -> Plan:
    steps = []
    for step in data["steps"]:
        new = [NewAgency(**n) for n in step.pop("new")]
        steps.append(Step(**step, new=new))
    return Plan(steps)


def _refused(problems: list[Problem]) -> Response:
    status = 403 if any(p.code == "forbidden" for p in problems) else 400
    return Response({"errors": [p.as_dict() for p in problems]}, status=status)


@extend_schema_view(
    list=extend_schema(
        summary="Sắp xếp tổ chức / Restructurings",
        description="Every recorded restructuring, newest first: the province admin and the "
        "inspector (403 for everyone else).",
    ),
    create=extend_schema(
        summary="Ghi nhận sắp xếp tổ chức / Record a restructuring plan",
        description="A plan of steps (merge, split, rename, move_unit, dissolve_unit), checked "
        "as a whole: with dry_run the preview (200), otherwise carried out all or nothing "
        "(201) or refused with every problem named by its path (400; 403 for anyone but the "
        "province admin).",
        request=PlanInput,
        responses={200: OpenApiTypes.OBJECT, 201: RestructuringSerializer(many=True)},
    ),
)
class RestructuringViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = RestructuringSerializer
    filter_backends: list = []

    def get_queryset(self) -> QuerySet[Restructuring]:
        return (
            Restructuring.objects.select_related("recorded_by")
            .prefetch_related("successions__predecessor", "successions__successor")
            .order_by("-effective_on", "-id")
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not scope_for(request.user).sees_all:
            raise PermissionDenied()
        return super().list(request, *args, **kwargs)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not scope_for(request.user).is_province_admin():
            raise PermissionDenied()
        payload = PlanInput(data=request.data)
        payload.is_valid(raise_exception=True)
        plan = _plan_from(dict(payload.validated_data))
        if payload.validated_data["dry_run"]:
            preview = plan_preview(plan=plan, user=request.user)
            if not preview["ok"]:
                return _refused(plan.problems)
            return Response(preview, status=200)
        try:
            records = plan_apply(plan=plan, user=request.user)
        except RestructuringRefused as refused:
            return _refused(refused.problems)
        fresh = self.get_queryset().filter(pk__in=[r.pk for r in records])
        return Response(RestructuringSerializer(fresh, many=True).data, status=201)
