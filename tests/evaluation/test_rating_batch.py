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


def test_the_rows_rated_are_the_stored_evaluations_and_instances_come_on_demand(
    month, django_assert_num_queries
):
    """``rate_agency`` reads plain rows (``rated``): each says what the stored evaluation says;
    the model instances (``evaluations``) cost one more read, only for a caller that asks."""
    from evaluation.rating import RATED_COLUMNS

    period = open_month(month, "2026-10")
    score_unit(month, period, STAFF_NAMES[1:])
    rating = rate_agency(period, month.agency_a.pk)
    assert set(rating.rated) == set(rating.by_evaluation)
    for pk, row in rating.rated.items():
        stored = Evaluation.objects.select_related("staff", "agency", "duty_group").get(pk=pk)
        assert {c: getattr(row, c) for c in RATED_COLUMNS} == {
            c: getattr(stored, c) for c in RATED_COLUMNS
        }
        assert (row.staff.code, row.staff.full_name, row.staff.category) == (
            stored.staff.code,
            stored.staff.full_name,
            stored.staff.category,
        )
        assert row.agency.code == stored.agency.code
        assert (row.duty_group.code if row.duty_group else None) == (
            stored.duty_group.code if stored.duty_group else None
        )
    with django_assert_num_queries(3):  # the evaluations with their staff, agency, duty groups
        instances = rating.evaluations
    assert {pk: e.staff.code for pk, e in instances.items()} == {
        pk: row.staff.code for pk, row in rating.rated.items()
    }
    with django_assert_num_queries(0):
        assert rating.evaluations is instances
