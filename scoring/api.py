"""API of the scoring app: rule sets (read) and the simulator (province admin).

Thin by design (HackSoft): parse, call one function, render. The rules live in
``scoring.engine``; the simulator contract in ``scoring.simulator``.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response

from scoring.models import RuleSet
from scoring.selectors import ruleset_get_published, ruleset_list, ruleset_simulate
from scoring.simulator import SimulationError
from staff.access import scope_for


class DecimalJSONParser(JSONParser):
    """JSON with numbers read as exact Decimals: 89.995 must stay 89.995, not a float."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: Any = None) -> Any:
        encoding = (parser_context or {}).get("encoding", "utf-8")
        try:
            return json.loads(stream.read().decode(encoding), parse_float=Decimal)
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"JSON không hợp lệ / invalid JSON: {error}") from None


class RuleSetSerializer(serializers.ModelSerializer):
    template_code = serializers.CharField(source="template.code", read_only=True)
    template_version = serializers.IntegerField(source="template.version", read_only=True)

    class Meta:
        model = RuleSet
        fields = [
            "code",
            "version",
            "name",
            "name_en",
            "legal_basis",
            "status",
            "published_at",
            "template_code",
            "template_version",
            "band_excellent_min",
            "band_good_min",
            "band_completed_min",
            "discipline_override_from",
            "degradation_override",
            "unit_corruption_override",
            "gates_enabled",
            "gate_good_share_percent",
            "gate_completed_share_percent",
            "quota_percent",
            "quota_base",
            "quota_scope",
            "quota_applies_month",
            "quota_applies_quarter",
            "quota_applies_year",
            "self_assessment_day",
            "manager_day",
            "approval_day",
            "appeal_days",
        ]


SIMULATE_EXAMPLE = {
    "ruleset": "ND335-2025",
    "period": "2026-10",
    "people": [
        {
            "code": "DN000001",
            "agency": "SNV",
            "duty_group": "CV",
            "general": {"G1": 5, "G2": 4, "G3": 5, "G4": 4, "G5": 4, "G6": 4},
            "products": [
                {"weight": 1, "completed": True, "major_errors": 1},
                {"weight": 1, "completed": True, "delays": 2},
                {"weight": 2, "completed": True},
            ],
        }
    ],
}


class RuleSetViewSet(viewsets.ReadOnlyModelViewSet):
    """Rule sets: every authenticated user may read them (they are the province's published
    rules); only the province admin may run the simulator."""

    serializer_class = RuleSetSerializer
    lookup_field = "code"
    lookup_value_regex = r"[^/]+"

    def get_queryset(self) -> Any:
        return ruleset_list()

    def get_object(self) -> RuleSet:
        try:
            ruleset = ruleset_get_published(code=self.kwargs["code"])
        except RuleSet.DoesNotExist:
            from django.http import Http404

            raise Http404 from None
        self.check_object_permissions(self.request, ruleset)
        return ruleset

    @extend_schema(
        summary="Xếp loại thử một lô / Simulate a batch",
        description=(
            "Rates a batch with this rule set and returns the ratings; writes nothing. "
            "Province admin only. See docs/simulator.md for the contract."
        ),
        parameters=[
            OpenApiParameter(
                "version",
                int,
                description="a specific version (draft included); default: latest published",
            )
        ],
        request=OpenApiTypes.OBJECT,
        responses={200: OpenApiTypes.OBJECT, 400: OpenApiTypes.OBJECT},
        examples=[OpenApiExample("ND335 month", value=SIMULATE_EXAMPLE, request_only=True)],
    )
    @action(detail=True, methods=["post"], parser_classes=[DecimalJSONParser])
    def simulate(self, request: Request, code: str) -> Response:
        if not scope_for(request.user).can_write_org():
            raise PermissionDenied(
                "Chỉ quản trị tỉnh (Sở Nội vụ) được chạy xếp loại thử. / "
                "Only the province admin may run the simulator."
            )
        version = request.query_params.get("version")
        data = request.data
        try:
            if version is not None and not version.isdigit():
                raise SimulationError("version", "phải là số nguyên", "must be an integer")
            if isinstance(data, dict) and data.get("ruleset") not in (None, code):
                raise SimulationError(
                    "ruleset",
                    f"khác với bộ quy tắc trong địa chỉ ({code})",
                    f"differs from the rule set in the URL ({code})",
                )
            output = ruleset_simulate(
                code=code, data=data, version=int(version) if version else None
            )
        except SimulationError as error:
            return Response({"errors": [error.as_dict()]}, status=status.HTTP_400_BAD_REQUEST)
        return Response(output)
