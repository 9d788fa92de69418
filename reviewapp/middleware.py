"""The interface language a signed-in user chose, kept in their session."""

from __future__ import annotations

from django.utils import translation

from reviewapp.models import UserPreference

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
