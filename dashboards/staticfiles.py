"""Serve plotly.js straight from the installed plotly package (never a CDN, nothing committed).

The file the Python package writes figures for is the one the browser runs, so the versions
always match. ``collectstatic`` copies it as ``dashboards/plotly.min.js``; in development the
staticfiles app serves it through this finder.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

PLOTLY_PATH = "dashboards/plotly.min.js"


def plotly_js() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


class PlotlyFinder(BaseFinder):
    """Finds exactly one file: ``dashboards/plotly.min.js`` inside the plotly package."""

    def check(self, **kwargs: Any) -> list:
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> str | list[str]:
        find_all = find_all or kwargs.get("all", False)
        if path == PLOTLY_PATH and plotly_js().is_file():
            match = str(plotly_js())
            return [match] if find_all else match
        return [] if find_all else ""

    def list(self, ignore_patterns: Any):
        source = plotly_js()
        if source.is_file():
            storage = FileSystemStorage(location=str(source.parent))
            # collectstatic prefixes the relative path with ``storage.prefix``.
            storage.prefix = "dashboards"
            yield source.name, storage
