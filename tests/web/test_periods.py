"""Period management: Sam (province admin) opens a month, follows every agency's progress and
closes it; nobody else — not the HR officer, the head or the inspector — finds the pages."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from evaluation.models import Evaluation, Period, PeriodJob, PeriodStatus, Status
from evaluation.services.period_jobs import period_job_open
from scoring.models import RuleSetCoverage
from tests.evaluation.helpers import open_month
from tests.factories import AgencyFactory, StaffMemberFactory, UnitFactory

URL = "/evaluation/periods/"


def _admin(client, month):
    client.force_login(month.user("sam"))
    return client


def _open(client, label="2026-11", ruleset="ND335-2025"):
    return client.post(URL, {"period": label, "ruleset": ruleset})


# --- who may open it ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["huong", "alice", "ivy", "bob", "charlie", "Sơn"])
def test_every_period_page_is_a_404_for_anyone_but_the_province_admin(month, client, name):
    period = open_month(month)
    job = period_job_open(ruleset_code="ND335-2025", label="2026-12", user=month.user("sam"))
    client.force_login(month.user(name))
    assert client.get(f"{URL}jobs/{job.pk}/").status_code == 404
    assert client.get(URL).status_code == 404
    assert _open(client).status_code == 404
    assert client.get(f"{URL}{period.pk}/").status_code == 404
    assert client.get(f"{URL}{period.pk}/close/").status_code == 404
    assert client.post(f"{URL}{period.pk}/close/").status_code == 404
    assert not Period.objects.filter(label="2026-11").exists()
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.OPEN


def test_an_unknown_period_is_a_404(month, client):
    assert _admin(client, month).get(f"{URL}999999/").status_code == 404


# --- the list and opening a month ----------------------------------------------------------------


def _run(client, capture, url, data=None):
    """POST, let the queued job run (as the eager worker does once the request commits), and
    follow the job page to where it leads: the final response and the redirect chain."""
    with capture(execute=True):
        response = client.post(url, data or {})
    assert response.status_code == 302 and "/periods/jobs/" in response["Location"]
    final = client.get(response["Location"], follow=True)
    return final, [url for url, _ in final.redirect_chain]


def test_the_list_shows_the_periods_and_the_form_with_the_next_month(month, client):
    open_month(month)
    page = _admin(client, month).get(URL).content.decode()
    assert 'data-test="period-row-2026-10"' in page and "ND335-2025" in page
    assert "03/11/2026" in page  # the self-assessment deadline
    assert 'data-test="period-open-label"' in page and 'value="2026-11"' in page
    assert 'data-test="period-open-ruleset"' in page and 'data-test="period-open-submit"' in page
    assert '<label for="open-period">' in page and '<label for="open-ruleset">' in page


def test_opening_a_month_from_the_form_creates_the_evaluations(
    month, client, django_capture_on_commit_callbacks
):
    final, chain = _run(
        _admin(client, month),
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-11", "ruleset": "ND335-2025"},
    )
    period = Period.objects.get(label="2026-11")
    assert chain == [f"{URL}{period.pk}/"]
    assert Evaluation.objects.filter(period=period).count() == 13
    assert "Đã mở kỳ 2026-11: tạo 13 phiếu đánh giá." in final.content.decode()


def test_opening_the_same_month_again_creates_nothing(
    month, client, django_capture_on_commit_callbacks
):
    data = {"period": "2026-11", "ruleset": "ND335-2025"}
    _run(_admin(client, month), django_capture_on_commit_callbacks, URL, data)
    final, chain = _run(client, django_capture_on_commit_callbacks, URL, data)
    period = Period.objects.get(label="2026-11")
    assert chain == [f"{URL}{period.pk}/"]
    assert Period.objects.filter(label="2026-11").count() == 1
    assert Evaluation.objects.filter(period=period).count() == 13
    assert "đã mở từ trước" in final.content.decode()


def test_reopening_adds_only_the_people_who_joined_since(
    month, client, django_capture_on_commit_callbacks
):
    data = {"period": "2026-11", "ruleset": "ND335-2025"}
    _run(_admin(client, month), django_capture_on_commit_callbacks, URL, data)
    StaffMemberFactory(code="A99", full_name="Mai Văn Mới", unit=month.planning)
    final, _ = _run(client, django_capture_on_commit_callbacks, URL, data)
    assert Evaluation.objects.filter(period__label="2026-11").count() == 14
    assert "tạo 1 phiếu đánh giá" in final.content.decode()


def test_while_the_job_waits_for_a_worker_the_page_says_so_and_refreshes(month, client):
    response = _open(_admin(client, month))  # no commit in this test: the job stays queued
    page = client.get(response["Location"])
    assert page.status_code == 200
    html = page.content.decode()
    assert '<meta http-equiv="refresh" content="2">' in html and "Đang chờ" in html
    assert 'data-test="period-job"' in html
    # A second click follows the queued job instead of queueing another.
    assert _open(client)["Location"] == response["Location"]
    assert PeriodJob.objects.count() == 1
    assert "Việc đang thực hiện" in client.get(URL).content.decode()


def _field_errors(page: str, field: str) -> str:
    match = re.search(rf'id="open-{field}-err">(.*?)</div>', page, re.S)
    assert match and 'class="errorlist"' in match.group(1), page
    return match.group(1)


@pytest.mark.parametrize("label", ["2026-13", "tháng 11", ""])
def test_a_bad_label_shows_its_error_by_the_field_and_keeps_what_was_typed(month, client, label):
    response = _open(_admin(client, month), label=label)
    page = response.content.decode()
    assert response.status_code == 400
    _field_errors(page, "period")
    assert f'value="{label}"' in page and 'aria-invalid="true"' in page
    assert not PeriodJob.objects.exists()
    assert not Period.objects.filter(kind="month", year=2026, index=11).exists()


def test_a_quarter_is_refused_by_the_label_field_once_the_job_has_run(
    month, client, django_capture_on_commit_callbacks
):
    final, chain = _run(
        _admin(client, month),
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-Q4", "ruleset": "ND335-2025"},
    )
    page = final.content.decode()
    assert chain[-1].startswith(f"{URL}?job=")
    assert "Chỉ mở kỳ tháng" in _field_errors(page, "period")
    assert 'value="2026-Q4"' in page and 'value="ND335-2025" selected' in page
    assert not Period.objects.filter(kind="quarter").exists()


def test_an_unknown_rule_set_is_said_by_its_select_and_the_label_is_kept(
    month, client, django_capture_on_commit_callbacks
):
    final, _ = _run(
        _admin(client, month),
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-12", "ruleset": "KHONG-CO"},
    )
    page = final.content.decode()
    assert "KHONG-CO" in _field_errors(page, "ruleset")
    assert 'value="2026-12"' in page


def test_a_closed_month_cannot_be_opened_again(month, client, django_capture_on_commit_callbacks):
    period = open_month(month)
    _run(_admin(client, month), django_capture_on_commit_callbacks, f"{URL}{period.pk}/close/")
    final, _ = _run(
        client,
        django_capture_on_commit_callbacks,
        URL,
        {"period": "2026-10", "ruleset": "ND335-2025"},
    )
    assert "đã khóa" in _field_errors(final.content.decode(), "period")


def test_a_job_id_that_does_not_exist_is_a_404(month, client):
    _admin(client, month)
    assert client.get(f"{URL}jobs/999999/").status_code == 404
    assert client.get(URL, {"job": "999999"}).status_code == 404
    assert client.get(URL, {"job": "x"}).status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_list_costs_the_same_queries_for_n_and_2n_periods(month, client):
    _admin(client, month)
    for label in ("2026-01", "2026-02"):
        open_month(month, label)
    small = _count(client, URL)
    for label in ("2026-03", "2026-04"):
        open_month(month, label)
    assert _count(client, URL) == small


# --- the period page: deadlines and every agency's progress ------------------------------------


def test_the_period_page_shows_deadlines_and_every_agencys_counts(month, client):
    period = open_month(month)
    Evaluation.objects.filter(period=period, staff__code__in=["A11", "A12"]).update(
        status=Status.SELF_ASSESSED
    )
    page = _admin(client, month).get(f"{URL}{period.pk}/").content.decode()
    assert "03/11/2026" in page  # hạn tự đánh giá
    row = re.search(r'data-test="agency-progress-SOA"(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r'<td class="num[^"]*">(\d+)</td>', row)
    assert cells[:3] == ["11", "9", "2"]  # total, draft, self-assessed
    assert 'data-test="agency-progress-SOB"' in page
    assert 'data-test="period-close"' in page


def test_agencies_past_a_deadline_are_highlighted(month, client):
    past = open_month(month, "2026-01")  # every deadline of January is long gone
    future = open_month(month, "2099-01")
    page = _admin(client, month).get(f"{URL}{past.pk}/").content.decode()
    assert 'data-test="agency-progress-SOA" class="late"' in page
    assert "Trễ hạn phê duyệt, công khai" in page and "2 cơ quan trễ hạn" in page
    page = client.get(f"{URL}{future.pk}/").content.decode()
    assert 'class="late"' not in page and "Đúng hạn" in page


def test_a_covered_agency_with_nobody_yet_still_shows(month, client):
    empty = AgencyFactory(code="SOC", name="Sở Gamma")
    RuleSetCoverage.objects.create(agency=empty, ruleset_code="ND335-2025")
    period = open_month(month)
    page = _admin(client, month).get(f"{URL}{period.pk}/").content.decode()
    assert 'data-test="agency-progress-SOC"' in page


def _add_agencies(month, start: int, count: int) -> None:
    for i in range(start, start + count):
        agency = AgencyFactory(code=f"SX{i:02d}", name=f"Sở thứ {i}")
        RuleSetCoverage.objects.create(agency=agency, ruleset_code="ND335-2025")
        unit = UnitFactory(agency=agency, code=f"SX{i:02d}-1")
        for j in range(3):
            StaffMemberFactory(code=f"SX{i:02d}{j}", unit=unit)


def test_the_progress_table_costs_the_same_queries_for_n_and_2n_agencies(month, client):
    _admin(client, month)
    _add_agencies(month, 0, 3)
    period = open_month(month)
    small = _count(client, f"{URL}{period.pk}/")
    _add_agencies(month, 3, 5)
    open_month(month)  # adds the newcomers' evaluations
    page = client.get(f"{URL}{period.pk}/").content.decode()
    assert page.count('data-test="agency-progress-') == 10
    assert _count(client, f"{URL}{period.pk}/") == small


# --- closing ------------------------------------------------------------------------------------


def _publish(period, codes, user, status=Status.PUBLISHED):
    Evaluation.objects.filter(period=period, staff__code__in=codes).update(
        status=status, final_level="HTNV", approved_by=user, score=80
    )


def test_closing_asks_for_confirmation_first(month, client):
    period = open_month(month)
    _publish(period, ["A11", "A12"], month.user("alice"))
    page = _admin(client, month).get(f"{URL}{period.pk}/close/").content.decode()
    assert 'data-test="period-close-confirm"' in page
    assert "2 phiếu đã công khai" in page and "11 phiếu chưa công khai" in page
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.OPEN


def test_closing_after_confirmation_closes_the_period(
    month, client, django_capture_on_commit_callbacks
):
    period = open_month(month)
    _publish(period, ["A11", "A12"], month.user("alice"))
    final, chain = _run(
        _admin(client, month), django_capture_on_commit_callbacks, f"{URL}{period.pk}/close/"
    )
    assert chain == [f"{URL}{period.pk}/"]
    period.refresh_from_db()
    assert period.status == PeriodStatus.CLOSED and period.closed_by == month.user("sam")
    assert Evaluation.objects.filter(period=period, status=Status.CLOSED).count() == 2
    page = final.content.decode()
    assert "Đã khóa kỳ 2026-10" in page and 'data-test="period-close"' not in page
    assert "Kỳ đã khóa" in client.get(f"{URL}{period.pk}/close/").content.decode()


def test_open_appeals_block_closing_and_say_so(month, client, django_capture_on_commit_callbacks):
    period = open_month(month)
    _publish(period, ["A11"], month.user("alice"), status=Status.UNDER_APPEAL)
    final, chain = _run(
        _admin(client, month), django_capture_on_commit_callbacks, f"{URL}{period.pk}/close/"
    )
    assert chain[-1].startswith(f"{URL}{period.pk}/close/?job=")
    page = final.content.decode()
    assert "Còn 1 kiến nghị chưa giải quyết" in page and 'class="errorlist"' in page
    assert Period.objects.get(pk=period.pk).status == PeriodStatus.OPEN
