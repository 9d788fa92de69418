"""The reviewers' verdicts on the screen as a labelled set: de-identified texts and levels.

One row per ``RiskReview`` whose level was not carried from earlier in the
conversation (then the text answered does not show the risk, and would teach
the screen nothing true): the patient's messages the reply answered, joined,
de-identified, with the reviewer's level and the screen's. The same rows are
exported (``export_dataset --format risk``) and, where a site opts in
(``RISK_TRAIN_ON_CORRECTIONS``), added to ``train_risk_model``'s training split.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from django.db.models import QuerySet

from reviewapp.deid import Pseudonyms, deidentify
from reviewapp.models import Message, RiskReview


@dataclass(frozen=True)
class LabelledText:
    conversation_id: object
    text: str  # de-identified
    level: str  # the reviewer's
    screened_level: str
    lang: str
    week: str  # ISO year and week of the verdict, "2026-W49"

    def as_row(self) -> dict:
        return {
            "text": self.text,
            "level": self.level,
            "screened_level": self.screened_level,
            "lang": self.lang,
            "week": self.week,
        }


def iso_week(when) -> str:
    """A date's ISO year and week, as the figures and the export name it: "2026-W49"."""
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


# The verdict field each export filter narrows (``reviewapp.curation.ExportFilters``);
# the rejection-reason and agreement filters do not apply to verdicts.
_FILTER_LOOKUPS = {
    "since": "created_at__date__gte",
    "until": "created_at__date__lte",
    "language": "language",
    "risk_level": "level",
    "service": "conversation__service__slug",
    "reviewer": "decision__reviewer__username",
    "profile": "decision__draft_request__profile__name",
    "profile_version": "decision__draft_request__profile__version",
}


def reviews_for(filters) -> QuerySet:
    """The verdicts an export's filters choose."""
    chosen = {
        lookup: getattr(filters, name)
        for name, lookup in _FILTER_LOOKUPS.items()
        if getattr(filters, name) not in ("", None)
    }
    return RiskReview.objects.filter(**chosen)


def reviews_teaching(reviews: QuerySet | None = None) -> QuerySet:
    """Verdicts that say something true of the text they answer (not carried)."""
    reviews = RiskReview.objects.all() if reviews is None else reviews
    return reviews.filter(carried=False)


def _answered_texts(review: RiskReview) -> list[str]:
    return list(
        Message.objects.filter(
            conversation_id=review.conversation_id,
            role=Message.Role.PATIENT,
            id__gte=review.first_message_id,
            id__lte=review.last_message_id,
        )
        .order_by("id")
        .values_list("text", flat=True)
    )


def labelled_texts(reviews: QuerySet | None = None) -> Iterator[LabelledText]:
    """The teaching verdicts as de-identified labelled texts, conversation by conversation."""
    ordered = reviews_teaching(reviews).order_by("conversation_id", "created_at", "id")
    pseudonyms, current = Pseudonyms(), None
    for review in ordered.iterator(chunk_size=500):
        if review.conversation_id != current:
            # Placeholders are numbered per conversation, as in every export.
            pseudonyms, current = Pseudonyms(), review.conversation_id
        cleaned = [deidentify(text, pseudonyms)[0] for text in _answered_texts(review)]
        yield LabelledText(
            conversation_id=review.conversation_id,
            text="\n".join(cleaned),
            level=review.level,
            screened_level=review.screened_level,
            lang=review.language,
            week=iso_week(review.created_at),
        )
