"""The agency dashboard: Alice's Sở Alpha seen by its head, delegate and HR and by the province;
Charlie (Sở Beta) and the staff of Sở Alpha see nothing of it."""

from __future__ import annotations

import json
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Evaluation
from tests.evaluation.helpers import manager_score, self_assess
from tests.factories import StaffMemberFactory, UserFactory

URL = "/dashboards/agency/SOA/"


@pytest.mark.parametrize("who", ["alice", "dave", "huong", "sam", "ivy"])
def test_each_allowed_role_sees_the_dashboard_with_its_charts(october, month, client, who):
    client.force_login(month.user(who))
    response = client.get(URL, {"period": "2026-10"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sở Alpha" in page and "(kỳ đã khóa: số liệu chốt)" in page
    for figure in ("fig-units", "fig-trend", "fig-funnel", "fig-scores", "fig-scatter"):
        assert f'data-figure-id="{figure}"' in page
        assert f'<script id="{figure}" type="application/json">' in page
    assert "/static/dashboards/plotly.min.js" in page
    # Nothing from another host (a CDN): every script and stylesheet is the app's own. (A bare
    # "cdn" search matched the random CSRF token now and then.)
    assert re.findall(r'(?:src|href)="(?:https?:)?//', page) == []


def test_the_charts_carry_the_month_figures(october, month, client):
    client.force_login(month.user("alice"))
    response = client.get(URL, {"period": "2026-10"})
    units = response.context["figures"]["units"]
    bars = {trace["name"]: trace for trace in units["data"]}
    assert bars["Hoàn thành xuất sắc"]["x"] == ["Phòng Kế hoạch", "Lãnh đạo Sở"]  # by unit code
    assert _values(bars["Hoàn thành tốt"]["y"]) == [7, 0]
    assert units["layout"]["barmode"] == "stack"
    funnel = response.context["funnel"]
    assert [f["done"] for f in funnel] == [8, 8, 8, 0]  # approved, not yet published
    scatter = response.context["figures"]["scatter"]["data"][0]
    assert sorted(_values(scatter["x"])) == [24.0, 30.0]  # GOOD × 6 and FULL × 6
    trend = response.context["figures"]["trend"]["data"][0]
    assert list(trend["x"]) == ["2026-10"]


def _values(data):
    """plotly ≥ 6 may ship arrays as typed base64 (``bdata``); decode those."""
    if isinstance(data, dict) and "bdata" in data:
        import base64

        import numpy as np

        return np.frombuffer(base64.b64decode(data["bdata"]), dtype=data["dtype"]).tolist()
    return list(data)


def test_the_early_warning_links_to_the_evaluation_in_the_admin(october, month, client):
    client.force_login(month.user("huong"))
    page = client.get(URL, {"period": "2026-10"}).content.decode()
    evaluation = Evaluation.objects.get(period=october, staff=month.staff["Sơn"])
    assert f"/admin/evaluation/evaluation/{evaluation.pk}/change/" in page
    assert "Hai tháng liên tiếp không hoàn thành nhiệm vụ" in page


def test_the_open_month_is_computed_live(october, month, client):
    client.force_login(month.user("alice"))
    response = client.get(URL)  # the newest month: November, open
    assert response.context["period"].label == "2026-11"
    assert "(kỳ đang mở: tính trực tiếp)" in response.content.decode()


@pytest.mark.parametrize("who", ["charlie", "bob", "Sơn"])
def test_another_agency_or_a_plain_member_gets_a_404(october, month, client, who):
    client.force_login(month.user(who))
    assert client.get(URL).status_code == 404


def test_an_unknown_agency_is_a_404_too(october, month, client):
    client.force_login(month.user("sam"))
    assert client.get("/dashboards/agency/NOPE/").status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(october, client):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    "table", ["indicators", "units", "trend", "funnel", "scores", "persons", "warnings"]
)
def test_every_table_downloads_as_csv(october, month, client, table):
    client.force_login(month.user("alice"))
    response = client.get(URL, {"period": "2026-10", "table": table, "download": "csv"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (f'attachment; filename="SOA-2026-10-{table}.csv"')
    assert response.content.startswith("\ufeff".encode())


def test_the_persons_table_downloads_as_xlsx_with_vietnamese_headers(october, month, client):
    import io

    from openpyxl import load_workbook

    client.force_login(month.user("sam"))
    response = client.get(URL, {"period": "2026-10", "table": "persons", "download": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [c.value for c in sheet[1]][:3] == ["Mã cán bộ", "Họ và tên", "Đơn vị"]
    assert sheet.max_row == 12  # header + the eleven people of Sở Alpha


def test_an_unknown_table_is_a_404(october, month, client):
    client.force_login(month.user("alice"))
    assert client.get(URL, {"table": "secrets", "download": "csv"}).status_code == 404


def _count(client, params) -> int:
    client.get(URL, params)  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(URL, params).status_code == 200
    return len(queries)


def _grow(month, period, extra: int) -> None:
    """Add ``extra`` specialists to Bob's unit, each self-assessed and scored."""
    from evaluation.services.periods import period_open

    for i in range(extra):
        name = f"extra{i}"
        month.users[name] = UserFactory(username=name)
        month.staff[name] = StaffMemberFactory(
            code=f"X{i:03d}",
            full_name=f"Hồ Văn Thêm {i}",
            unit=month.planning,
            user=month.users[name],
            duty_group=month.staff["Sơn"].duty_group,
            manager=month.staff["bob"],
            joined_on=month.staff["Sơn"].joined_on,
        )
    period_open(ruleset_code="ND335-2025", label=period.label, user=month.user("sam"))
    for i in range(extra):
        self_assess(month, f"extra{i}", period)
        manager_score(month, "bob", f"extra{i}", period)


@pytest.mark.parametrize("who", ["alice", "sam"])
def test_the_dashboard_reads_in_a_constant_number_of_queries(month, client, who):
    from tests.evaluation.helpers import open_month

    period = open_month(month)
    for name in ("Sơn", "Tâm", "Uyên"):
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    client.force_login(month.user(who))
    small = _count(client, {"period": "2026-10"})
    _grow(month, period, 27)
    assert (
        Evaluation.objects.filter(period=period, criterion_scores__isnull=False).distinct().count()
        == 30
    )
    assert _count(client, {"period": "2026-10"}) == small
    assert small <= 30, json.dumps(small)


def test_one_agency_computed_alone_matches_the_whole_province(october, month):
    import pandas as pd

    from dashboards.frames import compute_indicators

    whole = compute_indicators(october).set_index("agency").loc[["SOA"]]
    alone = compute_indicators(october, agency_ids=[month.agency_a.pk]).set_index("agency")
    pd.testing.assert_frame_equal(whole, alone, check_dtype=False)
