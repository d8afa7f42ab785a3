"""Dashboard data over the API: agency indicators, the provincial ranking, the PAR feed.

Who sees what (DOMAIN.md §8): the province admin and the inspector see every agency;
the head, the delegate and the HR officer see their own agency's indicators and read the
ranking; everyone else is refused. ``?download=csv|xlsx`` downloads the same table with
Vietnamese headers (formula cells neutralised). Reads go to the read replica when one is
configured (config/db_router.py).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from django.db.models import QuerySet
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards.agency_ratings import RATING_COLUMNS, proposed_points, with_agency_ratings
from dashboards.exports import to_csv, to_xlsx
from dashboards.frames import COLUMNS, indicators
from dashboards.models import ParSubCriterion
from dashboards.par import par_feed
from dashboards.rankings import ranking
from dashboards.selectors import civil_servant_ruleset_code
from dashboards.tables import par_header
from evaluation.models import AgencyRating, Period
from evaluation.serializers import ErrorsSerializer, StrictSerializer
from evaluation.services.agency_rating import agency_rating_record
from scoring.periods import PeriodFormatError, parse_period
from staff.access import get_agency_or_404, scope_for
from staff.lib.replica import reads_from_replica

HEADERS = {
    "rank": "Xếp hạng",
    "composite": "Điểm tổng hợp",
    "movement": "Thay đổi hạng",
    "points": "Điểm đạt",
    "max_points": "Điểm tối đa",
    "index": "Chỉ số (%)",
    "whole_index": "Chỉ số CCHC toàn phần (%)",
    **RATING_COLUMNS,
}
FORMAT = OpenApiParameter("download", str, enum=["csv", "xlsx"], required=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# JSON by default; the same table as a file with ?download=csv|xlsx.
TABLE_RESPONSES = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, "text/csv"): OpenApiTypes.BINARY,
    (200, XLSX): OpenApiTypes.BINARY,
}
RULESET = OpenApiParameter(
    "ruleset",
    str,
    required=False,
    description="default: the rule set rating công chức (from the coverage; ND335-2025)",
)


def _frame_response(
    request: Request, frame: pd.DataFrame, name: str, headers: dict[str, str] | None = None
) -> Any:
    records = [
        {k: (None if pd.isna(v) else (v.item() if hasattr(v, "item") else v)) for k, v in r.items()}
        for r in frame.to_dict(orient="records")
    ]
    columns = list(frame.columns)
    fmt = request.query_params.get("download", "")
    if fmt in ("csv", "xlsx"):
        extra = headers or {}
        titles = [extra.get(c) or HEADERS.get(c) or COLUMNS.get(c, (c,))[0] for c in columns]
        if fmt == "csv":
            body, content_type = to_csv(records, columns, titles), "text/csv; charset=utf-8"
        else:
            body = to_xlsx(records, columns, titles, title=name)
            content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        response = HttpResponse(body, content_type=content_type)
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response
    return Response({"columns": columns, "rows": records})


def _label(request: Request, name: str = "period") -> str:
    label = request.query_params.get(name, "")
    try:
        parse_period(label)
    except PeriodFormatError:
        raise ValidationError({name: ["Kỳ không hợp lệ; cần YYYY-MM, YYYY-Qn hoặc YYYY"]}) from None
    return label


class DashboardViewSet(viewsets.ViewSet):
    """Read-only dashboard tables."""

    @extend_schema(
        summary="Chỉ số cơ quan theo kỳ / Agency indicators for a month",
        parameters=[OpenApiParameter("period", str, required=True), RULESET, FORMAT],
        responses=TABLE_RESPONSES,
    )
    @reads_from_replica()
    def indicators(self, request: Request) -> Any:
        scope = scope_for(request.user)
        if not scope.reads_indicators():
            raise PermissionDenied("Chỉ lãnh đạo, tổ chức cán bộ và Sở Nội vụ xem chỉ số cơ quan.")
        label = _label(request)
        ruleset = request.query_params.get("ruleset") or civil_servant_ruleset_code()
        period = (
            Period.objects.filter(ruleset__code=ruleset, label=label)
            .select_related("ruleset")
            .first()
        )
        frame = indicators(period) if period is not None else pd.DataFrame(columns=list(COLUMNS))
        if not scope.sees_all:
            visible = set(scope.agencies().values_list("code", flat=True))
            frame = frame[frame["agency"].isin(visible)]
        return _frame_response(request, frame.reset_index(drop=True), f"chi-so-{label}")

    @extend_schema(
        summary="Xếp hạng cơ quan / Provincial ranking",
        parameters=[
            OpenApiParameter("period", str, required=True, description="YYYY-MM, YYYY-Qn, YYYY"),
            OpenApiParameter("type", str, required=False, description="agency type code"),
            RULESET,
            FORMAT,
        ],
        responses=TABLE_RESPONSES,
    )
    @reads_from_replica()
    def rankings(self, request: Request) -> Any:
        if not scope_for(request.user).reads_indicators():
            raise PermissionDenied("Chỉ lãnh đạo cơ quan và Sở Nội vụ xem bảng xếp hạng.")
        label = _label(request)
        frame = ranking(
            ruleset_code=request.query_params.get("ruleset") or civil_servant_ruleset_code(),
            label=label,
            agency_type=request.query_params.get("type") or None,
        )
        # The agency's own rating beside the composite, as on the ranking page (DOMAIN.md §8).
        frame = with_agency_ratings(frame, label)
        return _frame_response(request, frame, f"xep-hang-{label}")

    @extend_schema(
        summary="Chỉ số CCHC — lĩnh vực cải cách chế độ công vụ / PAR-index feed",
        parameters=[OpenApiParameter("year", int, required=True), RULESET, FORMAT],
        responses=TABLE_RESPONSES,
    )
    @reads_from_replica()
    def par(self, request: Request) -> Any:
        if not scope_for(request.user).sees_all:
            raise PermissionDenied("Chỉ Sở Nội vụ và thanh tra xem Chỉ số CCHC.")
        year = request.query_params.get("year", "")
        if not year.isdigit():
            raise ValidationError({"year": ["Năm không hợp lệ"]})
        frame = par_feed(
            ruleset_code=request.query_params.get("ruleset") or civil_servant_ruleset_code(),
            year=int(year),
        )
        headers = {c.code: par_header(c) for c in ParSubCriterion.objects.all()}
        return _frame_response(request, frame, f"chi-so-cchc-{year}", headers)


# --- the agencies' own ratings ---------------------------------------------------------------


class AgencyRatingInputSerializer(StrictSerializer):
    agency = serializers.CharField()
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(required=False, allow_null=True, default=None)
    # Checked by the service, which names the range: 0 to 100, at most two decimals.
    score = serializers.CharField()
    reference = serializers.CharField(required=False, allow_blank=True, default="")
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class AgencyRatingSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    agency = serializers.CharField(source="agency.code")
    agency_name = serializers.CharField(source="agency.name")
    year = serializers.IntegerField()
    quarter = serializers.IntegerField(allow_null=True)
    proposed_points = serializers.DecimalField(max_digits=5, decimal_places=2, allow_null=True)
    score = serializers.DecimalField(max_digits=5, decimal_places=2)
    level = serializers.CharField()
    level_name = serializers.CharField(source="get_level_display")
    reference = serializers.CharField()
    reason = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    decided_at = serializers.DateTimeField()


RATING_ERRORS = {400: ErrorsSerializer, 403: ErrorsSerializer, 404: ErrorsSerializer}


@extend_schema_view(
    list=extend_schema(
        summary="Xếp loại cơ quan / Agency ratings",
        parameters=[
            OpenApiParameter("year", int, required=False),
            OpenApiParameter("quarter", int, required=False, description="1–4; none: the year"),
            OpenApiParameter("agency", str, required=False, description="agency code"),
        ],
    )
)
class AgencyRatingViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The agencies' own ratings (DOMAIN.md §8: Decree 335 rates state administrative agencies
    on 100 points). Read: the province (admin, inspector) every agency; the head, delegate and
    HR officer their own agency; anyone else nothing. Recorded by the province admin only, with
    the second factor (``evaluation.services.agency_rating``)."""

    serializer_class = AgencyRatingSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[AgencyRating]:
        scope = scope_for(self.request.user)
        rows = AgencyRating.objects.select_related("agency", "decided_by").order_by(
            "-year", "quarter", "agency__code"
        )
        if not scope.sees_all:
            rows = rows.filter(agency_id__in=sorted(scope.agency_ids))
        params = self.request.query_params
        if params.get("year", "").isdigit():
            rows = rows.filter(year=int(params["year"]))
        if params.get("quarter", "") in ("1", "2", "3", "4"):
            rows = rows.filter(quarter=int(params["quarter"]))
        elif params.get("year", "").isdigit():
            rows = rows.filter(quarter__isnull=True)
        if params.get("agency"):
            rows = rows.filter(agency__code=params["agency"])
        return rows

    @extend_schema(
        summary="Ghi, sửa xếp loại cơ quan / Record or revise an agency's rating",
        request=AgencyRatingInputSerializer,
        responses={201: AgencyRatingSerializer, **RATING_ERRORS},
    )
    def create(self, request: Request) -> Response:
        serializer = AgencyRatingInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        agency = get_agency_or_404(scope_for(request.user), data["agency"])
        quarter = data.get("quarter")
        proposal = None
        if scope_for(request.user).is_province_admin() and quarter in (None, 1, 2, 3, 4):
            proposal = proposed_points(year=data["year"], quarter=quarter).get(agency.code)
        rating = agency_rating_record(
            agency=agency,
            year=data["year"],
            quarter=quarter,
            score=data["score"],
            reference=data["reference"],
            reason=data["reason"],
            proposed_points=proposal,
            user=request.user,
        )
        rating = AgencyRating.objects.select_related("agency", "decided_by").get(pk=rating.pk)
        return Response(AgencyRatingSerializer(rating).data, status=status.HTTP_201_CREATED)
