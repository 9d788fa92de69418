"""The rules for what a reviewer or annotator may submit: texts, reasons, rubric scores.

Clinicians' decisions and annotators' annotations take the same input, so the
rules live here once.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from reviewapp.errors import InvalidInput

REJECTION_REASONS = {
    "safety": gettext_lazy("Safety"),
    "clinical_accuracy": gettext_lazy("Clinical accuracy"),
    "tone_empathy": gettext_lazy("Tone / empathy"),
    "hallucinated_detail": gettext_lazy("Hallucinated detail"),
    "too_long": gettext_lazy("Too long"),
    "language_cultural_fit": gettext_lazy("Language or cultural fit"),
    "other": gettext_lazy("Other"),
}

RUBRIC_LABELS = {
    "empathy": gettext_lazy("Empathy"),
    "safety": gettext_lazy("Safety"),
    "accuracy": gettext_lazy("Accuracy"),
    "cultural_fit": gettext_lazy("Cultural fit"),
}
RUBRIC_SCORES = range(1, 6)

# Control characters (other than line breaks and tabs) and lone surrogates are
# never meant, and PostgreSQL refuses NUL outright.
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def clean_text(text: str | None, *, what: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise InvalidInput(_("%(what)s must not be empty.") % {"what": what})
    if _UNPRINTABLE.search(cleaned):
        raise InvalidInput(
            _("%(what)s contains control characters or invalid Unicode.") % {"what": what}
        )
    limit = settings.COUNTERSIGN["MAX_MESSAGE_CHARS"]
    if len(cleaned) > limit:
        raise InvalidInput(
            _("%(what)s is longer than %(limit)s characters.") % {"what": what, "limit": limit}
        )
    return cleaned


def optional_note(note: str | None) -> str:
    return clean_text(note, what=_("Note")) if (note or "").strip() else ""


def rejection_reasons(reasons: list[str] | None, *, rejecting: bool) -> list[str]:
    """Keys from the taxonomy, never free text: they go to the audit log."""
    reasons = list(dict.fromkeys(reasons or []))
    if set(reasons) - set(REJECTION_REASONS):
        raise InvalidInput(_("Reasons must come from: %s") % ", ".join(REJECTION_REASONS))
    if rejecting and not reasons:
        raise InvalidInput(
            _("A rejection needs one or more reasons from: %s") % ", ".join(REJECTION_REASONS)
        )
    return reasons


def verdict_extras(
    *, action: str, reasons: list[str] | None, note: str | None, rubric: dict | None
) -> tuple[list[str], str, dict[str, int]]:
    """The reasons, note and rubric scores that come with any verdict, checked together."""
    return (
        rejection_reasons(reasons, rejecting=action == "reject"),
        optional_note(note),
        rubric_scores(rubric),
    )


def rubric_items() -> list[str]:
    return list(settings.COUNTERSIGN["RUBRIC_ITEMS"])


def rubric_scores(scores: dict | None) -> dict[str, int]:
    """Optional 1-5 scores on this site's rubric items; blanks are left out."""
    cleaned = {}
    for item, value in (scores or {}).items():
        if value in (None, ""):
            continue
        if item not in rubric_items():
            raise InvalidInput(_("Unknown rubric item %(item)s.") % {"item": item})
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = 0
        if score not in RUBRIC_SCORES:
            raise InvalidInput(_("Rubric scores run from 1 to 5."))
        cleaned[item] = score
    return cleaned


def rubric_from_post(post) -> dict[str, str]:
    """The rubric fields of a submitted form, ``rubric_<item>``."""
    return {item: post.get(f"rubric_{item}", "") for item in rubric_items()}


def verdict_text(
    *, action: str, candidates, candidate_id: int | None, text: str | None
) -> tuple[str, object | None]:
    """The final text and chosen candidate of an approve, edit, write or reject.

    Shared by clinicians' decisions and annotators' annotations; ``candidates``
    is the candidate set's queryset. Reject chooses nothing and has no text.
    """
    if action in ("approve", "edit"):
        candidate = candidates.filter(pk=candidate_id).first()
        if candidate is None:
            raise InvalidInput(_("candidate_id must name one of the candidates."))
        if action == "approve":
            return candidate.text, candidate
        return clean_text(text, what=_("Edited text")), candidate
    if action == "write":
        return clean_text(text, what=_("Written reply")), None
    if action == "reject":
        return "", None
    raise InvalidInput(_("Unknown action %(action)r.") % {"action": action})
