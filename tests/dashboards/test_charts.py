"""The dashboards' figures are plain dicts (dashboards/charts.py): plotly validates each one here
and must produce exactly the JSON the page receives — the figures look as when plotly built them."""

from __future__ import annotations

import json

import pandas as pd
import plotly.graph_objects as go
import pytest
from django.core.serializers.json import DjangoJSONEncoder

from dashboards import charts
from dashboards.frames import LEVELS

FRAMES = {
    "levels_by_unit": pd.DataFrame(
        {"unit_name": ["Văn phòng", "Phòng Kế hoạch"], **{level: [3, 1] for level in LEVELS}}
    ),
    "trend": pd.DataFrame(
        {
            "period": ["2026-09", "2026-10"],
            "evaluated_pct": [0.5, None],
            "approval_on_time_pct": [0.25, 1.0],
            "top_share": [0.2, 0.1],
            "mean_score": [81.5, None],
        }
    ),
    "funnel": pd.DataFrame(
        {
            "stage": ["self", "manager", "approval", "published"],
            "done": [10, 8, 6, 6],
            "on_time": [9, 7, 6, 5],
        }
    ),
    "score_histogram": pd.DataFrame({"range": ["70–80", "80–90"], "count": [2, 5]}),
    "manager_vs_self": pd.DataFrame(
        {"self_points": [30.0, 27.5], "manager_points": [28.0, 27.5], "people": [4, 1]}
    ),
}


def as_page_receives(figure: dict) -> dict:
    return json.loads(json.dumps(figure, cls=DjangoJSONEncoder))


@pytest.mark.parametrize("name", sorted(FRAMES))
def test_each_figure_is_valid_plotly_and_exactly_what_plotly_would_send(name):
    figure = getattr(charts, name)(FRAMES[name])
    # go.Figure(dict) refuses any property plotly.js does not know (a typo, a wrong type).
    assert json.loads(go.Figure(figure).to_json()) == as_page_receives(figure)
    assert figure["layout"]["template"]  # plotly.py's look, as before


def test_an_agency_without_pairs_still_gets_its_scatter():
    empty = FRAMES["manager_vs_self"].iloc[0:0]
    figure = charts.manager_vs_self(empty)
    assert json.loads(go.Figure(figure).to_json()) == as_page_receives(figure)
    assert figure["data"][1]["x"] == [0, 30.0]
