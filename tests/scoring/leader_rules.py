"""A published version of ND335-2025 with Decree 335's leader components, made the way the
Sở Nội vụ makes one: a new draft version of the template and of the rule set, edited, published
(``scoring.services``). Decree 335 as in force from 1/1/2026: no Decree 90 gate, and the quota
on the year only (classification is annual, DOMAIN.md §4.5)."""

from __future__ import annotations

from typing import Any

from scoring import services
from scoring.models import CriteriaTemplate, RuleSet, Status

ORGANISING_GUIDANCE = "100%: hoàn thành toàn bộ kế hoạch, đúng hạn, có sáng kiến."
UNITY_GUIDANCE = "100%: đơn vị đoàn kết, không có đơn thư."


def publish_leader_components(
    *, code: str = "ND335-2025", user: Any = None, **template_fields: Any
) -> RuleSet:
    """Publish a new version of rule set ``code`` on a new version of its template with
    ``leader_components`` on (``template_fields`` override the template's fields)."""
    current = RuleSet.objects.filter(code=code, status=Status.PUBLISHED).latest("version")
    template = services.template_new_version(template=current.template, user=user)
    fields = {
        "leader_components": True,
        "leader_unit_share": 0,
        "organising_guidance": ORGANISING_GUIDANCE,
        "unity_guidance": UNITY_GUIDANCE,
        **template_fields,
    }
    CriteriaTemplate.objects.filter(pk=template.pk).update(**fields)
    template = services.template_publish(template=template, user=user)
    ruleset = services.ruleset_new_version(ruleset=current, user=user, template=template)
    RuleSet.objects.filter(pk=ruleset.pk).update(
        gates_enabled=False, quota_applies_month=False, quota_applies_quarter=False
    )
    return services.ruleset_publish(ruleset=ruleset, user=user)
