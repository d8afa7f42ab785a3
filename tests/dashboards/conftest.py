"""The dashboards read the month the evaluation tests live through."""

from tests.evaluation.conftest import month, standard_rules  # noqa: F401 — shared fixtures
