"""The workflow API (/api/v1/periods/, /evaluations/, /products/, /appeals/, /approvals/, …).

Thin by design: parse with an input serializer, call ONE service, render with an output
serializer. Every object comes from ``staff.access.scope_for(user)``: an evaluation, product,
appeal, unit or agency the caller may not see is a 404; one they see but may not act on is the
service's 403. Errors are ``{"errors": [{"code", "path", "message", "message_en"}]}``
(``config.exceptions``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet, prefetch_related_objects
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from evaluation import filters
from evaluation import serializers as s
from evaluation.errors import WorkflowError, forbidden
from evaluation.models import (
    Appeal,
    CriterionScore,
    Evaluation,
    Notification,
    Period,
    Product,
    QuotaException,
    Status,
)
from evaluation.rating import evaluations_for_rating, rate_one, reasons_json
from evaluation.selectors.access import evaluations_in_scope
from evaluation.selectors.heads import heads_board
from evaluation.services.appeals import appeal_file, appeal_resolve
from evaluation.services.approval import (
    Adjustment,
    agency_publish,
    approval_preview,
    head_approve,
    quota_exception_record,
    unit_approve,
)
from evaluation.services.common import DETAIL_RELATIONS
from evaluation.services.period_close import period_close
from evaluation.services.periods import period_open
from evaluation.services.products import product_delete, product_register, product_set_outcome
from evaluation.services.workflow import (
    evaluation_manager_score,
    evaluation_return,
    evaluation_self_assess,
)
from scoring.selectors import template_criteria
from staff import accesslog
from staff.access import get_agency_or_404, get_unit_or_404, request_scope
from staff.models import AuditEntry, DutyGroup

ERRORS = {
    400: s.ErrorsSerializer,
    403: s.ErrorsSerializer,
    404: s.ErrorsSerializer,
    409: s.ErrorsSerializer,
}
PUBLISHED_STATUSES = (Status.PUBLISHED, Status.UNDER_APPEAL, Status.CLOSED)
ID = r"\d+"


def _parse(serializer_class: type[serializers.Serializer], data: Any) -> dict[str, Any]:
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _version(request: Request, data: dict[str, Any]) -> int | None:
    """The version the client read: the body's ``version``, else the If-Match header."""
    if data.get("version") is not None:
        return int(data["version"])
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    value = header.removeprefix("W/").strip('"')
    if not value.isdigit():
        raise WorkflowError(
            "bad_version",
            "Header If-Match phải là số phiên bản của phiếu",
            "If-Match must be the evaluation's version number",
            path="version",
        )
    return int(value)


def _period_or_404(period_id: int) -> Period:
    # Periods are public to every signed-in user: a missing one is simply not found.
    return get_object_or_404(Period.objects.select_related("ruleset"), pk=period_id)


# --- periods ----------------------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(summary="Các kỳ đánh giá / Periods"),
    retrieve=extend_schema(summary="Một kỳ đánh giá / One period"),
)
class PeriodViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Rating periods: readable by every signed-in user; opened and closed by the province
    admin."""

    serializer_class = s.PeriodSerializer
    filterset_class = filters.PeriodFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Period]:
        return Period.objects.select_related("ruleset").order_by("-year", "-index", "kind", "id")

    @extend_schema(
        summary="Mở kỳ tháng / Open a month",
        request=s.PeriodOpenSerializer,
        responses={201: s.PeriodOpenedSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _parse(s.PeriodOpenSerializer, request.data)
        period, created = period_open(
            ruleset_code=data["ruleset"], label=data["period"], user=request.user
        )
        period = self.get_queryset().get(pk=period.pk)
        body = {"period": s.PeriodSerializer(period).data, "created": created}
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Khóa kỳ / Close a period",
        request=None,
        responses={200: s.PeriodClosedSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        period = self.get_object()
        counts = period_close(period=period, user=request.user)
        period = self.get_queryset().get(pk=period.pk)
        return Response({"period": s.PeriodSerializer(period).data, "counts": counts})


# --- evaluations ------------------------------------------------------------------------------


def _detail_prefetches() -> tuple[Prefetch, ...]:
    return (
        Prefetch("criterion_scores", queryset=CriterionScore.objects.all()),
        Prefetch(
            "products",
            queryset=Product.objects.select_related(
                "created_by", "assigned_by", "confirmed_by"
            ).order_by("id"),
        ),
    )


def _detail_queryset(qs: QuerySet[Evaluation]) -> QuerySet[Evaluation]:
    return qs.select_related(*DETAIL_RELATIONS).prefetch_related(*_detail_prefetches())


@extend_schema_view(
    list=extend_schema(summary="Phiếu đánh giá trong phạm vi / Evaluations in scope"),
    retrieve=extend_schema(
        summary="Một phiếu đánh giá / One evaluation",
        responses={200: s.EvaluationDetailSerializer, 404: s.ErrorsSerializer},
    ),
)
class EvaluationViewSet(viewsets.ReadOnlyModelViewSet):
    """Evaluations the caller may see, in Vietnamese name order, and every workflow step on
    one of them."""

    serializer_class = s.EvaluationSerializer
    filterset_class = filters.EvaluationFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Evaluation]:
        if self.request.method == "POST":
            # A workflow step only needs to know the evaluation is in scope: its service
            # re-reads it under a lock with what the detail shows, and ``_detail`` answers with
            # that row. A month-end save paid for the joins twice (docs/performance.md).
            return evaluations_in_scope(request_scope(self.request)).order_by()
        qs = (
            evaluations_in_scope(request_scope(self.request))
            .select_related("period", "staff", "agency", "unit", "duty_group")
            .order_by("-period__ends_on", "period__kind", "staff__sort_key", "staff__code", "id")
        )
        if self.action == "retrieve":
            qs = _detail_queryset(qs)
        return qs

    def get_object(self) -> Evaluation:
        # Object lookups ignore list filters: the id alone names the evaluation.
        queryset = self.get_queryset()
        return get_object_or_404(queryset, pk=self.kwargs["pk"])

    def _detail(self, evaluation: Evaluation, *, code: int = 200) -> Response:
        """The detail of ``evaluation`` as read by ``get_object`` or returned by a workflow
        service (re-read under its lock, so current): only what it lacks is read — its scores
        and products after a save, nothing after a ``retrieve``."""
        prefetch_related_objects([evaluation], *_detail_prefetches())
        criteria = list(template_criteria(evaluation.template))
        data = s.EvaluationDetailSerializer(
            evaluation, context={"request": self.request, "criteria": criteria}
        ).data
        return Response(data, status=code, headers={"ETag": f'"{evaluation.version}"'})

    def retrieve(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        accesslog.record_read(request, evaluation)
        return self._detail(evaluation)

    @extend_schema(
        summary="Đề xuất xếp loại tức thời / Live proposal",
        description="The engine's proposal for this person alone (score, band, level, reasons): "
        "from the person's own points for the person, from the manager's for everyone else.",
        responses={200: s.ProposalSerializer, 404: s.ErrorsSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def proposal(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        accesslog.record_read(request, evaluation)
        source = "self" if request_scope(request).can_self_assess(evaluation) else "manager"
        evaluation = evaluations_for_rating(Evaluation.objects.filter(pk=evaluation.pk)).get()
        result = rate_one(evaluation, source=source)
        return Response(
            s.ProposalSerializer(
                {
                    "score": result.score,
                    "band": result.band.name if result.band else None,
                    "level": result.level.name if result.level else None,
                    "source": source,
                    "reasons": reasons_json(result),
                }
            ).data
        )

    @extend_schema(
        summary="Tự đánh giá / Self-assessment",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        request=s.SelfAssessmentSerializer,
        responses={200: s.EvaluationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="self-assessment", filter_backends=[])
    def self_assessment(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        data = _parse(s.SelfAssessmentSerializer, request.data)
        evaluation = evaluation_self_assess(
            evaluation=evaluation,
            user=request.user,
            scores=data.get("scores"),
            comment=data.get("comment"),
            conditions=data.get("conditions_met"),
            version=_version(request, data),
            submit=data["submit"],
        )
        return self._detail(evaluation)

    @extend_schema(
        summary="Quản lý chấm điểm / Manager scoring",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        request=s.ManagerScoreSerializer,
        responses={200: s.EvaluationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="manager-score", filter_backends=[])
    def manager_score(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        data = _parse(s.ManagerScoreSerializer, request.data)
        version = _version(request, data)
        scores, submit = data.pop("scores", None), data.pop("submit")
        data.pop("version", None)
        evaluation = evaluation_manager_score(
            evaluation=evaluation,
            user=request.user,
            scores=scores,
            fields=data,
            version=version,
            submit=submit,
        )
        return self._detail(evaluation)

    @extend_schema(
        summary="Trả lại phiếu / Return",
        parameters=[OpenApiParameter("If-Match", str, OpenApiParameter.HEADER, required=False)],
        request=s.ReturnSerializer,
        responses={200: s.EvaluationDetailSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="return", filter_backends=[])
    def return_(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        data = _parse(s.ReturnSerializer, request.data)
        evaluation = evaluation_return(
            evaluation=evaluation,
            user=request.user,
            to=data["to"],
            reason=data["reason"],
            version=_version(request, data),
        )
        return self._detail(evaluation)

    @extend_schema(
        summary="Kiến nghị / Appeal",
        request=s.AppealFileSerializer,
        responses={201: s.AppealSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def appeal(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        data = _parse(s.AppealFileSerializer, request.data)
        appeal = appeal_file(evaluation=evaluation, user=request.user, reason=data["reason"])
        appeal = _appeals().get(pk=appeal.pk)
        return Response(s.AppealSerializer(appeal).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Nhật ký của phiếu / Audit trail of one evaluation",
        description="Inspector and province admin only (403 for others who see the evaluation).",
        responses={200: s.AuditEntrySerializer(many=True), 403: s.ErrorsSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def audit(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        if not request_scope(request).can_read_audit():
            raise PermissionDenied()
        accesslog.record_read(request, evaluation)
        page = self.paginate_queryset(_audit_entries().filter(evaluation=evaluation))
        return self.get_paginated_response(s.AuditEntrySerializer(page, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Sản phẩm của phiếu / Products",
        responses={200: s.ProductSerializer(many=True), 404: s.ErrorsSerializer},
    )
    @extend_schema(
        methods=["POST"],
        summary="Ghi sản phẩm / Register a product",
        description="JSON with evidence_url, or multipart with evidence_file.",
        request={
            "application/json": s.ProductCreateSerializer,
            "multipart/form-data": s.ProductCreateSerializer,
        },
        responses={201: s.ProductSerializer, **ERRORS},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        filter_backends=[],
        parser_classes=[JSONParser, MultiPartParser, FormParser],
    )
    def products(self, request: Request, pk: str) -> Response:
        evaluation = self.get_object()
        if request.method == "GET":
            accesslog.record_read(request, evaluation)
            page = self.paginate_queryset(_products().filter(evaluation=evaluation))
            data = s.ProductSerializer(page, many=True, context={"request": request}).data
            return self.get_paginated_response(data)
        data = _parse(s.ProductCreateSerializer, request.data)
        product = product_register(
            evaluation=evaluation,
            user=request.user,
            title=data["title"],
            weight=data["weight"],
            deadline=data.get("deadline"),
            evidence_url=data.get("evidence_url") or "",
            evidence_file=data.get("evidence_file"),
        )
        product = _products().get(pk=product.pk)
        return Response(
            s.ProductSerializer(product, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


# --- products ---------------------------------------------------------------------------------


def _products() -> QuerySet[Product]:
    return Product.objects.select_related("created_by", "assigned_by", "confirmed_by").order_by(
        "id"
    )


class ProductViewSet(mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A product, reached only through an evaluation in the caller's scope."""

    serializer_class = s.ProductSerializer
    lookup_value_regex = ID
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Product]:
        return _products().filter(evaluation__in=evaluations_in_scope(request_scope(self.request)))

    @extend_schema(
        summary="Xóa sản phẩm / Remove a product",
        responses={204: None, 403: s.ErrorsSerializer, 404: s.ErrorsSerializer},
    )
    def destroy(self, request: Request, pk: str) -> Response:
        product_delete(product=self.get_object(), user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Kết quả sản phẩm / Product outcome",
        request=s.ProductOutcomeSerializer,
        responses={200: s.ProductSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def outcome(self, request: Request, pk: str) -> Response:
        product = self.get_object()
        data = _parse(s.ProductOutcomeSerializer, request.data)
        product = product_set_outcome(product=product, user=request.user, **data)
        product = _products().get(pk=product.pk)
        return Response(s.ProductSerializer(product, context={"request": request}).data)


# --- appeals ----------------------------------------------------------------------------------


def _appeals() -> QuerySet[Appeal]:
    return Appeal.objects.select_related(
        "evaluation__staff", "evaluation__period", "filed_by", "resolved_by"
    ).order_by("-filed_at", "-id")


@extend_schema_view(list=extend_schema(summary="Kiến nghị trong phạm vi / Appeals in scope"))
class AppealViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Appeals on the evaluations the caller may see; resolved by the head or delegate."""

    serializer_class = s.AppealSerializer
    filterset_class = filters.AppealFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Appeal]:
        return _appeals().filter(evaluation__in=evaluations_in_scope(request_scope(self.request)))

    def get_object(self) -> Appeal:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="Giải quyết kiến nghị / Resolve an appeal",
        request=s.AppealResolveSerializer,
        responses={200: s.AppealSerializer, **ERRORS},
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        appeal = self.get_object()
        data = _parse(s.AppealResolveSerializer, request.data)
        appeal = appeal_resolve(
            appeal=appeal,
            user=request.user,
            decision=data["decision"],
            reason=data["reason"],
            level=data.get("level") or None,
        )
        return Response(s.AppealSerializer(_appeals().get(pk=appeal.pk)).data)


# --- audit ------------------------------------------------------------------------------------


def _audit_entries() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.select_related("actor", "agency", "period").order_by("id")


@extend_schema_view(
    list=extend_schema(
        summary="Nhật ký / Audit trail",
        description="Inspector and province admin only.",
        responses={200: s.AuditEntrySerializer(many=True), 403: s.ErrorsSerializer},
    )
)
class AuditViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = s.AuditEntrySerializer
    filterset_class = filters.AuditFilter

    def get_queryset(self) -> QuerySet[AuditEntry]:
        return _audit_entries()

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        if not request_scope(request).can_read_audit():
            raise PermissionDenied()
        return super().list(request, *args, **kwargs)


# --- approval, exceptions, publication --------------------------------------------------------


class PreviewRowSerializer(s.PreviewRowSerializer):
    superior = serializers.BooleanField(
        help_text="Người đứng đầu cơ quan: chờ cấp trên phê duyệt, cơ quan không ký / the head "
        "of the agency: waiting for the superior authority, not the agency's to sign"
    )
    waiting_for = serializers.CharField(allow_blank=True)
    waiting_for_en = serializers.CharField(allow_blank=True)


class BlockedSerializer(s.BlockedSerializer):
    superior = serializers.BooleanField(
        help_text="the head of the agency: the superior authority waits for these reports"
    )


class ApprovalPreviewSerializer(s.ApprovalPreviewSerializer):
    """The preview with the head of the agency's row marked (DOMAIN.md §1): chờ cấp trên."""

    evaluations = PreviewRowSerializer(many=True)
    blocked = BlockedSerializer(many=True)


class ApprovalViewSet(viewsets.GenericViewSet):
    """The approver (head of agency or delegate) signs one unit at a time — all but the head of
    the agency, whom the province approver rates and signs (``heads``, DOMAIN.md §1)."""

    serializer_class = s.EvaluationSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    @extend_schema(
        summary="Xem trước phê duyệt / Approval preview",
        parameters=[s.ApprovalQuerySerializer],
        responses={200: ApprovalPreviewSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get"])
    def preview(self, request: Request) -> Response:
        data = _parse(s.ApprovalQuerySerializer, request.query_params)
        period = _period_or_404(data["period"])
        unit = get_unit_or_404(request_scope(request), data["unit"])
        preview = approval_preview(period=period, unit=unit, user=request.user)
        return Response(ApprovalPreviewSerializer(preview).data)

    @extend_schema(
        summary="Phê duyệt đơn vị / Approve a unit",
        request=s.ApprovalSerializer,
        responses={200: s.EvaluationSerializer(many=True), **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _parse(s.ApprovalSerializer, request.data)
        period = _period_or_404(data["period"])
        unit = get_unit_or_404(request_scope(request), data["unit"])
        adjustments = [
            Adjustment(a["evaluation"], a["level"], a["reason"]) for a in data["adjustments"]
        ]
        signed = unit_approve(period=period, unit=unit, user=request.user, adjustments=adjustments)
        rows = (
            Evaluation.objects.filter(pk__in=[e.pk for e in signed])
            .select_related("period", "staff", "agency", "unit", "duty_group")
            .order_by("staff__sort_key", "staff__code")
        )
        return Response(s.EvaluationSerializer(rows, many=True).data)

    @extend_schema(
        methods=["GET"],
        summary="Người đứng đầu chờ phê duyệt / Heads of agencies to approve",
        description="The heads of agencies' evaluations of one period, across agencies: the "
        "province approver only (403 for anyone else).",
        parameters=[s.HeadApprovalQuerySerializer],
        responses={200: s.HeadApprovalRowSerializer(many=True), **ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Phê duyệt người đứng đầu / Approve a head of agency",
        description="The province approver signs one head of agency's evaluation (second "
        "factor; leaders after their units; the agency's quota counts the head).",
        request=s.HeadApprovalSerializer,
        responses={200: s.EvaluationSerializer, **ERRORS},
    )
    @action(detail=False, methods=["get", "post"])
    def heads(self, request: Request) -> Response:
        scope = request_scope(request)
        if request.method == "GET":
            if not scope.approves_heads():
                raise forbidden(
                    "Chỉ Chủ tịch UBND tỉnh hoặc Phó Chủ tịch được phân công xem danh sách này",
                    "Only the provincial People's Committee's chair or the designated vice-chair "
                    "sees this list",
                )
            query = _parse(s.HeadApprovalQuerySerializer, request.query_params)
            board = heads_board(period=_period_or_404(query["period"]), scope=scope)
            return Response(s.HeadApprovalRowSerializer(board.rows, many=True).data)
        data = _parse(s.HeadApprovalSerializer, request.data)
        evaluation = get_object_or_404(evaluations_in_scope(scope), pk=data["evaluation"])
        signed = head_approve(
            evaluation=evaluation,
            user=request.user,
            level=data.get("level") or None,
            reason=data["reason"],
            version=data.get("version"),
        )
        row = Evaluation.objects.select_related(
            "period", "staff", "agency", "unit", "duty_group"
        ).get(pk=signed.pk)
        return Response(s.EvaluationSerializer(row).data)


class QuotaExceptionViewSet(viewsets.GenericViewSet):
    """A recorded decision lifting one group's HTXSNV ceiling for one period: recorded by the
    province admin (Sở Nội vụ), bounded by the rule set, never by the agency (DOMAIN.md §4.5)."""

    serializer_class = s.QuotaExceptionSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Ghi ngoại lệ tỷ lệ / Record a quota exception",
        description="The province admin, with the second factor; a legal reference is "
        "required; the ceiling may not exceed what the rule set's exception percent gives "
        "(409 naming the maximum; 409 when the rule set allows none). The agency's head and "
        "delegate are refused (403).",
        request=s.QuotaExceptionInputSerializer,
        responses={201: s.QuotaExceptionSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _parse(s.QuotaExceptionInputSerializer, request.data)
        period = _period_or_404(data["period"])
        agency = get_agency_or_404(request_scope(request), data["agency"])
        duty_group = None
        if data.get("duty_group"):
            duty_group = DutyGroup.objects.filter(code=data["duty_group"]).first()
            if duty_group is None:
                raise WorkflowError(
                    "unknown_duty_group",
                    f"Không có nhóm nhiệm vụ mã {data['duty_group']!r}",
                    f"No duty group {data['duty_group']!r}",
                    path="duty_group",
                )
        exception = quota_exception_record(
            period=period,
            agency=agency,
            duty_group=duty_group,
            ceiling=data["ceiling"],
            reference=data["reference"],
            reason=data["reason"],
            user=request.user,
        )
        exception = QuotaException.objects.select_related("agency", "duty_group", "decided_by").get(
            pk=exception.pk
        )
        return Response(s.QuotaExceptionSerializer(exception).data, status=status.HTTP_201_CREATED)


class PublicationViewSet(viewsets.GenericViewSet):
    """Publishing an agency's approved results for a period."""

    serializer_class = s.PublicationSerializer
    filter_backends: list[Any] = []

    @extend_schema(
        summary="Công khai kết quả / Publish",
        request=s.PublicationInputSerializer,
        responses={200: s.PublicationSerializer, **ERRORS},
    )
    def create(self, request: Request) -> Response:
        data = _parse(s.PublicationInputSerializer, request.data)
        period = _period_or_404(data["period"])
        agency = get_agency_or_404(request_scope(request), data["agency"])
        count = agency_publish(period=period, agency=agency, user=request.user)
        body = {"period": period.pk, "agency": agency.code, "published": count}
        return Response(s.PublicationSerializer(body).data)


# --- disclosure and notifications -------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Kết quả công khai trong cơ quan / Published results of my agency",
        parameters=[s.AgencyResultQuerySerializer],
    )
)
class AgencyResultViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """Disclosure inside the agency (DOMAIN.md §6): every published result of the caller's own
    agency — code, name, unit, level, score — for one period."""

    serializer_class = s.AgencyResultSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Evaluation]:
        data = _parse(s.AgencyResultQuerySerializer, self.request.query_params)
        agency_id = request_scope(self.request).own_agency_id
        if agency_id is None:
            return Evaluation.objects.none()
        return (
            Evaluation.objects.filter(
                period_id=data["period"], agency_id=agency_id, status__in=PUBLISHED_STATUSES
            )
            .select_related("staff", "unit")
            .only(
                "score",
                "final_level",
                "staff__code",
                "staff__full_name",
                "unit__code",
                "unit__name",
            )
            .order_by("staff__sort_key", "staff__code")
        )


@extend_schema_view(list=extend_schema(summary="Thông báo của tôi / My notifications"))
class NotificationViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """The caller's own notifications, newest first."""

    serializer_class = s.NotificationSerializer
    filterset_class = filters.NotificationFilter
    lookup_value_regex = ID

    def get_queryset(self) -> QuerySet[Notification]:
        return Notification.objects.filter(recipient_id=self.request.user.pk).order_by(
            "-created_at", "-id"
        )

    @extend_schema(
        summary="Đánh dấu đã đọc / Mark as read",
        request=None,
        responses={200: s.NotificationSerializer, 404: s.ErrorsSerializer},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def read(self, request: Request, pk: str) -> Response:
        try:
            notification = self.get_queryset().get(pk=pk)
        except Notification.DoesNotExist:
            raise Http404 from None
        if notification.read_at is None:
            # Reading one's own notification is not a workflow step: no audit entry.
            notification.read_at = timezone.now()
            Notification.objects.filter(pk=notification.pk).update(read_at=notification.read_at)
        return Response(s.NotificationSerializer(notification).data)
