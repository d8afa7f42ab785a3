"""The agency's own rating (DOMAIN.md §8: Decree 335 also rates state administrative agencies
on 100 points): recorded and revised by the province admin (Sở Nội vụ) from its assessment,
starting from the points the dashboards propose out of the agency's indicators.

The level follows from the score with the bands of the rule set the province rates agencies by
(``settings.AGENCY_RATING_RULESET``, default ``ND335-2025``: 90 / 70 / 50, its latest published
version). Every record and revision is in the audit trail with what it was before.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from evaluation.errors import WorkflowError, forbidden
from evaluation.models import AgencyRating
from evaluation.services.common import parse_points, require_verified
from scoring.models import RuleSet, Status
from scoring.rules import Level
from staff import audit
from staff.access import scope_for
from staff.models import Agency

HUNDRED = Decimal(100)
CENT = Decimal("0.01")
DEFAULT_RULESET = "ND335-2025"
# The bands when no published rule set is found (DOMAIN.md §2 defaults).
DEFAULT_BANDS = (Decimal(90), Decimal(70), Decimal(50))


def agency_ruleset_code() -> str:
    """The rule set whose bands give an agency's level (data: a setting the province sets)."""
    return getattr(settings, "AGENCY_RATING_RULESET", DEFAULT_RULESET)


def agency_bands() -> tuple[Decimal, Decimal, Decimal]:
    """Lower edges of HTXSNV, HTTNV and HTNV in the agencies' rule set (latest published)."""
    row = (
        RuleSet.objects.filter(code=agency_ruleset_code(), status=Status.PUBLISHED)
        .order_by("-version")
        .values_list("band_excellent_min", "band_good_min", "band_completed_min")
        .first()
    )
    return row if row is not None else DEFAULT_BANDS


def agency_level(score: Decimal, bands: tuple[Decimal, Decimal, Decimal] | None = None) -> Level:
    """The level of an agency's score: at or above a band's lower edge, else KHTNV."""
    excellent, good, completed = bands if bands is not None else agency_bands()
    if score >= excellent:
        return Level.HTXSNV
    if score >= good:
        return Level.HTTNV
    if score >= completed:
        return Level.HTNV
    return Level.KHTNV


def period_starts_on(year: int, quarter: int | None) -> dt.date:
    return dt.date(year, 1 if quarter is None else 3 * (quarter - 1) + 1, 1)


def _check_when(year: Any, quarter: Any) -> tuple[int, int | None]:
    if isinstance(year, bool) or not isinstance(year, int) or not 2000 <= year <= 2100:
        raise WorkflowError("bad_year", "Năm không hợp lệ", "Not a valid year", path="year")
    if quarter is not None and (
        isinstance(quarter, bool) or not isinstance(quarter, int) or not 1 <= quarter <= 4
    ):
        raise WorkflowError(
            "bad_quarter",
            "Quý phải từ 1 đến 4, hoặc để trống để xếp loại cả năm",
            "The quarter must be 1 to 4, or blank for the whole year",
            path="quarter",
        )
    starts = period_starts_on(year, quarter)
    if starts > timezone.localdate():
        when_vi = f"quý {quarter}/{year}" if quarter else f"năm {year}"
        when_en = f"Q{quarter} {year}" if quarter else f"the year {year}"
        raise WorkflowError(
            "period_not_started",
            f"Chưa thể xếp loại {when_vi}: kỳ bắt đầu từ {starts:%d/%m/%Y}",
            f"Cannot rate {when_en} yet: it starts on {starts:%d/%m/%Y}",
            path="quarter" if quarter else "year",
        )
    return year, quarter


def _score(value: Any) -> Decimal:
    try:
        return parse_points(value, path="score", maximum=HUNDRED)
    except WorkflowError as error:
        if error.code in ("out_of_range", "over_maximum"):
            raise WorkflowError(
                "score_out_of_range",
                f"Điểm xếp loại cơ quan phải từ 0 đến 100 (đang là {value})",
                f"An agency's score must be between 0 and 100 (got {value})",
                path="score",
            ) from None
        raise


def _snapshot(rating: AgencyRating) -> dict[str, Any]:
    return {
        "year": rating.year,
        "quarter": rating.quarter,
        "proposed_points": rating.proposed_points,
        "score": rating.score,
        "level": rating.level,
        "reference": rating.reference,
        "reason": rating.reason,
    }


def agency_rating_record(
    *,
    agency: Agency,
    year: Any,
    quarter: Any = None,
    score: Any,
    reference: str,
    reason: str = "",
    proposed_points: Decimal | None = None,
    user: Any,
) -> AgencyRating:
    """Record, or revise, an agency's own score for a year (``quarter`` None) or a quarter.

    Only the province admin (Sở Nội vụ), signed in with the second factor; the score between 0
    and 100; the level from the agencies' rule set's bands; a legal reference (the decision's
    number) always; a period that has begun. Audited with before and after."""
    if not scope_for(user).is_province_admin():
        raise forbidden(
            "Chỉ Sở Nội vụ (quản trị cấp tỉnh) ghi kết quả xếp loại cơ quan",
            "Only the province admin (Department of Home Affairs) records an agency's rating",
        )
    require_verified(user)
    year, quarter = _check_when(year, quarter)
    number = _score(score)
    reference = (reference or "").strip()
    if not reference:
        raise WorkflowError(
            "reference_required",
            "Bắt buộc ghi số, ký hiệu văn bản quyết định xếp loại cơ quan",
            "The reference of the decision rating the agency is required",
            path="reference",
        )
    level = agency_level(number)
    reason = (reason or "").strip()
    with transaction.atomic():
        rating = (
            AgencyRating.objects.select_for_update()
            .filter(agency=agency, year=year, quarter=quarter)
            .first()
        )
        before = _snapshot(rating) if rating is not None else {}
        if rating is None:
            rating = AgencyRating(agency=agency, year=year, quarter=quarter)
        # As stored (two decimals), so that before and after read alike in the audit trail.
        rating.proposed_points = (
            Decimal(proposed_points).quantize(CENT) if proposed_points is not None else None
        )
        rating.score = number.quantize(CENT)
        rating.level = level.name
        rating.reference = reference
        rating.reason = reason
        rating.decided_by = user
        rating.save()
        audit.record(
            "agency.rated" if not before else "agency.rating_revised",
            actor=user,
            agency=agency,
            obj=rating,
            before=before,
            after=_snapshot(rating),
            reason=reason,
        )
    return rating
