"""The interface language a signed-in user chose, kept in their session; and the
product's own error pages."""

from __future__ import annotations

import logging

from django.db import DatabaseError
from django.utils import translation

from reviewapp.lib.params import BadParameter
from reviewapp.models import UserPreference
from reviewapp.views import errors

logger = logging.getLogger(__name__)

SESSION_KEY = "countersign_language"


def remember_language(request, language: str) -> None:
    request.session[SESSION_KEY] = language
    translation.activate(language)
    request.LANGUAGE_CODE = language


class UserLanguageMiddleware:
    """Activates the user's chosen language; read from the database once per session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            language = request.session.get(SESSION_KEY)
            if language is None:
                preference = UserPreference.objects.filter(user=request.user).first()
                language = preference.language if preference else request.LANGUAGE_CODE
                request.session[SESSION_KEY] = language
            translation.activate(language)
            request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", translation.get_language())
        return response


class ErrorPagesMiddleware:
    """The product's own error pages, DEBUG or not (reviewapp/views/errors.py).

    A malformed parameter (``BadParameter``) answers 400 with its message. On a
    patient's page a 404 or 500 becomes the patient's page, never Django's debug page
    listing every URL; a database out of reach answers 503 with their text kept.
    Placed inside the CSP and frame-options middleware, so its pages get their headers.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code in (404, 500) and errors.is_patient_page(request):
            return errors.patient_error(request, status=response.status_code)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, BadParameter):
            return errors.bad_request(request, exception)
        if isinstance(exception, DatabaseError) and errors.is_patient_page(request):
            # The class only: its message may quote a row, the path holds the token.
            logger.error("database error on a patient page: %s", type(exception).__name__)
            return errors.patient_error(request, status=503, text=request.POST.get("text", ""))
        return None
