"""Words of a message, with what the context around each says about it.

Chat is often all lower case, so a capital cannot be the only sign of a name;
and a word that starts a sentence is capitalised for that reason alone. Each
``Word`` carries its position in the sentence and whether the message is written
in capitals at all, and ``Words`` answers the questions the recognisers ask of a
word's neighbours ("what came just before it?").
"""

from __future__ import annotations

import re
from functools import lru_cache

from reviewapp.deid import lexicon

# Letters, with apostrophes and hyphens inside ("O'Brien", "Anna-Liisa"); a
# possessive "'s" is left outside the word ("Jake" of "Jake's").
TOKEN = re.compile(r"[^\W\d_]+(?:['’-](?![sS]\b)[^\W\d_]+)*")
_UPPER = re.compile(r"[^\W\d_a-zåäöéü]")
_LOWER = re.compile(r"[a-zåäöéü]")
_POSSESSIVE_S = re.compile(r"['’][sS]\b")
# "Dr. Patel": a title's full stop does not end a sentence.
_TITLE_BEFORE = re.compile(r"\b(?:dr|mr|mrs|ms|miss|prof|rev|st|tri|rva|hra|nti)\.$", re.I)


def _starts_sentence(text: str, start: int) -> bool:
    index = start - 1
    while index >= 0 and text[index] in " \t\"'“(*-":
        index -= 1
    if index < 0 or text[index] in "!?:\n":
        return True
    return text[index] == "." and not _TITLE_BEFORE.search(text[max(0, index - 5) : index + 1])


class Word:
    """One word and its place; what it is comes from cached lookups on its lower case."""

    __slots__ = ("text", "start", "end", "sentence_initial", "shouting", "lower")

    def __init__(self, text: str, start: int, end: int, sentence_initial: bool, shouting: bool):
        self.text = text
        self.start = start
        self.end = end
        self.sentence_initial = sentence_initial
        self.shouting = shouting  # the message is written in capitals: capitals say nothing
        self.lower = text.lower().replace("’", "'")

    @property
    def capitalised(self) -> bool:
        return not self.shouting and self.text[:1].isupper()

    @property
    def capitalised_mid_sentence(self) -> bool:
        return not self.sentence_initial and self.capitalised

    @property
    def readings(self) -> tuple[lexicon.FinnishReading, ...]:
        return lexicon.finnish_readings(self.lower)

    @property
    def ordinary(self) -> bool:
        """Reads as an ordinary word in Finnish or English ("onni", "hope", "olen")."""
        return is_ordinary(self.lower)


@lru_cache(maxsize=200_000)
def is_ordinary(lower: str) -> bool:
    if lexicon.is_english_word(lower):
        return True
    if "'" in lower:  # "i'm", "don't", "we'll": as ordinary as the word before the apostrophe
        head = lower.split("'", 1)[0]
        return head == "i" or is_ordinary(head)
    # A contraction without its apostrophe: "didnt", "ive", "youre".
    if any(lexicon.is_english_word(f"{lower[:-k]}'{lower[-k:]}") for k in (1, 2, 3)):
        return True
    if any(not r.proper for r in lexicon.finnish_readings(lower)):
        return True
    # "walk-in", "ex-boyfriend": ordinary when every part is.
    parts = lower.split("-")
    if len(parts) > 1 and all(is_ordinary(p) for p in parts if p):
        return True
    # No dictionary knows it: a chat spelling if many write it, else perhaps a name.
    return not lexicon.finnish_readings(lower) and lexicon.is_common_in_chat(lower)


# What may stand between the words of one name: "St Mary's Hospital".
_JOINING_GAPS = frozenset({" ", "'s ", "’s "})


class Words(list):
    """The words of one text, in order."""

    @classmethod
    def of(cls, text: str) -> Words:
        upper = len(_UPPER.findall(text))
        lower = len(_LOWER.findall(text))
        shouting = upper + lower >= 8 and upper > 0.7 * (upper + lower)
        words = cls()
        words._text = text
        for match in TOKEN.finditer(text):
            if match.group() in ("s", "S") and _POSSESSIVE_S.match(text, match.start() - 1):
                continue
            initial = _starts_sentence(text, match.start())
            words.append(Word(match.group(), match.start(), match.end(), initial, shouting))
        return words

    def before(self, index: int, count: int = 1) -> list[str]:
        """The lower-cased words just before ``index`` (nearest last)."""
        return [w.lower for w in self[max(0, index - count) : index]]

    def after(self, index: int) -> Word | None:
        return self[index + 1] if index + 1 < len(self) else None

    def text_between(self, first: int, second: int) -> str:
        return self._text[self[first].end : self[second].start]

    def possessive(self, word: Word) -> bool:
        """Whether ``word`` (one of these) has an English "'s" after it."""
        return self._text.startswith(("'s", "’s"), word.end)

    def joined(self, first: int, last: int) -> bool:
        """Whether words first..last stand next to each other, only spaces between."""
        return all(self.text_between(i, i + 1) in _JOINING_GAPS for i in range(first, last))
