"""DOMAIN.md §8: a rule set may bind the head's level to the agency's own rating. Under such a
rule set the head of the agency (leadership "head", no manager in it) is at most the agency's
year level in the year's evaluation — when the year is derived and on the approver's board;
a head of unit, a deputy, another agency's head and a rule set without the flag are untouched."""

from __future__ import annotations

from decimal import Decimal

import pytest

from evaluation.models import Evaluation, Period, PeriodStatus, Status
from evaluation.rating import agency_ceilings, rate_agency
from evaluation.services.agency_rating import agency_rating_record
from evaluation.services.derive import period_derive
from evaluation.services.periods import period_open
from scoring.models import RuleSet
from scoring.rules import Level
from scoring.services import ruleset_new_version, ruleset_publish
from tests.factories import verify_otp

MONTHS = [f"2026-{m:02d}" for m in range(1, 12)]


def _signed_months(month) -> None:
    """January to November signed and closed at 85 for everyone (scores stored directly)."""
    for label in MONTHS:
        period, _ = period_open(ruleset_code="ND335-2025", label=label, user=month.user("sam"))
        period.evaluations.update(
            status=Status.CLOSED,
            score=Decimal(85),
            final_level="HTTNV",
            proposed_level="HTTNV",
            approved_by=month.user("alice"),
        )
        Period.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)


@pytest.fixture
def bound(month) -> RuleSet:
    """ND335-2025 version 2: the head's level is bound by the agency's rating."""
    sam = month.user("sam")
    current = RuleSet.objects.get(code="ND335-2025", status="published")
    draft = ruleset_new_version(ruleset=current, user=sam)
    draft.head_bound_by_agency_rating = True
    draft.save()
    return ruleset_publish(ruleset=draft, user=sam)


def _rate_alpha(month, level_score: str) -> None:
    verify_otp(month.user("sam"))
    agency_rating_record(
        agency=month.agency_a,
        year=2026,
        score=level_score,
        reference="QĐ 21/QĐ-UBND",
        user=month.user("sam"),
    )


def _year(month, ruleset: RuleSet) -> dict[str, Evaluation]:
    year, _ = period_derive(ruleset=ruleset, label="2026", user=None)
    return {
        name: Evaluation.objects.get(period=year, staff=month.staff[name])
        for name in ("alice", "dave", "bob", "charlie")
    }


def _codes(evaluation: Evaluation) -> list[str]:
    return [r["code"] for r in evaluation.reasons]


def test_the_head_is_bound_by_the_agencys_year_level_when_the_year_is_derived(month, bound):
    _rate_alpha(month, "60")  # HTNV
    _signed_months(month)
    year = _year(month, bound)
    alice = year["alice"]
    assert (alice.band, alice.proposed_level) == ("HTTNV", "HTNV")
    assert _codes(alice)[-1] == "agency.limited"
    reason = alice.reasons[-1]
    assert "SOA" in reason["message"]
    assert "QĐ 21/QĐ-UBND" in reason["message"] and "QĐ 21/QĐ-UBND" in reason["message_en"]
    # A deputy and a head of unit have a manager in the agency; Sở Beta has no rating.
    for name in ("dave", "bob", "charlie"):
        assert year[name].proposed_level == "HTTNV", name
        assert not any(c.startswith("agency.") for c in _codes(year[name])), name


def test_the_approvers_board_applies_the_same_bound(month, bound):
    _rate_alpha(month, "60")
    _signed_months(month)
    year = Period.objects.get(pk=_year(month, bound)["alice"].period_id)
    unsigned = set(year.evaluations.values_list("pk", flat=True))
    rating = rate_agency(year, month.agency_a.pk, unsigned=unsigned)
    alice = Evaluation.objects.get(period=year, staff=month.staff["alice"])
    assert rating.by_evaluation[alice.pk].level is Level.HTNV
    assert agency_ceilings(year, [month.agency_a.pk, month.agency_b.pk]) == {
        month.agency_a.pk: (Level.HTNV, "QĐ 21/QĐ-UBND")
    }


def test_a_head_within_the_agencys_level_keeps_it(month, bound):
    _rate_alpha(month, "95")  # HTXSNV
    _signed_months(month)
    alice = _year(month, bound)["alice"]
    assert alice.proposed_level == "HTTNV" and _codes(alice)[-1] == "agency.within"


def test_a_rule_set_without_the_flag_does_not_bind(month):
    _rate_alpha(month, "40")  # KHTNV
    _signed_months(month)
    ruleset = RuleSet.objects.get(code="ND335-2025", status="published")
    alice = _year(month, ruleset)["alice"]
    assert alice.proposed_level == "HTTNV"
    assert not any(c.startswith("agency.") for c in _codes(alice))


def test_months_and_quarters_are_never_bound(month, bound):
    _rate_alpha(month, "40")
    _signed_months(month)
    october = Period.objects.get(label="2026-10")
    assert agency_ceilings(october, [month.agency_a.pk]) == {}
    quarter, _ = period_derive(ruleset=bound, label="2026-Q3", user=None)
    assert agency_ceilings(quarter, [month.agency_a.pk]) == {}
