"""Products (sản phẩm, công việc): registered by the person or assigned by the manager, with
their month-end outcome reported by the person and confirmed by the manager ("whoever assigns
the work evaluates it")."""

from __future__ import annotations

import codecs
import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError, forbidden
from evaluation.models import Evaluation, Product, Status
from evaluation.services.common import (
    lock_for_step,
    parse_points,
)
from staff import audit
from staff.access import scope_for

MAX_WEIGHT = 1000
MAX_EVIDENCE_BYTES = 20 * 1024 * 1024
EVIDENCE_EXTENSIONS = {
    ".pdf",
    ".doc",
    ".docx",
    ".xls",
    ".xlsx",
    ".odt",
    ".ods",
    ".jpg",
    ".jpeg",
    ".png",
    ".txt",
}
MAX_COUNT = 50


def _snapshot(product: Product) -> dict[str, Any]:
    return {
        "title": product.title,
        "weight": product.weight,
        "deadline": product.deadline,
        "completed": product.completed,
        "major_errors": product.major_errors,
        "delays": product.delays,
        "objective_cause": product.objective_cause,
        "evidence_url": product.evidence_url,
        "evidence_file": product.evidence_file.name if product.evidence_file else "",
    }


def _count(value: Any, path: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_COUNT:
        raise WorkflowError(
            "bad_count",
            f"Phải là số nguyên từ 0 đến {MAX_COUNT}",
            f"Must be a whole number from 0 to {MAX_COUNT}",
            path=path,
        )
    return value


def _check_evidence(upload: UploadedFile | None) -> None:
    if upload is None:
        return
    name = (upload.name or "").lower()
    extension = name[name.rfind(".") :] if "." in name else ""
    if extension not in EVIDENCE_EXTENSIONS:
        raise WorkflowError(
            "bad_file_type",
            f"Loại tệp không được nhận ({extension or 'không có đuôi'}); nhận: "
            + ", ".join(sorted(EVIDENCE_EXTENSIONS)),
            f"File type not accepted ({extension or 'no extension'})",
            path="evidence_file",
        )
    if upload.size is not None and upload.size > MAX_EVIDENCE_BYTES:
        raise WorkflowError(
            "file_too_large",
            f"Tệp quá lớn (tối đa {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB)",
            f"File too large (at most {MAX_EVIDENCE_BYTES // (1024 * 1024)} MB)",
            path="evidence_file",
        )
    _check_evidence_content(upload, extension)


# What each accepted type starts with: a file is refused when its content is not what its name
# says (an .exe renamed .pdf, a page of HTML saved as .xlsx).
ZIP = (b"PK\x03\x04", b"PK\x05\x06")  # .docx/.xlsx/.odt/.ods are zip archives
OLE2 = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # .doc/.xls (older Office)
EVIDENCE_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    ".pdf": (b"%PDF-",),
    ".docx": ZIP,
    ".xlsx": ZIP,
    ".odt": ZIP,
    ".ods": ZIP,
    ".doc": OLE2,
    ".xls": OLE2,
    ".jpg": (b"\xff\xd8\xff",),
    ".jpeg": (b"\xff\xd8\xff",),
    ".png": (b"\x89PNG\r\n\x1a\n",),
}


def _check_evidence_content(upload: UploadedFile, extension: str) -> None:
    """The file's first bytes must match its extension; a .txt must be text (UTF-8 or UTF-16
    with its mark), not a binary."""
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    signatures = EVIDENCE_SIGNATURES.get(extension)
    if signatures is not None:
        matches = head.startswith(signatures)
    elif head.startswith((b"\xff\xfe", b"\xfe\xff")):
        matches = True
    else:
        try:
            codecs.getincrementaldecoder("utf-8")().decode(head)  # a cut last character is fine
            matches = b"\x00" not in head
        except UnicodeDecodeError:
            matches = False
    if not matches:
        raise WorkflowError(
            "bad_file_content",
            f"Nội dung tệp không đúng loại {extension}: tệp có thể bị đổi tên hoặc bị hỏng",
            f"The file's content is not a {extension} file: renamed or damaged",
            path="evidence_file",
        )


def _role_for(evaluation: Evaluation, user: Any) -> str:
    scope = scope_for(user)
    if scope.can_self_assess(evaluation):
        return "person"
    if scope.can_score_as_manager(evaluation):
        return "manager"
    raise forbidden(
        "Chỉ người được đánh giá hoặc người quản lý trực tiếp được ghi sản phẩm",
        "Only the person or their direct manager records products",
    )


def _editable_by(role: str) -> tuple[str, ...]:
    """Products change while the person drafts; the manager also while it awaits them."""
    return (Status.DRAFT,) if role == "person" else (Status.DRAFT, Status.SELF_ASSESSED)


def _check_evidence_url(url: str) -> None:
    """An evidence link must be a web address: ``javascript:``, ``file:`` or ``ftp:`` links
    would run or fetch something else when the manager or inspector follows them."""
    if not url:
        return
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise WorkflowError(
            "bad_url",
            "Đường dẫn phải bắt đầu bằng http:// hoặc https://",
            "The link must start with http:// or https://",
            path="evidence_url",
        ) from None


def product_register(
    *,
    evaluation: Evaluation,
    user: Any,
    title: str,
    weight: Any = 1,
    deadline: dt.date | None = None,
    evidence_url: str = "",
    evidence_file: UploadedFile | None = None,
) -> Product:
    """Register a product: the person for themself while drafting; the manager assigns one
    while the evaluation is with the person or awaiting the manager."""
    role = _role_for(evaluation, user)
    title = (title or "").strip()
    if not title:
        raise WorkflowError(
            "required", "Bắt buộc nhập tên sản phẩm", "A title is required", path="title"
        )
    weight = parse_points(weight, path="weight", maximum=MAX_WEIGHT, places=4)
    _check_evidence(evidence_file)
    _check_evidence_url(evidence_url)
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation, statuses=_editable_by(role), action=("thêm sản phẩm", "add a product")
        )
        product = Product(
            evaluation=evaluation,
            title=title[:500],
            weight=weight,
            deadline=deadline,
            evidence_url=evidence_url or "",
            assigned_by=user if role == "manager" else None,
            created_by=user,
        )
        if evidence_file is not None:
            product.evidence_file = evidence_file
        product.save()
        evaluation.version += 1
        evaluation.save(update_fields=["version", "updated_at"])
        audit.record(
            "product.registered",
            actor=user,
            evaluation=evaluation,
            obj=product,
            after=_snapshot(product),
        )
    return product


def product_set_outcome(
    *,
    product: Product,
    user: Any,
    completed: bool,
    major_errors: int = 0,
    delays: int = 0,
    objective_cause: bool | None = None,
) -> Product:
    """Report (the person) or confirm (the manager) a product's outcome. Only the manager
    may confirm an objective cause, which removes the errors and delays from the count."""
    evaluation = product.evaluation
    role = _role_for(evaluation, user)
    if not isinstance(completed, bool):
        raise WorkflowError(
            "not_a_boolean", "Phải là đúng/sai", "Must be true or false", path="completed"
        )
    major_errors = _count(major_errors, "major_errors")
    delays = _count(delays, "delays")
    if objective_cause is not None and role != "manager":
        raise forbidden(
            "Chỉ người quản lý xác nhận nguyên nhân khách quan",
            "Only the manager confirms an objective cause",
            code="manager_field",
        )
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation,
            statuses=_editable_by(role),
            action=("ghi kết quả sản phẩm", "record an outcome"),
        )
        product = Product.objects.select_for_update().get(pk=product.pk)
        before = _snapshot(product)
        product.completed, product.major_errors, product.delays = completed, major_errors, delays
        if role == "manager":
            if objective_cause is not None:
                product.objective_cause = objective_cause
            product.confirmed_by, product.confirmed_at = user, timezone.now()
        product.save()
        evaluation.version += 1
        evaluation.save(update_fields=["version", "updated_at"])
        audit.record(
            "product.outcome_confirmed" if role == "manager" else "product.outcome_reported",
            actor=user,
            evaluation=evaluation,
            obj=product,
            before=before,
            after=_snapshot(product),
        )
    return product


def product_delete(*, product: Product, user: Any) -> None:
    """Remove a product registered by mistake: whoever created it, while it is still editable."""
    evaluation = product.evaluation
    role = _role_for(evaluation, user)
    if product.created_by_id != user.pk:
        raise forbidden("Chỉ người tạo được xóa sản phẩm", "Only its creator removes a product")
    with transaction.atomic():
        evaluation = lock_for_step(
            evaluation, statuses=_editable_by(role), action=("xóa sản phẩm", "remove a product")
        )
        audit.record(
            "product.removed",
            actor=user,
            evaluation=evaluation,
            obj=product,
            before=_snapshot(product),
        )
        product.delete()
        evaluation.version += 1
        evaluation.save(update_fields=["version", "updated_at"])
