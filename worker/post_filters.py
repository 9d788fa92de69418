"""Known failure patterns of a profile's model, checked on every candidate.

A match flags the candidate with the reason, shown to the clinician; nothing is
dropped. A pattern counts only when the conversation did not bring it up: a
patient who says they are 35 may be called 35.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# Marks the reasons for translation; the review page shows them in the
# reviewer's language, while the stored flag keeps the English text.
from django.utils.translation import gettext_noop

FLAGS = re.IGNORECASE | re.UNICODE


@dataclass(frozen=True)
class PostFilter:
    reason: str
    in_candidate: re.Pattern
    # If the patient's side of the conversation matches this, the candidate's
    # mention is supported, not assumed.
    supported_by: re.Pattern


POST_FILTERS: dict[str, PostFilter] = {
    "assumed_age": PostFilter(
        reason=gettext_noop("assumes an age the patient has not given (30-40 years old)"),
        in_candidate=re.compile(
            r"\b(30|thirty|kolmekymmentä)\s*(-|–|to|or|tai)\s*(40|forty|neljäkymmentä)"
            r"|\b(30|40)\W?(-|–)?\s*(vuotia|vuotias|years?[ -]old)"
            r"|\bin your (thirties|forties)\b|\bkolmekymppi|\bnelikymppi",
            FLAGS,
        ),
        supported_by=re.compile(r"\b\d{2}\s*(-?vuotia|v\b|years?\b|yo\b)|\bikä|\bage\b", FLAGS),
    ),
    "unprompted_24_7": PostFilter(
        reason=gettext_noop(
            "mentions round-the-clock (24/7) work or stress the patient did not mention"
        ),
        in_candidate=re.compile(
            r"24\s*/\s*7|24 hours a day|round the clock|ympäri vuorokauden|kellon ympäri", FLAGS
        ),
        supported_by=re.compile(
            r"24\s*/\s*7|24 hours|round the clock|ympäri vuorokauden|kellon ympäri|yövuoro|"
            r"night shift|vuorotyö|shift work",
            FLAGS,
        ),
    ),
    "assumed_relationship": PostFilter(
        reason=gettext_noop("assumes a long-term relationship the patient has not mentioned"),
        in_candidate=re.compile(
            r"\byour (partner|spouse|husband|wife|boyfriend|girlfriend|relationship)\b"
            r"|\blong[- ]term relationship\b"
            r"|\b(kumppani|puoliso|aviomie|vaimo|poikaystävä|tyttöystävä|parisuhte)\w*",
            FLAGS,
        ),
        supported_by=re.compile(
            r"\b(partner|spouse|husband|wife|boyfriend|girlfriend|married|relationship)\b"
            r"|\b(kumppani|puoliso|mie[hs]|vaimo|poikaystävä|tyttöystävä|parisuhte|naimisi)\w*",
            FLAGS,
        ),
    ),
}


def flags_for(text: str, *, filters: tuple[str, ...], turns: list[dict[str, str]]) -> list[dict]:
    """The flags ``text`` earns under the named filters, given what the patient said."""
    patient_said = "\n".join(t["content"] for t in turns if t["role"] == "user")
    flags = []
    for name in filters:
        rule = POST_FILTERS[name]
        match = rule.in_candidate.search(text)
        if match and not rule.supported_by.search(patient_said):
            flags.append({"filter": name, "reason": rule.reason, "match": match.group()})
    return flags


def unknown_filters(names) -> list[str]:
    return sorted(set(names) - set(POST_FILTERS))
