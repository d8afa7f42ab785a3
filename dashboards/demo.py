"""The demo's agency ratings (DOMAIN.md §8), recorded the way the Sở Nội vụ would.

``seed_demo`` (an ``evaluation`` command) builds the province and its months; it may not import
the dashboards, where the proposal is computed (layers: evaluation < dashboards). So this step
lives here, on the floor that has both the proposal and the workflow's service, and runs as
its own command after ``seed_demo`` (``manage.py seed_demo_ratings``; ``scripts/run`` runs
both).

Which period: the quarter holding the demo's closed month (the previous month), since the demo
builds only that month and the current one — a quarter before it has no figures to propose
from. Each agency with a proposal (somebody evaluated) is rated at its proposed score under one
demo decision of the Sở Nội vụ; an agency already rated for that quarter is left as it is, so a
second run records nothing (a revision stays the province's act, on the page)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboards.agency_ratings import proposed_points
from evaluation.demo import ADMIN_LOGIN
from evaluation.models import AgencyRating
from evaluation.services.agency_rating import agency_rating_record
from evaluation.services.common import second_factor_waived
from staff.demo import PROVINCE_CODE
from staff.models import Agency


def demo_quarter(today: dt.date) -> tuple[int, int]:
    """The year and quarter of the demo's closed month (the month before ``today``)."""
    closed = today.replace(day=1) - dt.timedelta(days=1)
    return closed.year, (closed.month - 1) // 3 + 1


def demo_reference(year: int, quarter: int) -> str:
    return f"Quyết định số {quarter:02d}/QĐ-SNV (demo) xếp loại cơ quan quý {quarter}/{year}"


def build_demo_agency_ratings(*, today: dt.date | None = None) -> dict[str, Any]:
    """Record each demo agency's rating of the demo quarter from its proposal, through
    ``agency_rating_record`` as the province admin (audited). Returns what it did; a second run
    rates nobody."""
    year, quarter = demo_quarter(today or timezone.localdate())
    result: dict[str, Any] = {"year": year, "quarter": quarter, "rated": 0, "kept": 0}
    admin = get_user_model().objects.filter(username=ADMIN_LOGIN).first()
    if admin is None:
        return result  # no demo province (seed_demo --no-evaluations, or not run)
    agencies = {
        a.code: a for a in Agency.objects.filter(province__code=PROVINCE_CODE).order_by("code")
    }
    rated = set(
        AgencyRating.objects.filter(
            agency__code__in=list(agencies), year=year, quarter=quarter
        ).values_list("agency__code", flat=True)
    )
    proposals = proposed_points(year=year, quarter=quarter)
    reference = demo_reference(year, quarter)
    # A command run on the server acts for the Sở Nội vụ: no web sign-in, no second factor.
    with second_factor_waived():
        for code, agency in agencies.items():
            if code in rated:
                result["kept"] += 1
                continue
            if code not in proposals:
                continue  # nobody evaluated: nothing to propose from
            agency_rating_record(
                agency=agency,
                year=year,
                quarter=quarter,
                score=proposals[code],
                reference=reference,
                reason="Demo: theo điểm đề xuất từ chỉ số cải cách chế độ công vụ của quý.",
                proposed_points=proposals[code],
                user=admin,
            )
            result["rated"] += 1
    return result
