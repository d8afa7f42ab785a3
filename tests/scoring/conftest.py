"""Database fixtures for the scoring models, services, selectors and admin tests.

The story: Hoa (a Sở Nội vụ officer, superuser) maintains the rules; a draft template with two
criteria and a draft rule set on it are her work in progress; the published pair is what the
province rates with.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import call_command

from scoring import services
from scoring.models import CapRule, CriteriaTemplate, Criterion, CriterionGroup, RuleSet

STANDARD_FIXTURE = Path(settings.BASE_DIR) / "fixtures" / "scoring_standard.json"


@pytest.fixture
def hoa(django_user_model: Any) -> Any:
    return django_user_model.objects.create_superuser(
        username="hoa", email="hoa@snv.example", password="x"
    )


@pytest.fixture
def draft_template(db: None) -> CriteriaTemplate:
    template = CriteriaTemplate.objects.create(code="TPL", version=1, name="Mẫu thử")
    group = CriterionGroup.objects.create(template=template, code="CHUNG", name="Tiêu chí chung")
    for i in (1, 2):
        Criterion.objects.create(
            template=template, group=group, code=f"G{i}", name=f"Tiêu chí {i}", max_points=15
        )
    return template


@pytest.fixture
def published_template(draft_template: CriteriaTemplate, hoa: Any) -> CriteriaTemplate:
    return services.template_publish(template=draft_template, user=hoa)


@pytest.fixture
def draft_ruleset(published_template: CriteriaTemplate) -> RuleSet:
    ruleset = RuleSet.objects.create(
        code="RS", version=1, name="Bộ thử", template=published_template
    )
    CapRule.objects.create(
        ruleset=ruleset, code="under6", period_kind="year", min_months=0, max_months=5
    )
    CapRule.objects.create(
        ruleset=ruleset,
        code="6to9",
        period_kind="year",
        min_months=6,
        max_months=9,
        max_level="HTNV",
    )
    return ruleset


@pytest.fixture
def published_ruleset(draft_ruleset: RuleSet, hoa: Any) -> RuleSet:
    return services.ruleset_publish(ruleset=draft_ruleset, user=hoa)


@pytest.fixture
def standard_rules(db: None) -> None:
    """The standard rules of 1 January 2026 (ND335-2025 v1, HN-3814 v1), which these tests
    describe; the later versions are checked in test_load_standard_rules.py."""
    call_command(
        "load_standard_rules", str(STANDARD_FIXTURE), "--published-by", "2026-01-01", verbosity=0
    )
