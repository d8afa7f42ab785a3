"""Periods, evaluations, products, workflow, appeals, audit, notifications (DOMAIN.md §5–7)."""
