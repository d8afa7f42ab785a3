"""Input and output serializers of the evaluation API.

Input serializers only parse and type-check; every rule (who may, in which state, within which
maximum) is the services' business. They are *strict*: a field that is not part of the step is
refused with 400 and its path, never silently dropped — a staff member sending
``manager_points`` or ``final_level`` with their self-assessment must learn it was not accepted.
"""

from __future__ import annotations

import copy
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from evaluation.models import Appeal, Evaluation, Notification, Period, Product, Status
from scoring.models import RatingLevel
from scoring.rules import Discipline
from staff.models import AuditEntry

# --- common -----------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    code = serializers.CharField()
    path = serializers.CharField(help_text="Trường gây lỗi, ví dụ scores.G1; rỗng nếu chung")
    message = serializers.CharField(help_text="Tiếng Việt")
    message_en = serializers.CharField(help_text="English")


class ErrorsSerializer(serializers.Serializer):
    errors = ErrorSerializer(many=True)


class StrictSerializer(serializers.Serializer):
    """Refuses any field it does not declare (400, path = the field)."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            unknown = sorted(set(data.keys()) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [
                            serializers.ErrorDetail(
                                "Trường không được phép gửi ở bước này", code="unknown_field"
                            )
                        ]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


def points_field(**kwargs: Any) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=6, decimal_places=2, **kwargs)


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    message_en = serializers.CharField()


# --- periods ----------------------------------------------------------------------------------


class PeriodSerializer(serializers.ModelSerializer):
    ruleset = serializers.CharField(source="ruleset.code", read_only=True)
    ruleset_version = serializers.IntegerField(source="ruleset.version", read_only=True)

    class Meta:
        model = Period
        fields = [
            "id",
            "ruleset",
            "ruleset_version",
            "kind",
            "year",
            "index",
            "label",
            "status",
            "starts_on",
            "ends_on",
            "self_assessment_due",
            "manager_due",
            "approval_due",
            "appeal_days",
            "opened_at",
            "closed_at",
        ]
        read_only_fields = fields


class PeriodOpenSerializer(StrictSerializer):
    ruleset = serializers.CharField(max_length=40, help_text="Mã bộ quy tắc, ví dụ ND335-2025")
    period = serializers.CharField(
        max_length=10,
        help_text="Tháng YYYY-MM, quý YYYY-Qn cho bộ quy tắc theo quý, hoặc năm YYYY cho bộ quy "
        "tắc xếp loại theo năm (Nghị định 90/48)",
    )


class PeriodOpenedSerializer(serializers.Serializer):
    period = PeriodSerializer()
    created = serializers.IntegerField(help_text="Số phiếu đánh giá được tạo")


class PeriodClosedSerializer(serializers.Serializer):
    period = PeriodSerializer()
    counts = serializers.DictField(child=serializers.IntegerField())


# --- evaluations ------------------------------------------------------------------------------


class FieldsBuiltOnce:
    """A ``ModelSerializer`` builds its fields from the model's meta on every instance: 1.4 ms
    for the evaluation detail, which answers every month-end save. The fields depend on the
    class alone, so they are built once per class and each instance gets a copy (as DRF does
    with declared fields): 0.4 ms."""

    def get_fields(self) -> dict[str, serializers.Field]:
        cls = type(self)
        built = cls.__dict__.get("_fields_built_once")
        if built is None:
            built = super().get_fields()  # type: ignore[misc]
            cls._fields_built_once = built  # type: ignore[attr-defined]
        return copy.deepcopy(built)


class EvaluationSerializer(FieldsBuiltOnce, serializers.ModelSerializer):
    period_label = serializers.CharField(source="period.label", read_only=True)
    staff = serializers.CharField(source="staff.code", read_only=True)
    full_name = serializers.CharField(source="staff.full_name", read_only=True)
    agency = serializers.CharField(source="agency.code", read_only=True)
    unit = serializers.CharField(source="unit.code", read_only=True)
    unit_name = serializers.CharField(source="unit.name", read_only=True)
    duty_group = serializers.CharField(source="duty_group.code", read_only=True, allow_null=True)
    # Blank until the manager scores / the approver signs: the schema must say "" is possible.
    proposed_level = serializers.ChoiceField(RatingLevel.choices, allow_blank=True, read_only=True)
    final_level = serializers.ChoiceField(RatingLevel.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Evaluation
        fields = [
            "id",
            "period",
            "period_label",
            "staff",
            "full_name",
            "agency",
            "unit",
            "unit_name",
            "duty_group",
            "status",
            "version",
            "score",
            "proposed_level",
            "final_level",
            "no_self_assessment",
        ]
        read_only_fields = fields


class CriterionScoreSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    max_points = serializers.DecimalField(max_digits=6, decimal_places=2)
    self_points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    manager_points = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class ProductSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.username", read_only=True, default="")
    assigned_by = serializers.CharField(source="assigned_by.username", read_only=True, default="")
    confirmed_by = serializers.CharField(source="confirmed_by.username", read_only=True, default="")
    # A URL, or "" when the evidence is a file (or none was given yet).
    evidence_url = serializers.CharField(read_only=True)

    class Meta:
        model = Product
        fields = [
            "id",
            "evaluation",
            "title",
            "weight",
            "deadline",
            "evidence_file",
            "evidence_url",
            "created_by",
            "assigned_by",
            "completed",
            "major_errors",
            "delays",
            "objective_cause",
            "confirmed_by",
            "confirmed_at",
        ]
        read_only_fields = fields


class EvaluationDetailSerializer(EvaluationSerializer):
    """One evaluation with every criterion of its template (self and manager points), its
    products, the engine's result and reasons, and where the workflow stands."""

    manager = serializers.CharField(source="manager.code", read_only=True, allow_null=True)
    criteria = serializers.SerializerMethodField()
    products = ProductSerializer(many=True, read_only=True)
    reasons = ReasonSerializer(many=True, read_only=True)
    band = serializers.ChoiceField(RatingLevel.choices, allow_blank=True, read_only=True)
    approver_max_level = serializers.ChoiceField(
        RatingLevel.choices, allow_blank=True, read_only=True
    )
    self_conditions = serializers.ListField(
        child=serializers.CharField(), allow_null=True, read_only=True
    )
    manager_conditions = serializers.ListField(
        child=serializers.CharField(), allow_null=True, read_only=True
    )

    class Meta(EvaluationSerializer.Meta):
        fields = [
            *EvaluationSerializer.Meta.fields,
            "manager",
            "leadership",
            "criteria",
            "products",
            "self_comment",
            "self_submitted_at",
            "manager_comment",
            "manager_scored_at",
            "task_points",
            "bonus",
            "deductions",
            "discipline",
            "degradation",
            "unit_corruption",
            "organising_percent",
            "unity_percent",
            "self_conditions",
            "manager_conditions",
            "maternity_leave",
            "band",
            "reasons",
            "approver_max_level",
            "approver_reason",
            "approved_at",
            "published_at",
            "appeal_until",
            "return_reason",
        ]
        read_only_fields = fields

    @extend_schema_field(CriterionScoreSerializer(many=True))
    def get_criteria(self, evaluation: Evaluation) -> list[dict[str, Any]]:
        criteria = self.context.get("criteria", [])
        scores = {s.criterion_id: s for s in evaluation.criterion_scores.all()}
        rows = []
        for criterion in criteria:
            score = scores.get(criterion.pk)
            rows.append(
                {
                    "code": criterion.code,
                    "name": criterion.name,
                    "max_points": criterion.max_points,
                    "self_points": score.self_points if score else None,
                    "manager_points": score.manager_points if score else None,
                }
            )
        return CriterionScoreSerializer(rows, many=True).data


class ProposalSerializer(serializers.Serializer):
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    band = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    source = serializers.CharField(help_text="self: điểm tự chấm; manager: điểm quản lý chấm")
    reasons = ReasonSerializer(many=True)


class VersionedInput(StrictSerializer):
    version = serializers.IntegerField(
        required=False, min_value=1, help_text="Phiên bản đã đọc (hoặc header If-Match)"
    )


class SelfAssessmentSerializer(VersionedInput):
    scores = serializers.DictField(
        child=points_field(), required=False, help_text='Điểm tự chấm, ví dụ {"G1": 5}'
    )
    comment = serializers.CharField(required=False, allow_blank=True)
    conditions_met = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        help_text="Mẫu xếp loại theo điều kiện (Nghị định 90/48): mã các điều kiện tự đánh giá "
        'là đạt, ví dụ ["HTTNV1", "HTTNV2"]; mã không có trong mẫu bị từ chối (path '
        "conditions_met.<thứ tự>). / Conditions-based templates: the codes of the conditions "
        "the person assesses as met; an unknown code is refused (path conditions_met.<index>).",
    )
    submit = serializers.BooleanField(required=False, default=False)


class ManagerScoreSerializer(VersionedInput):
    scores = serializers.DictField(child=points_field(), required=False)
    task_points = points_field(required=False, allow_null=True)
    bonus = points_field(required=False)
    deductions = points_field(required=False)
    discipline = serializers.ChoiceField(choices=[d.value for d in Discipline], required=False)
    degradation = serializers.BooleanField(required=False)
    unit_corruption = serializers.BooleanField(required=False)
    organising_percent = points_field(
        required=False,
        allow_null=True,
        help_text="Lãnh đạo (Nghị định 335): năng lực tổ chức triển khai thực hiện nhiệm vụ, "
        "0–100 %, theo thang của mẫu (leader_component_steps); chỉ cho cấp trưởng, cấp phó khi "
        "mẫu tính thành phần này, và bắt buộc khi gửi (submit). null: xóa. / A head's or "
        "deputy's organising capacity, 0–100 %, on the template's scale; required to submit "
        "under a template with leader components.",
    )
    unity_percent = points_field(
        required=False,
        allow_null=True,
        help_text="Lãnh đạo (Nghị định 335): năng lực tập hợp, đoàn kết, 0–100 %, như "
        "organising_percent. / A head's or deputy's capacity to unite, as organising_percent.",
    )
    conditions_met = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        allow_null=True,
        help_text="Mẫu xếp loại theo điều kiện (Nghị định 90/48): mã các điều kiện người quản lý "
        'xác nhận đạt, ví dụ ["HTNV1", "HTNV2"]; mức là mức cao nhất đạt đủ mọi điều kiện. '
        "Mã không có trong mẫu bị từ chối (path conditions_met.<thứ tự>). Không gửi: giữ điều "
        "kiện người được đánh giá tự đánh dấu. / Conditions-based templates (Decree 90/48): the "
        "codes of the conditions the manager confirms as met; the level is the highest one all "
        "of whose conditions are met. An unknown code is refused (path conditions_met.<index>); "
        "left out, the person's own ticks count.",
    )
    manager_comment = serializers.CharField(required=False, allow_blank=True)
    submit = serializers.BooleanField(required=False, default=False)


class ReturnSerializer(VersionedInput):
    to = serializers.ChoiceField(choices=["person", "manager"])
    reason = serializers.CharField(allow_blank=True)


# --- products ---------------------------------------------------------------------------------


class ProductCreateSerializer(StrictSerializer):
    title = serializers.CharField(max_length=500)
    weight = serializers.DecimalField(max_digits=8, decimal_places=4, required=False, default=1)
    deadline = serializers.DateField(required=False, allow_null=True)
    evidence_url = serializers.URLField(max_length=1000, required=False, allow_blank=True)
    evidence_file = serializers.FileField(required=False, allow_null=True)


class ProductOutcomeSerializer(StrictSerializer):
    completed = serializers.BooleanField()
    major_errors = serializers.IntegerField(required=False, default=0, min_value=0)
    delays = serializers.IntegerField(required=False, default=0, min_value=0)
    objective_cause = serializers.BooleanField(required=False, allow_null=True, default=None)


# --- appeals ----------------------------------------------------------------------------------


class AppealSerializer(serializers.ModelSerializer):
    staff = serializers.CharField(source="evaluation.staff.code", read_only=True)
    full_name = serializers.CharField(source="evaluation.staff.full_name", read_only=True)
    period = serializers.IntegerField(source="evaluation.period_id", read_only=True)
    period_label = serializers.CharField(source="evaluation.period.label", read_only=True)
    filed_by = serializers.CharField(source="filed_by.username", read_only=True)
    resolved_by = serializers.CharField(source="resolved_by.username", read_only=True, default="")
    level_before = serializers.ChoiceField(RatingLevel.choices, allow_blank=True, read_only=True)
    level_after = serializers.ChoiceField(RatingLevel.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Appeal
        fields = [
            "id",
            "evaluation",
            "staff",
            "full_name",
            "period",
            "period_label",
            "reason",
            "filed_by",
            "filed_at",
            "status",
            "decision",
            "level_before",
            "level_after",
            "resolved_by",
            "resolved_at",
        ]
        read_only_fields = fields


class AppealFileSerializer(StrictSerializer):
    reason = serializers.CharField(allow_blank=True)


class AppealResolveSerializer(StrictSerializer):
    decision = serializers.ChoiceField(choices=["uphold", "revise"])
    level = serializers.ChoiceField(
        choices=RatingLevel.choices, required=False, allow_blank=True, allow_null=True
    )
    reason = serializers.CharField(allow_blank=True)


# --- audit ------------------------------------------------------------------------------------


class AuditEntrySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.username", read_only=True, default="")
    agency = serializers.CharField(source="agency.code", read_only=True, default="")
    period_label = serializers.CharField(source="period.label", read_only=True, default="")

    class Meta:
        model = AuditEntry
        fields = [
            "id",
            "at",
            "actor",
            "action",
            "agency",
            "period",
            "period_label",
            "evaluation",
            "object_type",
            "object_id",
            "before",
            "after",
            "reason",
            "chained",
            "sequence",
            "prev_hash",
            "hash",
        ]
        read_only_fields = fields


# --- approval ---------------------------------------------------------------------------------


class ApprovalQuerySerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="Id kỳ")
    unit = serializers.CharField(help_text="Mã đơn vị")


class AdjustmentSerializer(StrictSerializer):
    evaluation = serializers.IntegerField()
    level = serializers.ChoiceField(choices=RatingLevel.choices)
    reason = serializers.CharField(allow_blank=True)


class ApprovalSerializer(StrictSerializer):
    period = serializers.IntegerField(help_text="Id kỳ")
    unit = serializers.CharField(help_text="Mã đơn vị")
    adjustments = AdjustmentSerializer(many=True, required=False, default=list)


class PreviewRowSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    staff = serializers.CharField()
    full_name = serializers.CharField()
    status = serializers.ChoiceField(choices=Status.choices)
    duty_group = serializers.CharField()
    leadership = serializers.CharField()
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)
    band = serializers.CharField(allow_null=True)
    level = serializers.CharField(allow_null=True)
    reasons = ReasonSerializer(many=True)


class QuotaUsageSerializer(serializers.Serializer):
    agency = serializers.CharField()
    duty_group = serializers.CharField()
    percent = serializers.DecimalField(max_digits=6, decimal_places=2)
    candidates = serializers.IntegerField()
    good = serializers.IntegerField()
    allowed = serializers.IntegerField()
    used = serializers.IntegerField()
    kept = serializers.ListField(child=serializers.CharField())
    moved_down = serializers.ListField(child=serializers.CharField())
    exception = serializers.CharField(allow_null=True)


class BlockedSerializer(serializers.Serializer):
    evaluation = serializers.IntegerField()
    staff = serializers.CharField()
    reports_not_scored = serializers.IntegerField()


class ApprovalPreviewSerializer(serializers.Serializer):
    period = serializers.CharField()
    unit = serializers.CharField()
    evaluations = PreviewRowSerializer(many=True)
    quota = QuotaUsageSerializer(many=True)
    blocked = BlockedSerializer(many=True)
    not_scored = serializers.IntegerField()


class HeadApprovalQuerySerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="Id kỳ")


class HeadApprovalRowSerializer(serializers.Serializer):
    """One head of agency's evaluation on the province approver's board (DOMAIN.md §1)."""

    evaluation = serializers.IntegerField(source="evaluation.pk")
    version = serializers.IntegerField(source="evaluation.version")
    agency = serializers.CharField(source="evaluation.agency.code")
    agency_name = serializers.CharField(source="evaluation.agency.name")
    staff = serializers.CharField(source="evaluation.staff.code")
    full_name = serializers.CharField(source="evaluation.staff.full_name")
    status = serializers.ChoiceField(source="evaluation.status", choices=Status.choices)
    score = serializers.DecimalField(
        source="evaluation.score", max_digits=6, decimal_places=2, allow_null=True
    )
    proposed_level = serializers.CharField(source="evaluation.proposed_level", allow_blank=True)
    final_level = serializers.CharField(source="evaluation.final_level", allow_blank=True)
    reasons = ReasonSerializer(many=True)
    selectable = serializers.BooleanField(help_text="Ký được ngay / may be signed now")
    reports_not_scored = serializers.IntegerField(source="blocked")


class HeadApprovalSerializer(StrictSerializer):
    evaluation = serializers.IntegerField(help_text="Id phiếu của người đứng đầu")
    level = serializers.ChoiceField(choices=RatingLevel.choices, required=False)
    reason = serializers.CharField(required=False, allow_blank=True, default="")
    version = serializers.IntegerField(required=False, allow_null=True)


class QuotaExceptionInputSerializer(StrictSerializer):
    period = serializers.IntegerField()
    agency = serializers.CharField()
    duty_group = serializers.CharField(required=False, allow_blank=True, allow_null=True)
    ceiling = serializers.IntegerField(min_value=0)
    reference = serializers.CharField(allow_blank=True)
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class QuotaExceptionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.IntegerField(source="period_id")
    agency = serializers.CharField(source="agency.code")
    duty_group = serializers.CharField(source="duty_group.code", default="")
    ceiling = serializers.IntegerField()
    reference = serializers.CharField()
    reason = serializers.CharField()
    decided_by = serializers.CharField(source="decided_by.username")
    decided_at = serializers.DateTimeField()


class PublicationInputSerializer(StrictSerializer):
    period = serializers.IntegerField()
    agency = serializers.CharField()


class PublicationSerializer(serializers.Serializer):
    period = serializers.IntegerField()
    agency = serializers.CharField()
    published = serializers.IntegerField()


# --- disclosure and notifications -------------------------------------------------------------


class AgencyResultSerializer(serializers.Serializer):
    staff = serializers.CharField(source="staff.code")
    full_name = serializers.CharField(source="staff.full_name")
    unit = serializers.CharField(source="unit.code")
    unit_name = serializers.CharField(source="unit.name")
    level = serializers.CharField(source="final_level")
    score = serializers.DecimalField(max_digits=6, decimal_places=2, allow_null=True)


class AgencyResultQuerySerializer(serializers.Serializer):
    period = serializers.IntegerField(help_text="Id kỳ")


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "subject", "body", "evaluation", "created_at", "read_at"]
        read_only_fields = fields
