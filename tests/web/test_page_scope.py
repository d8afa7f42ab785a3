"""Every page that names an object refuses another agency's caller with a 404.

The table below names, for EVERY route of the web app that takes an argument, how to build
the address of an object of Sở Alpha. Charlie — head of Sở Beta, an approver with dashboards
of his own — and Sở Beta's HR officer open each one and must get a 404 on GET and POST (or
405 for a method the page does not take): another agency's object is never confirmed to
exist. A route with arguments that is missing from the table fails
``test_every_page_with_an_argument_has_an_entry``: a new page cannot ship without its scope.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from dashboards.models import ExportJob
from evaluation.models import Appeal, Evaluation, Notification, PeriodJob
from evaluation.services.appeals import appeal_file
from staff.models import ImportJob, Role
from tests.evaluation.conftest import STAFF_NAMES
from tests.evaluation.helpers import ev, publish_alpha
from tests.factories import RoleAssignmentFactory, UserFactory

WEB_NAMESPACES = ("evaluation", "staff", "scoring", "dashboards")


def _routes(
    patterns: list[Any], namespace: str = "", prefix: str = ""
) -> Iterator[tuple[str, str, URLPattern]]:
    for entry in patterns:
        if isinstance(entry, URLResolver):
            ns = entry.namespace or namespace
            yield from _routes(entry.url_patterns, ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and namespace in WEB_NAMESPACES and entry.name:
            yield f"{namespace}:{entry.name}", prefix + str(entry.pattern), entry


def routes_with_arguments() -> dict[str, str]:
    return {
        name: route
        for name, route, pattern in _routes(get_resolver().url_patterns)
        if pattern.pattern.converters
    }


class Alpha:
    """Sở Alpha's month, published, with an appeal: every kind of object a page can name."""

    def __init__(self, month: Any) -> None:
        self.month = month
        self.period = period = publish_alpha(month)
        self.evaluation: Evaluation = ev(month, STAFF_NAMES[1], period)
        self.appeal: Appeal = appeal_file(
            evaluation=self.evaluation, user=month.user(STAFF_NAMES[1]), reason="Xin xem lại"
        )
        self.product = self.evaluation.products.first()
        self.notification = Notification.objects.filter(
            recipient=month.user(STAFF_NAMES[1])
        ).first()
        self.import_job = ImportJob.objects.create(
            created_by=month.user("huong"), agency=month.agency_a, filename="a.xlsx"
        )
        self.period_job = PeriodJob.objects.create(
            kind="open", ruleset_code="ND335-2025", label=period.label, created_by=month.user("sam")
        )
        self.export_job = ExportJob.objects.create(
            user=month.user("alice"), spec={}, fmt="csv", title="Sở Alpha"
        )


# route name → the kwargs of a Sở Alpha object
TABLE: dict[str, Callable[[Alpha], dict[str, Any]]] = {
    "evaluation:official-results": lambda a: {
        "period_label": a.period.label,
        "agency_code": a.month.agency_a.code,
    },
    "staff:import-detail": lambda a: {"pk": a.import_job.pk},
    "staff:import-status": lambda a: {"pk": a.import_job.pk},
    "staff:import-confirm": lambda a: {"pk": a.import_job.pk},
    "staff:import-cancel": lambda a: {"pk": a.import_job.pk},
    "staff:import-report": lambda a: {"pk": a.import_job.pk},
    "dashboards:agency": lambda a: {"code": a.month.agency_a.code},
    "evaluation:notification-open": lambda a: {"pk": a.notification.pk},
    # Tâm's own month: only Tâm
    "evaluation:my-evaluation": lambda a: {"pk": a.evaluation.pk},
    "evaluation:my-self-assess": lambda a: {"pk": a.evaluation.pk},
    "evaluation:my-preview": lambda a: {"pk": a.evaluation.pk},
    "evaluation:my-product-add": lambda a: {"pk": a.evaluation.pk},
    "evaluation:my-product-outcome": lambda a: {"pk": a.evaluation.pk, "product_pk": a.product.pk},
    "evaluation:my-product-delete": lambda a: {"pk": a.evaluation.pk, "product_pk": a.product.pk},
    "evaluation:my-appeal": lambda a: {"pk": a.evaluation.pk},
    # Bob's team: only Bob (and the delegate for the head)
    "evaluation:team-score": lambda a: {"pk": a.evaluation.pk},
    "evaluation:team-preview": lambda a: {"pk": a.evaluation.pk},
    "evaluation:team-return": lambda a: {"pk": a.evaluation.pk},
    "evaluation:team-product-outcome": lambda a: {
        "pk": a.evaluation.pk,
        "product_pk": a.product.pk,
    },
    # Sở Alpha's approvers
    "evaluation:approval-appeal": lambda a: {"pk": a.appeal.pk},
    # Province roles only
    "evaluation:inspect-detail": lambda a: {"pk": a.evaluation.pk},
    "evaluation:period-detail": lambda a: {"pk": a.period.pk},
    "evaluation:period-close": lambda a: {"pk": a.period.pk},
    "evaluation:period-job": lambda a: {"pk": a.period_job.pk},
    "scoring:ruleset": lambda a: {"code": "ND335-2025", "version": 1},
    "scoring:template": lambda a: {"code": "ND335-2025-TPL", "version": 1},
    "scoring:template-xlsx": lambda a: {"code": "ND335-2025-TPL", "version": 1},
    # Sở Alpha's HR, the province
    "staff:person": lambda a: {"code": a.month.staff[STAFF_NAMES[1]].code},
    "dashboards:export-job": lambda a: {"pk": a.export_job.pk},
    "dashboards:export-file": lambda a: {"pk": a.export_job.pk},
}


def test_every_page_with_an_argument_has_an_entry():
    missing = sorted(set(routes_with_arguments()) - set(TABLE))
    assert missing == [], f"pages with no scope entry in TABLE: {missing}"


@pytest.fixture
def alpha(month) -> Alpha:
    return Alpha(month)


def _beta_hr_officer(month: Any) -> Any:
    user = UserFactory(username="beta-hr")
    RoleAssignmentFactory(user=user, role=Role.HR_OFFICER, agency=month.agency_b)
    return user


INTRUDERS = {"charlie": lambda month: month.user("charlie"), "beta_hr": _beta_hr_officer}


@pytest.mark.parametrize("name", sorted(TABLE))
def test_another_agencys_people_get_404(name, alpha, month):
    url = reverse(name, kwargs=TABLE[name](alpha))
    for intruder, user in INTRUDERS.items():
        client = Client()
        client.force_login(user(month))
        answers = {
            "GET": client.get(url).status_code,
            "POST": client.post(url, {"reason": "x", "version": 1}).status_code,
        }
        # 405 (a method the page does not take) reveals nothing; any other answer than 404 does.
        assert set(answers.values()) <= {404, 405} and 404 in answers.values(), (
            f"{intruder} {url}: {answers}"
        )
