"""The staff app's Celery tasks, gathered where Celery's autodiscovery looks (``<app>.tasks``).

The import job's task is declared beside the service it runs (``staff.imports.jobs``); this
module only imports it, so that a worker registers it at start.
"""

from staff.imports.jobs import run_import_job

__all__ = ["run_import_job"]
