"""Which rule set rates whom (DOMAIN.md §5): the reads of ``RuleSetCoverage``.

Decree 335 covers công chức; viên chức stay under Decrees 90/48; người lao động follow the
agency's own regulation; cán bộ the Party's rules. So coverage is chosen per agency (or agency
type) *and* staff category, from a date, and one agency can hold evaluations under several rule
sets in the same month — each rule set with its own ``Period`` rows.

``coverage_resolve(on=…)`` answers for the whole province in two queries; its ``CoverageMap``
turns into one filter clause per category (``staff_q``), never one per person, so opening a
month for 100,000 people costs what it costs for ten.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q

from scoring.models import RuleSetCoverage
from staff.models import Agency, StaffCategory


@dataclass(frozen=True)
class CoverageMap:
    """Every (agency, staff category) → rule-set code on one day, resolved for the whole
    province at once (``coverage_resolve``). A pair absent from ``codes`` is rated by nothing;
    ``covered_agencies`` are the agencies where at least one category resolves."""

    on: dt.date
    codes: dict[tuple[int, str], str]
    covered_agencies: frozenset[int]

    def code_for(self, *, agency_id: int, category: str) -> str | None:
        return self.codes.get((agency_id, category))

    def agencies_of(self, code: str) -> dict[str, list[int]]:
        """For rule set ``code``: category → the agencies whose staff of that category it rates
        (ids sorted, categories in StaffCategory order)."""
        found: dict[str, list[int]] = {}
        for (agency_id, category), value in self.codes.items():
            if value == code:
                found.setdefault(category, []).append(agency_id)
        return {c: sorted(found[c]) for c in StaffCategory.values if c in found}

    def codes_of_agency(self, agency_id: int) -> list[str]:
        """The rule sets that rate someone of ``agency_id`` (by category order, no repeats)."""
        codes = (self.codes.get((agency_id, c)) for c in StaffCategory.values)
        return list(dict.fromkeys(code for code in codes if code))

    def all_codes(self) -> list[str]:
        return sorted(set(self.codes.values()))

    def staff_q(self, code: str, *, prefix: str = "") -> Q:
        """A filter on StaffMember (``prefix`` for a relation, e.g. "staff__") selecting who
        rule set ``code`` rates: one clause per category, never one per person. Matches nothing
        when the rule set rates nobody."""
        query = Q(**{f"{prefix}pk__in": []})
        for category, agency_ids in self.agencies_of(code).items():
            query |= Q(**{f"{prefix}category": category, f"{prefix}agency_id__in": agency_ids})
        return query

    def covered_q(self, *, prefix: str = "") -> Q:
        """A filter on StaffMember selecting everyone some rule set rates."""
        query = Q(**{f"{prefix}pk__in": []})
        for code in self.all_codes():
            query |= self.staff_q(code, prefix=prefix)
        return query


def coverage_resolve(*, on: dt.date, agency_ids: Iterable[int] | None = None) -> CoverageMap:
    """Resolve ``RuleSetCoverage`` for ``on``: two queries (the rows in force, the agencies with
    their type), whatever the size of the province. The most specific row wins — agency and
    category, then agency (category blank), then agency type and category, then agency type;
    among rows of one kind the latest ``valid_from`` on or before ``on``."""
    rows = (
        RuleSetCoverage.objects.filter(valid_from__lte=on)
        .order_by("valid_from", "pk")
        .values_list("agency_id", "agency_type_id", "category", "ruleset_code")
    )
    # Ascending valid_from: a later row overwrites an earlier one of the same key.
    agency_category: dict[tuple[int, str], str] = {}
    agency_any: dict[int, str] = {}
    type_category: dict[tuple[int, str], str] = {}
    type_any: dict[int, str] = {}
    for agency_id, type_id, category, code in rows:
        if agency_id is not None:
            if category:
                agency_category[(agency_id, category)] = code
            else:
                agency_any[agency_id] = code
        elif category:
            type_category[(type_id, category)] = code
        else:
            type_any[type_id] = code
    agencies = Agency.objects.all()
    if agency_ids is not None:
        agencies = agencies.filter(pk__in=sorted(set(agency_ids)))
    codes: dict[tuple[int, str], str] = {}
    for agency_id, type_id in agencies.values_list("pk", "agency_type_id"):
        for category in StaffCategory.values:
            code = (
                agency_category.get((agency_id, category))
                or agency_any.get(agency_id)
                or type_category.get((type_id, category))
                or type_any.get(type_id)
            )
            if code:
                codes[(agency_id, category)] = code
    return CoverageMap(on=on, codes=codes, covered_agencies=frozenset(a for a, _category in codes))
