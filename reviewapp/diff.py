"""Word-level differences between a candidate and the clinician's edit of it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rapidfuzz.distance import Levenshtein

# Words with the whitespace after them, so the pieces join back into the text.
_WORDS = re.compile(r"\S+\s*|\s+")


@dataclass(frozen=True)
class Piece:
    kind: str  # "same", "removed" or "added"
    text: str


def word_diff(original: str, edited: str) -> list[Piece]:
    before, after = _WORDS.findall(original), _WORDS.findall(edited)
    # Compare words without their trailing space, so re-wrapping is not a change.
    matcher = SequenceMatcher(
        a=[w.strip() for w in before], b=[w.strip() for w in after], autojunk=False
    )
    pieces = []
    for op, a0, a1, b0, b1 in matcher.get_opcodes():
        if op == "equal":
            pieces.append(Piece("same", "".join(after[b0:b1])))
            continue
        if a1 > a0:
            pieces.append(Piece("removed", "".join(before[a0:a1])))
        if b1 > b0:
            pieces.append(Piece("added", "".join(after[b0:b1])))
    return pieces


def edit_distance(original: str, edited: str) -> float:
    """Normalised Levenshtein distance, 0 (same) to 1 (nothing in common)."""
    return Levenshtein.normalized_distance(original, edited)
