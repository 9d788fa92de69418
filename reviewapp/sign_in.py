"""Who must prove a second factor, and the session limits every signed-in user lives by.

A second factor (TOTP, django-otp) is required of every role that sees patient
data or takes data out: clinicians, supervisors, curators, and staff. Sessions
end after ``SESSION_IDLE_MINUTES`` without a page the user asked for (polling
by an open page does not count: an unattended screen must lock) and after
``SESSION_MAX_HOURS`` whatever happens.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from reviewapp import roles
from reviewapp.audit import audit_record

SECOND_FACTOR_PERMISSIONS = (roles.REVIEW, roles.SUPERVISE, roles.EXPORT)
LOGGED_IN_AT = "countersign_logged_in_at"
ACTIVE_AT = "countersign_active_at"
ACTIVITY_RESOLUTION = 60  # seconds
# Reachable before the second factor: signing in and out, and what is not a
# clinician's page (the patient's chat and the token-authorised API).
OPEN_PATH_PREFIXES = ("/login/", "/logout/", "/account/two-factor/", "/static/", "/chat/", "/api/")


def needs_second_factor(user) -> bool:
    if not user.is_authenticated:
        return False
    return user.is_staff or any(roles.user_can(user, perm) for perm in SECOND_FACTOR_PERMISSIONS)


def session_expiry(*, now: float, logged_in: float, active: float) -> str | None:
    """Why a session is over ("idle", "age"), or None while it may go on."""
    if now - active > settings.COUNTERSIGN["SESSION_IDLE_MINUTES"] * 60:
        return "idle"
    if now - logged_in > settings.COUNTERSIGN["SESSION_MAX_HOURS"] * 3600:
        return "age"
    return None


def _to(request, url: str) -> HttpResponse:
    """A redirect a browser follows whether the request was a page or an htmx fragment."""
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=204)
        response["HX-Redirect"] = url
        return response
    return redirect(url)


class SessionLimitsMiddleware:
    """Ends sessions that were idle too long or are too old; after AuthenticationMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            now = time.time()
            session = request.session
            logged_in = session.setdefault(LOGGED_IN_AT, now)
            active = session.get(ACTIVE_AT, logged_in)
            expired = session_expiry(now=now, logged_in=logged_in, active=active)
            if expired:
                audit_record(
                    action="session.expired", actor=request.user, request=request, reason=expired
                )
                logout(request)
                return _to(request, reverse("login") + "?" + urlencode({"expired": expired}))
            # Saved at most once a minute: a session write on every page would cost
            # more than the minute of precision is worth.
            if not request.headers.get("HX-Request") and now - active > ACTIVITY_RESOLUTION:
                session[ACTIVE_AT] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Sends a signed-in user who owes a second factor to prove it; after OTPMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            needs_second_factor(user)
            and not user.is_verified()
            and not request.path.startswith(OPEN_PATH_PREFIXES)
        ):
            target = reverse("two_factor") + "?" + urlencode({"next": request.get_full_path()})
            return _to(request, target)
        return self.get_response(request)
