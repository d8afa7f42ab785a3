"""The PAR feed's sub-criteria say where their points come from (DOMAIN.md §8: the national
methodology 876/QĐ-BNV, the province's own index), and their points are data: the computation
follows the configured maximum."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from dashboards.models import ParSubCriterion
from dashboards.par import par_feed

PAR = "/dashboards/par/"
SHIPPED = ("CV-DG1", "CV-DG2", "CV-DG3", "CV-DG4")


@pytest.mark.django_db
def test_every_shipped_sub_criterion_has_a_source_and_says_whether_it_was_verified():
    criteria = {c.code: c for c in ParSubCriterion.objects.all()}
    assert set(SHIPPED) <= set(criteria)
    for code in SHIPPED:
        criterion = criteria[code]
        assert "876/QĐ-BNV" in criterion.source, code
        # Nothing read here gave the points: each default is the province's to enter.
        assert not criterion.verified, code
        assert "chưa đối chiếu — tỉnh nhập" in criterion.source_text, code
        assert "Đã đọc:" in criterion.source and "https://" in criterion.source, code


@pytest.mark.django_db
def test_a_verified_sub_criterion_says_so():
    criterion = ParSubCriterion.objects.get(code="CV-DG1")
    criterion.verified = True
    criterion.source = "Quyết định 123/QĐ-UBND, mục V.2.1"
    assert criterion.source_text == "đã đối chiếu / verified: Quyết định 123/QĐ-UBND, mục V.2.1"


def test_changing_the_maximum_points_is_data_the_computation_follows(october):
    before = par_feed(ruleset_code="ND335-2025", year=2026).set_index("agency")
    criterion = ParSubCriterion.objects.get(code="CV-DG4")
    earned = before.loc["SOA", "CV-DG4"]
    assert earned in (0.0, float(criterion.max_points))
    criterion.max_points = Decimal("3.00")
    criterion.save()
    after = par_feed(ruleset_code="ND335-2025", year=2026).set_index("agency")
    total_max = float(sum(c.max_points for c in ParSubCriterion.objects.all()))
    assert after.loc["SOA", "max_points"] == total_max == before.loc["SOA", "max_points"] + 2.5
    assert after.loc["SOA", "CV-DG4"] == (3.0 if earned else 0.0)
    assert after.loc["SOA", "index"] == round(100 * after.loc["SOA", "points"] / total_max, 2)


def test_the_par_page_and_its_export_show_each_source(october, month, client):
    client.force_login(month.user("sam"))
    page = client.get(PAR, {"year": "2026"}).content.decode()
    assert page.count('class="par-source"') == ParSubCriterion.objects.count()
    assert "876/QĐ-BNV" in page and "chưa đối chiếu — tỉnh nhập" in page
    download = client.get(PAR, {"year": "2026", "download": "csv"})
    header = next(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    dg1 = next(h for h in header if h.startswith("CV-DG1 "))
    assert "tối đa 1 điểm" in dg1 and "876/QĐ-BNV" in dg1 and "chưa đối chiếu" in dg1


def test_the_api_export_names_the_source_too(october, month, client):
    client.force_login(month.user("ivy"))
    response = client.get("/api/v1/dashboards/par/", {"year": "2026", "download": "csv"})
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert any(h.startswith("CV-DG2 ") and "876/QĐ-BNV" in h for h in header), header
