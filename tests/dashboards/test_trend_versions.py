"""A trend runs across the versions of a rule set (DOMAIN.md §3: a new version never rewrites
history): Sở Alpha's August and September were rated under ND335-2025 v1; the province publishes
v2 (Decree 335's leader components) and October opens under it. October's trend still shows the
summer, each month as it was rated."""

from __future__ import annotations

from dashboards.selectors import trend_frame
from evaluation.models import Period
from tests.dashboards.test_lineage import close_summer
from tests.evaluation.helpers import open_month
from tests.scoring.leader_rules import publish_leader_components


def test_the_trend_keeps_the_months_of_the_previous_version(month):
    close_summer(month)
    v2 = publish_leader_components()
    october = open_month(month, "2026-10")
    assert october.ruleset_id == v2.pk
    august = Period.objects.get(ruleset__code="ND335-2025", label="2026-08")
    assert august.ruleset_id != v2.pk

    frame = trend_frame(period=october, agency=month.agency_a)

    assert list(frame["period"]) == ["2026-08", "2026-09", "2026-10"]
