"""Quarters derived at close are proposed exactly as the approver's board would rate them.

The derive rates a fresh agency from the rows it has just read (no model instances, for speed at
province scale, docs/performance.md); these tests hold it to the same answer as
``rate_agency``, which reads the stored rows — leader gates, quota and reasons included.
"""

from __future__ import annotations

from evaluation.models import Evaluation, Period, Status
from evaluation.rating import rate_agency, reasons_json
from evaluation.services.derive import period_derive
from evaluation.services.period_close import period_close
from tests.evaluation.helpers import publish_alpha


def _close_summer(month) -> Period:
    """August and September of Sở Alpha published and closed: the quarter is derived."""
    for label in ("2026-08", "2026-09"):
        period = publish_alpha(month, label)
        period_close(period=period, user=month.user("sam"))
    return Period.objects.get(kind="quarter", label="2026-Q3")


def _as_rated(quarter: Period, agency_id: int) -> dict[int, tuple]:
    """What ``rate_agency`` proposes for every unsigned evaluation, from the stored rows."""
    unsigned = set(
        quarter.evaluations.filter(status=Status.MANAGER_SCORED).values_list("pk", flat=True)
    )
    rating = rate_agency(quarter, agency_id, unsigned=unsigned)
    return {
        pk: (
            result.score,
            result.band.name if result.band else "",
            result.level.name if result.level else "",
            reasons_json(result),
        )
        for pk, result in rating.by_evaluation.items()
        if pk in unsigned
    }


def _stored(quarter: Period) -> dict[int, tuple]:
    return {
        e.pk: (e.score, e.band, e.proposed_level, e.reasons)
        for e in quarter.evaluations.filter(status=Status.MANAGER_SCORED)
    }


def test_derived_proposals_are_what_the_board_computes_from_the_stored_rows(month):
    quarter = _close_summer(month)
    stored = _stored(quarter)
    september = Period.objects.get(label="2026-09")
    worked = set(september.evaluations.filter(score__isnull=False).values_list("staff", flat=True))
    assert set(quarter.evaluations.values_list("staff", flat=True)) == worked
    assert len(stored) == len(worked) >= 10  # Sở Alpha's leaders, specialists and HR
    assert stored == _as_rated(quarter, month.agency_a.pk)
    codes = {r["code"] for _score, _band, _level, reasons in stored.values() for r in reasons}
    # Not a trivial agreement: the quota and the leaders' gates both had a say.
    assert any(code.startswith("quota") for code in codes), codes
    assert {"aggregate.mean"} <= codes
    assert set(quarter.evaluations.values_list("months_worked", flat=True)) == {2}


def test_deriving_again_keeps_signed_ratings_and_rates_the_missing_people(month):
    quarter = _close_summer(month)
    son, tam = (
        Evaluation.objects.get(period=quarter, staff=month.staff[name]) for name in ("Sơn", "Tâm")
    )
    Evaluation.objects.filter(pk=son.pk).update(
        status=Status.APPROVED, final_level=son.proposed_level, approved_by=month.user("alice")
    )
    Evaluation.objects.filter(pk=tam.pk).delete()

    _period, created = period_derive(ruleset=quarter.ruleset, label="2026-Q3", user=None)

    assert created == 1
    son.refresh_from_db()
    assert (son.status, son.final_level) == (Status.APPROVED, son.proposed_level)
    assert _stored(quarter) == _as_rated(quarter, month.agency_a.pk)
    assert Evaluation.objects.get(period=quarter, staff=month.staff["Tâm"]).proposed_level
