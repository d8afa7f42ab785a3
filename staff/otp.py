"""Two-factor sign-in for approvers with django-otp: TOTP plus ten single-use backup codes.

Required for everyone who can approve, publish or resolve appeals (``Scope.approver_agency_ids``,
and the province approver who signs the heads of agencies):
after the password, the sign-in page sends them to ``/accounts/otp/verify/`` (or to
``/accounts/otp/setup/`` the first time). The actions themselves re-check it in the services
(``evaluation.services.common.require_verified``), so a page or API call that skips the step is
refused with 403 ``otp_required``.
"""

from __future__ import annotations

import base64
from typing import Any

import django_otp
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from staff.access import scope_for

BACKUP_CODES = 10


def needs_second_factor(user: Any) -> bool:
    """Whoever can approve, publish or resolve appeals in some agency, and the province
    approver who signs the heads of agencies."""
    if not user.is_authenticated:
        return False
    scope = scope_for(user)
    return bool(scope.approver_agency_ids) or scope.approves_heads()


def is_verified(user: Any) -> bool:
    check = getattr(user, "is_verified", None)
    return bool(callable(check) and check())


def _with_next(name: str, target: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': target})}"


def _next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return "/"


class LoginView(auth_views.LoginView):
    """Django's sign-in page; an approver then goes on to the second factor."""

    def get_success_url(self) -> str:
        url = super().get_success_url()
        user = self.request.user
        if needs_second_factor(user) and not is_verified(user):
            step = "otp-verify" if django_otp.user_has_device(user) else "otp-setup"
            return _with_next(step, url)
        return url


def _pending_totp(user: Any) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="TOTP", confirmed=False)


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Register an authenticator app: show its secret and otpauth URI as text; once a correct
    code comes back, confirm it and show ten backup codes — once, never again."""
    if django_otp.user_has_device(request.user) and not is_verified(request.user):
        # A second app may only be added from a session that already passed the first one.
        return redirect(_with_next("otp-verify", request.path))
    device = _pending_totp(request.user)
    error = ""
    if request.method == "POST":
        token = (request.POST.get("token") or "").strip()
        if device.verify_token(token):
            device.confirmed = True
            device.save(update_fields=["confirmed"])
            django_otp.login(request, device)
            static, _created = StaticDevice.objects.get_or_create(
                user=request.user, name="backup", defaults={"confirmed": True}
            )
            static.token_set.all().delete()
            codes = [StaticToken.random_token() for _ in range(BACKUP_CODES)]
            StaticToken.objects.bulk_create(StaticToken(device=static, token=c) for c in codes)
            return render(
                request,
                "registration/otp_setup.html",
                {"codes": codes, "next": _next(request)},
            )
        error = _("Mã không đúng hoặc đã hết hạn; hãy nhập mã đang hiện trên ứng dụng")
    secret = base64.b32encode(device.bin_key).decode()
    return render(
        request,
        "registration/otp_setup.html",
        {
            "secret": secret,
            "uri": device.config_url,
            "error": error,
            "next": _next(request),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """Enter a 6-digit code from the app, or one of the backup codes (each works once)."""
    if not django_otp.user_has_device(request.user):
        return redirect(_with_next("otp-setup", _next(request)))
    error = ""
    if request.method == "POST":
        token = "".join((request.POST.get("token") or "").split())
        device = django_otp.match_token(request.user, token) if token else None
        if device is not None:
            django_otp.login(request, device)
            return redirect(_next(request))
        error = _("Mã không đúng, đã dùng hoặc đã hết hạn")
    return render(
        request,
        "registration/otp_verify.html",
        {"error": error, "next": _next(request)},
    )
