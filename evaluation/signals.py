"""What the workflow tells the floors above it (dashboards), which it must never import.

``period_closed`` is sent once a period has closed and committed, with ``period``; a receiver
may return a mapping of counts, merged into what the close reports (the dashboards return
``{"snapshots": n}``: the period's indicators frozen with it, DOMAIN.md §8).
"""

from __future__ import annotations

from django.dispatch import Signal

period_closed = Signal()
