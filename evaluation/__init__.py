"""Periods, evaluations, products, workflow, appeals, audit, notifications (the workflow issue)."""
