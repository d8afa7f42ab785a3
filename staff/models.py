"""Organisations and people (DOMAIN.md §1): province → agency → unit → staff member, and roles.

Agency types, positions and duty groups are rows, not enums, because the map keeps changing
(two-tier local government since 1 July 2025, merged departments). Dates (valid_from/valid_to)
are kept on agencies and units so that restructuring can close one and open another without
rewriting past periods.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from staff import names


class AgencyType(models.Model):
    """Loại cơ quan: sở, UBND, đơn vị sự nghiệp, xã… — used to group rankings (DOMAIN.md §8)."""

    code = models.SlugField(_("Mã loại"), max_length=20, unique=True)
    name = models.CharField(_("Tên loại"), max_length=200)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=200, blank=True)
    order = models.PositiveSmallIntegerField(_("Thứ tự"), default=0)

    class Meta:
        verbose_name = _("Loại cơ quan")
        verbose_name_plural = _("Loại cơ quan")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.name


class Province(models.Model):
    """The root of the tree; one installation normally serves one province."""

    code = models.CharField(_("Mã tỉnh"), max_length=20, unique=True)
    name = models.CharField(_("Tên tỉnh"), max_length=200)

    class Meta:
        verbose_name = _("Tỉnh, thành phố")
        verbose_name_plural = _("Tỉnh, thành phố")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Agency(models.Model):
    """Cơ quan, đơn vị: a department, a People's Committee, a public service unit, a commune."""

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="agencies", verbose_name=_("Tỉnh")
    )
    code = models.CharField(_("Mã cơ quan"), max_length=30, unique=True)
    name = models.CharField(_("Tên cơ quan"), max_length=255)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=255, blank=True)
    agency_type = models.ForeignKey(
        AgencyType,
        on_delete=models.PROTECT,
        related_name="agencies",
        verbose_name=_("Loại cơ quan"),
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Cơ quan cấp trên"),
        help_text=_("Để trống nếu cơ quan trực thuộc tỉnh."),
    )
    valid_from = models.DateField(_("Hiệu lực từ ngày"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(
        _("Hiệu lực đến ngày"),
        null=True,
        blank=True,
        help_text=_("Ngày giải thể hoặc sáp nhập; để trống nếu đang hoạt động."),
    )
    is_active = models.BooleanField(_("Đang hoạt động"), default=True)

    class Meta:
        verbose_name = _("Cơ quan, đơn vị")
        verbose_name_plural = _("Cơ quan, đơn vị")
        ordering = ["agency_type__order", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="staff_agency_valid_to_after_from",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id and self.parent_id == self.pk:
            raise ValidationError({"parent": _("Cơ quan không thể trực thuộc chính nó.")})


class Unit(models.Model):
    """Đơn vị nội bộ (phòng, ban, tổ) inside one agency; may nest (a tổ under a phòng).

    ``path`` ("VP/VP-TH/") is a materialised path of codes kept on save, so that "this unit and
    everything under it" is one indexed ``startswith`` in a single query (staff.access), instead
    of a recursive walk per request.
    """

    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="units", verbose_name=_("Cơ quan")
    )
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        verbose_name=_("Đơn vị cấp trên"),
    )
    code = models.CharField(_("Mã đơn vị"), max_length=40, unique=True)
    name = models.CharField(_("Tên đơn vị"), max_length=255)
    path = models.CharField(
        _("Đường dẫn"), max_length=500, db_index=True, editable=False, default=""
    )
    valid_from = models.DateField(_("Hiệu lực từ ngày"), default=dt.date(2000, 1, 1))
    valid_to = models.DateField(_("Hiệu lực đến ngày"), null=True, blank=True)

    class Meta:
        verbose_name = _("Đơn vị nội bộ")
        verbose_name_plural = _("Đơn vị nội bộ")
        ordering = ["agency__code", "path"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="staff_unit_valid_to_after_from",
            ),
            models.CheckConstraint(
                condition=~Q(code__contains="/"), name="staff_unit_code_without_slash"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = self.compute_path()
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            # A moved (or renamed) unit carries its sub-units: rewrite their paths too.
            for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                Unit.objects.filter(pk=child.pk).update(path=child.path)

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else ""
        return f"{prefix}{self.code}/"

    def clean(self) -> None:
        if self.parent_id:
            if self.parent_id == self.pk or (self.pk and self.pk in self._ancestor_ids()):
                raise ValidationError({"parent": _("Không thể tạo vòng lặp đơn vị cấp trên.")})
            if self.parent.agency_id != self.agency_id:
                raise ValidationError({"parent": _("Đơn vị cấp trên phải thuộc cùng cơ quan.")})

    def _ancestor_ids(self) -> set[int]:
        ids: set[int] = set()
        node = self.parent
        while node is not None and node.pk not in ids:
            ids.add(node.pk)
            node = node.parent
        return ids


class Leadership(models.TextChoices):
    """Same values as ``scoring.rules.Leadership``: the engine reads them as they are."""

    HEAD = "head", _("Cấp trưởng")
    DEPUTY = "deputy", _("Cấp phó")
    NONE = "none", _("Không giữ chức vụ lãnh đạo")


class Position(models.Model):
    """Chức vụ / chức danh, with the leadership flag the rating rules need (DOMAIN.md §4.4)."""

    code = models.CharField(_("Mã chức vụ"), max_length=20, unique=True)
    name = models.CharField(_("Tên chức vụ"), max_length=200)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=200, blank=True)
    leadership = models.CharField(
        _("Cấp lãnh đạo"), max_length=10, choices=Leadership.choices, default=Leadership.NONE
    )

    class Meta:
        verbose_name = _("Chức vụ")
        verbose_name_plural = _("Chức vụ")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class DutyGroup(models.Model):
    """Nhóm có vai trò tương đồng: the HTXSNV quota is counted per agency and duty group."""

    code = models.CharField(_("Mã nhóm"), max_length=20, unique=True)
    name = models.CharField(_("Tên nhóm"), max_length=200)
    name_en = models.CharField(_("Tên tiếng Anh"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Nhóm có vai trò tương đồng")
        verbose_name_plural = _("Nhóm có vai trò tương đồng")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffCategory(models.TextChoices):
    CB = "CB", _("Cán bộ")
    CC = "CC", _("Công chức")
    VC = "VC", _("Viên chức")
    NLD = "NLD", _("Người lao động")


class Gender(models.TextChoices):
    MALE = "male", _("Nam")
    FEMALE = "female", _("Nữ")


class StaffMemberQuerySet(models.QuerySet["StaffMember"]):
    def active(self, on: dt.date | None = None) -> StaffMemberQuerySet:
        """Still in service on ``on`` (today by default): not left, or leaving later."""
        on = on or timezone.localdate()
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=on))

    def inactive(self, on: dt.date | None = None) -> StaffMemberQuerySet:
        on = on or timezone.localdate()
        return self.filter(left_on__lte=on)


class StaffMember(models.Model):
    """Cán bộ, công chức, viên chức, người lao động.

    Name parts, ``sort_key`` and ``search_text`` are derived on save (and by
    ``derive_fields()`` before ``bulk_create``) so lists sort the Vietnamese way and search ignores
    diacritics on any database. ``agency`` is copied from the unit so that scoping and the
    per-agency quota filter on one column without a join.
    """

    code = models.CharField(
        _("Mã cán bộ"), max_length=30, unique=True, help_text=_("Duy nhất trong tỉnh.")
    )
    full_name = models.CharField(_("Họ và tên"), max_length=200)
    family_name = models.CharField(_("Họ"), max_length=60, blank=True, editable=False)
    middle_name = models.CharField(_("Tên đệm"), max_length=100, blank=True, editable=False)
    given_name = models.CharField(_("Tên"), max_length=60, blank=True, editable=False)
    sort_key = models.CharField(
        _("Khóa sắp xếp"), max_length=400, db_index=True, editable=False, default=""
    )
    search_text = models.CharField(
        _("Chuỗi tìm kiếm"), max_length=300, db_index=True, editable=False, default=""
    )
    category = models.CharField(_("Phân loại"), max_length=3, choices=StaffCategory.choices)
    position = models.ForeignKey(
        Position,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_members",
        verbose_name=_("Chức vụ"),
    )
    duty_group = models.ForeignKey(
        DutyGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff_members",
        verbose_name=_("Nhóm có vai trò tương đồng"),
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="staff_members", verbose_name=_("Đơn vị")
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="staff_members",
        editable=False,
        verbose_name=_("Cơ quan"),
        help_text=_("Lấy theo đơn vị khi lưu."),
    )
    manager = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="direct_reports",
        verbose_name=_("Người quản lý trực tiếp"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="staff_member",
        verbose_name=_("Tài khoản đăng nhập"),
    )
    email = models.EmailField(_("Thư điện tử"), blank=True)
    date_of_birth = models.DateField(_("Ngày sinh"), null=True, blank=True)
    gender = models.CharField(
        _("Giới tính"), max_length=6, choices=Gender.choices, blank=True, default=""
    )
    joined_on = models.DateField(_("Ngày vào làm"))
    left_on = models.DateField(
        _("Ngày thôi việc"),
        null=True,
        blank=True,
        help_text=_("Nghỉ hưu, chuyển công tác ra ngoài tỉnh, thôi việc…"),
    )
    party_member = models.BooleanField(_("Đảng viên"), default=False)

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("Cán bộ, công chức, viên chức")
        verbose_name_plural = _("Cán bộ, công chức, viên chức")
        ordering = ["sort_key", "code"]
        indexes = [models.Index(fields=["agency", "sort_key"], name="staff_agency_sort_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="staff_staffmember_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.code})"

    def save(self, *args, **kwargs) -> None:
        self.derive_fields()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            # Keep derived columns in step with whatever was updated.
            kwargs["update_fields"] = set(update_fields) | {
                "full_name",
                "family_name",
                "middle_name",
                "given_name",
                "sort_key",
                "search_text",
                "agency",
            }
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        """In service today: never left, or the leaving date is still ahead."""
        return self.left_on is None or self.left_on > timezone.localdate()

    def derive_fields(self) -> None:
        """Fill the derived columns; call before ``bulk_create`` (which skips ``save``)."""
        self.full_name = names.clean_name(self.full_name)
        self.family_name, self.middle_name, self.given_name = names.split_name(self.full_name)
        self.sort_key = names.vietnamese_sort_key(self.full_name)
        self.search_text = names.search_text(self.full_name, self.code)
        if self.unit_id is not None:
            self.agency_id = self.unit.agency_id

    def clean(self) -> None:
        if self.manager_id and self.pk and self.manager_id == self.pk:
            raise ValidationError({"manager": _("Không thể là người quản lý của chính mình.")})


class LeaveKind(models.TextChoices):
    MATERNITY = "maternity", _("Nghỉ thai sản")
    SICK = "sick", _("Nghỉ ốm")
    UNPAID = "unpaid", _("Nghỉ không lương")
    STUDY = "study", _("Đi học tập trung")
    OTHER = "other", _("Khác")


class LeavePeriod(models.Model):
    """Thời gian nghỉ: months on leave are excluded from averages, not zeros (DOMAIN.md §5);
    maternity leave is exempt from the "worked < 6 months" cap (§4.3)."""

    staff = models.ForeignKey(
        StaffMember,
        on_delete=models.CASCADE,
        related_name="leave_periods",
        verbose_name=_("Cán bộ"),
    )
    kind = models.CharField(_("Loại nghỉ"), max_length=12, choices=LeaveKind.choices)
    start = models.DateField(_("Từ ngày"))
    end = models.DateField(
        _("Đến ngày"), null=True, blank=True, help_text=_("Để trống nếu chưa xác định.")
    )
    note = models.CharField(_("Ghi chú"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("Thời gian nghỉ")
        verbose_name_plural = _("Thời gian nghỉ")
        ordering = ["staff", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=F("start")),
                name="staff_leaveperiod_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff} — {self.get_kind_display()} {self.start}"


class Transfer(models.Model):
    """Điều động, luân chuyển: append-only history, read by ``staff_unit_for_period``.

    Written only by ``services.staff_transfer`` (which also moves the person). Editing or deleting
    a row through the ORM instance is refused because past periods are rated by this history.
    """

    staff = models.ForeignKey(
        StaffMember, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("Cán bộ")
    )
    from_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="transfers_out", verbose_name=_("Từ đơn vị")
    )
    to_unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="transfers_in", verbose_name=_("Đến đơn vị")
    )
    effective_on = models.DateField(_("Ngày có hiệu lực"))
    reason = models.CharField(_("Lý do, căn cứ"), max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người ghi nhận"),
    )
    recorded_at = models.DateTimeField(_("Thời điểm ghi nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("Điều động, luân chuyển")
        verbose_name_plural = _("Điều động, luân chuyển")
        ordering = ["staff", "effective_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_unit=F("to_unit")), name="staff_transfer_changes_unit"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.staff}: {self.from_unit} → {self.to_unit} ({self.effective_on})"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValidationError(_("Lịch sử điều động chỉ được ghi thêm, không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):  # type: ignore[override]
        raise ValidationError(_("Lịch sử điều động chỉ được ghi thêm, không được xóa."))


class Role(models.TextChoices):
    STAFF = "staff", _("Cán bộ, công chức")
    MANAGER = "manager", _("Người quản lý trực tiếp")
    AGENCY_HEAD = "agency_head", _("Thủ trưởng cơ quan")
    HEAD_DELEGATE = "head_delegate", _("Người được thủ trưởng ủy quyền")
    HR_OFFICER = "hr_officer", _("Cán bộ tổ chức")
    PROVINCE_ADMIN = "province_admin", _("Quản trị cấp tỉnh (Sở Nội vụ)")
    INSPECTOR = "inspector", _("Thanh tra, kiểm tra")
    # The superior authority of agency heads (DOMAIN.md §1): the chair of the provincial
    # People's Committee or the vice-chair they designate, with Sở Nội vụ preparing.
    PROVINCE_APPROVER = "province_approver", _("Lãnh đạo UBND tỉnh (đánh giá người đứng đầu)")


# Who approves and signs an agency's ratings: its head, or the head's delegate.
APPROVER_ROLES = (Role.AGENCY_HEAD, Role.HEAD_DELEGATE)
AGENCY_ROLES = (*APPROVER_ROLES, Role.HR_OFFICER)
PROVINCE_ROLES = (Role.PROVINCE_ADMIN, Role.INSPECTOR, Role.PROVINCE_APPROVER)


class RoleAssignmentQuerySet(models.QuerySet["RoleAssignment"]):
    def current(self, on: dt.date | None = None) -> RoleAssignmentQuerySet:
        on = on or timezone.localdate()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=on)
        )


class RoleAssignment(models.Model):
    """Who may do what where, for a time. ``staff.access`` is the only reader that grants."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        verbose_name=_("Tài khoản"),
    )
    role = models.CharField(_("Vai trò"), max_length=20, choices=Role.choices)
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("Cơ quan"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="role_assignments",
        verbose_name=_("Đơn vị"),
    )
    valid_from = models.DateField(_("Hiệu lực từ ngày"), default=timezone.localdate)
    valid_to = models.DateField(_("Hiệu lực đến ngày"), null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người cấp quyền"),
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("Phân quyền")
        verbose_name_plural = _("Phân quyền")
        ordering = ["user", "role", "valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="staff_roleassignment_valid_to_after_from",
            ),
            # The scope a role needs, as in clean(); a bad row must not widen or void access.
            models.CheckConstraint(
                condition=(~Q(role__in=[r.value for r in AGENCY_ROLES]) | Q(agency__isnull=False))
                & (~Q(role=Role.MANAGER) | Q(agency__isnull=False) | Q(unit__isnull=False))
                & (
                    ~Q(role__in=[r.value for r in PROVINCE_ROLES])
                    | (Q(agency__isnull=True) & Q(unit__isnull=True))
                ),
                name="staff_roleassignment_scope_matches_role",
            ),
        ]

    def __str__(self) -> str:
        where = self.unit or self.agency or _("toàn tỉnh")
        return f"{self.user} — {self.get_role_display()} — {where}"

    def clean(self) -> None:
        if self.role in AGENCY_ROLES and not self.agency_id:
            raise ValidationError({"agency": _("Vai trò này cần chọn cơ quan.")})
        if self.role == Role.MANAGER and not (self.unit_id or self.agency_id):
            raise ValidationError({"unit": _("Người quản lý cần chọn đơn vị hoặc cơ quan.")})
        if self.role in PROVINCE_ROLES and (self.agency_id or self.unit_id):
            raise ValidationError(_("Vai trò cấp tỉnh không gắn với cơ quan hay đơn vị."))
        if self.unit_id and self.agency_id and self.unit.agency_id != self.agency_id:
            raise ValidationError({"unit": _("Đơn vị không thuộc cơ quan đã chọn.")})


class RestructuringKind(models.TextChoices):
    """Sắp xếp tổ chức bộ máy (DOMAIN.md §1): the operations the province records."""

    MERGE = "merge", _("Hợp nhất, sáp nhập cơ quan")
    SPLIT = "split", _("Chia tách cơ quan")
    RENAME = "rename", _("Đổi tên cơ quan")
    MOVE_UNIT = "move_unit", _("Chuyển đơn vị sang cơ quan khác")
    DISSOLVE_UNIT = "dissolve_unit", _("Giải thể đơn vị")


class Restructuring(models.Model):
    """One restructuring decision as carried out: what, from when, on which legal decision, who
    recorded it, and what it changed (``summary``). Append-only, like the audit entry written with
    it; the inspector lists them (``staff.restructuring``)."""

    kind = models.CharField(_("Loại sắp xếp"), max_length=20, choices=RestructuringKind.choices)
    effective_on = models.DateField(_("Ngày có hiệu lực"))
    reference = models.CharField(
        _("Căn cứ (số quyết định)"),
        max_length=300,
        help_text=_("Số, ngày và cơ quan ban hành quyết định sắp xếp."),
    )
    note = models.TextField(_("Ghi chú"), blank=True)
    summary = models.JSONField(_("Nội dung thay đổi"), default=dict)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người ghi nhận"),
    )
    recorded_at = models.DateTimeField(_("Thời điểm ghi nhận"), auto_now_add=True)

    class Meta:
        verbose_name = _("Sắp xếp tổ chức")
        verbose_name_plural = _("Sắp xếp tổ chức")
        ordering = ["-effective_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.effective_on:%d/%m/%Y} ({self.reference})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValidationError(_("Quyết định sắp xếp đã ghi nhận không được sửa."))
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise ValidationError(_("Quyết định sắp xếp đã ghi nhận không được xóa."))


class AgencySuccession(models.Model):
    """Lineage: ``predecessor`` became (part of) ``successor`` from ``effective_on``. A merger
    gives one row per merged agency, a split one row per new agency. Trends, the ranking's change
    and the PAR feed of the successor read the predecessors' past periods through it."""

    predecessor = models.ForeignKey(
        Agency, on_delete=models.PROTECT, related_name="successions", verbose_name=_("Cơ quan cũ")
    )
    successor = models.ForeignKey(
        Agency,
        on_delete=models.PROTECT,
        related_name="predecessions",
        verbose_name=_("Cơ quan kế thừa"),
    )
    effective_on = models.DateField(_("Ngày có hiệu lực"))
    restructuring = models.ForeignKey(
        Restructuring, on_delete=models.PROTECT, related_name="successions"
    )

    class Meta:
        verbose_name = _("Kế thừa cơ quan")
        verbose_name_plural = _("Kế thừa cơ quan")
        ordering = ["effective_on", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["predecessor", "successor"], name="staff_succession_unique"
            ),
            models.CheckConstraint(
                condition=~Q(predecessor=F("successor")), name="staff_succession_not_itself"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.predecessor} → {self.successor} ({self.effective_on:%d/%m/%Y})"


class ImportJobStatus(models.TextChoices):
    PENDING = "pending", _("Đang chờ")
    RUNNING = "running", _("Đang chạy")
    DONE = "done", _("Hoàn thành")
    FAILED = "failed", _("Có lỗi, không ghi")


class ImportJob(models.Model):
    """One upload of a staff or unit spreadsheet, run as a background job (``staff.imports.jobs``).

    Holds the uploaded bytes (bounded by ``staff.lib.uploads.MAX_UPLOAD_BYTES``) so a worker
    can read them, the progress for the page's bar, the totals and first errors for display,
    and the downloadable error report (the original rows plus an error column, .xlsx).
    """

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người tải lên"),
    )
    agency = models.ForeignKey(
        Agency,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="import_jobs",
        verbose_name=_("Cơ quan"),
    )
    kind = models.CharField(_("Loại danh sách"), max_length=10, default="staff")
    filename = models.CharField(_("Tên tệp"), max_length=255)
    data = models.BinaryField(_("Nội dung tệp"), editable=False)
    dry_run = models.BooleanField(_("Chạy thử"), default=True)
    full = models.BooleanField(_("Danh sách đủ cả cơ quan"), default=True)
    status = models.CharField(
        _("Trạng thái"),
        max_length=10,
        choices=ImportJobStatus.choices,
        default=ImportJobStatus.PENDING,
    )
    stage = models.CharField(_("Bước"), max_length=40, blank=True)
    progress = models.PositiveSmallIntegerField(_("Tiến độ (%)"), default=0)
    written = models.BooleanField(_("Đã ghi"), default=False)
    totals = models.JSONField(_("Tổng hợp"), default=dict, blank=True)
    messages = models.JSONField(_("Lỗi (tối đa 200)"), default=list, blank=True)
    error_report = models.BinaryField(_("Báo cáo lỗi (.xlsx)"), null=True, blank=True)
    # The preview table for the web page: the first rows (errors first) and "not in file".
    preview = models.JSONField(_("Xem trước"), default=dict, blank=True)
    confirmed_at = models.DateTimeField(_("Thời điểm xác nhận"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("Thời điểm hủy"), null=True, blank=True)
    created_at = models.DateTimeField(_("Thời điểm tạo"), auto_now_add=True)
    finished_at = models.DateTimeField(_("Thời điểm xong"), null=True, blank=True)

    class Meta:
        verbose_name = _("Lượt nhập danh sách")
        verbose_name_plural = _("Lượt nhập danh sách")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.filename} ({self.get_status_display()}, {self.progress}%)"


# --- accountable access: who read or was refused what ------------------------------------------


class AccessKind(models.TextChoices):
    READ = "read", _("Xem phiếu của người khác")
    LOGIN_FAILED = "login_failed", _("Đăng nhập không thành công")
    REFUSED = "refused", _("Truy cập bị từ chối")


class AccessLogQuerySet(models.QuerySet["AccessLog"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The access log is append-only / nhật ký truy cập chỉ được ghi thêm")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The access log is append-only / nhật ký truy cập chỉ được ghi thêm")


class AccessLog(models.Model):
    """Who opened whose evaluation, who failed to sign in, who was refused — with time and
    source address. Append-only like the audit trail; written by ``staff.accesslog``.

    The references carry no database constraint: the log must outlive the rows it names.
    """

    kind = models.CharField(_("Loại"), max_length=20, choices=AccessKind.choices)
    at = models.DateTimeField(_("Thời điểm"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("Người dùng"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    username = models.CharField(_("Tên đăng nhập"), max_length=150, blank=True)
    ip = models.GenericIPAddressField(_("Địa chỉ IP"), null=True, blank=True)
    path = models.CharField(_("Đường dẫn"), max_length=500, blank=True)
    method = models.CharField(_("Phương thức"), max_length=10, blank=True)
    status = models.PositiveSmallIntegerField(_("Mã phản hồi"), null=True, blank=True)
    evaluation = models.ForeignKey(
        "evaluation.Evaluation",
        verbose_name=_("Phiếu đánh giá"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    staff = models.ForeignKey(
        StaffMember,
        verbose_name=_("Người được đánh giá"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    objects = AccessLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("Nhật ký truy cập")
        verbose_name_plural = _("Nhật ký truy cập")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["kind", "at"])]

    def __str__(self) -> str:
        who = self.username or (str(self.user_id) if self.user_id else "-")
        return f"{self.at:%Y-%m-%d %H:%M} {self.kind} {who} {self.path}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The access log is append-only / nhật ký truy cập chỉ được ghi thêm")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The access log is append-only / nhật ký truy cập chỉ được ghi thêm")


# --- The audit trail ------------------------------------------------------------------------
# On the ground floor because every layer records into it (staff imports, template changes,
# the workflow's sign-offs). Higher-layer rows (periods, evaluations) are named by string.


class AuditEntryQuerySet(models.QuerySet["AuditEntry"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("The audit trail is append-only / nhật ký chỉ được ghi thêm")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only / nhật ký chỉ được ghi thêm")


class AuditEntry(models.Model):
    """One recorded action: who, when, what, before → after, why. Append-only.

    Sign-offs (approval, exception, publication, appeal decision, close) are chained per agency:
    each holds the hash of the previous sign-off of the agency and its own hash over a canonical
    snapshot, so a rewrite anywhere breaks the chain (``manage.py verify_audit``).
    """

    at = models.DateTimeField(_("Thời điểm"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Người thực hiện"),
    )
    action = models.CharField(_("Hành động"), max_length=60, db_index=True)
    agency = models.ForeignKey(
        Agency, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    period = models.ForeignKey(
        "evaluation.Period", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    evaluation = models.ForeignKey(
        "evaluation.Evaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="audit_entries",
    )
    object_type = models.CharField(max_length=60, blank=True)
    object_id = models.CharField(max_length=60, blank=True)
    before = models.JSONField(default=dict, blank=True)
    after = models.JSONField(default=dict, blank=True)
    reason = models.TextField(blank=True)
    chained = models.BooleanField(default=False)
    sequence = models.PositiveIntegerField(null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True)
    hash = models.CharField(max_length=64, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        # The table keeps the name it was created with: the audit trail moved down to the
        # ground floor in the model state only, no row was copied.
        db_table = "evaluation_auditentry"
        verbose_name = _("Nhật ký")
        verbose_name_plural = _("Nhật ký")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["agency", "sequence"],
                condition=Q(chained=True),
                name="audit_chain_sequence_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise TypeError("The audit trail is append-only / nhật ký chỉ được ghi thêm")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise TypeError("The audit trail is append-only / nhật ký chỉ được ghi thêm")


class AuditChainHead(models.Model):
    """The last sign-off of each agency's chain; locked while a new one is appended."""

    agency = models.OneToOneField(Agency, on_delete=models.PROTECT, related_name="+")
    sequence = models.PositiveIntegerField(default=0)
    last_hash = models.CharField(max_length=64, blank=True)

    class Meta:
        db_table = "evaluation_auditchainhead"

    def __str__(self) -> str:
        return f"{self.agency_id}#{self.sequence}"
