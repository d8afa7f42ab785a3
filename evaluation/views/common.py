"""What every page of the evaluation app shares: scoped look-ups and errors shown by a field."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.http import Http404, HttpRequest
from django.utils import translation

from evaluation.errors import WorkflowError
from evaluation.models import Evaluation
from evaluation.selectors.access import evaluations_in_scope
from staff.access import request_scope


def evaluation_or_404(request: HttpRequest, pk: int, *, queryset: Any = None) -> Evaluation:
    """An evaluation the caller may see, or 404 — another agency's id never confirms it exists."""
    qs = queryset if queryset is not None else evaluations_in_scope(request_scope(request))
    try:
        return qs.get(pk=pk)
    except Evaluation.DoesNotExist as exc:
        raise Http404 from exc


def error_entry(error: WorkflowError) -> dict[str, str]:
    """One error as a page shows it: the active language first, the other beside it."""
    english = translation.get_language() == "en"
    return {
        "code": error.code,
        "path": error.path,
        "message": error.message_en if english else error.message,
        "translation": error.message if english else error.message_en,
    }


def errors_by_field(*errors: WorkflowError) -> dict[str, list[dict[str, str]]]:
    """Errors keyed by the form field they belong to, so each shows next to its field.

    A service error's ``path`` is the API's JSON path (``scores.C1``, ``reason``); a page
    names its inputs the same way, so the path is the field name. Errors without a path are
    kept under ``"__all__"`` and shown above the form.
    """
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for error in errors:
        grouped[error.path or "__all__"].append(error_entry(error))
    return dict(grouped)
