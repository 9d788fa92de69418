"""A user's own settings: the interface language."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from reviewapp.audit import audit_record
from reviewapp.lib.next_url import same_site_or_root
from reviewapp.middleware import remember_language
from reviewapp.models import UserPreference


@require_POST
@login_required
def language(request: HttpRequest) -> HttpResponse:
    chosen = request.POST.get("language", "")
    if chosen not in dict(settings.LANGUAGES):
        return HttpResponseBadRequest(_("Unknown language."))
    UserPreference.objects.update_or_create(user=request.user, defaults={"language": chosen})
    remember_language(request, chosen)
    audit_record(action="preference.language", actor=request.user, request=request, language=chosen)
    return redirect(same_site_or_root(request, request.POST.get("next", "")))
