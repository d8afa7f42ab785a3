"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()


def freeze_startup_objects() -> int:
    """Import every view (through the URL patterns), then move every object alive now — modules,
    classes, URL patterns, settings: what lives as long as the worker — out of the garbage
    collector's reach (``gc.freeze``). A full collection then scans only what requests left
    behind: in-process, a month-end mix spent 409 ms in four full collections of about 100 ms
    each per 820 requests, 18 ms after freezing, and 10 % less CPU in all (docs/performance.md).
    Returns how many objects were frozen."""
    get_resolver().url_patterns  # noqa: B018 — imports every app's views
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


freeze_startup_objects()
