"""The Sở Nội vụ's admin: published versions render read-only and refuse edits."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from scoring.models import CriteriaTemplate, Criterion, RuleSet, Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_hoa(client, hoa):
    client.force_login(hoa)
    return client


@pytest.mark.parametrize("model", ["criteriatemplate", "ruleset"])
def test_the_changelists_render(admin_client_hoa, standard_rules, model):
    response = admin_client_hoa.get(reverse(f"admin:scoring_{model}_changelist"))
    assert response.status_code == 200
    assert b"ND335-2025" in response.content


def test_a_published_template_change_page_renders_read_only(admin_client_hoa, standard_rules):
    template = CriteriaTemplate.objects.get(code="ND335-2025-TPL")
    url = reverse("admin:scoring_criteriatemplate_change", args=[template.pk])
    response = admin_client_hoa.get(url)
    assert response.status_code == 200
    content = response.content.decode()
    assert "Phẩm chất chính trị, tư tưởng" in content  # the criteria inline is shown
    assert 'name="task_max"' not in content  # … but not as an input
    assert 'name="criteria-0-max_points"' not in content
    assert 'name="_save"' not in content


def test_a_published_rule_set_change_page_renders_read_only(admin_client_hoa, standard_rules):
    ruleset = RuleSet.objects.get(code="ND335-2025")
    response = admin_client_hoa.get(reverse("admin:scoring_ruleset_change", args=[ruleset.pk]))
    assert response.status_code == 200
    content = response.content.decode()
    assert "year_6_to_9_months" in content
    assert 'name="quota_percent"' not in content
    assert 'name="caps-0-max_level"' not in content


def test_posting_to_a_published_template_is_refused(admin_client_hoa, standard_rules):
    template = CriteriaTemplate.objects.get(code="ND335-2025-TPL")
    url = reverse("admin:scoring_criteriatemplate_change", args=[template.pk])
    response = admin_client_hoa.post(url, {"name": "Đổi tên", "task_max": "10"})
    assert response.status_code == 403
    template.refresh_from_db()
    assert template.task_max == Decimal("70")


def test_a_published_rule_set_cannot_be_deleted_from_the_admin(admin_client_hoa, standard_rules):
    ruleset = RuleSet.objects.get(code="ND335-2025")
    url = reverse("admin:scoring_ruleset_delete", args=[ruleset.pk])
    assert admin_client_hoa.get(url).status_code == 403
    assert admin_client_hoa.post(url, {"post": "yes"}).status_code == 403
    assert RuleSet.objects.filter(pk=ruleset.pk).exists()


def test_bulk_delete_action_refuses_published_rows(admin_client_hoa, standard_rules):
    ruleset = RuleSet.objects.get(code="ND335-2025")
    response = admin_client_hoa.post(
        reverse("admin:scoring_ruleset_changelist"),
        {"action": "delete_selected", "_selected_action": [ruleset.pk], "post": "yes"},
    )
    assert response.status_code == 403
    assert RuleSet.objects.filter(pk=ruleset.pk).exists()


def test_a_draft_template_can_be_edited_in_the_admin(admin_client_hoa, draft_template):
    url = reverse("admin:scoring_criteriatemplate_change", args=[draft_template.pk])
    response = admin_client_hoa.get(url)
    assert response.status_code == 200
    assert 'name="task_max"' in response.content.decode()
    criteria = list(draft_template.criteria.order_by("code"))
    group = draft_template.groups.get()
    data = {
        "code": "TPL",
        "name": "Mẫu đã sửa",
        "name_en": "",
        "description": "",
        "task_mode": "products",
        "task_max": "60",
        "weight_quantity": "1",
        "weight_quality": "1",
        "weight_progress": "1",
        "error_deduction": "0.25",
        "delay_deduction": "0.25",
        "bonus_max": "0",
        "deduction_max": "",
        "total_cap": "100",
        "leader_unit_share": "0",
        "unit_factor_if_khtnv": "0.5",
        "weight_unit": "1",
        "weight_organising": "1",
        "weight_unity": "1",
        "leader_component_steps": "",
        "organising_guidance": "",
        "unity_guidance": "",
        "groups-TOTAL_FORMS": "1",
        "groups-INITIAL_FORMS": "1",
        "groups-0-id": str(group.pk),
        "groups-0-template": str(draft_template.pk),
        "groups-0-code": group.code,
        "groups-0-name": group.name,
        "groups-0-name_en": "",
        "groups-0-order": "0",
        "criteria-TOTAL_FORMS": str(len(criteria)),
        "criteria-INITIAL_FORMS": str(len(criteria)),
        "adjustment_items-TOTAL_FORMS": "0",
        "adjustment_items-INITIAL_FORMS": "0",
    }
    for i, c in enumerate(criteria):
        data |= {
            f"criteria-{i}-id": str(c.pk),
            f"criteria-{i}-template": str(draft_template.pk),
            f"criteria-{i}-group": str(group.pk),
            f"criteria-{i}-code": c.code,
            f"criteria-{i}-name": c.name,
            f"criteria-{i}-name_en": "",
            f"criteria-{i}-max_points": "12",
            f"criteria-{i}-order": "0",
            f"criteria-{i}-guidance": "",
        }
    response = admin_client_hoa.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    draft_template.refresh_from_db()
    assert draft_template.task_max == Decimal("60")
    assert set(
        Criterion.objects.filter(template=draft_template).values_list("max_points", flat=True)
    ) == {Decimal("12")}


def test_the_new_version_action_makes_a_draft_copy(admin_client_hoa, standard_rules):
    ruleset = RuleSet.objects.get(code="ND335-2025")
    response = admin_client_hoa.post(
        reverse("admin:scoring_ruleset_changelist"),
        {"action": "new_version", "_selected_action": [ruleset.pk]},
        follow=True,
    )
    assert response.status_code == 200
    copy = RuleSet.objects.get(code="ND335-2025", version=2)
    assert copy.status == Status.DRAFT
    assert copy.caps.count() == 2


def test_the_publish_action_publishes_valid_drafts_and_reports_invalid_ones(
    admin_client_hoa, draft_template
):
    empty = CriteriaTemplate.objects.create(code="EMPTY", name="Rỗng")
    response = admin_client_hoa.post(
        reverse("admin:scoring_criteriatemplate_changelist"),
        {"action": "publish", "_selected_action": [draft_template.pk, empty.pk]},
        follow=True,
    )
    assert response.status_code == 200
    draft_template.refresh_from_db()
    empty.refresh_from_db()
    assert draft_template.status == Status.PUBLISHED
    assert empty.status == Status.DRAFT
    assert "at least one criterion" in response.content.decode()


@pytest.mark.parametrize("model", ["criteriatemplate", "ruleset"])
def test_the_add_pages_render(admin_client_hoa, db, model):
    assert admin_client_hoa.get(reverse(f"admin:scoring_{model}_add")).status_code == 200


def test_a_draft_rule_set_change_page_is_editable(admin_client_hoa, draft_ruleset):
    url = reverse("admin:scoring_ruleset_change", args=[draft_ruleset.pk])
    content = admin_client_hoa.get(url).content.decode()
    assert 'name="quota_percent"' in content
    assert 'name="caps-0-max_level"' in content
