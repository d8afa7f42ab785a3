"""Errors the workflow raises, precise enough to show next to a field, in Vietnamese and English.

The API turns them into ``{"errors": [{"code", "path", "message", "message_en"}]}`` with the
status they carry: 400 for bad input, 403 for a step the user may not take, 409 for a stale
version or a state that changed meanwhile.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class WorkflowError(Exception):
    code: str
    message: str
    message_en: str
    path: str = ""
    status: int = 400
    extra: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message} / {self.message_en}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "path": self.path,
            "message": self.message,
            "message_en": self.message_en,
            **self.extra,
        }


def forbidden(message: str, message_en: str, code: str = "forbidden") -> WorkflowError:
    return WorkflowError(code, message, message_en, status=403)


def wrong_state(current: str, action_vi: str, action_en: str) -> WorkflowError:
    return WorkflowError(
        "wrong_state",
        f"Không thể {action_vi} khi phiếu đang ở trạng thái “{current}”",
        f"Cannot {action_en} while the evaluation is “{current}”",
        path="status",
        status=409,
    )


def stale(current_version: int) -> WorkflowError:
    return WorkflowError(
        "stale_version",
        "Phiếu đã được người khác sửa; hãy tải lại để xem bản mới nhất",
        "Someone else changed this evaluation; reload to see the current version",
        path="version",
        status=409,
        extra={"current_version": current_version},
    )


def unknown_criterion(code: str) -> WorkflowError:
    """A score for a criterion the evaluation's pinned template does not have."""
    return WorkflowError(
        "unknown_criterion",
        f"Tiêu chí {code!r} không có trong mẫu của kỳ này",
        f"Criterion {code!r} is not in this period's template",
        path=f"scores.{code}",
    )
