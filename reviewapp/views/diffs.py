"""The live word-level diff under the edit box, for reviewers and annotators alike."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from reviewapp.diff import edit_distance, word_diff
from reviewapp.lib.params import optional_int


def render_diff(request: HttpRequest, candidates) -> HttpResponse:
    """Compare the edit so far with the chosen one of ``candidates``."""
    candidate = candidates.filter(pk=optional_int(request.POST.get("candidate_id")) or 0).first()
    edited = request.POST.get("edit_text", "")[: settings.COUNTERSIGN["MAX_MESSAGE_CHARS"]]
    context = {"pieces": [], "distance": None}
    if candidate is not None:
        distance = edit_distance(candidate.text, edited.strip())
        context = {
            "pieces": word_diff(candidate.text, edited),
            "distance": distance,
            "percent": round(100 * distance),
        }
    return render(request, "reviewapp/_diff.html", context)
