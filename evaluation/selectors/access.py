"""The evaluations a scope may see: ``staff.access`` decides who sees whose records, this module
applies that decision to the workflow's own model (the ground floor never imports it)."""

from __future__ import annotations

from django.db.models import QuerySet

from evaluation.models import Evaluation
from staff.access import Scope


def evaluations_in_scope(scope: Scope) -> QuerySet[Evaluation]:
    """Evaluations this user may see, in one query (``Scope.person_records_filter``)."""
    return Evaluation.objects.filter(scope.person_records_filter())
