"""The pages of the four roles live through the same month as the workflow tests."""

from tests.evaluation.conftest import month, standard_rules  # noqa: F401
