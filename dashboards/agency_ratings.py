"""The agency's own rating (DOMAIN.md §8): the points the system proposes out of an agency's
indicators, and the ratings the province recorded, for the pages and the API.

**The proposal** is, by default, the agency's points in the PAR feed's "Cải cách chế độ công vụ"
sub-criteria for the period, scaled to 100 (``par.par_points``: points / max × 100, the feed's
``index``). Those sub-criteria are what the evaluation evidences of an agency's civil-service
work (on-time evaluation, everyone rated, results published, the quota kept) and they are
already the province's data: their points, thresholds and rules are ``ParSubCriterion`` rows.
A province that prefers the ranking's composite (timeliness with an inflation penalty, weights
in ``RankingWeight``) sets ``AGENCY_RATING_PROPOSAL = "ranking"``. Either way it is only a
proposal: the province records the score from its own assessment
(``evaluation.services.agency_rating.agency_rating_record``).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pandas as pd
from django.conf import settings
from django.db.models import Q

from dashboards.lineage import label_ends_on, label_starts_on
from dashboards.par import par_points
from dashboards.rankings import ranking
from dashboards.selectors import DEFAULT_RULESET
from evaluation.models import AgencyRating
from evaluation.services.agency_rating import agency_bands, agency_level
from scoring.periods import parse_period
from scoring.rules import Level
from staff.models import Agency

METHODS = ("par", "ranking")
CENT = Decimal("0.01")


def proposal_method() -> str:
    method = getattr(settings, "AGENCY_RATING_PROPOSAL", "par")
    return method if method in METHODS else "par"


def period_label(year: int, quarter: int | None) -> str:
    return f"{year:04d}-Q{quarter}" if quarter else f"{year:04d}"


def proposed_points(
    *, year: int, quarter: int | None = None, ruleset_code: str = DEFAULT_RULESET
) -> dict[str, Decimal]:
    """Each agency's proposed score (0–100, two decimals) for a year or a quarter, by code;
    agencies with no figures in the period are absent."""
    label = period_label(year, quarter)
    if proposal_method() == "ranking":
        frame = ranking(ruleset_code=ruleset_code, label=label)
        column = "composite"
    else:
        frame = par_points(ruleset_code=ruleset_code, label=label)
        column = "index"
    if frame.empty:
        return {}
    return {
        code: min(max(Decimal(str(value)).quantize(CENT), Decimal(0)), Decimal(100))
        for code, value in zip(frame["agency"], frame[column], strict=True)
        if not pd.isna(value)
    }


@dataclass
class RatingRow:
    agency: Agency
    proposed: Decimal | None
    proposed_level: Level | None
    rating: AgencyRating | None


def agencies_of(year: int, quarter: int | None) -> list[Agency]:
    """The agencies that existed during the period (an ended one keeps its past periods)."""
    label = period_label(year, quarter)
    return list(
        Agency.objects.select_related("agency_type")
        .filter(valid_from__lte=label_ends_on(label))
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=label_starts_on(label)))
        .order_by("agency_type__code", "code")
    )


def ratings_by_agency(*, year: int, quarter: int | None) -> dict[int, AgencyRating]:
    """The recorded ratings of the period, by agency id (one query)."""
    rows = AgencyRating.objects.filter(year=year).select_related("decided_by")
    rows = rows.filter(quarter=quarter) if quarter else rows.filter(quarter__isnull=True)
    return {r.agency_id: r for r in rows}


def rating_rows(*, year: int, quarter: int | None = None) -> list[RatingRow]:
    """Every agency of the period with its proposal and its recorded rating, in a constant
    number of queries whatever the number of agencies."""
    proposals = proposed_points(year=year, quarter=quarter)
    ratings = ratings_by_agency(year=year, quarter=quarter)
    bands = agency_bands()
    rows = []
    for agency in agencies_of(year, quarter):
        proposed = proposals.get(agency.code)
        rows.append(
            RatingRow(
                agency=agency,
                proposed=proposed,
                proposed_level=agency_level(proposed, bands) if proposed is not None else None,
                rating=ratings.get(agency.pk),
            )
        )
    return rows


def ratings_for_label(label: str) -> dict[str, AgencyRating]:
    """The ratings to show beside a ranking of ``label``, by agency code: a quarter's own
    rating for a quarter, the year's rating for a year or one of its months."""
    period = parse_period(label)
    quarter = period.index if period.kind.value == "quarter" else None
    rows = AgencyRating.objects.filter(year=period.year).select_related("agency")
    rows = rows.filter(quarter=quarter) if quarter else rows.filter(quarter__isnull=True)
    return {r.agency.code: r for r in rows}


def agency_ratings_of_year(*, agency: Agency, year: int) -> list[AgencyRating]:
    """An agency's ratings of a year: the year's first, then its quarters (one query)."""
    rows = list(AgencyRating.objects.filter(agency=agency, year=year))
    return sorted(rows, key=lambda r: (r.quarter is not None, r.quarter or 0))
