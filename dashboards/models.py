"""Agency indicator snapshots, ranking weights and the PAR-index configuration (DOMAIN.md §8).

Weights and PAR sub-criteria are data the Sở Nội vụ configures; the defaults ship in a data
migration and are documented in docs/dashboards.md.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from evaluation.models import Period
from staff.models import Agency


class IndicatorSnapshot(models.Model):
    """An agency's indicators for a closed period, stored when the period closes so that
    history never moves (later edits to the rows behind it change nothing here)."""

    period = models.ForeignKey(
        Period, on_delete=models.PROTECT, related_name="+", verbose_name=_("Kỳ")
    )
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="+", verbose_name=_("Cơ quan")
    )
    data = models.JSONField(_("Chỉ số"))
    computed_at = models.DateTimeField(_("Tính lúc"), auto_now_add=True)

    class Meta:
        verbose_name = _("Ảnh chụp chỉ số")
        verbose_name_plural = _("Ảnh chụp chỉ số")
        constraints = [
            models.UniqueConstraint(fields=["period", "agency"], name="one_snapshot_per_agency")
        ]

    def __str__(self) -> str:
        return f"{self.agency_id} {self.period_id}"


class Direction(models.TextChoices):
    HIGHER = "higher", _("Càng cao càng tốt")
    LOWER = "lower", _("Càng thấp càng tốt")


class RankingWeight(models.Model):
    """One term of the ranking composite: an indicator, its weight and which way is better."""

    indicator = models.CharField(_("Chỉ số"), max_length=40, unique=True)
    name = models.CharField(_("Tên"), max_length=200)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=200, blank=True)
    weight = models.DecimalField(_("Trọng số"), max_digits=6, decimal_places=3)
    direction = models.CharField(
        _("Chiều"), max_length=6, choices=Direction.choices, default=Direction.HIGHER
    )

    class Meta:
        verbose_name = _("Trọng số xếp hạng")
        verbose_name_plural = _("Trọng số xếp hạng")
        ordering = ["indicator"]

    def __str__(self) -> str:
        return f"{self.indicator} × {self.weight}"


class ParRule(models.TextChoices):
    THRESHOLD = "threshold", _("Đạt ngưỡng thì được đủ điểm")
    LINEAR = "linear", _("Tỷ lệ tuyến tính giữa hai mốc")


class ParSubCriterion(models.Model):
    """A sub-criterion of "Cải cách chế độ công vụ" that evaluation evidences."""

    code = models.CharField(_("Mã"), max_length=20, unique=True)
    name = models.CharField(_("Tên tiêu chí thành phần"), max_length=300)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=300, blank=True)
    indicator = models.CharField(_("Chỉ số"), max_length=40)
    max_points = models.DecimalField(_("Điểm tối đa"), max_digits=6, decimal_places=2)
    rule = models.CharField(_("Cách tính"), max_length=10, choices=ParRule.choices)
    threshold = models.DecimalField(
        _("Ngưỡng / mốc trên"), max_digits=8, decimal_places=4, help_text=_("Tỷ lệ 0–1")
    )
    lower = models.DecimalField(
        _("Mốc dưới"), max_digits=8, decimal_places=4, default=0, help_text=_("Tỷ lệ 0–1")
    )
    order = models.PositiveSmallIntegerField(_("Thứ tự"), default=0)
    # Where the points come from (DOMAIN.md §8): the legal text — the national methodology
    # (Decision 876/QĐ-BNV) or the province's own PAR index decision — and where it was read.
    source = models.TextField(
        _("Căn cứ (văn bản, nơi đối chiếu)"),
        blank=True,
        help_text=_(
            "Văn bản quy định tiêu chí thành phần và điểm (số, ký hiệu, mục), và nơi đã đọc "
            "để đối chiếu."
        ),
    )
    verified = models.BooleanField(
        _("Điểm đã đối chiếu với văn bản"),
        default=False,
        help_text=_(
            "Bỏ chọn khi điểm chưa được đối chiếu với văn bản: tỉnh nhập theo bộ chỉ số của tỉnh."
        ),
    )

    class Meta:
        verbose_name = _("Tiêu chí thành phần CCHC")
        verbose_name_plural = _("Tiêu chí thành phần CCHC")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def source_status(self) -> str:
        """Whether the points were checked against the text, as the page and the export say it."""
        if self.verified:
            return "đã đối chiếu / verified"
        return "chưa đối chiếu — tỉnh nhập / unverified: the province enters it"

    @property
    def source_text(self) -> str:
        """The status and the source in one sentence (the export's header, the page's note)."""
        source = self.source or "chưa ghi căn cứ / no source recorded"
        return f"{self.source_status}: {source}"


class ParImportedScore(models.Model):
    """Points of the other PAR fields (institutions, procedures, finance, e-government, SIPAS…)
    imported from the PAR appraisal, to see the whole index."""

    year = models.PositiveSmallIntegerField(_("Năm"))
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="+")
    field_code = models.CharField(_("Mã lĩnh vực"), max_length=20)
    field_name = models.CharField(_("Lĩnh vực"), max_length=200)
    points = models.DecimalField(_("Điểm đạt"), max_digits=6, decimal_places=2)
    max_points = models.DecimalField(_("Điểm tối đa"), max_digits=6, decimal_places=2)

    class Meta:
        verbose_name = _("Điểm CCHC nhập từ thẩm định")
        verbose_name_plural = _("Điểm CCHC nhập từ thẩm định")
        constraints = [
            models.UniqueConstraint(
                fields=["year", "agency", "field_code"], name="one_par_score_per_field"
            )
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.agency_id} {self.field_code}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang xuất")
    DONE = "done", _("Đã xong")
    FAILED = "failed", _("Lỗi")


class ExportJob(models.Model):
    """A long table export run in the background (Celery; inline when no broker): the page
    shows its progress and, once done, the file. Only the person who asked sees it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    spec = models.JSONField(_("Bảng cần xuất"))
    fmt = models.CharField(_("Định dạng"), max_length=4)
    title = models.CharField(_("Tên"), max_length=200)
    status = models.CharField(
        _("Trạng thái"), max_length=8, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    rows = models.PositiveIntegerField(_("Số dòng"), default=0)
    done_rows = models.PositiveIntegerField(_("Số dòng đã xuất"), default=0)
    file = models.FileField(_("Tệp"), upload_to="exports/%Y/%m/", blank=True)
    error = models.TextField(_("Lỗi"), blank=True)
    created_at = models.DateTimeField(_("Tạo lúc"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Xong lúc"), null=True, blank=True)

    class Meta:
        verbose_name = _("Yêu cầu xuất bảng")
        verbose_name_plural = _("Yêu cầu xuất bảng")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.fmt})"

    @property
    def progress(self) -> int:
        """Per cent done (0–100)."""
        if self.status == ExportStatus.DONE:
            return 100
        return int(100 * self.done_rows / self.rows) if self.rows else 0
