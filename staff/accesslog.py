"""Accountable access: the one place that writes ``AccessLog`` rows.

Three kinds of rows, each with time and source address:

* ``read`` — someone opened an evaluation that is not their own (the API's detail, proposal and
  audit of one evaluation); reading one's own evaluation is not logged;
* ``login_failed`` — Django's ``user_login_failed`` signal: the username tried;
* ``refused`` — the API answered 403 or 404 to a signed-in user (config/exceptions.py).

The inspector and the province admin read them at ``/api/v1/access-log/`` and in the admin.
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any, Protocol

from django.conf import settings
from django.contrib.auth.signals import user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from staff.models import AccessKind, AccessLog, StaffMember


class PersonRecord(Protocol):
    """What is logged of a record read (an evaluation, in the workflow)."""

    pk: Any
    staff_id: int
    staff: StaffMember


logger = logging.getLogger(__name__)


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address: ``REMOTE_ADDR``, or — behind the reverse proxy — the header named
    by ``CLIENT_IP_HEADER`` (e.g. ``HTTP_X_REAL_IP``), which only the proxy may set. django-axes
    uses the same function, so the lockout and the log agree on who "the IP" is."""
    if request is None:
        return None
    meta = getattr(request, "META", {})
    header = getattr(settings, "CLIENT_IP_HEADER", "")
    raw = (meta.get(header) if header else None) or meta.get("REMOTE_ADDR") or ""
    raw = raw.split(",")[0].strip()
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None


def _user_of(request: Any) -> Any:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def record_read(request: Any, evaluation: PersonRecord) -> None:
    """Log that the caller opened ``evaluation`` — unless it is their own."""
    user = _user_of(request)
    if user is None or evaluation.staff.user_id == user.pk:
        return
    AccessLog.objects.create(
        kind=AccessKind.READ,
        user=user,
        username=user.get_username(),
        ip=client_ip(request),
        path=request.path[:500],
        method=request.method,
        status=200,
        evaluation_id=evaluation.pk,
        staff_id=evaluation.staff_id,
    )


def record_refused(request: Any, status: int) -> None:
    """Log a 403/404 answered to a signed-in user (anonymous callers are refused by sign-in)."""
    user = _user_of(request)
    if user is None:
        return
    AccessLog.objects.create(
        kind=AccessKind.REFUSED,
        user=user,
        username=user.get_username(),
        ip=client_ip(request),
        path=request.path[:500],
        method=request.method,
        status=status,
    )


@receiver(user_login_failed, dispatch_uid="staff.accesslog.login_failed")
def record_login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    username = str(credentials.get("username") or "")[:150]
    AccessLog.objects.create(
        kind=AccessKind.LOGIN_FAILED,
        username=username,
        ip=client_ip(request),
        path=(request.path[:500] if request is not None else ""),
        method=(request.method or "" if request is not None else ""),
    )
