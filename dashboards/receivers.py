"""What the dashboards do when the workflow tells them something (connected in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from dashboards.frames import snapshot_period
from evaluation.models import Period


def freeze_indicators(sender: Any, *, period: Period, **kwargs: Any) -> dict[str, int]:
    """A closed period's indicators are stored once and never move: rankings and trends of the
    past read the snapshot, not rows that a later appeal could change (DOMAIN.md §8)."""
    return {"snapshots": snapshot_period(period)}
