"""``level_preview``: the engine's proposal from typed, unsaved values — and nothing written."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import translation

from evaluation.errors import WorkflowError
from evaluation.models import CriterionScore, Evaluation
from evaluation.rating import evaluations_for_rating
from evaluation.selectors.previews import level_preview
from evaluation.services.workflow import evaluation_self_assess
from staff.models import AuditEntry
from tests.evaluation.helpers import ev, open_month, self_assess

SON = "Sơn"
FULL = {f"G{i}": "5" for i in range(1, 7)}


@pytest.fixture(autouse=True)
def _vietnamese():
    """The language of record, whatever an earlier test in this thread switched to."""
    with translation.override("vi"):
        yield


@pytest.fixture
def son(month):
    period = open_month(month)
    self_assess(month, SON, period, submit=False)  # one perfect product, all criteria at 5
    return evaluations_for_rating(Evaluation.objects.filter(pk=ev(month, SON, period).pk)).get()


def test_the_saved_points_give_the_saved_proposal(son):
    proposal = level_preview(evaluation=son, source="self", scores={})
    assert proposal["total"] == Decimal(100) and proposal["level"] == "HTXSNV"
    assert proposal["level_label"] == "Hoàn thành xuất sắc nhiệm vụ"
    assert proposal["general"] == Decimal(30) and proposal["tasks"] == Decimal(70)
    assert any(r.startswith("Tổng điểm 100") for r in proposal["reasons"])


def test_typed_points_change_the_level_and_reasons_without_writing(son):
    entries, version = AuditEntry.objects.count(), son.version
    proposal = level_preview(
        evaluation=son, source="self", scores={"G1": "0", "G2": "0", "G3": "", "G4": 1}
    )
    # G3 blank = not scored; G5, G6 keep their saved 5: 0 + 0 + 0 + 1 + 5 + 5 + 70 = 81.
    assert proposal["total"] == Decimal(81) and proposal["level"] == "HTTNV"
    assert proposal["reasons_json"][-1]["code"]
    assert CriterionScore.objects.get(evaluation=son, criterion__code="G1").self_points == 5
    assert AuditEntry.objects.count() == entries
    assert Evaluation.objects.get(pk=son.pk).version == version


def test_the_manager_source_uses_the_persons_points_where_left_blank(son):
    proposal = level_preview(
        evaluation=son,
        source="manager",
        scores={"G1": "2", "G2": ""},
        fields={"bonus": "0", "deductions": "12", "discipline": "none"},
    )
    # G1 = 2 (manager), G2..G6 = 5 (own): 27 + 70 − 12 = 85.
    assert proposal["total"] == Decimal(85) and proposal["level"] == "HTTNV"
    assert proposal["deductions"] == Decimal(12)


def test_a_discipline_typed_by_the_manager_overrides_the_level(son):
    proposal = level_preview(
        evaluation=son, source="manager", scores=FULL, fields={"discipline": "warning"}
    )
    assert proposal["total"] == Decimal(100) and proposal["level"] != "HTXSNV"


@pytest.mark.parametrize(
    ("kwargs", "path"),
    [
        ({"scores": {"G1": "6"}}, "scores.G1"),
        ({"scores": {"G1": "abc"}}, "scores.G1"),
        ({"scores": {"Z9": "1"}}, "scores.Z9"),
        ({"scores": {}, "fields": {"bonus": "-1"}}, "bonus"),
        ({"scores": {}, "fields": {"discipline": "jail"}}, "discipline"),
        ({"scores": {}, "source": "hr"}, "source"),
    ],
)
def test_invalid_input_names_its_field(son, kwargs, path):
    kwargs = {"source": "manager", **kwargs}
    with pytest.raises(WorkflowError) as error:
        level_preview(evaluation=son, **kwargs)
    assert error.value.path == path


def test_without_products_it_cannot_be_rated_and_says_why(month):
    period = open_month(month)
    evaluation = ev(month, SON, period)
    evaluation_self_assess(evaluation=evaluation, user=month.user(SON), scores={"G1": 5})
    proposal = level_preview(evaluation=evaluation, source="self", scores={})
    assert proposal["total"] is None and proposal["level"] == ""
    assert proposal["level_label"] == "Chưa thể xếp loại"
    assert "chưa thể xếp loại" in proposal["reasons"][-1]


def test_reasons_come_in_the_active_language(son):
    with translation.override("en"):
        proposal = level_preview(evaluation=son, source="self", scores={})
    assert any(r.startswith("Total 100") for r in proposal["reasons"])
