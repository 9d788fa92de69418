"""Where someone lives: towns, villages and districts (PLACE); and the walk over a text
that finds them with facilities, employers (``organisations``) and streets (``streets``).

Finnish places come from Voikko's place names in any inflected form
("Pelkosenniemellä"), the rest from GeoNames (``gazetteer``), Finnish ones with
their case endings undone ("Kiuruvedellä"). Countries and languages stay. A place
name that is also a word ("Lahti", "Reading", "Hope") counts where a capital
mid-sentence or a frame ("asun lahdessa") says so; a town no list holds, where
someone lives ("I moved to Ballyjamesduff", "asun koivujärvellä").
"""

from __future__ import annotations

from functools import cache, lru_cache

from reviewapp.deid import lexicon, organisations, streets
from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import (
    DETERMINERS,
    LOCATIVE_ENDINGS,
    POSSESSIVES,
    RESIDENCE_FRAMES,
    after_location_preposition,
    after_location_verb,
    follows,
)
from reviewapp.deid.gazetteer import finnish_places, places
from reviewapp.deid.names import NEVER_NAMES, inflected_base
from reviewapp.deid.words import Word, Words, is_ordinary


def _finnish_place(word: Word) -> str | None:
    for reading in word.readings:
        if reading.word_class == "paikannimi":
            return reading.base.lower()
    return None


def _gazetteer_place(words: Words, index: int, text: str) -> int:
    """How many words from ``index`` name a GeoNames place (0 if none), longest first."""
    first_word = words[index].text.lower()
    if first_word not in _first_words_of_long_places():
        return int(_gazetteer_name(first_word))
    for length in (3, 2, 1):
        last = index + length - 1
        if last >= len(words) or not words.joined(index, last):
            continue
        name = " ".join(w.text.lower() for w in words[index : last + 1])
        if _gazetteer_name(name):
            return length
    return 0


# The last part of many Finnish village and district names: -järvi, -niemi, -kylä...
VILLAGE_PARTS_FI = [
    "järvi",
    "joki",
    "lahti",
    "niemi",
    "salmi",
    "koski",
    "vaara",
    "mäki",
    "kylä",
    "saari",
    "lampi",
    "vesi",
    "kangas",
    "harju",
    "ranta",
    "lehto",
    "kallio",
    "suo",
    "aho",
    "kumpu",
    "laakso",
]


# "kotikylä", "lähijärvi": compounds that say whose or which, not which village.
GENERIC_FIRST_PARTS_FI = (
    "koti",
    "lähi",
    "naapuri",
    "oma",
    "synnyin",
    "mökki",
    "kesä",
    "iso",
    "pikku",
)


def _named_like_a_village(word: Word) -> bool:
    parts = tuple(VILLAGE_PARTS_FI)
    return any(
        r.compound
        and r.base.lower().endswith(parts)
        and not r.base.lower().startswith(GENERIC_FIRST_PARTS_FI)
        for r in word.readings
    )


def _only_a_compound_of_words(word: Word) -> bool:
    """A compound of ordinary words and nothing else ("kiuruvedellä": lark + water)."""
    readings = word.readings
    return (
        bool(readings)
        and all(r.compound for r in readings)
        and not lexicon.is_english_word(word.lower)
    )


def _only_weakly_a_word(word: Word) -> bool:
    """Voikko reads a place name, and otherwise only an adjective or a compound it guessed
    ("vesannolla", "kustavissa"); a place that is also a plain noun ("lahdessa") is not."""
    return all(r.proper or r.word_class == "laatusana" or r.compound for r in word.readings)


def _is_place(words: Words, index: int, text: str) -> int:
    word = words[index]
    if word.lower in NEVER_NAMES or lexicon.is_country(word.lower):
        return 0
    if index > 0 and words[index - 1].lower in POSSESSIVES:
        return 0  # "my insta", "mun koti": no one's town
    after_article = index > 0 and words[index - 1].lower in DETERMINERS
    if after_article and words.text_between(index - 1, index) == " " and not word.capitalised:
        return 0  # "the rota": a thing, though some town has its name
    finnish = _finnish_place(word)
    length = max(int(finnish is not None), _gazetteer_place(words, index, text))
    if not length:
        # A town no list holds where someone lives: a word no dictionary knows
        # ("I moved to Ballyjamesduff", "asun kiihtelysvaarassa"), or a Finnish
        # compound built like a village's name ("asun koivujärvellä").
        unknown = not word.ordinary and not word.readings and len(word.lower) > 2
        located = word.lower.endswith(LOCATIVE_ENDINGS)
        if unknown and follows(words, index, RESIDENCE_FRAMES):
            return 1
        if (unknown or _named_like_a_village(word)) and located:
            return int(word.capitalised_mid_sentence or after_location_verb(words, index, 1))
        return 0
    if length > 1 or not word.ordinary or _only_a_compound_of_words(word):
        return length
    if finnish and word.lower.endswith(LOCATIVE_ENDINGS) and _only_weakly_a_word(word):
        return length  # "kustavissa": "kustava" is no adjective anyone writes
    if after_location_preposition(words, index) and lexicon.is_rare(word.lower):
        return length  # "lives in wick", "the bus from cork": a rare word, a town's name
    # Also a word ("Lahti", "Hope", "Reading"): a capital mid-sentence, or a
    # Finnish frame ("asun lahdessa") says it is the place.
    if word.capitalised_mid_sentence and (finnish or after_location_preposition(words, index)):
        return length
    if finnish and after_location_verb(words, index):
        return length
    return 0


@cache
def _first_words_of_long_places() -> frozenset[str]:
    return frozenset(name.split(" ")[0] for name in places() if " " in name)


@lru_cache(maxsize=200_000)
def _gazetteer_name(name: str) -> bool:
    # Finnish case endings come off Finnish places, and off longer foreign names
    # ("bozemanissa"): undone on any, "ottaan" would be a form of Norway's "Otta".
    if name in places() or inflected_base(name, finnish_places()) is not None:
        return True
    base = inflected_base(name, places())
    return base is not None and len(base) >= 6


@lru_cache(maxsize=200_000)
def may_locate(token: str) -> bool:
    """Whether ``token`` could be, or lead to, a place, facility, employer or street
    anywhere in a text; a text of none such is not walked word by word."""
    lowered = token.lower()
    if lowered in NEVER_NAMES:
        return False
    if not is_ordinary(lowered) or _might_locate(lowered):
        return True
    if organisations.leads_a_work_frame(lowered):
        return True  # "worked at ford": the workplace may be any word
    # A word that is also a town ("Reading", "Hope") is one only when capitalised.
    return token[:1].isupper() and _gazetteer_name(lowered)


@lru_cache(maxsize=200_000)
def _might_locate(lowered: str) -> bool:
    """Whether a lower-case ordinary word can start or head anything this module finds.
    (A place of several words counts by its words that are no ordinary ones: "york".)"""
    readings = lexicon.finnish_readings(lowered)
    return (
        any(r.word_class == "paikannimi" or r.proper for r in readings)
        or (lexicon.is_rare(lowered) and _gazetteer_name(lowered))  # "lives in wick"
        or any(r.compound and r.base.lower().endswith(tuple(VILLAGE_PARTS_FI)) for r in readings)
        or organisations.might_start(lowered)
        or streets.might_start(lowered, readings)
    )


def find_places(text: str, words: Words | None = None) -> list[Entity]:
    words = Words.of(text) if words is None else words
    found: list[Entity] = []
    index = 0
    while index < len(words):
        word = words[index]
        # Most words are ordinary, lower case and like no place, facility or street.
        if (
            word.ordinary
            and not word.capitalised_mid_sentence
            and not _might_locate(word.lower)
            and not organisations.in_work_frame(words, index)
        ):
            index += 1
            continue
        if found_here := organisations.facility_at(words, index, text):
            entity, index = found_here
            found.append(entity)
        elif entity := streets.street_at(words, index, text):
            found.append(entity)
            index += 1
        elif found_here := organisations.employer_at(words, index, text):
            entity, index = found_here
            found.append(entity)
        elif length := _is_place(words, index, text):
            last = words[index + length - 1]
            found.append(Entity("PLACE", word.start, last.end, key=word.lower))
            index += length
        else:
            index += 1
    return found
