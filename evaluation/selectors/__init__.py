"""Reads of the monthly workflow, one module per screen (matching ``views/``): plain functions,
keyword-only where they take more than the scope, each scoped through ``staff.access``."""
