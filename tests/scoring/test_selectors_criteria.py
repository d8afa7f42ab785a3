"""A published template's criteria are read once per process; a draft's every time."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scoring.models import Criterion, CriterionGroup
from scoring.selectors import template_criteria


def test_a_published_templates_criteria_are_read_once(
    published_template, django_assert_num_queries
):
    first = template_criteria(published_template)
    assert [c.code for c in first] == ["G1", "G2"]
    with django_assert_num_queries(0):
        assert template_criteria(published_template) is first


def test_the_cache_key_is_the_template_and_its_publication(published_template):
    """An id reused (a restore, a test's rollback) with another publication time is read
    afresh, not answered from what the old template held."""
    first = template_criteria(published_template)
    published_template.published_at = timezone.now() + dt.timedelta(seconds=1)
    assert template_criteria(published_template) is not first


def test_a_drafts_criteria_are_read_every_time(draft_template, django_assert_num_queries):
    before = len(template_criteria(draft_template))
    group = CriterionGroup.objects.filter(template=draft_template).first()
    Criterion.objects.create(
        template=draft_template, group=group, code="ZZ", name="Thêm", max_points=1, order=99
    )
    with django_assert_num_queries(1):
        after = template_criteria(draft_template)
    assert len(after) == before + 1 and after[-1].code == "ZZ"
