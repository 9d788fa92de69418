"""Refused and failed requests: audited refusals, and the product's own error pages.

A refusal is audited (who, which page, which ids; never a patient's token or text).
A malformed parameter answers 400 with what was wrong. A patient's page never shows
Django's debug or bare English pages, DEBUG or not (reviewapp.middleware.ErrorPagesMiddleware):
their own page, in their language, with urgent help, and while the database is out of
reach a 503 that keeps what they wrote in the form.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseForbidden
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import translation

from reviewapp.audit import audit_record
from reviewapp.lib.params import BadParameter
from reviewapp.risk.protocol import resources_for

# URL prefixes of the pages patients reach (their chat link).
PATIENT_PATHS = ("/chat/",)


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


def bad_request(request: HttpRequest, exception=None) -> HttpResponse:
    # Only our own parameter errors say what was wrong: their messages are written to
    # be shown; other 400s (a suspicious host, say) get the general sentence.
    reason = str(exception) if isinstance(exception, BadParameter) else ""
    if not hasattr(request, "user"):
        # Refused before the middleware ran (a host not allowed): no session or user
        # for the context processors to read.
        return HttpResponse(render_to_string("400.html", {"reason": reason}), status=400)
    return render(request, "400.html", {"reason": reason}, status=400)


def is_patient_page(request: HttpRequest) -> bool:
    return request.path_info.startswith(PATIENT_PATHS)


def patient_error(request: HttpRequest, *, status: int, text: str = "") -> HttpResponse:
    """The patient's own error page (404, 500 or 503), in their language.

    Rendered without the request's context processors: they read the session and the
    user, from a database that may be why we are here.
    """
    language = request.POST.get("lang", "") if request.method == "POST" else ""
    if language not in dict(settings.LANGUAGES):
        language = translation.get_language()  # the conversation's, else the browser's
    with translation.override(language):
        context = {
            "status": status,
            "text": text,
            "posted": request.method == "POST",
            "resources": resources_for(language),
            "csrf_token": get_token(request),
        }
        page = render_to_string("patient/error.html", context)
    response = HttpResponse(page, status=status)
    response.headers["Content-Language"] = language
    return response
