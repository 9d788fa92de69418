"""The text the recognisers read, with a way back to the text the patient wrote.

Identifiers are hidden in ways a pattern over raw text misses: a name split by a
zero-width space, a henkilötunnus in full-width digits, an e-mail with a
right-to-left mark inside, an address written out letter by letter. ``Normalised``
folds those away (Unicode NFKC, which also folds full-width forms and ligatures;
invisible format characters removed; unusual spaces made plain; letters spaced
apart joined up) and keeps, for every character it produces, where it came from,
so a span found in the normalised text maps back to a span of the original that
covers the invisible characters too.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from dataclasses import dataclass

# Unicode's "format" category (Cf) holds every invisible control that can hide
# inside a word: zero-width space, joiner and non-joiner, word joiner, the
# bidirectional marks, embeddings, overrides and isolates, the BOM, soft hyphen.
_INVISIBLE_CATEGORY = "Cf"


def _is_invisible(char: str) -> bool:
    return unicodedata.category(char) == _INVISIBLE_CATEGORY


_ANY_INVISIBLE = re.compile(
    "["
    + "".join(re.escape(chr(c)) for c in range(sys.maxunicode + 1) if _is_invisible(chr(c)))
    + "]"
)


# Five characters or more, each alone between single spaces.
_SPACED_OUT = re.compile(r"(?<!\S)\S(?: \S){4,}(?!\S)")


def _folded(original: str) -> tuple[str, list[int], list[int]]:
    """NFKC, invisible characters out, unusual spaces plain; and where each character came from."""
    pieces: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in _clusters(original):
        cluster = "".join(c for c in original[start:end] if not _is_invisible(c))
        folded = unicodedata.normalize("NFKC", cluster)
        # NFKC leaves no-break and other unusual spaces as they are in places;
        # the recognisers' patterns expect a plain space.
        folded = "".join(" " if c.isspace() and c not in "\n\t" else c for c in folded)
        pieces.append(folded)
        starts.extend([start] * len(folded))
        ends.extend([end] * len(folded))
    return "".join(pieces), starts, ends


def _clusters(text: str):
    """Each base character with the combining marks after it: NFKC reads them together."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not unicodedata.combining(text[index]):
            yield start, index
            start = index


@dataclass(frozen=True)
class Normalised:
    original: str
    text: str
    # For each character of ``text``: the span of ``original`` it came from
    # (None where nothing changed, and each character is where it was).
    _starts: tuple[int, ...] | None
    _ends: tuple[int, ...] | None

    @classmethod
    def of(cls, original: str) -> Normalised:
        # Most texts need nothing done; their map is the identity.
        plain = original.isascii() or (
            unicodedata.is_normalized("NFKC", original) and not _ANY_INVISIBLE.search(original)
        )
        if plain and not _SPACED_OUT.search(original):
            return cls(original, original, None, None)
        text, starts, ends = _folded(original)
        # "t o m m i . l @ s u o m i 2 4 . f i": written apart so nothing would read it.
        for run in reversed(list(_SPACED_OUT.finditer(text))):
            keep = [i for i in range(run.start(), run.end()) if text[i] != " "]
            text = text[: run.start()] + "".join(text[i] for i in keep) + text[run.end() :]
            starts[run.start() : run.end()] = [starts[i] for i in keep]
            ends[run.start() : run.end()] = [ends[i] for i in keep]
        return cls(original, text, tuple(starts), tuple(ends))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The span of the original text that ``text[start:end]`` came from."""
        if start >= end or self._starts is None or self._ends is None:
            return start, end
        return self._starts[start], self._ends[end - 1]
