"""The head's approval board and appeals inbox: Alice heads Sở Alpha, Dave is her delegate,
Bob manages Phòng Kế hoạch (no approval), Charlie heads Sở Beta and must see nothing of Alpha.

The month: Sơn and Tâm score 100 (HTXSNV candidates), the five others ≈ 84 (HTTNV). In group CV
the quota is ⌊(2 + 5) / 6⌋ = 1: Sơn keeps HTXSNV, Tâm is moved down — the meter is at its limit.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from evaluation.models import Appeal, AppealStatus, Evaluation, QuotaException, Status
from evaluation.services.appeals import appeal_file
from evaluation.services.approval import agency_publish, head_approve, unit_approve
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import (
    FLAWED,
    FULL,
    GOOD,
    allow_exceptions,
    ev,
    manager_score,
    open_month,
    province_approver,
    self_assess,
    verified_admin,
)
from tests.factories import AgencyFactory, StaffMemberFactory

BOARD = "/evaluation/approval/"
APPROVE = "/evaluation/approval/approve/"
EXCEPTION = "/evaluation/approval/exception/"
PUBLISH = "/evaluation/approval/publish/"
APPEALS = "/evaluation/approval/appeals/"


def score_planning(month, period, extra=()):
    for name in STAFF_NAMES[:2]:
        self_assess(month, name, period)
        manager_score(month, "bob", name, period, FULL)
    for name in [*STAFF_NAMES[2:], *extra]:
        self_assess(month, name, period, scores=GOOD, products=FLAWED)
        manager_score(month, "bob", name, period, GOOD)


@pytest.fixture
def scored(month):
    period = open_month(month)
    score_planning(month, period)
    return period


def pk(month, name, period):
    return ev(month, name, period).pk


def as_proposed(month, period, **changes):
    """The form of Phòng Kế hoạch as the board renders it, with some rows changed."""
    data = {"unit": "A-KH", "period": period.label}
    for name in STAFF_NAMES:
        e = ev(month, name, period)
        proposed = "HTXSNV" if name == "Sơn" else ("HTTNV")
        ceiling = "HTXSNV" if name in ("Sơn", "Tâm") else "HTTNV"
        data |= {
            f"levels.{e.pk}": proposed,
            f"proposed.{e.pk}": proposed,
            f"ceiling.{e.pk}": ceiling,
            f"reasons.{e.pk}": "",
        }
    for name, (level, reason) in changes.items():
        e = ev(month, name, period)
        data |= {f"levels.{e.pk}": level, f"reasons.{e.pk}": reason}
    return data


def unverified(user):
    """The same person signed in with a password only (no second factor in the session)."""
    return get_user_model().objects.get(pk=user.pk)


# --- the board ------------------------------------------------------------------------------


def test_the_board_shows_each_proposal_its_reasons_and_the_quota_meter(month, scored, client):
    client.force_login(month.user("alice"))
    response = client.get(BOARD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Phòng Kế hoạch" in page and "Nguyễn Văn Tâm" in page
    assert 'data-test="quota-meter-CV"' in page and "approval.js" in page
    assert "<span data-used>1</span> / <span data-allowed>1</span>" in page
    for name in STAFF_NAMES:
        assert f'data-test="level-{pk(month, name, scored)}"' in page
    assert 'data-test="approve-unit-A-KH"' in page
    # Tâm was moved down by the quota: the approver may still choose HTXSNV for her.
    tam = pk(month, "Tâm", scored)
    select = page[page.index(f'id="level-{tam}"') :].split("</select>")[0]
    assert 'value="HTXSNV"' in select and 'value="HTTNV" selected' in select
    assert f'data-test="lower-reason-{tam}"' in page
    # A specialist proposed HTTNV cannot be raised: only the same or lower levels are offered.
    van = pk(month, "Vân", scored)
    select = page[page.index(f'id="level-{van}"') :].split("</select>")[0]
    assert 'value="HTXSNV"' not in select and 'value="KHTNV"' in select


def test_leaders_wait_for_their_units_and_the_gate_is_explained(month, client):
    period = open_month(month)
    score_planning(month, period)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period, FULL)
    self_assess(month, "alice", period)
    province_approver(month)
    manager_score(month, "pct", "alice", period, FULL)  # Dave and Hương, her reports, are not
    client.force_login(month.user("dave"))
    page = client.get(BOARD).content.decode()
    # Phòng Kế hoạch comes before the leadership, whose head of unit Bob leads.
    assert page.index('id="unit-A-KH"') < page.index('id="unit-A-LD"')
    leadership = page[page.index('id="unit-A-LD"') :]
    assert "Điều kiện đối với lãnh đạo" in leadership
    # Alice, the head, is not the agency's to approve: her gate waits for the superior.
    alice = pk(month, "alice", period)
    gate = leadership[leadership.index(f'data-test="head-gate-{alice}"') :].split("</li>")[0]
    assert "Trần Thị Ánh (A01), người đứng đầu: chờ cấp trên" in gate
    assert "UBND tỉnh, thành phố" in gate and "cơ quan không phê duyệt" in gate
    assert "hãy chờ đơn vị của họ" not in gate
    # Bob's row explains the leader gate in words.
    bob_row = page[page.index(f'id="row-{pk(month, "bob", period)}"') :].split("</tr>")[0]
    assert "Ràng buộc lãnh đạo đạt" in bob_row
    # The head's row is not the delegate's to sign: it waits for the province approver.
    waits = leadership[leadership.index(f'data-test="head-waits-{alice}"') :].split("</span>")[0]
    assert "chờ cấp trên" in waits and "UBND tỉnh, thành phố" in waits
    assert f'data-test="level-{alice}"' not in leadership
    # Posting the leadership anyway is refused, the reason shown above its table.
    response = client.post(
        APPROVE, {"unit": "A-LD", "period": period.label, f"levels.{alice}": "HTTNV"}
    )
    assert response.status_code == 409
    assert "Chỉ còn phiếu của người đứng đầu cơ quan (A01)" in response.content.decode()
    assert ev(month, "alice", period).status == Status.MANAGER_SCORED
    # The API's preview marks her row and her gate the same way; the others are the agency's.
    preview = client.get(f"/api/v1/approvals/preview/?period={period.pk}&unit=A-LD").json()
    rows = {r["staff"]: r for r in preview["evaluations"]}
    assert rows["A01"]["superior"] is True
    assert rows["A01"]["waiting_for"].startswith("Chờ cấp trên: Chủ tịch UBND tỉnh, thành phố")
    assert rows["A01"]["waiting_for_en"].startswith("Waiting for the superior authority")
    assert all(not r["superior"] and r["waiting_for"] == "" for c, r in rows.items() if c != "A01")
    assert [(b["staff"], b["superior"]) for b in preview["blocked"]] == [("A01", True)]


@pytest.mark.parametrize("paged", [False, True])
@pytest.mark.parametrize("extra", [0, 7])
def test_the_board_reads_in_a_number_of_queries_independent_of_the_people(
    month, client, django_assert_max_num_queries, extra, paged, settings
):
    if paged:  # a "large" agency: one unit shown, the others listed with their counts
        settings.APPROVAL_BOARD_ALL_UNITS_UP_TO = 5
    names = []
    for i in range(extra):
        name = f"Thêm{i}"
        user = get_user_model().objects.create_user(username=f"extra{i}", password="x")
        month.users[name] = user
        month.staff[name] = StaffMemberFactory(
            code=f"A5{i}",
            full_name=f"Phạm Văn Thêm {i}",
            unit=month.planning,
            user=user,
            duty_group=month.staff["Sơn"].duty_group,
            manager=month.staff["bob"],
            joined_on=month.staff["Sơn"].joined_on,
        )
        names.append(name)
    period = open_month(month)
    score_planning(month, period, extra=names)
    client.force_login(month.user("alice"))
    with django_assert_max_num_queries(20):
        page = client.get(BOARD).content.decode()
    assert page.count("data-level") == 7 + extra
    assert ('id="units-h"' in page) is paged


def test_a_large_agency_s_board_shows_one_unit_at_a_time_with_the_list_of_units(
    month, client, settings
):
    settings.APPROVAL_BOARD_ALL_UNITS_UP_TO = 5  # Sở Alpha's 11 people make it "large"
    period = open_month(month)
    score_planning(month, period)
    self_assess(month, "bob", period)
    manager_score(month, "dave", "bob", period, FULL)
    client.force_login(month.user("alice"))

    page = client.get(BOARD).content.decode()
    # By default the first unit with proposals waiting, in approval order: Phòng Kế hoạch.
    assert 'id="unit-A-KH"' in page and 'id="unit-A-LD"' not in page
    nav = page[page.index('id="units-h"') :].split("</nav>")[0]
    assert "Phòng Kế hoạch" in nav and "Lãnh đạo Sở" in nav
    assert f"period={period.label}&amp;unit=A-LD" in nav
    assert page.count("data-level") == 8  # the seven specialists and Bob, their head

    leadership = client.get(BOARD, {"period": period.label, "unit": "A-LD"}).content.decode()
    assert 'id="unit-A-LD"' in leadership and 'id="unit-A-KH"' not in leadership
    assert f'id="row-{pk(month, "bob", period)}"' not in leadership
    # A unit of another agency, or no unit at all, is not found.
    assert client.get(BOARD, {"period": period.label, "unit": "B-NV"}).status_code == 404
    assert client.get(BOARD, {"period": period.label, "unit": "NOPE"}).status_code == 404


def test_after_approving_a_unit_of_a_large_agency_the_board_stays_on_it(
    month, scored, client, settings
):
    settings.APPROVAL_BOARD_ALL_UNITS_UP_TO = 5
    client.force_login(month.user("alice"))
    response = client.post(APPROVE, as_proposed(month, scored))
    assert response.status_code == 302
    assert response["Location"].endswith(f"period={scored.label}&unit=A-KH#unit-A-KH")
    page = client.get(response["Location"]).content.decode()
    assert 'id="unit-A-KH"' in page and "Đã phê duyệt 7 phiếu" in page


# --- scope ----------------------------------------------------------------------------------


def test_another_agency_s_head_gets_404_for_every_page_of_alpha(month, scored, client):
    client.force_login(month.user("charlie"))
    assert client.get(BOARD, {"agency": "SOA"}).status_code == 404
    assert client.get(BOARD, {"agency": "SOB"}).status_code == 200  # his own
    assert client.post(APPROVE, as_proposed(month, scored)).status_code == 404
    assert client.get(EXCEPTION, {"agency": "SOA"}).status_code == 404
    assert client.get(PUBLISH, {"agency": "SOA"}).status_code == 404
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_a_manager_hr_and_the_province_get_404(month, scored, client):
    for name in ("bob", "huong", "sam", "ivy", "Sơn"):
        client.force_login(month.user(name))
        assert client.get(BOARD).status_code == 404, name
        assert client.get(APPEALS).status_code == 404, name
        assert client.post(APPROVE, as_proposed(month, scored)).status_code == 404, name
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_before_any_period_the_board_says_so(month, client):
    client.force_login(month.user("alice"))
    response = client.get(BOARD)
    assert response.status_code == 200 and "chưa có kỳ đánh giá nào" in response.content.decode()


def test_an_approver_of_two_agencies_picks_the_agency(month, scored, client):
    from staff.models import Role
    from tests.factories import RoleAssignmentFactory

    RoleAssignmentFactory(user=month.user("dave"), role=Role.HEAD_DELEGATE, agency=month.agency_b)
    client.force_login(month.user("dave"))
    page = client.get(BOARD).content.decode()
    assert 'name="agency"' in page and '<option value="SOB"' in page and "Phòng Kế hoạch" in page
    page = client.get(BOARD, {"agency": "SOB"}).content.decode()
    assert "Phòng Nghiệp vụ" in page and "Phòng Kế hoạch" not in page


def test_an_unverified_approver_is_warned_before_acting(month, scored, client):
    client.force_login(unverified(month.user("alice")))
    page = client.get(BOARD).content.decode()
    assert "chưa qua xác thực hai lớp" in page and 'href="/accounts/otp/verify/?next=' in page
    client.force_login(month.user("alice"))
    assert "chưa qua xác thực hai lớp" not in client.get(BOARD).content.decode()


def test_an_unknown_period_is_404(month, scored, client):
    client.force_login(month.user("alice"))
    assert client.get(BOARD, {"period": "1999-01"}).status_code == 404


# --- approve --------------------------------------------------------------------------------


def test_approving_at_the_quota_limit_signs_the_unit(month, scored, client):
    client.force_login(month.user("alice"))
    response = client.post(APPROVE, as_proposed(month, scored))
    assert response.status_code == 302 and "#unit-A-KH" in response["Location"]
    levels = {n: ev(month, n, scored).final_level for n in STAFF_NAMES}
    assert levels["Sơn"] == "HTXSNV" and set(levels.values()) == {"HTXSNV", "HTTNV"}
    assert all(ev(month, n, scored).status == Status.APPROVED for n in STAFF_NAMES)
    page = client.get(response["Location"]).content.decode()
    assert "Đã phê duyệt 7 phiếu" in page


def test_one_over_the_quota_is_refused_with_the_error_and_the_choices_kept(month, scored, client):
    client.force_login(month.user("alice"))
    tam = pk(month, "Tâm", scored)
    data = as_proposed(month, scored, Tâm=("HTXSNV", ""), Vân=("HTTNV", "ghi chú giữ lại"))
    response = client.post(APPROVE, data)
    assert response.status_code == 409
    page = response.content.decode()
    assert "Vượt tỷ lệ HTXSNV của nhóm CV" in page and 'role="alert"' in page
    select = page[page.index(f'id="level-{tam}"') :].split("</select>")[0]
    assert 'value="HTXSNV" selected' in select  # what the approver chose stays chosen
    assert "ghi chú giữ lại" in page
    assert "<span data-used>2</span> / <span data-allowed>1</span>" in page
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_the_approver_chooses_who_keeps_htxsnv_by_lowering_another_with_a_reason(
    month, scored, client
):
    client.force_login(month.user("alice"))
    data = as_proposed(month, scored, Sơn=("HTTNV", "Chậm báo cáo tổng hợp"), Tâm=("HTXSNV", ""))
    response = client.post(APPROVE, data)
    assert response.status_code == 302
    son, tam = ev(month, "Sơn", scored), ev(month, "Tâm", scored)
    assert (son.final_level, tam.final_level) == ("HTTNV", "HTXSNV")
    assert son.approver_reason == "Chậm báo cáo tổng hợp"


def test_a_proposal_the_approver_has_not_seen_is_not_signed(month, scored, client):
    client.force_login(month.user("alice"))
    data = as_proposed(month, scored)
    del data[f"levels.{pk(month, 'Ân', scored)}"]  # arrived after the page was opened
    response = client.post(APPROVE, data)
    assert response.status_code == 409 and "Có phiếu mới chờ phê duyệt (A17)" in (
        response.content.decode()
    )
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_lowering_without_a_reason_shows_the_field_error_and_keeps_the_choices(
    month, scored, client
):
    client.force_login(month.user("alice"))
    uyen, xuan = pk(month, "Uyên", scored), pk(month, "Xuân", scored)
    data = as_proposed(month, scored, Uyên=("HTNV", ""), Xuân=("HTNV", "Nghỉ không phép"))
    response = client.post(APPROVE, data)
    assert response.status_code == 400
    page = response.content.decode()
    reason_box = page[page.index(f'data-reason-for="{uyen}"') :].split("</div>")[0]
    assert "Bắt buộc ghi rõ lý do" in reason_box and 'aria-invalid="true"' in reason_box
    for row in (uyen, xuan):
        select = page[page.index(f'id="level-{row}"') :].split("</select>")[0]
        assert 'value="HTNV" selected' in select
    assert "Nghỉ không phép" in page
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


def test_an_approver_without_the_second_factor_is_sent_to_enter_the_code(month, scored, client):
    client.force_login(unverified(month.user("alice")))
    response = client.post(APPROVE, as_proposed(month, scored))
    assert response.status_code == 403
    page = response.content.decode()
    assert "xác thực hai lớp" in page and 'href="/accounts/otp/verify/?next=' in page
    assert Evaluation.objects.filter(status=Status.APPROVED).count() == 0


# --- quota exception ------------------------------------------------------------------------


def test_the_quota_exception_form_shows_errors_by_field_and_records_the_decision(
    month, scored, client
):
    allow_exceptions(scored, 40)
    client.force_login(verified_admin(month))
    page = client.get(EXCEPTION, {"agency": "SOA"}).content.decode()
    # Group CV: 2 candidates + 5 good; exceptions up to 40 % → at most ⌊0.4 × 7 / 1.4⌋ = 2.
    assert 'data-test="exception-max-CV">2<' in page
    base = {"agency": "SOA", "period": scored.label, "duty_group": "CV"}
    response = client.post(EXCEPTION, base | {"ceiling": "2", "reference": "", "reason": "Giỏi"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bắt buộc ghi rõ lý do" in page and 'value="2"' in page and "Giỏi" in page
    response = client.post(EXCEPTION, base | {"ceiling": "hai", "reference": "QĐ 15"})
    assert response.status_code == 400 and "Phải là số nguyên không âm" in response.content.decode()
    response = client.post(EXCEPTION, base | {"ceiling": "3", "reference": "QĐ 15/QĐ-UBND"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Trần tối đa của ngoại lệ cho nhóm Chuyên viên là 2 HTXSNV" in page
    assert "ND335-2025 v1" in page and not QuotaException.objects.exists()
    response = client.post(EXCEPTION, base | {"ceiling": "2", "reference": "QĐ 15/QĐ-UBND"})
    assert response.status_code == 302
    exception = QuotaException.objects.get()
    assert (exception.ceiling, exception.duty_group.code) == (2, "CV")
    assert exception.decided_by == month.user("sam")
    # The head's board shows it and who recorded it; the meter now allows two: Tâm keeps
    # HTXSNV too.
    client.force_login(month.user("alice"))
    page = client.get(BOARD).content.decode()
    assert "<span data-used>2</span> / <span data-allowed>2</span>" in page
    by = page[page.index('data-test="exception-by"') :].split("</span>")[0]
    assert "Sở Nội vụ ghi: sam" in by
    response = client.post(APPROVE, as_proposed(month, scored, Tâm=("HTXSNV", "")))
    assert response.status_code == 302
    assert Evaluation.objects.filter(final_level="HTXSNV").count() == 2


def test_the_agency_cannot_record_an_exception_for_itself(month, scored, client):
    allow_exceptions(scored, 40)
    base = {"agency": "SOA", "period": scored.label, "duty_group": "CV", "ceiling": "2"}
    for name in ("alice", "dave"):
        client.force_login(month.user(name))
        response = client.get(EXCEPTION)
        assert response.status_code == 403, name
        page = response.content.decode()
        assert "do Sở Nội vụ (quản trị cấp tỉnh) ghi" in page and 'name="ceiling"' not in page
        response = client.post(EXCEPTION, base | {"reference": "QĐ 15/QĐ-UBND"})
        assert response.status_code == 403, name
    # Another agency's head, a manager: the page does not exist for them.
    for name in ("charlie", "bob"):
        client.force_login(month.user(name))
        assert client.get(EXCEPTION, {"agency": "SOA"}).status_code == 404, name
    assert not QuotaException.objects.exists()


def test_the_province_admin_lands_on_an_agency_with_an_open_month(month, scored, client):
    """From the navigation, no agency named: the first agency rated in an open period (Sở
    Alpha), not the first by code if it has nothing to lift."""
    AgencyFactory(code="AAA", name="Ban Chưa Đánh Giá")
    client.force_login(verified_admin(month))
    response = client.get(EXCEPTION)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Sở Alpha — kỳ" in page and 'data-test="exception-max-CV"' in page
    assert 'href="/evaluation/approval/exception/"' in page  # the navigation's link


def test_no_exception_when_the_rule_set_allows_none(month, scored, client):
    allow_exceptions(scored, None)
    client.force_login(verified_admin(month))
    base = {"agency": "SOA", "period": scored.label, "duty_group": "CV"}
    response = client.post(EXCEPTION, base | {"ceiling": "1", "reference": "QĐ 15/QĐ-UBND"})
    assert response.status_code == 409
    assert "không cho phép ngoại lệ" in response.content.decode()
    assert not QuotaException.objects.exists()


# --- publish and appeals --------------------------------------------------------------------


@pytest.fixture
def approved(month, scored):
    period = scored
    province_approver(month)
    for name, manager in (("bob", "dave"), ("dave", "alice"), ("alice", "pct")):
        self_assess(month, name, period)
        manager_score(month, manager, name, period, FULL)
    self_assess(month, "huong", period, scores=GOOD, products=FLAWED)
    manager_score(month, "alice", "huong", period, GOOD)
    alice = month.user("alice")
    unit_approve(period=period, unit=month.planning, user=alice)
    unit_approve(period=period, unit=month.leadership_unit, user=alice)
    head_approve(evaluation=ev(month, "alice", period), user=month.user("pct"))
    return period


def test_publishing_takes_a_confirmation_then_publishes_the_agency(month, approved, client):
    client.force_login(month.user("alice"))
    page = client.get(BOARD).content.decode()
    assert 'data-test="publish"' in page
    confirm = client.get(PUBLISH, {"agency": "SOA", "period": approved.label})
    assert confirm.status_code == 200 and 'data-test="publish-confirm"' in confirm.content.decode()
    assert Evaluation.objects.filter(status=Status.PUBLISHED).count() == 0  # not yet
    response = client.post(PUBLISH, {"agency": "SOA", "period": approved.label})
    assert response.status_code == 302
    assert Evaluation.objects.filter(agency=month.agency_a, status=Status.PUBLISHED).count() == 11


def test_publish_is_not_offered_while_units_wait(month, scored, client):
    client.force_login(month.user("alice"))
    page = client.get(BOARD).content.decode()
    assert 'data-test="publish"' not in page and "Công bố khi mọi đơn vị" in page
    response = client.post(PUBLISH, {"agency": "SOA", "period": scored.label})
    assert response.status_code == 409 and "chưa được phê duyệt" in response.content.decode()


@pytest.fixture
def appeal(month, approved):
    agency_publish(period=approved, agency=month.agency_a, user=month.user("alice"))
    tam = ev(month, "Tâm", approved)
    return appeal_file(evaluation=tam, user=month.user("Tâm"), reason="Tôi đạt 100 điểm")


def test_the_inbox_lists_open_appeals_and_the_decision_is_recorded(month, appeal, client):
    client.force_login(month.user("alice"))
    page = client.get(APPEALS).content.decode()
    assert f'data-test="appeal-row-{appeal.pk}"' in page and "Tôi đạt 100 điểm" in page
    url = f"{APPEALS}{appeal.pk}/"
    page = client.get(url).content.decode()
    for hook in ("appeal-decision", "appeal-level", "appeal-reason", "appeal-resolve"):
        assert f'data-test="{hook}"' in page
    assert "HTXSNV: <strong>1 / 1</strong>" in page
    # No reason: the error shows by the field and the decision chosen stays chosen.
    response = client.post(url, {"decision": "uphold", "level": "HTTNV", "reason": ""})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Bắt buộc ghi rõ lý do" in page and '<option value="uphold" selected' in page
    # Revising to HTXSNV with the quota full is refused next to the level, choices kept.
    response = client.post(url, {"decision": "revise", "level": "HTXSNV", "reason": "Xem lại"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Không thể điều chỉnh thành" in page and "Xem lại" in page
    response = client.post(url, {"decision": "uphold", "level": "HTTNV", "reason": "Đúng quy định"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.decision) == (AppealStatus.UPHELD, "Đúng quy định")
    assert f'data-test="appeal-row-{appeal.pk}"' not in client.get(APPEALS).content.decode()


def test_an_appeal_is_revised_within_a_recorded_exception(month, appeal, client):
    allow_exceptions(appeal.evaluation.period, 40)
    client.force_login(verified_admin(month))
    base = {"agency": "SOA", "period": appeal.evaluation.period.label, "duty_group": "CV"}
    response = client.post(EXCEPTION, base | {"ceiling": "2", "reference": "QĐ 15/QĐ-UBND"})
    assert response.status_code == 302
    client.force_login(month.user("alice"))
    url = f"{APPEALS}{appeal.pk}/"
    assert "HTXSNV: <strong>1 / 2</strong>" in client.get(url).content.decode()
    response = client.post(url, {"decision": "revise", "level": "HTXSNV", "reason": "Ngoại lệ"})
    assert response.status_code == 302
    appeal.refresh_from_db()
    assert (appeal.status, appeal.level_after) == (AppealStatus.REVISED, "HTXSNV")


def test_another_agency_s_head_cannot_open_an_appeal(month, appeal, client):
    client.force_login(month.user("charlie"))
    assert client.get(f"{APPEALS}{appeal.pk}/").status_code == 404
    url = f"{APPEALS}{appeal.pk}/"
    assert client.post(url, {"decision": "uphold", "reason": "x"}).status_code == 404
    assert f"appeal-row-{appeal.pk}" not in client.get(APPEALS).content.decode()
    client.force_login(month.user("bob"))
    assert client.get(f"{APPEALS}{appeal.pk}/").status_code == 404
    assert Appeal.objects.get().status == AppealStatus.OPEN


def test_resolving_an_appeal_without_the_second_factor_says_so_kindly(month, appeal, client):
    client.force_login(unverified(month.user("alice")))
    response = client.post(
        f"{APPEALS}{appeal.pk}/", {"decision": "uphold", "level": "HTTNV", "reason": "Đúng"}
    )
    assert response.status_code == 403
    page = response.content.decode()
    assert "xác thực hai lớp" in page and "/accounts/otp/verify/?next=" in page
    assert Appeal.objects.get().status == AppealStatus.OPEN
