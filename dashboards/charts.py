"""Plotly figures of the dashboards, built in Python and handed to the page as JSON.

Each function takes a frame from ``dashboards.selectors`` and returns a plain dict
(``json.loads(fig.to_json())``) that the template puts in a ``json_script`` block; the page's
own ``charts.js`` draws it with the plotly.js of the same installed package.
"""

from __future__ import annotations

import json

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


def _json(fig: go.Figure) -> dict:
    return json.loads(fig.to_json())


def _layout(title: str, **extra) -> dict:
    return {**LAYOUT, "title": {"text": title, "x": 0}, **extra}


def levels_by_unit(frame: pd.DataFrame) -> dict:
    """Stacked bars: the signed levels of each unit."""
    fig = go.Figure(
        [
            go.Bar(
                name=header(level),
                x=list(frame["unit_name"]),
                y=[int(v) for v in frame[level]],
                marker_color=LEVEL_COLOURS[level],
            )
            for level in LEVELS
        ],
        layout=_layout(_("Xếp loại theo đơn vị"), barmode="stack", yaxis={"title": _("Số người")}),
    )
    return _json(fig)


def trend(frame: pd.DataFrame) -> dict:
    """Twelve months: evaluated %, approval on time %, share of HTXSNV; mean score on the right."""
    periods = list(frame["period"])
    fig = go.Figure(
        layout=_layout(
            _("Diễn biến 12 tháng"),
            yaxis={"title": "%", "range": [0, 105]},
            yaxis2={
                "title": header("mean_score"),
                "overlaying": "y",
                "side": "right",
                "range": [0, 105],
                "showgrid": False,
            },
        )
    )
    for column in ("evaluated_pct", "approval_on_time_pct", "top_share"):
        values = pd.to_numeric(frame[column], errors="coerce") * 100
        fig.add_trace(
            go.Scatter(
                name=header(column),
                x=periods,
                y=[None if pd.isna(v) else round(v, 1) for v in values],
                mode="lines+markers",
            )
        )
    scores = pd.to_numeric(frame["mean_score"], errors="coerce")
    fig.add_trace(
        go.Scatter(
            name=header("mean_score"),
            x=periods,
            yaxis="y2",
            mode="lines+markers",
            y=[None if pd.isna(v) else round(v, 2) for v in scores],
            line={"dash": "dot"},
        )
    )
    return _json(fig)


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
    fig = go.Figure(
        [
            go.Funnel(
                name=_("Đã hoàn thành"),
                y=stages,
                x=[int(v) for v in frame["done"]],
                marker_color="#a9c4ec",
                textinfo="value+percent initial",
            ),
            go.Funnel(
                name=_("Đúng hạn"),
                y=stages,
                x=[int(v) for v in frame["on_time"]],
                marker_color="#1a5fd0",
                textinfo="value",
            ),
        ],
        layout=_layout(_("Tiến độ các bước")),
    )
    return _json(fig)


def score_histogram(frame: pd.DataFrame) -> dict:
    fig = go.Figure(
        [
            go.Bar(
                x=list(frame["range"]),
                y=[int(v) for v in frame["count"]],
                marker_color="#5b6776",
                name=_("Số người"),
            )
        ],
        layout=_layout(
            _("Phân bố điểm"),
            xaxis={"title": _("Điểm")},
            yaxis={"title": _("Số người")},
            bargap=0.05,
        ),
    )
    return _json(fig)


def manager_vs_self(pairs: pd.DataFrame) -> dict:
    """One marker per (self, manager) pair of general-criteria totals (``selectors.scatter_pairs``),
    sized by how many people share it; above the diagonal the manager gave more than the person
    claimed."""
    top = (
        float(max(pairs["self_points"].max(), pairs["manager_points"].max(), 1))
        if len(pairs)
        else 30.0
    )
    fig = go.Figure(
        [
            go.Scatter(
                name=_("Phiếu đánh giá"),
                x=[float(v) for v in pairs["self_points"]],
                y=[float(v) for v in pairs["manager_points"]],
                mode="markers",
                text=[_("%(n)s người") % {"n": int(n)} for n in pairs["people"]],
                marker={
                    "size": [min(8 + 2 * int(n) ** 0.5, 40) for n in pairs["people"]],
                    "color": "#1a5fd0",
                    "opacity": 0.6,
                },
            ),
            go.Scatter(
                name=_("Quản lý = tự chấm"),
                x=[0, top],
                y=[0, top],
                mode="lines",
                line={"dash": "dash", "color": "#5b6776"},
            ),
        ],
        layout=_layout(
            _("Điểm quản lý chấm so với tự chấm"),
            xaxis={"title": _("Tổng điểm tự chấm")},
            yaxis={"title": _("Tổng điểm quản lý chấm")},
        ),
    )
    return _json(fig)
