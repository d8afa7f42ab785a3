"""The agency's rating reads criterion points and products as plain rows (docs/performance.md);
it must see each person exactly as the one-person proposal does."""

from __future__ import annotations

from evaluation.models import Evaluation
from evaluation.rating import evaluations_for_rating, rate_agency, rate_one
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    GOOD,
    manager_score,
    open_month,
    score_unit,
    self_assess,
)


def test_the_agency_rating_scores_each_person_as_their_own_proposal_does(month):
    period = open_month(month, "2026-10")
    score_unit(month, period, STAFF_NAMES[1:3])
    score_unit(month, period, STAFF_NAMES[3:], scores=GOOD, products=FLAWED)
    self_assess(month, "Sơn", period)  # full marks of their own, fewer from the manager
    manager_score(month, "bob", "Sơn", period, scores={f"G{i}": 3 for i in range(1, 7)})

    rating = rate_agency(period, month.agency_a.pk)

    assert len(rating.by_evaluation) == len(STAFF_NAMES)
    scores = set()
    for pk, result in rating.by_evaluation.items():
        alone = rate_one(evaluations_for_rating(Evaluation.objects.filter(pk=pk)).get())
        assert (result.score, result.band) == (alone.score, alone.band), pk
        scores.add(result.score)
    assert len(scores) >= 3  # full marks, flawed products, and Sơn's lower manager points
