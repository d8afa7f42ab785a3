"""Periods, evaluations, products, appeals, quota exceptions, the audit trail, notifications.

The workflow of one evaluation (DOMAIN.md §6)::

    draft ─submit─▶ self_assessed ─score─▶ manager_scored ─approve─▶ approved ─publish─▶ published
      ▲                  │                       │                                   │      │
      └─────return───────┴────────return─────────┘                        appeal ──▶ under_appeal
                                                                           (resolve ─▶ published)
    published ─(period closes)─▶ closed

Business rules live in ``evaluation.services``; models hold data and the constraints that the
database itself can enforce (one evaluation per person and period, score ranges).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from scoring.models import CriteriaTemplate, Criterion, RatingLevel, RuleSet
from scoring.periods import Period as RatedPeriod
from scoring.rules import PeriodKind as RulesPeriodKind
from staff.models import Agency, DutyGroup, StaffMember, Unit


class PeriodKind(models.TextChoices):
    MONTH = "month", _("Tháng")
    QUARTER = "quarter", _("Quý")
    YEAR = "year", _("Năm")


class PeriodStatus(models.TextChoices):
    OPEN = "open", _("Đang mở")
    CLOSED = "closed", _("Đã khóa")


class Period(models.Model):
    """A rating period of one rule set: a month opened by the province admin, or a quarter or
    year derived from its months. The rule-set version is pinned when the period opens."""

    ruleset = models.ForeignKey(
        RuleSet, on_delete=models.PROTECT, related_name="periods", verbose_name=_("Bộ quy tắc")
    )
    kind = models.CharField(_("Loại kỳ"), max_length=8, choices=PeriodKind.choices)
    year = models.PositiveSmallIntegerField(_("Năm"))
    index = models.PositiveSmallIntegerField(
        _("Tháng / quý"), default=0, help_text=_("Tháng 1–12, quý 1–4, 0 cho năm")
    )
    label = models.CharField(_("Kỳ"), max_length=10, db_index=True)
    status = models.CharField(
        _("Trạng thái"), max_length=8, choices=PeriodStatus.choices, default=PeriodStatus.OPEN
    )
    starts_on = models.DateField(_("Từ ngày"))
    ends_on = models.DateField(_("Đến ngày"))
    self_assessment_due = models.DateField(_("Hạn tự đánh giá"))
    manager_due = models.DateField(_("Hạn quản lý chấm điểm"))
    approval_due = models.DateField(_("Hạn phê duyệt"))
    appeal_days = models.PositiveSmallIntegerField(_("Số ngày kiến nghị"), default=5)
    opened_at = models.DateTimeField(_("Mở lúc"), auto_now_add=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người mở"),
    )
    closed_at = models.DateTimeField(_("Khóa lúc"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người khóa"),
    )

    class Meta:
        verbose_name = _("Kỳ đánh giá")
        verbose_name_plural = _("Kỳ đánh giá")
        ordering = ["-year", "-index", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["ruleset", "kind", "year", "index"], name="period_unique_per_ruleset"
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="period_dates_ordered"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ruleset.code} {self.label}"

    @property
    def rated_period(self) -> RatedPeriod:
        """The period as the engine sees it (kind, year, index, its months): built from the
        columns, never by parsing ``label`` again."""
        return RatedPeriod(self.year, RulesPeriodKind(self.kind), self.index)

    @property
    def is_open(self) -> bool:
        return self.status == PeriodStatus.OPEN

    @property
    def key(self) -> str:
        """The period in a page's address: rule-set code and label, since one agency can hold
        several rule sets' periods of the same month (DOMAIN.md §5). Pages also accept the
        bare label (``evaluation.selectors.periods.period_from_param``)."""
        return f"{self.ruleset.code}:{self.label}"


class Status(models.TextChoices):
    DRAFT = "draft", _("Đang lập")
    SELF_ASSESSED = "self_assessed", _("Đã tự đánh giá")
    MANAGER_SCORED = "manager_scored", _("Quản lý đã chấm")
    APPROVED = "approved", _("Đã phê duyệt")
    PUBLISHED = "published", _("Đã công khai")
    UNDER_APPEAL = "under_appeal", _("Đang kiến nghị")
    CLOSED = "closed", _("Đã khóa")


SIGNED_STATUSES = (Status.APPROVED, Status.PUBLISHED, Status.UNDER_APPEAL, Status.CLOSED)


class Evaluation(models.Model):
    """One person's evaluation for one period. Organisation facts (agency, unit, duty group,
    manager, leadership) are copied when the period opens, so later transfers never move a
    past result (DOMAIN.md §1).

    Indexes are few on purpose: a province writes 50,000 rows at each open and close, and every
    index costs each of them (17 indexes made the quarter's insert 11 s). Every query is by
    period first — the composite indexes and the unique (period, staff) serve it — or by person,
    agency, unit or manager; foreign keys that nothing reads by (template, signers, duty group),
    the period alone and the two-value columns (status, level) have none."""

    period = models.ForeignKey(
        Period,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("Kỳ"),
        db_index=False,  # (period, staff), (period, agency, status), (period, manager) lead with it
    )
    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        related_name="evaluations",
        verbose_name=_("Cán bộ"),
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("Cơ quan")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("Đơn vị")
    )
    duty_group = models.ForeignKey(
        DutyGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Nhóm nhiệm vụ"),
        db_index=False,
    )
    manager = models.ForeignKey(
        StaffMember,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="managed_evaluations",
        verbose_name=_("Người quản lý trực tiếp"),
    )
    leadership = models.CharField(_("Lãnh đạo"), max_length=8, default="none")
    template = models.ForeignKey(
        CriteriaTemplate,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Mẫu tiêu chí"),
        db_index=False,
    )
    status = models.CharField(
        _("Trạng thái"), max_length=16, choices=Status.choices, default=Status.DRAFT
    )
    version = models.PositiveIntegerField(
        _("Phiên bản"), default=1, help_text=_("Tăng mỗi lần lưu: chống ghi đè khi hai người sửa")
    )

    # Self-assessment and manager input.
    self_comment = models.TextField(_("Ý kiến tự đánh giá"), blank=True)
    self_submitted_at = models.DateTimeField(_("Tự đánh giá lúc"), null=True, blank=True)
    no_self_assessment = models.BooleanField(_("Không tự đánh giá"), default=False)
    manager_comment = models.TextField(_("Nhận xét của quản lý"), blank=True)
    manager_scored_at = models.DateTimeField(_("Quản lý chấm lúc"), null=True, blank=True)
    manager_scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người chấm"),
        db_index=False,
    )
    task_points = models.DecimalField(
        _("Điểm kết quả nhiệm vụ (chấm trực tiếp)"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # A leader's organising and unity percentages (Decree 335, DOMAIN.md §3), entered by the
    # evaluator on the rule set's scale; unused for people who lead nobody.
    organising_percent = models.DecimalField(
        _("Năng lực tổ chức triển khai (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    unity_percent = models.DecimalField(
        _("Năng lực tập hợp, đoàn kết (%)"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
    )
    # Templates with conditions-based levels (Decree 90/48): the codes of the level conditions
    # the person, then the manager, ticked as met; None = not assessed (the manager's count,
    # else the person's own, as for criteria points).
    self_conditions = models.JSONField(_("Điều kiện tự đánh giá đạt"), null=True, blank=True)
    manager_conditions = models.JSONField(
        _("Điều kiện người quản lý xác nhận đạt"), null=True, blank=True
    )
    bonus = models.DecimalField(_("Điểm cộng"), max_digits=6, decimal_places=2, default=0)
    deductions = models.DecimalField(_("Điểm trừ"), max_digits=6, decimal_places=2, default=0)
    discipline = models.CharField(_("Kỷ luật trong năm"), max_length=10, default="none")
    degradation = models.BooleanField(_("Suy thoái (có kết luận)"), default=False)
    unit_corruption = models.BooleanField(_("Đơn vị phụ trách có tham nhũng"), default=False)
    maternity_leave = models.BooleanField(_("Nghỉ thai sản"), default=False)
    months_worked = models.PositiveSmallIntegerField(_("Số tháng làm việc"), null=True, blank=True)

    # The result: proposed by the engine at manager scoring, signed at approval.
    score = models.DecimalField(_("Điểm"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(
        _("Mức theo điểm"), max_length=8, choices=RatingLevel.choices, blank=True
    )
    proposed_level = models.CharField(
        _("Mức đề xuất"), max_length=8, choices=RatingLevel.choices, blank=True
    )
    final_level = models.CharField(
        _("Mức xếp loại"), max_length=8, choices=RatingLevel.choices, blank=True
    )
    reasons = models.JSONField(_("Căn cứ"), default=list, blank=True)
    approver_max_level = models.CharField(
        _("Mức tối đa do người duyệt quyết định"),
        max_length=8,
        choices=RatingLevel.choices,
        blank=True,
    )
    approver_reason = models.TextField(_("Lý do của người duyệt"), blank=True)
    approved_at = models.DateTimeField(_("Phê duyệt lúc"), null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người phê duyệt"),
        db_index=False,
    )
    published_at = models.DateTimeField(_("Công khai lúc"), null=True, blank=True)
    appeal_until = models.DateField(_("Hạn kiến nghị"), null=True, blank=True)
    return_reason = models.TextField(_("Lý do trả lại"), blank=True)
    updated_at = models.DateTimeField(_("Cập nhật lúc"), auto_now=True)

    class Meta:
        verbose_name = _("Phiếu đánh giá")
        verbose_name_plural = _("Phiếu đánh giá")
        ordering = ["period", "agency", "unit", "staff__sort_key"]
        constraints = [
            models.UniqueConstraint(fields=["period", "staff"], name="one_evaluation_per_period"),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | Q(score__gte=0, score__lte=100),
                name="evaluation_score_range",
            ),
            models.CheckConstraint(
                condition=Q(bonus__gte=0) & Q(deductions__gte=0), name="evaluation_adjustments"
            ),
            # A signed evaluation always names its signer and its level.
            models.CheckConstraint(
                condition=~Q(status__in=[s.value for s in SIGNED_STATUSES])
                | (Q(approved_by__isnull=False) & ~Q(final_level="")),
                name="evaluation_signed_has_signer",
            ),
        ]
        indexes = [
            models.Index(fields=["period", "agency", "status"]),
            models.Index(fields=["period", "manager"]),
        ]

    def __str__(self) -> str:
        return f"{self.staff.code} {self.period.label}"


class CriterionScore(models.Model):
    """Points of one general criterion: the person's own and the manager's."""

    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, related_name="criterion_scores"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="+")
    self_points = models.DecimalField(
        _("Điểm tự chấm"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    manager_points = models.DecimalField(
        _("Điểm quản lý chấm"), max_digits=5, decimal_places=2, null=True, blank=True
    )

    class Meta:
        verbose_name = _("Điểm tiêu chí")
        verbose_name_plural = _("Điểm tiêu chí")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "criterion"], name="one_score_per_criterion"
            ),
            models.CheckConstraint(
                condition=(Q(self_points__isnull=True) | Q(self_points__gte=0))
                & (Q(manager_points__isnull=True) | Q(manager_points__gte=0)),
                name="criterion_points_not_negative",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.evaluation_id}:{self.criterion_id}"


def evidence_path(instance: Product, filename: str) -> str:
    return (
        f"evidence/{instance.evaluation.period.label}/{instance.evaluation.staff.code}/{filename}"
    )


class Product(models.Model):
    """A task or concrete output (sản phẩm) of the month and its outcome."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="products")
    title = models.CharField(_("Tên sản phẩm, công việc"), max_length=500)
    weight = models.DecimalField(_("Hệ số quy đổi"), max_digits=8, decimal_places=4, default=1)
    deadline = models.DateField(_("Hạn hoàn thành"), null=True, blank=True)
    evidence_file = models.FileField(_("Tệp minh chứng"), upload_to=evidence_path, blank=True)
    evidence_url = models.URLField(_("Đường dẫn minh chứng"), max_length=1000, blank=True)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người giao"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("Người tạo"),
    )
    created_at = models.DateTimeField(_("Tạo lúc"), auto_now_add=True)
    completed = models.BooleanField(_("Đã hoàn thành"), null=True, blank=True)
    major_errors = models.PositiveSmallIntegerField(_("Số lỗi lớn về nội dung"), default=0)
    delays = models.PositiveSmallIntegerField(_("Số lần chậm tiến độ"), default=0)
    objective_cause = models.BooleanField(_("Có nguyên nhân khách quan"), default=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người xác nhận kết quả"),
    )
    confirmed_at = models.DateTimeField(_("Xác nhận lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("Sản phẩm, công việc")
        verbose_name_plural = _("Sản phẩm, công việc")
        ordering = ["evaluation", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(weight__gte=0), name="product_weight_not_negative"),
        ]

    def __str__(self) -> str:
        return self.title


class AppealStatus(models.TextChoices):
    OPEN = "open", _("Đang xem xét")
    UPHELD = "upheld", _("Giữ nguyên")
    REVISED = "revised", _("Điều chỉnh")


class Appeal(models.Model):
    """A petition (kiến nghị) against a published result and its decision."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField(_("Nội dung kiến nghị"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(_("Gửi lúc"), auto_now_add=True)
    status = models.CharField(
        _("Trạng thái"), max_length=8, choices=AppealStatus.choices, default=AppealStatus.OPEN
    )
    decision = models.TextField(_("Kết luận"), blank=True)
    level_before = models.CharField(max_length=8, choices=RatingLevel.choices, blank=True)
    level_after = models.CharField(max_length=8, choices=RatingLevel.choices, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Kiến nghị")
        verbose_name_plural = _("Kiến nghị")
        ordering = ["-filed_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation"],
                condition=Q(status="open"),
                name="one_open_appeal_per_evaluation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.evaluation} ({self.get_status_display()})"


class QuotaException(models.Model):
    """A recorded decision lifting the HTXSNV ceiling of one group for one period."""

    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="quota_exceptions")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    duty_group = models.ForeignKey(
        DutyGroup, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    ceiling = models.PositiveIntegerField(_("Số HTXSNV tối đa"))
    reference = models.CharField(_("Số, ký hiệu quyết định"), max_length=200)
    reason = models.TextField(_("Lý do"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Ngoại lệ tỷ lệ")
        verbose_name_plural = _("Ngoại lệ tỷ lệ")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "agency", "duty_group"], name="one_exception_per_group"
            )
        ]

    def __str__(self) -> str:
        return f"{self.reference}: {self.ceiling}"


class AgencyRating(models.Model):
    """An agency's own score and level for a year, or one of its quarters (DOMAIN.md §8:
    Decree 335 also rates state administrative agencies on 100 points).

    The province (Sở Nội vụ) records it from its assessment, starting from the points the
    system proposes out of the agency's indicators; every change is in the audit trail with
    what it was before. A rule set may bind the head's level to it."""

    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="ratings")
    year = models.PositiveSmallIntegerField(_("Năm"))
    quarter = models.PositiveSmallIntegerField(
        _("Quý"), null=True, blank=True, help_text=_("Để trống: xếp loại cả năm.")
    )
    proposed_points = models.DecimalField(
        _("Điểm đề xuất từ chỉ số"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    score = models.DecimalField(_("Điểm"), max_digits=5, decimal_places=2)
    level = models.CharField(_("Mức xếp loại"), max_length=10, choices=RatingLevel.choices)
    reference = models.CharField(_("Số, ký hiệu văn bản"), max_length=200)
    reason = models.TextField(_("Nhận xét"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Xếp loại cơ quan")
        verbose_name_plural = _("Xếp loại cơ quan")
        ordering = ["-year", "quarter", "agency__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "year", "quarter"],
                condition=Q(quarter__isnull=False),
                name="one_agency_rating_per_quarter",
            ),
            models.UniqueConstraint(
                fields=["agency", "year"],
                condition=Q(quarter__isnull=True),
                name="one_agency_rating_per_year",
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=100), name="agency_rating_score_range"
            ),
        ]

    def __str__(self) -> str:
        when = f"{self.year}-Q{self.quarter}" if self.quarter else str(self.year)
        return f"{self.agency.code} {when}: {self.level}"


class NotificationKind(models.TextChoices):
    RETURNED = "returned", _("Bị trả lại")
    SCORED = "scored", _("Đã được chấm")
    APPROVED = "approved", _("Đã phê duyệt")
    PUBLISHED = "published", _("Đã công khai kết quả")
    APPEALED = "appealed", _("Có kiến nghị")
    APPEAL_RESOLVED = "appeal_resolved", _("Đã giải quyết kiến nghị")
    REMINDER = "reminder", _("Nhắc hạn")
    WARNING = "warning", _("Cảnh báo sớm")


class Notification(models.Model):
    """An in-app notification, also e-mailed. Stored first, so a broker or mail outage delays
    the e-mail but never loses the notification (the daily job retries unsent ones)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    subject = models.CharField(max_length=300)
    body = models.TextField()
    evaluation = models.ForeignKey(
        Evaluation, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0)
    dedup_key = models.CharField(max_length=120, blank=True, db_index=True)

    class Meta:
        verbose_name = _("Thông báo")
        verbose_name_plural = _("Thông báo")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class EarlyWarningKind(models.TextChoices):
    TWO_CONSECUTIVE = "two_consecutive", _("Hai tháng liên tiếp không hoàn thành nhiệm vụ")
    THREE_IN_SIX = "three_in_six", _("Ba trong sáu tháng không hoàn thành nhiệm vụ")


class EarlyWarning(models.Model):
    """DOMAIN.md §7: a person who keeps failing, raised for the head and HR to act on."""

    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="warnings")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    period = models.ForeignKey(Period, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=20, choices=EarlyWarningKind.choices)
    months = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Cảnh báo sớm")
        verbose_name_plural = _("Cảnh báo sớm")
        constraints = [
            models.UniqueConstraint(fields=["staff", "period", "kind"], name="one_warning_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()}"


class PeriodJobKind(models.TextChoices):
    OPEN = "open", _("Mở kỳ")
    CLOSE = "close", _("Khóa kỳ")


class PeriodJobStatus(models.TextChoices):
    QUEUED = "queued", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Không thực hiện được")


class PeriodJob(models.Model):
    """Opening or closing a period for the whole province, run by a Celery worker.

    At 50,000 staff these take seconds to tens of seconds — longer than a web request should
    hold a worker — so the period page queues a job and polls it. Without a broker (the
    embedded default) the job runs at once, in the same request.
    """

    kind = models.CharField(_("Việc"), max_length=8, choices=PeriodJobKind.choices)
    ruleset_code = models.CharField(_("Mã bộ quy tắc"), max_length=40, blank=True)
    label = models.CharField(_("Kỳ"), max_length=10)
    period = models.ForeignKey(
        Period, on_delete=models.CASCADE, null=True, blank=True, related_name="jobs"
    )
    status = models.CharField(
        _("Trạng thái"),
        max_length=8,
        choices=PeriodJobStatus.choices,
        default=PeriodJobStatus.QUEUED,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("Người yêu cầu"),
    )
    created_at = models.DateTimeField(_("Thời điểm yêu cầu"), auto_now_add=True)
    started_at = models.DateTimeField(_("Bắt đầu"), null=True, blank=True)
    finished_at = models.DateTimeField(_("Kết thúc"), null=True, blank=True)
    result = models.JSONField(_("Kết quả"), default=dict, blank=True)
    error = models.JSONField(_("Lỗi"), default=dict, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("Việc mở/khóa kỳ")
        verbose_name_plural = _("Việc mở/khóa kỳ")

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.label}"
