"""The direct manager's “My team”: the list, the scoring form, returns, the next person.

The month of tests/evaluation/conftest.py: Bob manages the seven specialists of Phòng Kế hoạch;
Dave (the head's delegate) manages Bob; Alice, the head, is scored by the province approver
(``pct``), never by her delegate (DOMAIN.md §1); Charlie heads Sở Beta and must see nothing of
Sở Alpha; Sơn is a plain staff member.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from evaluation.models import CriterionScore, Evaluation, Period, Product, Status
from evaluation.selectors.team import team_evaluations
from evaluation.services.workflow import evaluation_manager_score
from staff.access import scope_for
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    ev,
    manager_score,
    open_month,
    province_approver,
    self_assess,
)
from tests.factories import StaffMemberFactory

URL = "/evaluation/team/"
LABEL = "2026-11"


def score_url(evaluation) -> str:
    return f"{URL}{evaluation.pk}/"


def set_due(period, *, days_from_today: int) -> Period:
    """Move the self-assessment deadline relative to today (the tests never depend on the
    real date)."""
    due = timezone.localdate() + dt.timedelta(days=days_from_today)
    Period.objects.filter(pk=period.pk).update(self_assessment_due=due)
    period.refresh_from_db()
    return period


@pytest.fixture
def period(month):
    return set_due(open_month(month, LABEL), days_from_today=5)


def page(response) -> str:
    return response.content.decode()


def team_order(period) -> list[str]:
    """Bob's team in the list's order: Vietnamese name order of the staff sort key."""
    return list(
        Evaluation.objects.filter(period=period, staff__manager__code="A03")
        .order_by("staff__sort_key", "staff__code")
        .values_list("staff__code", flat=True)
    )


def score_form(evaluation, **overrides):
    data = {f"scores.G{i}": "4" for i in range(1, 7)}
    data.update(version=str(evaluation.version), discipline="none", manager_comment="")
    data.update(overrides)
    return data


# --- the list --------------------------------------------------------------------------------


def test_the_list_shows_the_team_in_name_order_with_the_progress(client, month, period):
    self_assess(month, "Sơn", period)
    self_assess(month, "Tâm", period)
    manager_score(month, "bob", "Tâm", period)
    client.force_login(month.user("bob"))
    response = client.get(URL)
    assert response.status_code == 200
    html = page(response)
    rows = re.findall(r'data-test="team-row-([A-Z0-9]+)"', html)
    assert rows == team_order(period) and len(rows) == len(STAFF_NAMES)
    assert "A03" not in rows and "A01" not in rows  # never oneself, never someone else's
    assert 'data-test="team-progress"' in html and "đã chấm 1/7" in html
    assert "Quản lý đã chấm" in html and "Đã tự đánh giá" in html
    tam = ev(month, "Tâm", period)
    assert f'<span class="badge {tam.proposed_level}"' in html


def test_the_progress_counter_counts_each_scored_person(client, month, period):
    client.force_login(month.user("bob"))
    assert "đã chấm 0/7" in page(client.get(URL))
    for name in ("Sơn", "Tâm", "Uyên"):
        self_assess(month, name, period)
        manager_score(month, "bob", name, period)
    html = page(client.get(URL))
    assert "đã chấm 3/7" in html and 'data-scored="3" data-total="7"' in html


def test_to_score_counts_the_rows_it_links_before_and_after_the_deadline(month, period):
    """One rule (``scorable_statuses``): the list's "to score" count, its filter and each row's
    link agree — self-assessed ones before the deadline, drafts too after it, none once the
    period is closed."""
    from evaluation.models import PeriodStatus
    from evaluation.selectors.team import TO_SCORE, team_board
    from staff.access import scope_for

    self_assess(month, "Sơn", period)
    scope = scope_for(month.user("bob"))

    def counted() -> tuple[int, int, int]:
        board = team_board(scope=scope, period_id=period.pk)
        filtered = team_board(scope=scope, period_id=period.pk, status=TO_SCORE)
        return board.to_score, sum(r.to_score for r in board.rows), len(filtered.rows)

    assert counted() == (1, 1, 1)
    set_due(period, days_from_today=-1)
    assert counted() == (len(STAFF_NAMES), len(STAFF_NAMES), len(STAFF_NAMES))
    Period.objects.filter(pk=period.pk).update(status=PeriodStatus.CLOSED)
    assert counted() == (0, 0, 0)


def test_the_status_filter_keeps_only_that_status(client, month, period):
    self_assess(month, "Sơn", period)
    client.force_login(month.user("bob"))
    html = page(client.get(URL, {"status": Status.SELF_ASSESSED}))
    assert re.findall(r'data-test="team-row-([A-Z0-9]+)"', html) == ["A11"]
    to_score = page(client.get(URL, {"status": "to_score"}))
    assert re.findall(r'data-test="team-row-([A-Z0-9]+)"', to_score) == ["A11"]
    # The counter still counts the whole team.
    assert "đã chấm 0/7" in html


def test_late_self_assessments_are_marked(client, month, period):
    self_assess(month, "Sơn", period)
    set_due(period, days_from_today=-2)  # now past due: every draft is late
    Evaluation.objects.filter(pk=ev(month, "Sơn", period).pk).update(
        self_submitted_at=timezone.now() - dt.timedelta(days=4)
    )  # submitted on time
    Evaluation.objects.filter(pk=ev(month, "Tâm", period).pk).update(
        status=Status.SELF_ASSESSED, self_submitted_at=timezone.now()
    )  # submitted after the deadline
    client.force_login(month.user("bob"))
    html = page(client.get(URL))
    rows = dict(re.findall(r'data-test="team-row-([A-Z0-9]+)"(.*?)</tr>', html, flags=re.DOTALL))
    assert 'data-test="late"' not in rows["A11"]
    assert 'data-test="late"' in rows["A12"]
    assert 'data-test="late"' in rows["A13"]  # still a draft, past due


def test_a_period_selector_shows_other_periods(client, month, period):
    older = open_month(month, "2026-10")
    client.force_login(month.user("bob"))
    html = page(client.get(URL))
    assert f'<option value="{period.pk}" selected>' in html and f'value="{older.pk}"' in html
    assert "kỳ 2026-10" in page(client.get(URL, {"period": older.pk}))


def test_the_list_query_count_does_not_grow_with_the_team(client, month):
    def add_staff(count):
        for _ in range(count):
            StaffMemberFactory(
                unit=month.planning,
                manager=month.staff["bob"],
                duty_group=month.staff["Sơn"].duty_group,
                joined_on=dt.date(2020, 1, 1),
            )

    client.force_login(month.user("bob"))
    add_staff(5)
    open_month(month, LABEL)
    with CaptureQueriesContext(connection) as small:
        assert client.get(URL).status_code == 200
    add_staff(12)  # the team doubles: 12 → 24
    period = open_month(month, LABEL)  # adds the joiners
    assert Evaluation.objects.filter(period=period, staff__manager__code="A03").count() == 24
    with CaptureQueriesContext(connection) as large:
        html = page(client.get(URL))
    assert len(re.findall(r'data-test="team-row-', html)) == 24
    assert len(large.captured_queries) == len(small.captured_queries) <= 12


def test_the_team_is_exactly_who_the_scope_lets_one_score(month, period):
    province_approver(month)
    for name in ("bob", "dave", "alice", "charlie", "pct"):
        scope = scope_for(month.user(name))
        team = set(team_evaluations(scope).filter(period=period))
        everyone = Evaluation.objects.filter(period=period)
        assert team == {e for e in everyone if scope.can_score_as_manager(e)}, name


def test_the_heads_delegate_does_not_score_the_head_the_province_approver_does(
    client, month, period
):
    self_assess(month, "alice", period)
    alice = ev(month, "alice", period)
    client.force_login(month.user("dave"))
    rows = re.findall(r'data-test="team-row-([A-Z0-9]+)"', page(client.get(URL)))
    assert rows == ["A03"]  # Bob, his report — not Alice, the head
    assert client.get(score_url(alice)).status_code == 404
    response = client.post(score_url(alice), score_form(alice, action="submit"))
    assert response.status_code == 404
    assert ev(month, "alice", period).status == Status.SELF_ASSESSED
    # The province approver scores both heads (Alice and Charlie) and nobody else.
    client.force_login(province_approver(month))
    rows = re.findall(r'data-test="team-row-([A-Z0-9]+)"', page(client.get(URL)))
    assert sorted(rows) == ["A01", "B01"]
    assert client.get(score_url(ev(month, "Tâm", period))).status_code == 404
    assert client.get(score_url(alice)).status_code == 200
    response = client.post(score_url(alice), score_form(alice, action="submit"))
    assert response.status_code == 302
    scored = ev(month, "alice", period)
    assert (scored.status, scored.manager_scored_by) == (Status.MANAGER_SCORED, month.user("pct"))


def test_a_plain_staff_member_gets_404_on_the_list(client, month, period):
    for name in ("Sơn", "huong", "ivy"):
        client.force_login(month.user(name))
        assert client.get(URL).status_code == 404, name


def test_another_agencys_head_sees_an_empty_team(client, month, period):
    client.force_login(month.user("charlie"))
    html = page(client.get(URL))
    assert "team-row-" not in html


def test_anonymous_visitors_are_sent_to_sign_in(client, month):
    response = client.get(URL)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- scope of the scoring pages --------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "return/", "preview/"])
def test_nobody_opens_an_evaluation_they_do_not_score(client, month, period, suffix):
    son = ev(month, "Sơn", period)
    self_assess(month, "Sơn", period)
    cases = [
        ("bob", ev(month, "alice", period)),  # the head: the province approver scores her
        ("bob", ev(month, "bob", period)),  # never one's own
        ("bob", ev(month, "bea", period)),  # another agency
        ("charlie", son),
        ("Tâm", son),
        ("dave", son),  # Bob's report, not Dave's
    ]
    for name, evaluation in cases:
        client.force_login(month.user(name))
        url = score_url(evaluation) + suffix
        response = client.get(url) if suffix == "" else client.post(url, {"reason": "x"})
        assert response.status_code == 404, (name, evaluation.staff.code)


def test_a_product_of_someone_else_is_a_404(client, month, period):
    self_assess(month, "Sơn", period)
    self_assess(month, "Tâm", period)
    son, tam = ev(month, "Sơn", period), ev(month, "Tâm", period)
    tam_product = tam.products.get()
    client.force_login(month.user("bob"))
    # Tâm's product through Sơn's page: not found.
    url = f"{score_url(son)}products/{tam_product.pk}/"
    assert client.post(url, {"completed": "yes"}).status_code == 404
    client.force_login(month.user("charlie"))
    url = f"{score_url(tam)}products/{tam_product.pk}/"
    assert client.post(url, {"completed": "yes"}).status_code == 404


# --- the scoring form ------------------------------------------------------------------------


def test_the_form_shows_the_self_assessment_beside_the_managers_inputs(client, month, period):
    self_assess(month, "Sơn", period)
    Evaluation.objects.filter(pk=ev(month, "Sơn", period).pk).update(
        self_comment="Tháng này hoàn thành đúng hạn"
    )
    Product.objects.filter(evaluation__staff__code="A11").update(
        evidence_url="https://example.org/bao-cao"
    )
    client.force_login(month.user("bob"))
    html = page(client.get(score_url(ev(month, "Sơn", period))))
    assert "Tháng này hoàn thành đúng hạn" in html
    assert 'href="https://example.org/bao-cao"' in html
    for hook in (
        "score-G1",
        "score-G6",
        "manager-save",
        "manager-submit",
        "manager-submit-next",
        "return-reason",
        "return-submit",
    ):
        assert f'data-test="{hook}"' in html, hook
    assert 'name="scores.G1"' in html and 'name="version"' in html
    # Prefilled with the person's own points (FULL: 5 each).
    assert re.search(r'name="scores.G1" value="5"', html)


def test_save_keeps_the_status_and_stores_the_points(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(
        score_url(son), score_form(son, action="save", manager_comment="Tốt", **{"scores.G2": "3"})
    )
    assert response.status_code == 302 and response["Location"] == score_url(son)
    son.refresh_from_db()
    assert son.status == Status.SELF_ASSESSED and son.manager_comment == "Tốt"
    points = CriterionScore.objects.get(evaluation=son, criterion__code="G2").manager_points
    assert points == Decimal("3")
    assert "Đã lưu điểm" in page(client.get(score_url(son)))


def test_a_validation_error_keeps_what_was_typed(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(
        score_url(son),
        score_form(
            son,
            action="submit",
            manager_comment="Nhận xét đang gõ",
            **{"scores.G3": "9", "scores.G4": "2.5"},
        ),
    )
    assert response.status_code == 400
    html = page(response)
    assert 'name="scores.G3" value="9"' in html and 'name="scores.G4" value="2.5"' in html
    assert "Nhận xét đang gõ" in html
    # The error sits next to G3's input.
    g3 = html.split('id="score-G3-errors"', 1)[1].split("</div>", 1)[0]
    assert 'class="errorlist"' in g3 and "Vượt mức tối đa" in g3
    son.refresh_from_db()
    assert son.status == Status.SELF_ASSESSED and son.manager_comment == ""
    assert not CriterionScore.objects.filter(evaluation=son, manager_points__isnull=False).exists()


def test_a_stale_version_shows_the_conflict_and_overwrites_nothing(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    old_version = son.version
    # Meanwhile, in another tab, G1 was saved as 2.
    evaluation_manager_score(
        evaluation=son, user=month.user("bob"), scores={"G1": "2"}, version=old_version
    )
    response = client.post(
        score_url(son),
        score_form(son, action="save", version=str(old_version), **{"scores.G1": "4"}),
    )
    assert response.status_code == 409
    html = page(response)
    assert 'data-test="conflict"' in html and "Phiếu đã được người khác sửa" in html
    conflict = html.split('data-test="conflict"', 1)[1].split("</section>", 1)[0]
    assert ">2<" in conflict and ">4<" in conflict  # saved beside typed
    assert 'name="scores.G1" value="4"' in html  # what was typed is still in the form
    son.refresh_from_db()
    assert CriterionScore.objects.get(evaluation=son, criterion__code="G1").manager_points == 2
    # The form now carries the current version: saving again is a deliberate overwrite.
    assert f'id="score-version" name="version" value="{son.version}"' in html


def test_submit_proposes_the_level_and_shows_it(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(score_url(son), score_form(son, action="submit"), follow=True)
    son.refresh_from_db()
    assert son.status == Status.MANAGER_SCORED and son.proposed_level
    html = page(response)
    assert "Đã chấm xong" in html and 'data-test="proposed-level"' in html
    assert f'class="badge {son.proposed_level}"' in html
    assert 'data-test="manager-submit"' not in html  # read-only now


def test_submit_and_next_lands_on_the_next_person_still_to_score(client, month, period):
    for name in ("Sơn", "Tâm", "Uyên"):
        self_assess(month, name, period)
    order = [c for c in team_order(period) if c in ("A11", "A12", "A13")]
    first, second, third = (Evaluation.objects.get(period=period, staff__code=c) for c in order)
    manager_score(month, "bob", second.staff.full_name.split()[-1], period)  # already scored
    client.force_login(month.user("bob"))
    response = client.post(score_url(first), score_form(first, action="submit_next"))
    assert response.status_code == 302 and response["Location"] == score_url(third)
    third.refresh_from_db()
    response = client.post(score_url(third), score_form(third, action="submit_next"))
    # Nobody left: back to the list with a message.
    assert response.status_code == 302 and response["Location"].startswith(URL + "?period=")
    html = page(client.get(response["Location"]))
    assert "Không còn ai cần chấm" in html and "đã chấm 3/7" in html


def test_a_draft_before_the_deadline_cannot_be_scored_yet(client, month, period):
    client.force_login(month.user("bob"))
    html = page(client.get(score_url(ev(month, "Sơn", period))))
    assert "chưa gửi tự đánh giá" in html and 'data-test="manager-submit"' not in html


def test_after_the_deadline_a_draft_is_scored_without_self_assessment(client, month, period):
    set_due(period, days_from_today=-1)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(score_url(son), score_form(son, action="submit"))
    assert response.status_code == 302
    son.refresh_from_db()
    assert son.status == Status.MANAGER_SCORED and son.no_self_assessment


def test_the_live_level_follows_the_typed_points(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(
        f"{score_url(son)}preview/", score_form(son, **{"scores.G1": "9"}), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Vượt mức tối đa" in page(response)
    response = client.post(f"{score_url(son)}preview/", score_form(son), HTTP_HX_REQUEST="true")
    assert 'data-test="level-preview"' in page(response)
    son.refresh_from_db()
    assert son.status == Status.SELF_ASSESSED and not son.proposed_level  # nothing written


# --- product outcomes ------------------------------------------------------------------------


def test_the_manager_confirms_a_product_outcome(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    product = son.products.get()
    client.force_login(month.user("bob"))
    url = f"{score_url(son)}products/{product.pk}/"
    response = client.post(url, {"completed": "yes", "major_errors": "1", "delays": "0"})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.major_errors == 1 and product.confirmed_by == month.user("bob")
    # With HTMX only the row comes back, and the form's version follows when it was current.
    version = Evaluation.objects.get(pk=son.pk).version
    response = client.post(
        url,
        {"completed": "yes", "major_errors": "0", "delays": "2", "version": str(version)},
        HTTP_HX_REQUEST="true",
    )
    html = page(response)
    assert response.status_code == 200 and "<html" not in html
    assert f'value="{version + 1}" hx-swap-oob="true"' in html
    assert response["HX-Trigger"] == "productOutcomeSaved"


def test_a_bad_product_outcome_shows_the_error_by_its_field(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    product = son.products.get()
    client.force_login(month.user("bob"))
    url = f"{score_url(son)}products/{product.pk}/"
    response = client.post(url, {"completed": "yes", "major_errors": "-3", "delays": "0"})
    assert response.status_code == 400
    html = page(response)
    assert 'value="-3"' in html and "Phải là số nguyên từ 0 đến 50" in html


# --- return ----------------------------------------------------------------------------------


def test_return_without_a_reason_shows_the_error_by_the_reason(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(f"{score_url(son)}return/", {"reason": "  ", "version": son.version})
    assert response.status_code == 400
    html = page(response)
    after_field = html.split('data-test="return-reason"', 1)[1].split("</form>", 1)[0]
    assert "Bắt buộc ghi rõ lý do" in after_field
    son.refresh_from_db()
    assert son.status == Status.SELF_ASSESSED


def test_return_with_a_reason_sends_it_back_to_the_person(client, month, period):
    self_assess(month, "Sơn", period)
    son = ev(month, "Sơn", period)
    client.force_login(month.user("bob"))
    response = client.post(
        f"{score_url(son)}return/",
        {"reason": "Bổ sung minh chứng sản phẩm", "version": son.version},
    )
    assert response.status_code == 302 and response["Location"].startswith(URL)
    son.refresh_from_db()
    assert son.status == Status.DRAFT and son.return_reason == "Bổ sung minh chứng sản phẩm"
    assert "Đã trả lại phiếu" in page(client.get(response["Location"]))


def test_the_scoring_page_reads_a_fixed_number_of_queries(client, month, period):
    self_assess(month, "Sơn", period)
    self_assess(month, "Tâm", period, products=((1, True, 0, 0),) * 6)
    client.force_login(month.user("bob"))
    client.get(score_url(ev(month, "Sơn", period)))  # the period's rules, read once and cached
    counts = []
    for name in ("Sơn", "Tâm"):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(score_url(ev(month, name, period))).status_code == 200
        counts.append(len(queries.captured_queries))
    assert counts[0] == counts[1] <= 30, counts
