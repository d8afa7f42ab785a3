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
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response

from dashboards.exports import to_csv, to_xlsx
from dashboards.frames import COLUMNS, indicators
from dashboards.models import ParSubCriterion
from dashboards.par import par_feed
from dashboards.rankings import ranking
from dashboards.tables import par_header
from evaluation.models import Period
from scoring.periods import PeriodFormatError, parse_period
from staff.access import scope_for
from staff.lib.replica import reads_from_replica

HEADERS = {
    "rank": "Xếp hạng",
    "composite": "Điểm tổng hợp",
    "movement": "Thay đổi hạng",
    "points": "Điểm đạt",
    "max_points": "Điểm tối đa",
    "index": "Chỉ số (%)",
    "whole_index": "Chỉ số CCHC toàn phần (%)",
}
FORMAT = OpenApiParameter("download", str, enum=["csv", "xlsx"], required=False)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# JSON by default; the same table as a file with ?download=csv|xlsx.
TABLE_RESPONSES = {
    (200, "application/json"): OpenApiTypes.OBJECT,
    (200, "text/csv"): OpenApiTypes.BINARY,
    (200, XLSX): OpenApiTypes.BINARY,
}
RULESET = OpenApiParameter("ruleset", str, required=False, description="default ND335-2025")


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
        ruleset = request.query_params.get("ruleset", "ND335-2025")
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
            ruleset_code=request.query_params.get("ruleset", "ND335-2025"),
            label=label,
            agency_type=request.query_params.get("type") or None,
        )
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
            ruleset_code=request.query_params.get("ruleset", "ND335-2025"), year=int(year)
        )
        headers = {c.code: par_header(c) for c in ParSubCriterion.objects.all()}
        return _frame_response(request, frame, f"chi-so-cchc-{year}", headers)
