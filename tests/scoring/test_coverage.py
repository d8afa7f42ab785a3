"""Which rule set rates whom (DOMAIN.md §5): ``scoring.coverage`` resolves every (agency, staff
category) of the province for a day — the most specific row first, then the latest date."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scoring.coverage import coverage_resolve
from scoring.models import RuleSetCoverage
from staff.models import StaffMember
from tests.factories import AgencyFactory, AgencyTypeFactory, StaffMemberFactory, UnitFactory

pytestmark = pytest.mark.django_db

JUNE, JULY, NEXT_YEAR = dt.date(2026, 6, 30), dt.date(2026, 7, 1), dt.date(2027, 1, 1)


@pytest.fixture
def province():
    kind = AgencyTypeFactory(code="so")
    other_kind = AgencyTypeFactory(code="dvsn", name="Đơn vị sự nghiệp công lập")
    alpha = AgencyFactory(code="SOA", agency_type=kind)
    beta = AgencyFactory(code="SOB", agency_type=kind)
    school = AgencyFactory(code="TRUONG", agency_type=other_kind)
    rows = [
        # By type: every category, then the type's viên chức, re-mapped from July.
        dict(agency_type=kind, ruleset_code="TYPE"),
        dict(agency_type=kind, category="VC", ruleset_code="TYPE-VC"),
        dict(agency_type=kind, category="VC", ruleset_code="TYPE-VC-JULY", valid_from=JULY),
        # Sở Alpha: an agency-wide row, and its workers from next year.
        dict(agency=alpha, ruleset_code="ALPHA"),
        dict(agency=alpha, category="NLD", ruleset_code="ALPHA-NLD", valid_from=NEXT_YEAR),
        # Not yet in force for anyone this year.
        dict(agency=beta, category="CC", ruleset_code="BETA-CC", valid_from=NEXT_YEAR),
    ]
    for row in rows:
        RuleSetCoverage.objects.create(**row)
    return alpha, beta, school


def test_the_most_specific_row_wins_then_the_latest_date(province):
    alpha, beta, school = province
    june = coverage_resolve(on=JUNE)
    # An agency's own row beats its type's, even the type's row for the category.
    assert june.code_for(agency_id=alpha.pk, category="VC") == "ALPHA"
    assert june.code_for(agency_id=alpha.pk, category="NLD") == "ALPHA"
    # No row of its own: the type's row for the category, else the type's row.
    assert june.code_for(agency_id=beta.pk, category="VC") == "TYPE-VC"
    assert june.code_for(agency_id=beta.pk, category="CC") == "TYPE"
    # Nothing for the other type: rated by nothing, and not an agency with coverage.
    assert june.code_for(agency_id=school.pk, category="CC") is None
    assert june.covered_agencies == {alpha.pk, beta.pk}

    july = coverage_resolve(on=JULY)
    assert july.code_for(agency_id=beta.pk, category="VC") == "TYPE-VC-JULY"
    assert july.code_for(agency_id=alpha.pk, category="VC") == "ALPHA"

    next_year = coverage_resolve(on=NEXT_YEAR)
    assert next_year.code_for(agency_id=alpha.pk, category="NLD") == "ALPHA-NLD"
    assert next_year.code_for(agency_id=alpha.pk, category="CC") == "ALPHA"
    assert next_year.code_for(agency_id=beta.pk, category="CC") == "BETA-CC"
    assert next_year.codes_of_agency(beta.pk) == ["TYPE", "BETA-CC", "TYPE-VC-JULY"]
    # One day before a row applies, the row is not there yet.
    day_before = coverage_resolve(on=NEXT_YEAR - dt.timedelta(days=1))
    assert day_before.code_for(agency_id=beta.pk, category="CC") == "TYPE"


def test_the_staff_filter_selects_whom_a_rule_set_rates(province):
    alpha, beta, school = province
    people = {}
    for agency in (alpha, beta, school):
        unit = UnitFactory(agency=agency)
        for category in ("CB", "CC", "VC", "NLD"):
            people[(agency.code, category)] = StaffMemberFactory(unit=unit, category=category)
    july = coverage_resolve(on=JULY)

    def whom(code: str) -> set[tuple[str, str]]:
        rows = StaffMember.objects.filter(july.staff_q(code))
        return set(rows.values_list("agency__code", "category"))

    assert whom("ALPHA") == {("SOA", c) for c in ("CB", "CC", "VC", "NLD")}
    assert whom("TYPE") == {("SOB", "CB"), ("SOB", "CC"), ("SOB", "NLD")}
    assert whom("TYPE-VC-JULY") == {("SOB", "VC")}
    assert whom("TYPE-VC") == set()  # superseded in July: rates nobody, matches nothing
    covered = StaffMember.objects.filter(july.covered_q())
    assert not covered.filter(agency=school).exists() and covered.count() == 8


def test_the_whole_province_costs_two_queries(province):
    kind = province[0].agency_type
    for i in range(30):
        agency = AgencyFactory(code=f"X{i:02d}", agency_type=kind)
        RuleSetCoverage.objects.create(agency=agency, category="CC", ruleset_code="X")
    with CaptureQueriesContext(connection) as queries:
        resolved = coverage_resolve(on=JULY)
    assert len(queries) == 2
    assert len(resolved.agencies_of("X")["CC"]) == 30


def test_the_filter_works_through_a_relation(province):
    alpha, _beta, school = province
    boss = StaffMemberFactory(unit=UnitFactory(agency=alpha), category="CC")
    report = StaffMemberFactory(unit=UnitFactory(agency=school), category="CC", manager=boss)
    july = coverage_resolve(on=JULY)
    # Whose manager is rated under ALPHA: the report in the school (rated by nothing itself).
    through = StaffMember.objects.filter(july.staff_q("ALPHA", prefix="manager__"))
    assert list(through) == [report]
    assert not StaffMember.objects.filter(july.staff_q("NOBODY", prefix="manager__")).exists()
