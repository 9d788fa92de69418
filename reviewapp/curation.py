"""Choosing what goes into an export: filters, near-duplicate prompts, train/validation split.

Filters narrow the decided messages (date range, profile and version, reviewer,
rejection reason, language, risk level, service) and, where two or more reviewers gave a
verdict on one item, keep it only when enough of them agree. Prompts that differ only in case,
punctuation or spacing are kept once. The split is by conversation, decided by
a hash of its id, so a conversation is never split and stays on its side in
every later export.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass
from datetime import date

from django.db.models import Q, QuerySet

from reviewapp.agreement import item_agreement
from reviewapp.decision_input import REJECTION_REASONS
from reviewapp.errors import InvalidInput
from reviewapp.models import RiskLevel


@dataclass(frozen=True)
class ExportFilters:
    since: date | None = None
    until: date | None = None
    profile: str = ""
    profile_version: int | None = None
    reviewer: str = ""
    reason: str = ""
    language: str = ""
    risk_level: str = ""
    service: str = ""  # a service's slug: one team's or site's conversations
    # The share of an item's reviewers (two or more) who must give its most common
    # verdict; an item with one verdict has nothing to agree with and passes.
    min_agreement: float | None = None

    def __post_init__(self) -> None:
        if self.min_agreement is not None and not 0 <= self.min_agreement <= 1:
            raise InvalidInput("agreement must be between 0 and 1")
        if self.reason and self.reason not in REJECTION_REASONS:
            raise InvalidInput("reason must be one of: " + ", ".join(REJECTION_REASONS))
        if self.risk_level and self.risk_level not in RiskLevel.values:
            raise InvalidInput("risk level must be one of: " + ", ".join(RiskLevel.values))
        if self.since and self.until and self.since > self.until:
            raise InvalidInput("since must not be after until")

    def apply(self, messages: QuerySet) -> QuerySet:
        if self.since:
            messages = messages.filter(created_at__date__gte=self.since)
        if self.until:
            messages = messages.filter(created_at__date__lte=self.until)
        if self.profile:
            messages = messages.filter(draft_requests__profile__name=self.profile)
        if self.profile_version is not None:
            messages = messages.filter(draft_requests__profile__version=self.profile_version)
        if self.reviewer:
            messages = messages.filter(
                Q(draft_requests__decision__reviewer__username=self.reviewer)
                | Q(draft_requests__annotation_item__annotations__annotator__username=self.reviewer)
            )
        if self.reason:
            # Reasons are taxonomy keys, none inside another with its quotes, so a
            # text match on '"key"' is exact, and works on SQLite (the demo) too.
            quoted = f'"{self.reason}"'
            messages = messages.filter(
                Q(draft_requests__decision__reasons__icontains=quoted)
                | Q(draft_requests__annotation_item__annotations__reasons__icontains=quoted)
            )
        if self.language:
            messages = messages.filter(
                Q(conversation__locale=self.language)
                | Q(conversation__locale__startswith=f"{self.language}-")
            )
        if self.risk_level:
            messages = messages.filter(risk_level=self.risk_level)
        if self.service:
            messages = messages.filter(conversation__service__slug=self.service)
        return messages.distinct()

    def agreement_ok(self, verdict_keys: list[str]) -> bool:
        if self.min_agreement is None:
            return True
        agreement = item_agreement(verdict_keys)
        return agreement is None or agreement >= self.min_agreement

    def as_manifest(self) -> dict:
        return {
            k: str(v) if isinstance(v, date) else v
            for k, v in asdict(self).items()
            if v not in ("", None)
        }

    @classmethod
    def from_values(cls, values) -> ExportFilters:
        """The filters among ``values``: a form's or a command's options, or what
        ``as_manifest`` wrote (dates as text). Other keys are left alone."""
        chosen = {k: values[k] for k in cls.__dataclass_fields__ if values.get(k) is not None}
        for key in ("since", "until"):
            if isinstance(chosen.get(key), str):
                chosen[key] = date.fromisoformat(chosen[key])
        return cls(**chosen)


def split_of(conversation_id, validation_percent: int) -> str:
    """ "train" or "validation", the same for every message of a conversation, every time."""
    bucket = int(hashlib.sha256(str(conversation_id).encode()).hexdigest()[:8], 16) % 100
    return "validation" if bucket < validation_percent else "train"


_NOT_WORDS = re.compile(r"[\W_]+")
_APOSTROPHES = re.compile(r"['’]")


def _words(text: str) -> str:
    return _NOT_WORDS.sub(" ", _APOSTROPHES.sub("", text.casefold()))


def prompt_fingerprint(prompt: list[dict[str, str]]) -> str:
    """Two prompts with the same words in the same order are one prompt."""
    text = "\n".join(f"{turn['role']}:{_words(turn['content'])}" for turn in prompt)
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()
