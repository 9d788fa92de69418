"""API authentication: a conversation's bearer token, or a clinician's personal token.

Both read the Authorization header themselves instead of using ninja's
HttpBearer.__call__, which logs the raw header (the secret) when DEBUG is on.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from reviewapp.tokens import conversation_for_token, user_for_api_token


def _credential(request: HttpRequest, scheme: str) -> str | None:
    scheme_given, _, credential = request.headers.get("Authorization", "").partition(" ")
    if scheme_given.lower() != scheme or not credential.strip():
        return None
    return credential.strip()


class ConversationBearer(HttpBearer):
    """``Authorization: Bearer <token>``: the patient of one conversation."""

    def __call__(self, request: HttpRequest):
        token = _credential(request, "bearer")
        return self.authenticate(request, token) if token else None

    def authenticate(self, request: HttpRequest, token: str):
        return conversation_for_token(token)


class ClinicianToken(HttpBearer):
    """``Authorization: Token <api token>``: a clinician's personal API token."""

    openapi_scheme = "token"

    def __call__(self, request: HttpRequest):
        token = _credential(request, "token")
        return self.authenticate(request, token) if token else None

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user
