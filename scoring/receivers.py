"""What the rules do when something below or beside them changes (connected in ``apps.py``):
the organisation is restructured (``cover_successors``), or a fixture is loaded over a
published version (``refuse_raw_rewrite``, ``refuse_published_delete``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import Model

from scoring.models import (
    ImmutableWhenPublished,
    RuleSetCoverage,
    Status,
    VersionHeader,
    published_error,
)
from staff import audit
from staff.restructuring import Moves, Plan, Step


def cover_successors(
    sender: Any, *, plan: Plan, step: Step, moves: Moves, actor: Any, **kwargs: Any
) -> None:
    """A new agency made by a merger or a split is rated under its predecessor's rule sets until
    the province says otherwise: without coverage its people would get no evaluation when the
    next month opens. Every coverage row naming the predecessor itself (each category, each
    date) is copied; a successor that already has rows of its own keeps them. Rows by agency
    type need no copy: the successor has a type of its own."""
    rows = list(
        RuleSetCoverage.objects.filter(agency__isnull=False).values_list(
            "agency_id", "category", "ruleset_code", "valid_from"
        )
    )
    by_agency: dict[int, list[tuple[str, str, Any]]] = {}
    for agency_id, category, code, valid_from in rows:
        by_agency.setdefault(agency_id, []).append((category, code, valid_from))
    for predecessor_id, successor_id in moves.successions:
        if successor_id in by_agency or not by_agency.get(predecessor_id):
            continue
        copied = by_agency[predecessor_id]
        created = RuleSetCoverage.objects.bulk_create(
            RuleSetCoverage(
                agency_id=successor_id, category=category, ruleset_code=code, valid_from=valid_from
            )
            for category, code, valid_from in copied
        )
        by_agency[successor_id] = copied
        for coverage in created:
            audit.record(
                "coverage.added",
                actor=actor,
                agency=successor_id,
                obj=coverage,
                after={
                    "ruleset_code": coverage.ruleset_code,
                    "category": coverage.category,
                    "valid_from": coverage.valid_from.isoformat(),
                    "from_predecessor": predecessor_id,
                },
                reason=step.reference,
            )


# --- loading fixtures never rewrites a published version ------------------------------------
#
# ``loaddata`` saves with ``raw=True`` through ``Model.save_base``, which skips
# ``ImmutableWhenPublished.save()``: without these receivers a changed fixture would silently
# rewrite a published rule set that periods already use. A raw save is refused when the row it
# writes is stored and published, or when it adds a part (criterion, cap…) to a stored published
# version — except a version a raw save of this process has just created, whose parts follow
# it. ``load_standard_rules`` forgets those versions before and after each one it loads
# (``raw_versions_forgotten``); a plain ``loaddata`` runs in a process of its own.

_CREATED_RAW: set[tuple[str, int, Any]] = set()


@contextmanager
def raw_versions_forgotten() -> Iterator[None]:
    """Around one version's load: only the version created inside may receive parts."""
    _CREATED_RAW.clear()
    try:
        yield
    finally:
        _CREATED_RAW.clear()


def _parent_field(model: type[Model]) -> str:
    return model.published_lookup.split("__")[0]  # "template__status" → "template"


def _stored_published(model: type[Model], pk: Any) -> bool:
    lookup = {model.published_lookup: Status.PUBLISHED}
    return pk is not None and model._base_manager.filter(pk=pk, **lookup).exists()


def refuse_raw_rewrite(
    sender: type[Model], instance: Any, raw: bool = False, **kwargs: Any
) -> None:
    if not raw:
        return  # ImmutableWhenPublished.save() guards every other save
    if _stored_published(sender, instance.pk):
        raise published_error()
    if isinstance(instance, VersionHeader):
        return
    field = sender._meta.get_field(_parent_field(sender))
    parent_id = getattr(instance, field.attname)
    parent = (
        field.related_model._base_manager.filter(pk=parent_id, status=Status.PUBLISHED)
        .values_list("published_at", flat=True)
        .first()
    )
    if parent is None:
        return  # a draft (or unsaved) version: its parts may change
    if (field.related_model._meta.label, parent_id, parent) not in _CREATED_RAW:
        raise published_error()


def remember_raw_version(
    sender: type[Model], instance: Any, created: bool = False, raw: bool = False, **kwargs: Any
) -> None:
    """A version header a raw save has just created: its parts in the same load may follow."""
    if raw and created and isinstance(instance, VersionHeader) and instance.is_published:
        stored = (
            sender._base_manager.filter(pk=instance.pk)
            .values_list("published_at", flat=True)
            .first()
        )
        _CREATED_RAW.add((sender._meta.label, instance.pk, stored))


def refuse_published_delete(sender: type[Model], instance: Any, **kwargs: Any) -> None:
    """Deletions that skip ``delete()`` (a cascade from a parent row, the collector) are still
    refused on a published version."""
    if _stored_published(sender, instance.pk):
        raise published_error()


def versioned_models(models: Any) -> list[type[Model]]:
    return [m for m in models if issubclass(m, ImmutableWhenPublished) and not m._meta.abstract]
