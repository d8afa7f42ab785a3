"""``python manage.py seed_demo_ratings``: after ``seed_demo``, the Sở Nội vụ's ratings of the
demo agencies for the quarter of the demo's closed month, from their proposals
(``dashboards.demo``). A dashboards command because the proposal is the dashboards'; safe to
re-run (an agency already rated is kept)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from dashboards.demo import build_demo_agency_ratings, demo_reference


class Command(BaseCommand):
    help = (
        "Ghi xếp loại cơ quan của tỉnh demo cho quý của tháng đã khóa, theo điểm đề xuất — "
        "record the demo agencies' ratings (run after seed_demo)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        result = build_demo_agency_ratings()
        year, quarter = result["year"], result["quarter"]
        self.stdout.write(
            self.style.SUCCESS(
                f"Xếp loại cơ quan quý {quarter}/{year}: {result['rated']} cơ quan ghi mới, "
                f"{result['kept']} giữ nguyên ({demo_reference(year, quarter)})."
            )
        )
