"""One error shape for the whole API: ``{"errors": [{"code", "path", "message", "message_en"}]}``.

A workflow refusal keeps the status it carries (400 bad input, 403 not yours to do, 409 stale or
changed meanwhile); a DRF validation error becomes one entry per field with the field's path
(``scores.G1``, ``adjustments[0].level``); 401/403/404/405 get a Vietnamese and an English
message. Anything unexpected is logged and answered with a plain 500 in the same shape — never
a traceback.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import exception_handler

from evaluation.errors import WorkflowError
from scoring.periods import PeriodFormatError
from staff import accesslog

logger = logging.getLogger(__name__)

# (Vietnamese, English) for the codes DRF raises; the field-level text DRF gives (in the active
# language, Vietnamese by default) is kept as the Vietnamese message when there is one.
MESSAGES: dict[str, tuple[str, str]] = {
    "required": ("Trường này là bắt buộc", "This field is required"),
    "null": ("Trường này không được để trống", "This field may not be null"),
    "blank": ("Trường này không được để trống", "This field may not be blank"),
    "invalid": ("Giá trị không hợp lệ", "Invalid value"),
    "invalid_choice": ("Lựa chọn không hợp lệ", "Not a valid choice"),
    "max_value": ("Giá trị vượt mức tối đa", "Value above the maximum"),
    "min_value": ("Giá trị dưới mức tối thiểu", "Value below the minimum"),
    "max_digits": ("Quá nhiều chữ số", "Too many digits"),
    "max_decimal_places": ("Quá nhiều chữ số thập phân", "Too many decimal places"),
    "max_string_length": ("Chuỗi quá dài", "String too long"),
    "max_length": ("Quá dài", "Too long"),
    "not_a_list": ("Phải là một danh sách", "Expected a list"),
    "not_a_dict": ("Phải là một đối tượng (từ điển)", "Expected an object"),
    "empty": ("Không được để trống", "May not be empty"),
    "unknown_field": ("Trường không được phép gửi", "This field is not accepted here"),
    "parse_error": ("Dữ liệu gửi lên không đọc được", "Malformed request body"),
    "not_authenticated": ("Bạn cần đăng nhập", "Authentication required"),
    "authentication_failed": ("Đăng nhập không thành công", "Authentication failed"),
    "permission_denied": ("Bạn không có quyền thực hiện thao tác này", "Permission denied"),
    "not_found": ("Không tìm thấy", "Not found"),
    "method_not_allowed": ("Phương thức không được hỗ trợ", "Method not allowed"),
    "not_acceptable": ("Định dạng phản hồi không được hỗ trợ", "Not acceptable"),
    "unsupported_media_type": ("Kiểu dữ liệu gửi lên không được hỗ trợ", "Unsupported media type"),
    "throttled": ("Quá nhiều yêu cầu, hãy thử lại sau", "Too many requests"),
    "server_error": ("Lỗi hệ thống; đã ghi nhận để xử lý", "Server error; it has been logged"),
}


def error(code: str, path: str = "", message: str | None = None) -> dict[str, str]:
    vi, en = MESSAGES.get(code, (message or code, message or code))
    return {"code": code, "path": path, "message": message or vi, "message_en": en}


def _join(prefix: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{prefix}[{key}]"
    if key in ("non_field_errors", "__all__"):
        return prefix
    return f"{prefix}.{key}" if prefix else str(key)


def flatten(detail: Any, path: str = "") -> list[dict[str, str]]:
    """DRF's nested error detail as a flat list with a path per entry."""
    if isinstance(detail, dict):
        return [e for key, value in detail.items() for e in flatten(value, _join(path, key))]
    if isinstance(detail, list):
        out: list[dict[str, str]] = []
        for index, item in enumerate(detail):
            if isinstance(item, dict | list):
                out.extend(flatten(item, _join(path, index)))
            else:
                out.extend(flatten(item, path))
        return out
    code = getattr(detail, "code", None) or "invalid"
    text = str(detail)
    entry = error(code, path, text)
    if code not in MESSAGES:
        entry["message_en"] = text
    return [entry]


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    response = _handle(exc, context)
    if response is not None and response.status_code in (403, 404):
        # Every refused access of a signed-in user is accountable (staff.accesslog).
        accesslog.record_refused(context.get("request"), response.status_code)
    return response


def _handle(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, WorkflowError):
        return Response({"errors": [exc.as_dict()]}, status=exc.status)
    if isinstance(exc, PeriodFormatError):
        # A period label or year the client typed (``/dashboards/par/?year=100``): bad input.
        return Response({"errors": [error("invalid", "", str(exc))]}, status=400)
    if isinstance(exc, OverflowError):
        # A number no database column can hold (``?evaluation=1e308``), refused by the driver
        # before the query runs: bad input, not a server fault.
        return Response({"errors": [error("invalid")]}, status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = exception_handler(exc, context)
    if response is None:
        logger.exception("unhandled API error", exc_info=exc)
        return Response(
            {"errors": [error("server_error")]}, status=status.HTTP_500_INTERNAL_SERVER_ERROR
        )
    if isinstance(exc, exceptions.ValidationError):
        errors = flatten(exc.detail)
    else:
        assert isinstance(exc, exceptions.APIException)
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        vi, en = MESSAGES.get(str(code), (str(exc.detail), str(exc.detail)))
        own_message = str(exc.detail) != str(exc.default_detail)
        errors = [
            {
                "code": str(code),
                "path": "",
                "message": str(exc.detail) if own_message else vi,
                "message_en": en,
            }
        ]
    response.data = {"errors": errors}
    return response


# Every operation may answer these, whatever its own decorators list: bad query or body (400),
# not signed in (401), not allowed (403), out of scope or a page past the end (404), and for a
# write, a stale version or a state that changed meanwhile (409), and a body in a media type
# the operation does not read (415). Undocumented, they made the
# schema lie to clients; the fuzzing (tests/test_fuzz_api.py) holds the schema to them.
ERROR_STATUSES = ("400", "401", "403", "404")
WRITE_ERROR_STATUSES = ("409", "415")
WRITE_METHODS = ("post", "put", "patch", "delete")


def _errors_response() -> dict[str, Any]:
    # A new dict each time: a shared one would come out of the YAML renderer as an anchor.
    return {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Errors"}}},
        "description": "",
    }


def document_error_responses(result: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """drf-spectacular postprocessing hook: the shared error answers on every operation."""
    if "Errors" not in result.get("components", {}).get("schemas", {}):
        return result
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            responses = operation.get("responses") if isinstance(operation, dict) else None
            if responses is None:
                continue
            statuses = ERROR_STATUSES + (WRITE_ERROR_STATUSES if method in WRITE_METHODS else ())
            for code in statuses:
                responses.setdefault(code, _errors_response())
    return result


def api_not_found(request: Any, exception: Exception | None = None) -> Any:
    """handler404: an /api/ address no route matches (``/api/v1/evaluations/abc/``) answers in
    the API's JSON error shape, not the site's HTML page."""
    from django.http import JsonResponse
    from django.views.defaults import page_not_found

    if request.path.startswith("/api/"):
        return JsonResponse({"errors": [error("not_found")]}, status=404)
    return page_not_found(request, exception)
