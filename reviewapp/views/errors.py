"""Refused requests: audited (who, which page, which ids; never a patient's token or text)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponseForbidden
from django.template.loader import render_to_string

from reviewapp.audit import audit_record


def audit_denied(request: HttpRequest, *, channel: str) -> None:
    match = getattr(request, "resolver_match", None)
    user = getattr(request, "user", None)
    audit_record(
        action="access.denied",
        actor=user,
        actor_kind="user" if user is not None and user.is_authenticated else "anonymous",
        request=request,
        channel=channel,
        view=match.view_name if match else "",
        # Ids only: a chat link's token is a patient's secret.
        ids={k: v for k, v in (match.kwargs if match else {}).items() if k != "token"},
        method=request.method,
    )


def forbidden(request: HttpRequest, exception=None) -> HttpResponseForbidden:
    audit_denied(request, channel="page")
    reason = str(exception) if exception is not None else ""
    return HttpResponseForbidden(render_to_string("403.html", {"reason": reason}, request=request))
