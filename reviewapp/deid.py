"""De-identification of text before it leaves the system.

This pass finds structured identifiers: e-mail addresses, URLs, phone numbers
(phonenumbers, Finnish and international formats), Finnish henkilötunnus and
US social security numbers. Identity numbers are masked by their shape, not
only when their check character is valid: a mistyped number still identifies.
Names, addresses and dates need NER and are added on top of this (see the
de-identification issue); DEID_VERSION says which pass produced an export.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import phonenumbers

DEID_VERSION = "structured-1"
PHONE_REGIONS = ("FI", "US", "GB", "SE")

_PATTERNS = {
    "EMAIL": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "URL": re.compile(r"\b(?:https?://|www\.)\S+", re.IGNORECASE),
    "HETU": re.compile(r"\b\d{6}[-+A-FU-Y]\d{3}[0-9A-Y]\b"),
    "SSN": re.compile(r"\b\d{3}-\d{2}-\d{4}\b"),
}


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int


def find_entities(text: str) -> list[Entity]:
    found: list[Entity] = []
    for kind, pattern in _PATTERNS.items():
        found += [Entity(kind, m.start(), m.end()) for m in pattern.finditer(text)]
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region):
            found.append(Entity("PHONE", match.start, match.end))
    return _without_overlaps(found)


def _without_overlaps(entities: list[Entity]) -> list[Entity]:
    # Longest first wins a tie; a henkilötunnus is not also a phone number.
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if kept and entity.start < kept[-1].end:
            continue
        kept.append(entity)
    return kept


def deidentify(text: str) -> tuple[str, list[Entity]]:
    """The text with every identifier found replaced by ``[TYPE]``, and what was found."""
    entities = find_entities(text)
    pieces, position = [], 0
    for entity in entities:
        pieces += [text[position : entity.start], f"[{entity.type}]"]
        position = entity.end
    pieces.append(text[position:])
    return "".join(pieces), entities
