"""The JSON API under /api/v1/, its error format, and its OpenAPI document.

Every error is ``{"error": "..."}`` with a 4xx status (503 while the database is
out of reach) and never echoes the request body back (it may be a patient's words).
"""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied
from django.db import DatabaseError
from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from reviewapp import workflow
from reviewapp.api import clinician, patient
from reviewapp.views.errors import audit_denied

api = NinjaAPI(
    title="Countersign API",
    version="1",
    urls_namespace="api",
    openapi_url="/openapi.json",
    docs_url=None,  # the interactive docs load scripts from a CDN
)
api.add_router("/", patient.router)
api.add_router("/", clinician.router)


logger = logging.getLogger(__name__)


def _error(request, message: str, status: int, **extra):
    return api.create_response(request, {"error": message, **extra}, status=status)


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    # Keep where and what, drop pydantic's "input", which echoes the payload.
    problems = [
        {"field": ".".join(str(part) for part in e.get("loc", ())), "problem": e.get("msg", "")}
        for e in exc.errors
    ]
    return _error(request, "The request is not valid.", 422, problems=problems)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return _error(request, "Missing or invalid credentials.", 401)


@api.exception_handler(PermissionDenied)
def _forbidden(request, exc):
    audit_denied(request, channel="api")
    return _error(request, str(exc) or "Not allowed.", 403)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, "Not found.", 404)


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    return _error(request, str(exc), exc.status_code)


@api.exception_handler(workflow.Conflict)
def _conflict(request, exc):
    return _error(request, str(exc), 409)


@api.exception_handler(workflow.WorkflowError)
def _refused(request, exc):
    return _error(request, str(exc), 400)


@api.exception_handler(DatabaseError)
def _database_unavailable(request, exc):
    # The transaction was rolled back whole; the client may simply try again. The
    # class only: a database error's message may quote a row.
    logger.error("database error on %s: %s", request.path, type(exc).__name__)
    return _error(request, "The service is briefly unavailable; try again.", 503)
