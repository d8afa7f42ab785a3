"""Plotly figures of the dashboards, built in Python and handed to the page as JSON.

Each function takes a frame from ``dashboards.selectors`` and returns the figure as plotly.js
reads it: a plain dict of ``data`` (traces, each with its ``type``) and ``layout``, which the
template puts in a ``json_script`` block; the page's own ``charts.js`` draws it with the
plotly.js of the installed plotly package. The dicts are written out rather than built through
``plotly.graph_objects``: validating five figures and serialising them cost about 19 ms of each
dashboard page (docs/performance.md). tests/dashboards/test_charts.py has plotly validate every
figure and checks that plotly would have produced exactly the same JSON.
"""

from __future__ import annotations

import json
from functools import lru_cache

import pandas as pd
import plotly.graph_objects as go
from django.utils.translation import gettext as _

from dashboards.frames import LEVELS
from dashboards.selectors import header

LEVEL_COLOURS = {"HTXSNV": "#1e7b34", "HTTNV": "#1a5fd0", "HTNV": "#d08a00", "KHTNV": "#b3261e"}
LAYOUT = {
    "margin": {"l": 48, "r": 16, "t": 40, "b": 48},
    "height": 340,
    "font": {"family": "Segoe UI, Roboto, Noto Sans, Arial, sans-serif", "size": 12},
    "legend": {"orientation": "h", "y": -0.2},
    "paper_bgcolor": "#ffffff",
    "plot_bgcolor": "#ffffff",
}


@lru_cache(maxsize=1)
def _template() -> dict:
    """plotly.py's default template (colours, grids, fonts), as every figure it builds carries:
    the charts keep the look they had when plotly.py built them. Read once per process."""
    return json.loads(go.Figure().to_json())["layout"]["template"]


def _figure(data: list[dict], layout: dict) -> dict:
    return {"data": data, "layout": {**layout, "template": _template()}}


def _layout(title: str, **extra) -> dict:
    return {**LAYOUT, "title": {"text": title, "x": 0}, **extra}


def levels_by_unit(frame: pd.DataFrame) -> dict:
    """Stacked bars: the signed levels of each unit."""
    units = list(frame["unit_name"])
    return _figure(
        [
            {
                "type": "bar",
                "name": header(level),
                "x": units,
                "y": [int(v) for v in frame[level]],
                "marker": {"color": LEVEL_COLOURS[level]},
            }
            for level in LEVELS
        ],
        _layout(
            _("Xếp loại theo đơn vị"), barmode="stack", yaxis={"title": {"text": _("Số người")}}
        ),
    )


def trend(frame: pd.DataFrame) -> dict:
    """Twelve months: evaluated %, approval on time %, share of HTXSNV; mean score on the right."""
    periods = list(frame["period"])
    data = []
    for column in ("evaluated_pct", "approval_on_time_pct", "top_share"):
        values = pd.to_numeric(frame[column], errors="coerce") * 100
        data.append(
            {
                "type": "scatter",
                "name": header(column),
                "x": periods,
                "y": [None if pd.isna(v) else round(v, 1) for v in values],
                "mode": "lines+markers",
            }
        )
    scores = pd.to_numeric(frame["mean_score"], errors="coerce")
    data.append(
        {
            "type": "scatter",
            "name": header("mean_score"),
            "x": periods,
            "yaxis": "y2",
            "mode": "lines+markers",
            "y": [None if pd.isna(v) else round(v, 2) for v in scores],
            "line": {"dash": "dot"},
        }
    )
    return _figure(
        data,
        _layout(
            _("Diễn biến 12 tháng"),
            yaxis={"title": {"text": "%"}, "range": [0, 105]},
            yaxis2={
                "title": {"text": header("mean_score")},
                "overlaying": "y",
                "side": "right",
                "range": [0, 105],
                "showgrid": False,
            },
        ),
    )


def stage_names() -> dict[str, str]:
    return {
        "self": _("Tự đánh giá"),
        "manager": _("Quản lý chấm điểm"),
        "approval": _("Phê duyệt"),
        "published": _("Công khai"),
    }


def funnel(frame: pd.DataFrame) -> dict:
    """Self → manager → approval → published: finished, and finished by the deadline."""
    names = stage_names()
    stages = [names[s] for s in frame["stage"]]
    return _figure(
        [
            {
                "type": "funnel",
                "name": _("Đã hoàn thành"),
                "y": stages,
                "x": [int(v) for v in frame["done"]],
                "marker": {"color": "#a9c4ec"},
                "textinfo": "value+percent initial",
            },
            {
                "type": "funnel",
                "name": _("Đúng hạn"),
                "y": stages,
                "x": [int(v) for v in frame["on_time"]],
                "marker": {"color": "#1a5fd0"},
                "textinfo": "value",
            },
        ],
        _layout(_("Tiến độ các bước")),
    )


def score_histogram(frame: pd.DataFrame) -> dict:
    return _figure(
        [
            {
                "type": "bar",
                "x": list(frame["range"]),
                "y": [int(v) for v in frame["count"]],
                "marker": {"color": "#5b6776"},
                "name": _("Số người"),
            }
        ],
        _layout(
            _("Phân bố điểm"),
            xaxis={"title": {"text": _("Điểm")}},
            yaxis={"title": {"text": _("Số người")}},
            bargap=0.05,
        ),
    )


def manager_vs_self(pairs: pd.DataFrame) -> dict:
    """One marker per (self, manager) pair of general-criteria totals (``selectors.scatter_pairs``),
    sized by how many people share it; above the diagonal the manager gave more than the person
    claimed."""
    top = (
        float(max(pairs["self_points"].max(), pairs["manager_points"].max(), 1))
        if len(pairs)
        else 30.0
    )
    return _figure(
        [
            {
                "type": "scatter",
                "name": _("Phiếu đánh giá"),
                "x": [float(v) for v in pairs["self_points"]],
                "y": [float(v) for v in pairs["manager_points"]],
                "mode": "markers",
                "text": [_("%(n)s người") % {"n": int(n)} for n in pairs["people"]],
                "marker": {
                    "size": [min(8 + 2 * int(n) ** 0.5, 40) for n in pairs["people"]],
                    "color": "#1a5fd0",
                    "opacity": 0.6,
                },
            },
            {
                "type": "scatter",
                "name": _("Quản lý = tự chấm"),
                "x": [0, top],
                "y": [0, top],
                "mode": "lines",
                "line": {"dash": "dash", "color": "#5b6776"},
            },
        ],
        _layout(
            _("Điểm quản lý chấm so với tự chấm"),
            xaxis={"title": {"text": _("Tổng điểm tự chấm")}},
            yaxis={"title": {"text": _("Tổng điểm quản lý chấm")}},
        ),
    )
