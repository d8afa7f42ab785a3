"""Default ranking weights and PAR sub-criteria (documented in docs/dashboards.md).

Data the Sở Nội vụ may change in the admin; these are the starting values a province gets.
"""

from decimal import Decimal

from django.db import migrations

WEIGHTS = [
    ("evaluated_pct", "Tỷ lệ cán bộ được xếp loại", "Share rated", "0.25", "higher"),
    ("self_on_time_pct", "Tự đánh giá đúng hạn", "Self-assessment on time", "0.15", "higher"),
    ("manager_on_time_pct", "Quản lý chấm đúng hạn", "Manager scoring on time", "0.15", "higher"),
    ("approval_on_time_pct", "Phê duyệt đúng hạn", "Approval on time", "0.15", "higher"),
    ("published_on_time_pct", "Công khai đúng hạn", "Published on time", "0.10", "higher"),
    ("top_share", "Tỷ lệ HTXSNV (chống nể nang)", "Share of excellent (inflation)", "0.20", "lower"),
]

PAR = [
    # code, name, name_en, indicator, max points, rule, threshold, lower
    ("CV-DG1", "Đánh giá, xếp loại đúng thời hạn", "Evaluation done on time",
     "approval_on_time_pct", "1.00", "linear", "1.0", "0.5"),
    ("CV-DG2", "Tất cả CBCCVC được đánh giá, xếp loại", "Everyone evaluated",
     "evaluated_pct", "1.00", "threshold", "0.98", "0"),
    ("CV-DG3", "Công khai kết quả đúng hạn", "Results published on time",
     "published_on_time_pct", "0.50", "linear", "1.0", "0.5"),
    ("CV-DG4", "Tỷ lệ HTXSNV không vượt quy định", "Excellent within the quota",
     "top_share_within", "0.50", "threshold", "1.0", "0"),
]


def forwards(apps, schema_editor):
    RankingWeight = apps.get_model("dashboards", "RankingWeight")
    ParSubCriterion = apps.get_model("dashboards", "ParSubCriterion")
    for indicator, name, name_en, weight, direction in WEIGHTS:
        RankingWeight.objects.get_or_create(
            indicator=indicator,
            defaults={"name": name, "name_en": name_en, "weight": Decimal(weight), "direction": direction},
        )
    for order, (code, name, name_en, indicator, points, rule, threshold, lower) in enumerate(PAR):
        ParSubCriterion.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "indicator": indicator,
                "max_points": Decimal(points),
                "rule": rule,
                "threshold": Decimal(threshold),
                "lower": Decimal(lower),
                "order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("dashboards", "0001_initial")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
