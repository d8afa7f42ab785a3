"""“My month”: Sơn registers his products, self-assesses and submits; sees a return, his result,
appeals it, and looks back over his months. Bob (his manager) and Charlie (Sở Beta) see none of
it on these pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from evaluation.models import Appeal, CriterionScore, Evaluation, Product, Status
from evaluation.services.products import product_register, product_set_outcome
from evaluation.services.workflow import evaluation_return, evaluation_self_assess
from tests.evaluation.helpers import FULL, ev, open_month, self_assess

SON = "Sơn"


def url(name: str, *args: int) -> str:
    return reverse(f"evaluation:{name}", args=args)


@pytest.fixture
def period(month):
    return open_month(month)


@pytest.fixture
def son(month, client, period):
    """Sơn signed in, with his evaluation of 2026-10."""
    client.force_login(month.user(SON))
    return ev(month, SON, period)


def add_product(
    month, evaluation, title="Báo cáo tháng", completed=True, errors=0, delays=0, name=SON
):
    product = product_register(evaluation=evaluation, user=month.user(name), title=title)
    if completed is not None:
        product_set_outcome(
            product=product,
            user=month.user(name),
            completed=completed,
            major_errors=errors,
            delays=delays,
        )
    return product


def publish(month, evaluation, *, level="HTTNV", score="84.50", appeal_until=None):
    """A published result as the approval leaves it (set directly: this page only reads it)."""
    Evaluation.objects.filter(pk=evaluation.pk).update(
        status=Status.PUBLISHED,
        score=Decimal(score),
        final_level=level,
        proposed_level=level,
        reasons=[
            {
                "code": "score.total",
                "message": f"Tổng điểm {score} = tiêu chí chung",
                "message_en": f"Total {score} = general criteria",
            }
        ],
        approved_by=month.user("alice"),
        approved_at=timezone.now(),
        published_at=timezone.now(),
        appeal_until=appeal_until or timezone.localdate() + dt.timedelta(days=5),
        manager_comment="Cần chủ động hơn",
    )
    evaluation.refresh_from_db()
    return evaluation


# --- the whole path ------------------------------------------------------------------------


def test_the_person_registers_a_product_self_assesses_and_submits(month, client, son):
    page = client.get(url("my-month")).content.decode()
    for hook in ("product-title", "product-add", "self-score-G1", "self-save", "self-submit"):
        assert f'data-test="{hook}"' in page
    assert "2026-10" in page and "Tự đánh giá và gửi" in page

    response = client.post(
        url("my-product-add", son.pk), {"title": "Kế hoạch quý IV", "weight": "1,5"}
    )
    assert response.status_code == 302
    product = Product.objects.get(evaluation=son)
    assert (product.title, product.weight) == ("Kế hoạch quý IV", Decimal("1.5"))
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="product-outcome-save"' in page and "Kế hoạch quý IV" in page

    response = client.post(
        url("my-product-outcome", son.pk, product.pk),
        {"completed": "yes", "major_errors": "0", "delays": "1"},
    )
    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.completed, product.delays) == (True, 1)

    son.refresh_from_db()
    scores = {f"scores.G{i}": "5" for i in range(1, 7)}
    response = client.post(
        url("my-self-assess", son.pk),
        {**scores, "comment": "Hoàn thành đúng hạn", "version": son.version, "action": "save"},
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert son.status == Status.DRAFT and son.self_comment == "Hoàn thành đúng hạn"
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="proposed-level"' in page  # shown after saving, without any script

    response = client.post(
        url("my-self-assess", son.pk),
        {**scores, "comment": "Hoàn thành đúng hạn", "version": son.version, "action": "submit"},
    )
    assert response.status_code == 302
    son.refresh_from_db()
    assert son.status == Status.SELF_ASSESSED
    page = client.get(url("my-month")).content.decode()
    assert "Chờ người quản lý chấm" in page and 'data-test="self-submit"' not in page


def test_the_entry_page_is_the_current_open_month(month, client, son):
    later = open_month(month, "2026-11")
    page = client.get(url("my-month")).content.decode()
    assert "Phiếu đánh giá — Tháng 11/2026" in page
    assert url("my-evaluation", ev(month, SON, later).pk) in page
    assert url("my-evaluation", son.pk) in page  # October, in the history


def test_a_product_is_removed_while_editable(month, client, son):
    product = add_product(month, son)
    assert client.post(url("my-product-delete", son.pk, product.pk)).status_code == 302
    assert not Product.objects.filter(pk=product.pk).exists()


# --- scope ---------------------------------------------------------------------------------


def test_another_persons_evaluation_is_a_404_even_for_their_manager(month, client, period):
    son = ev(month, SON, period)
    tam = ev(month, "Tâm", period)
    tam_product = add_product(month, tam, name="Tâm")
    client.force_login(month.user(SON))
    assert client.get(url("my-evaluation", tam.pk)).status_code == 404
    assert client.post(url("my-preview", tam.pk), {"scores.G1": "5"}).status_code == 404
    # Tâm's product under Sơn's own evaluation: still not his.
    assert (
        client.post(
            url("my-product-outcome", son.pk, tam_product.pk), {"completed": "yes"}
        ).status_code
        == 404
    )
    assert client.post(url("my-product-delete", son.pk, tam_product.pk)).status_code == 404

    client.force_login(month.user("bob"))  # Sơn's manager: his team page, not this one
    posts = {
        "my-product-add": {"title": "x"},
        "my-self-assess": {"scores.G1": "1", "version": son.version},
        "my-preview": {"scores.G1": "1"},
        "my-appeal": {"reason": "x"},
    }
    assert client.get(url("my-evaluation", son.pk)).status_code == 404
    for name, data in posts.items():
        assert client.post(url(name, son.pk), data).status_code == 404, name
    assert (
        client.post(
            url("my-product-outcome", son.pk, tam_product.pk), {"completed": "yes"}
        ).status_code
        == 404
    )


def test_charlie_of_so_beta_gets_a_404(month, client, period):
    son = ev(month, SON, period)
    product = add_product(month, son)
    client.force_login(month.user("charlie"))
    assert client.get(url("my-evaluation", son.pk)).status_code == 404
    assert client.post(url("my-product-add", son.pk), {"title": "x"}).status_code == 404
    assert client.post(url("my-product-outcome", son.pk, product.pk), {}).status_code == 404
    assert client.post(url("my-product-delete", son.pk, product.pk)).status_code == 404
    assert client.post(url("my-self-assess", son.pk), {"version": 1}).status_code == 404
    assert client.post(url("my-preview", son.pk), {}).status_code == 404
    assert client.post(url("my-appeal", son.pk), {"reason": "x"}).status_code == 404
    assert Product.objects.filter(evaluation=son).count() == 1


def test_with_no_open_month_the_entry_page_is_the_period_that_ended_last(month, client):
    """Every month closed: the one that ended last is shown."""
    from evaluation.models import Period, PeriodStatus

    client.force_login(month.user(SON))
    for label in ("2026-08", "2026-09"):
        open_month(month, label)
    Period.objects.update(status=PeriodStatus.CLOSED)
    response = client.get(url("my-month"))
    assert response.status_code == 200
    assert response.context["evaluation"].period.label == "2026-09"


def test_someone_without_a_staff_record_gets_a_kind_page(month, client, period):
    client.force_login(month.user("sam"))  # the province admin is not on any staff list
    response = client.get(url("my-month"))
    assert response.status_code == 200
    assert "chưa được gắn với hồ sơ cán bộ" in response.content.decode()
    assert client.get(url("my-evaluation", ev(month, SON, period).pk)).status_code == 404


def test_a_person_without_any_evaluation_yet_is_told_when_it_comes(month, client):
    client.force_login(month.user(SON))
    page = client.get(url("my-month")).content.decode()
    assert "Bạn chưa có phiếu đánh giá nào" in page


def test_anonymous_visitors_are_sent_to_sign_in(client, db):
    response = client.get(url("my-month"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


# --- errors keep what was typed ------------------------------------------------------------


def test_a_validation_error_keeps_the_typed_values_and_saves_nothing(month, client, son):
    data = {f"scores.G{i}": "4" for i in range(1, 7)}
    data |= {"scores.G1": "7", "scores.G2": "4,5", "comment": "Ý kiến đang soạn"}
    response = client.post(
        url("my-self-assess", son.pk), {**data, "version": son.version, "action": "save"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Vượt mức tối đa 5" in page
    assert 'value="7"' in page and 'value="4.5"' in page and "Ý kiến đang soạn" in page
    assert 'aria-invalid="true"' in page
    assert not CriterionScore.objects.filter(evaluation=son).exists()


def test_submitting_without_outcomes_says_so_and_keeps_the_scores(month, client, son):
    add_product(month, son, completed=None)
    data = {f"scores.G{i}": "3" for i in range(1, 7)}
    response = client.post(
        url("my-self-assess", son.pk), {**data, "version": son.version + 1, "action": "submit"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Chưa báo cáo kết quả sản phẩm" in page and 'value="3"' in page
    assert Evaluation.objects.get(pk=son.pk).status == Status.DRAFT


def test_a_product_error_shows_next_to_its_field_with_the_title_kept(month, client, son):
    fake = SimpleUploadedFile("minh-chung.pdf", b"MZ\x90\x00 not a pdf", "application/pdf")
    response = client.post(
        url("my-product-add", son.pk),
        {"title": "Tờ trình dự án", "weight": "2", "evidence_file": fake},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nội dung tệp không đúng loại .pdf" in page and 'value="Tờ trình dự án"' in page
    assert not Product.objects.filter(evaluation=son).exists()

    response = client.post(url("my-product-add", son.pk), {"title": "", "weight": "abc"})
    assert response.status_code == 400 and "Bắt buộc nhập tên sản phẩm" in response.content.decode()
    bad_url = client.post(
        url("my-product-add", son.pk), {"title": "Báo cáo", "evidence_url": "javascript:alert(1)"}
    )
    assert bad_url.status_code == 400 and "http://" in bad_url.content.decode()


def test_a_real_pdf_is_accepted_as_evidence(month, client, son, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    pdf = SimpleUploadedFile("bao-cao.pdf", b"%PDF-1.4\n%test\n", "application/pdf")
    response = client.post(
        url("my-product-add", son.pk), {"title": "Báo cáo", "evidence_file": pdf}
    )
    assert response.status_code == 302
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert "bao-cao" in page


def test_an_outcome_error_is_shown_on_that_product(month, client, son):
    product = add_product(month, son, completed=None)
    response = client.post(
        url("my-product-outcome", son.pk, product.pk), {"completed": "yes", "major_errors": "99"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Phải là số nguyên từ 0 đến 50" in page and 'value="99"' in page


def test_a_stale_save_shows_the_conflict_and_overwrites_nothing(month, client, son):
    seen_version = son.version
    # Meanwhile, from another tab: G1 = 3 is saved.
    evaluation_self_assess(evaluation=son, user=month.user(SON), scores={"G1": 3})
    son.refresh_from_db()
    response = client.post(
        url("my-self-assess", son.pk),
        {"scores.G1": "5", "comment": "Bản của tôi", "version": seen_version, "action": "save"},
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert 'data-test="self-conflict"' in page and "Bản của tôi" in page
    assert 'value="5"' in page  # what was typed stays in the form
    assert f'name="version" value="{son.version}"' in page  # saving again is a deliberate choice
    saved = CriterionScore.objects.get(evaluation=son, criterion__code="G1")
    assert saved.self_points == 3
    son.refresh_from_db()
    assert son.self_comment == ""


# --- the live proposal ---------------------------------------------------------------------


def test_the_preview_follows_the_typed_scores_and_writes_nothing(month, client, son):
    add_product(month, son)
    version = Evaluation.objects.get(pk=son.pk).version
    full = {f"scores.G{i}": "5" for i in range(1, 7)}
    high = client.post(url("my-preview", son.pk), full).content.decode()
    assert 'data-level="HTXSNV"' in high and "Tổng điểm 100" in high
    low = client.post(url("my-preview", son.pk), {**full, "scores.G1": "0", "scores.G2": "0"})
    low_page = low.content.decode()
    assert low.status_code == 200 and "Tổng điểm 90" in low_page

    poor = client.post(url("my-preview", son.pk), {f"scores.G{i}": "" for i in range(1, 7)})
    assert 'data-level="HTTNV"' in poor.content.decode()  # 0 + 70: the products alone

    wrong = client.post(url("my-preview", son.pk), {**full, "scores.G3": "9"}).content.decode()
    assert "Vượt mức tối đa 5" in wrong and 'data-test="proposed-level"' in wrong

    assert not CriterionScore.objects.filter(evaluation=son).exists()
    assert Evaluation.objects.get(pk=son.pk).version == version


def test_the_form_posts_the_preview_with_htmx(month, client, son):
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert f'hx-post="{url("my-preview", son.pk)}"' in page and 'hx-target="#proposal"' in page
    assert "js/my_month.js" in page and "<script>" not in page and " onclick" not in page


# --- returned, published, appealed ----------------------------------------------------------


def test_a_returned_evaluation_shows_why(month, client, son):
    self_assess(month, SON, son.period)
    evaluation_return(
        evaluation=ev(month, SON, son.period),
        user=month.user("bob"),
        to="person",
        reason="Thiếu minh chứng cho báo cáo",
    )
    page = client.get(url("my-month")).content.decode()
    assert 'data-test="return-reason"' in page and "Thiếu minh chứng cho báo cáo" in page
    assert 'data-test="self-submit"' in page  # editable again


def test_the_published_result_and_an_appeal(month, client, son):
    self_assess(month, SON, son.period)
    son = publish(month, son)
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="result-level"' in page and "Hoàn thành tốt nhiệm vụ" in page
    assert 'data-test="result-score">84,50<' in page
    assert "Tổng điểm 84.50 = tiêu chí chung" in page and "Cần chủ động hơn" in page
    assert 'data-test="appeal-reason"' in page and 'data-test="appeal-submit"' in page

    empty = client.post(url("my-appeal", son.pk), {"reason": "  "})
    assert empty.status_code == 400 and "Bắt buộc ghi rõ lý do" in empty.content.decode()

    response = client.post(url("my-appeal", son.pk), {"reason": "Tôi đã hoàn thành vượt kế hoạch"})
    assert response.status_code == 302
    assert Appeal.objects.get(evaluation=son).reason == "Tôi đã hoàn thành vượt kế hoạch"
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert "Đang xem xét" in page and "Tôi đã hoàn thành vượt kế hoạch" in page
    assert 'data-test="appeal-submit"' not in page


def test_an_appeal_after_the_window_shows_the_services_error(month, client, son):
    son = publish(month, son, appeal_until=timezone.localdate() - dt.timedelta(days=1))
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="appeal-submit"' not in page
    response = client.post(url("my-appeal", son.pk), {"reason": "Xin xem lại"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "Đã hết thời hạn kiến nghị" in page and "Xin xem lại" in page
    assert not Appeal.objects.exists()


def test_an_approved_but_unpublished_level_is_not_shown(month, client, son):
    son = publish(month, son, level="HTXSNV")
    Evaluation.objects.filter(pk=son.pk).update(status=Status.APPROVED)
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert "Hoàn thành xuất sắc nhiệm vụ" not in page and 'data-test="result-level"' not in page


# --- history -------------------------------------------------------------------------------


def past_months(month, labels):
    """Sơn's published months, each with a product."""
    for i, label in enumerate(labels):
        period = open_month(month, label)
        evaluation = ev(month, SON, period)
        add_product(month, evaluation, title=f"Sản phẩm {label}")
        publish(month, evaluation, level="HTTNV", score=f"{80 + i}.00")


def page_queries(client, pk):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url("my-evaluation", pk)).status_code == 200
    return len(queries)


def test_history_lists_past_months_with_a_trend_chart(month, client, son):
    past_months(month, ["2026-07", "2026-08", "2026-09"])
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="trend-chart"' in page and page.count('<circle class="dot') == 3
    assert "2026-07" in page and "82,00" in page  # Vietnamese writes a decimal comma
    july = Evaluation.objects.get(staff=month.staff[SON], period__label="2026-07")
    assert url("my-evaluation", july.pk) in page


def test_history_and_products_read_in_a_constant_number_of_queries(month, client, son):
    past_months(month, ["2026-01", "2026-02", "2026-03"])
    for i in range(3):
        add_product(month, son, title=f"Việc {i}")
    page_queries(client, son.pk)  # the rule set's rules are read once per process, then cached
    few = page_queries(client, son.pk)
    past_months(month, ["2026-04", "2026-05", "2026-06"])
    for i in range(3, 6):
        add_product(month, son, title=f"Việc {i}")
    assert page_queries(client, son.pk) == few
    # session, user, roles, own record, history, the evaluation, its scores, its products (no
    # appeal can exist before the result is published)
    assert few <= 8


def test_the_entry_page_finds_the_open_month_in_the_history_it_shows(month, client, son):
    """``/evaluation/my/`` costs what the evaluation's own page costs: the history it lists
    names the current month, no query of its own."""
    past_months(month, ["2026-07", "2026-08", "2026-09"])
    page_queries(client, son.pk)  # rules cached
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url("my-month"))
    assert response.status_code == 200
    assert response.context["evaluation"].pk == son.pk
    assert len(queries) == page_queries(client, son.pk)


def test_the_saved_self_assessment_is_shown_read_only_once_submitted(month, client, son):
    self_assess(month, SON, son.period, scores=FULL)
    page = client.get(url("my-evaluation", son.pk)).content.decode()
    assert 'data-test="self-score-G1"' not in page and 'data-test="proposed-level"' in page


def test_the_page_reads_in_english_too(month, client, son):
    add_product(month, son)
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    response = client.get(url("my-evaluation", son.pk))
    assert (
        response.status_code == 200 and "Total 70 = general criteria 0" in response.content.decode()
    )
