"""DOMAIN.md §8: where the head's rule set binds the head by the agency's own rating, the head's
year level is at most the agency's year level — a separate step of ``rate_batch``, after the
leader gates and before the quota, with its reason in both languages."""

from dataclasses import replace

from scoring.engine import MonthScore, rate_batch
from scoring.periods import parse_period
from scoring.rules import Leadership, Level
from tests.scoring.builders import ND335, person

YEAR = parse_period("2026")


def year_of(score: int) -> tuple[MonthScore, ...]:
    """Twelve months worked at ``score`` (fewer than six would leave no annual level)."""
    return tuple(MonthScore(f"2026-{m:02d}", score) for m in range(1, 13))


MONTHS = year_of(94)
NO_QUOTA = replace(ND335, quota_percent=None, gates_enabled=False)


def head(**fields):
    fields.setdefault("months", MONTHS)
    return person("H", leader=Leadership.HEAD, **fields)


def test_the_heads_year_level_is_at_most_the_agencys():
    bound = rate_batch(
        [head(agency_level_ceiling=Level.HTNV, agency_rating_reference="QĐ 12/QĐ-UBND")],
        NO_QUOTA,
        YEAR,
    ).people[0]
    assert (bound.band, bound.level) == (Level.HTXSNV, Level.HTNV)
    reason = bound.reasons[-1]
    assert reason.code == "agency.limited"
    assert "không cao hơn mức xếp loại của cơ quan SNV năm 2026" in reason.message
    assert "QĐ 12/QĐ-UBND" in reason.message and "Hoàn thành nhiệm vụ" in reason.message
    assert "may not be higher than the rating of SNV for 2026" in reason.message_en


def test_a_head_within_the_agencys_level_keeps_it_and_says_why():
    result = rate_batch([head(agency_level_ceiling=Level.HTXSNV)], NO_QUOTA, YEAR).people[0]
    assert result.level is Level.HTXSNV
    assert result.reasons[-1].code == "agency.within"


def test_no_ceiling_no_step():
    result = rate_batch([head()], NO_QUOTA, YEAR).people[0]
    assert result.level is Level.HTXSNV
    assert not any(r.code.startswith("agency.") for r in result.reasons)


def test_a_signed_rating_is_never_moved():
    result = rate_batch(
        [head(agency_level_ceiling=Level.HTNV, signed_level=Level.HTXSNV)], NO_QUOTA, YEAR
    ).people[0]
    assert result.level is Level.HTXSNV


def test_the_quota_counts_the_heads_bounded_level():
    """The head (99) moved down to HTTNV by the agency's rating is no longer a candidate: the
    other excellent person (94) keeps HTXSNV (1 candidate + 5 good → ⌊6/6⌋ = 1). Were the bound
    applied after the quota, the head would have taken the one place and lost it again."""
    good = [person(f"G{i}", months=year_of(80)) for i in range(4)]
    star = person("S", months=year_of(94))
    rules = replace(ND335, gates_enabled=False)
    bounded = head(months=year_of(99), agency_level_ceiling=Level.HTTNV)
    levels = {r.code: r.level for r in rate_batch([bounded, star, *good], rules, YEAR).people}
    assert levels["H"] is Level.HTTNV and levels["S"] is Level.HTXSNV
