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
from dashboards.rankings import period_frame, ranking
from dashboards.selectors import civil_servant_ruleset_code
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
    *, year: int, quarter: int | None = None, ruleset_code: str | None = None
) -> dict[str, Decimal]:
    """Each agency's proposed score (0–100, two decimals) for a year or a quarter, by code,
    from the months of ``ruleset_code`` (default: the rule set rating công chức, resolved from
    the coverage — ``selectors.civil_servant_ruleset_code``). An agency with no figures in the
    period, or nobody evaluated (no signed rating in any of its months), is absent: there is
    nothing to propose from, and the page shows "—", not 0."""
    code = ruleset_code or civil_servant_ruleset_code()
    label = period_label(year, quarter)
    if proposal_method() == "ranking":
        frame = ranking(ruleset_code=code, label=label)
        scores, column = frame, "composite"
    else:
        # The closed months only: a month still under way would propose its unfinished steps
        # as failures (on 7 December nobody has approved December yet).
        frame = period_frame(ruleset_code=code, label=label, closed_only=True)
        scores = (
            par_points(ruleset_code=code, label=label, frame=frame) if not frame.empty else frame
        )
        column = "index"
    if frame.empty or scores.empty:
        return {}
    evaluated = {
        agency
        for agency, rated in zip(frame["agency"], pd.to_numeric(frame["rated"]), strict=True)
        if not pd.isna(rated) and rated > 0
    }
    return {
        agency: min(max(Decimal(str(value)).quantize(CENT), Decimal(0)), Decimal(100))
        for agency, value in zip(scores["agency"], scores[column], strict=True)
        if not pd.isna(value) and agency in evaluated
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


def rating_rows(
    *, year: int, quarter: int | None = None, ruleset_code: str | None = None
) -> list[RatingRow]:
    """Every agency of the period with its proposal (None: nobody evaluated, nothing to
    propose) and its recorded rating, in a constant number of queries whatever the number of
    agencies."""
    proposals = proposed_points(year=year, quarter=quarter, ruleset_code=ruleset_code)
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


# The agency's own rating beside the composite in the ranking's files and API (column → header).
RATING_COLUMNS = {
    "agency_rating_score": "Điểm xếp loại cơ quan",
    "agency_rating_level": "Mức xếp loại cơ quan",
    "agency_rating_reference": "Văn bản xếp loại cơ quan",
}


def with_agency_ratings(frame: pd.DataFrame, label: str) -> pd.DataFrame:
    """The ranking ``frame`` of ``label`` with each agency's own rating beside the composite —
    score, level and the decision's reference, as the ranking page shows them (the year's for
    a month or a year, the quarter's for a quarter; empty where none is recorded). One query
    (``ratings_for_label``), whatever the number of agencies."""
    if frame.empty:
        return frame.assign(**dict.fromkeys(RATING_COLUMNS, pd.Series(dtype=object)))
    ratings = ratings_for_label(label)
    found = [ratings.get(code) for code in frame["agency"]]
    values = {
        "agency_rating_score": [float(r.score) if r else None for r in found],
        "agency_rating_level": [r.level if r else None for r in found],
        "agency_rating_reference": [r.reference if r else None for r in found],
    }
    at = list(frame.columns).index("composite") + 1 if "composite" in frame.columns else None
    frame = frame.copy()
    for offset, (column, column_values) in enumerate(values.items()):
        if at is None:
            frame[column] = column_values
        else:
            frame.insert(at + offset, column, column_values)
    return frame


def agency_ratings_of_year(*, agency: Agency, year: int) -> list[AgencyRating]:
    """An agency's ratings of a year: the year's first, then its quarters (one query)."""
    rows = list(AgencyRating.objects.filter(agency=agency, year=year))
    return sorted(rows, key=lambda r: (r.quarter is not None, r.quarter or 0))
