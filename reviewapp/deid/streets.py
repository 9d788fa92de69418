"""Streets, with or without a house number and in any case ending: "Hämeenkadulle",
"koivukujalla", "Maple Street", "maple streetillä", "kaitoväylä 22 c 31".

Finnish street names are compounds Voikko reads ("Hämeen" + "katu"), so a word whose
base form ends in a street word and is a proper noun or a compound is one; a word
Voikko does not know counts with its house number. English streets are a word
before a street type that is no generic one ("the main road", "a side street").
"""

from __future__ import annotations

import re

from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import FUNCTION_WORDS
from reviewapp.deid.names import inflected_base
from reviewapp.deid.words import Word, Words

STREET_ENDINGS_FI = ("katu", "tie", "kuja", "polku", "väylä", "kaari", "raitti", "aukio", "tanhua")
STREET_ENDINGS_FI_CAPITAL = ("tori", "ranta", "rinne", "mäki", "puisto", "bulevardi", "esplanadi")
STREET_ENDINGS_SV = ("vägen", "gatan", "gränd", "stigen")
# Compound nouns that end like a street and are none.
STREET_LIKE_WORDS_FI = frozenset(
    [
        "rautatie",
        "maantie",
        "moottoritie",
        "valtatie",
        "kotikatu",
        "sivukatu",
        "pääkatu",
        "kävelykatu",
        "pyörätie",
        "metsätie",
        "hiekkatie",
        "ohitustie",
        "umpikuja",
        "kinttupolku",
        "polkupyörä",
        "elämäntie",
        "lähitie",
        "ostoskatu",
        "kotitie",
        "työmatkatie",
    ]
)
STREET_TYPES_EN = frozenset(
    ["street", "road", "avenue", "lane", "boulevard", "terrace", "crescent"]
)
STREET_TYPES_EN_CAPITAL = frozenset(
    [
        "st",
        "rd",
        "ave",
        "ln",
        "drive",
        "dr",
        "blvd",
        "way",
        "court",
        "ct",
        "place",
        "pl",
        "close",
        "grove",
        "gardens",
        "row",
    ]
)
GENERIC_STREET_MODIFIERS = frozenset(
    [
        "same",
        "main",
        "busy",
        "quiet",
        "side",
        "back",
        "dirt",
        "long",
        "one-way",
        "next",
        "other",
        "high",
        "every",
        "each",
        "empty",
        "dark",
        "wrong",
        "right",
        "open",
        "country",
        "city",
        "toll",
        "icy",
        "wet",
        "rough",
        "ring",
        "whole",
        "entire",
        "down",
        "up",
        "across",
        "along",
        "on",
        "in",
        "off",
        "cross",
        "rocky",
        "bumpy",
        "gravel",
        "paved",
        "narrow",
        "wide",
        "winding",
        "slippery",
        "old",
        "new",
        "local",
        "little",
        "big",
        "small",
        "my",
        "your",
        "our",
        "their",
        "his",
        "her",
        "its",
    ]
)
HOUSE_NUMBER = re.compile(r"\s+\d{1,4}(?:\s?[A-Za-z](?![A-Za-z]))?(?:\s?\d{1,3}(?!\d))?")


def _street_fi(word: Word) -> bool:
    for reading in word.readings:
        base = reading.base.lower()
        if base in STREET_LIKE_WORDS_FI:
            return False
        if base.endswith(STREET_ENDINGS_FI) and (reading.proper or reading.compound):
            return True
        if base.endswith(STREET_ENDINGS_FI_CAPITAL) and reading.proper and word.capitalised:
            return True
    return not word.readings and word.capitalised and word.lower.endswith(STREET_ENDINGS_SV)


def _numbered_street_fi(word: Word, text: str) -> bool:
    """A street Voikko does not know, with its house number: "kaitoväylä 22 c 31"."""
    unknown = not word.readings and not word.ordinary
    return (
        unknown
        and word.lower.endswith(STREET_ENDINGS_FI)
        and HOUSE_NUMBER.match(text, word.end) is not None
    )


def _street_en(words: Words, index: int, text: str) -> int | None:
    """The first word of an English street whose type word ("Street") is ``index``."""
    kind = words[index].lower
    if index == 0 or not words.joined(index - 1, index):
        return None
    previous = words[index - 1]
    if previous.lower in GENERIC_STREET_MODIFIERS or previous.lower in FUNCTION_WORDS:
        return None
    written_out = previous.capitalised and words[index].capitalised
    if kind in STREET_TYPES_EN_CAPITAL and not (written_out or _abbreviated_on(words, index)):
        return None
    # "maple streetillä": an English street in a Finnish case.
    if kind not in STREET_TYPES_EN | STREET_TYPES_EN_CAPITAL and not inflected_base(
        kind, STREET_TYPES_EN
    ):
        return None
    first = index - 1
    while first > 0 and words.joined(first - 1, first) and words[first - 1].capitalised:
        first -= 1
    return first


# Abbreviations no other word shares, and the words that put someone on a street.
STREET_ABBREVIATIONS_EN = frozenset(["st", "rd", "ave", "ln", "dr", "blvd", "ct", "pl"])
ON_A_STREET = frozenset(["on", "off", "down", "up", "along", "near", "past", "onto"])


def _abbreviated_on(words: Words, index: int) -> bool:
    """A lower-case street someone is on: "we live on maple ave", "off sauchiehall st"."""
    return (
        words[index].lower in STREET_ABBREVIATIONS_EN
        and index >= 2
        and words[index - 2].lower in ON_A_STREET
        and words.joined(index - 2, index)
    )


def might_start(lowered: str, readings) -> bool:
    """Whether a lower-case word could be part of a street (see ``places.find_places``)."""
    return (
        lowered in STREET_TYPES_EN
        or lowered in STREET_TYPES_EN_CAPITAL
        or inflected_base(lowered, STREET_TYPES_EN) is not None
        or any(r.base.lower().endswith(STREET_ENDINGS_FI) for r in readings)
    )


def street_at(words: Words, index: int, text: str) -> Entity | None:
    """The street that word ``index`` ends (with its house number after it), or None."""
    word = words[index]
    finnish = _street_fi(word) or _numbered_street_fi(word, text)
    first = None if finnish else _street_en(words, index, text)
    if not finnish and first is None:
        return None
    start = word.start if finnish else words[first].start
    number = HOUSE_NUMBER.match(text, word.end)
    end = number.end() if number else word.end
    return Entity("ADDRESS", start, end, key=text[start:end].lower())
