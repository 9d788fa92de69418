"""Where someone lives: towns, villages and districts (PLACE); and the walk over a text
that finds them with facilities, employers (``organisations``) and streets (``streets``).

Finnish places come from Voikko's place names in any inflected form
("Pelkosenniemellä"), the rest from GeoNames (``gazetteer``), Finnish ones with
their case endings undone ("Kiuruvedellä"). Countries and languages stay. A place
name that is also a word ("Lahti", "Reading", "Hope") counts where a capital
mid-sentence, its state ("hope, arkansas") or a frame says so ("asun lahdessa",
"lives in bath"); a town no list holds, where someone lives ("I moved to
Ballyjamesduff", "asun koivujärvellä").

Most words of most texts are ordinary and lower case: a text is walked only when one
of its words, or a pair of them ("little rock", "worked at"), could lead to a place.
"""

from __future__ import annotations

from functools import cache, lru_cache
from itertools import pairwise

from reviewapp.deid import lexicon, organisations, streets
from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import (
    DETERMINERS,
    FUNCTION_WORDS,
    LOCATIVE_ENDINGS,
    NOT_TOWNS_AFTER_RESIDENCE,
    POSSESSIVES,
    RESIDENCE_FRAMES,
    WORK_PREPOSITIONS_EN,
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
    first_word = _SAINT.get(words[index].lower, words[index].lower)
    if first_word not in _first_words_of_long_places():
        return int(_gazetteer_name(first_word))
    for length in (3, 2, 1):
        last = index + length - 1
        if last >= len(words) or not words.joined(index, last):
            continue
        name = " ".join([first_word] + [w.lower for w in words[index + 1 : last + 1]])
        if _gazetteer_name(name):
            return length
    return 0


# Words that start a residence frame and are not among the commonest ("i'm", "just"):
# a text holding one is walked for the town after it.
_RESIDENCE_LEADS = frozenset(
    ["live", "lives", "lived", "living", "moved", "moving", "grew", "born", "originally"]
)
# GeoNames spells saints out: "st neots" is "saint neots".
_SAINT = {"st": "saint", "st.": "saint"}


def _before_a_state(words: Words, index: int, length: int) -> bool:
    """A town, then its state or county: "hope, arkansas", "normal, illinois"."""
    last = index + length - 1
    if last + 1 >= len(words) or words.text_between(last, last + 1).strip() != ",":
        return False
    state = words[last + 1 : last + 4]
    return any(" ".join(w.lower for w in state[:size]) in lexicon.states() for size in (1, 2, 3))


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


@lru_cache(maxsize=200_000)
def _finnish_gazetteer_name(lowered: str) -> bool:
    """A form of a Finnish place GeoNames holds, with a case that says where ("kellossa")."""
    return (
        lowered.endswith(LOCATIVE_ENDINGS)
        and not lexicon.is_very_common(lowered)  # "vaan" is "but", not Vaa's illative
        and inflected_base(lowered, finnish_places()) is not None
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
    if length and _before_a_state(words, index, length):
        return length
    if length > 1 and all(w.ordinary and not w.capitalised for w in words[index : index + length]):
        # "little rock", "medicine hat": words, unless where someone is or goes.
        return length if after_location_preposition(words, index) else 0
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
    if follows(words, index, RESIDENCE_FRAMES) and word.lower not in NOT_TOWNS_AFTER_RESIDENCE:
        return length  # "grew up round battle", "lives in bath": where someone lives
    if _finnish_gazetteer_name(word.lower) and after_location_verb(words, index):
        return length  # "kasvoin kellossa": Kello, a village GeoNames holds
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


@cache
def _openings_of_long_places() -> frozenset[str]:
    """The first two words of every place of several words ("little rock", "st kilda"):
    looked up per pair of words, so that "little" alone sends no text down the walk."""
    openings = set()
    for name in places():
        parts = name.split(" ")
        if len(parts) > 1:
            openings.add(f"{parts[0]} {parts[1]}")
            if parts[0] == "saint":
                openings.add(f"st {parts[1]}")
    return frozenset(openings)


def may_locate_in_pairs(lowered: list[str]) -> bool:
    """Whether two words in a row (a text's, lower-cased, in order) begin a place of several words
    ("little rock") or a work frame ("worked at"), after which any word may be one.
    Most texts hold none of the second words at all, which one set lookup says."""
    if _second_words().isdisjoint(lowered) and organisations.work_frame_leads().isdisjoint(lowered):
        return False
    openings = _openings_of_long_places()
    return any(
        f"{a} {b}" in openings
        or (b in WORK_PREPOSITIONS_EN and organisations.leads_a_work_frame(a))
        for a, b in pairwise(lowered)
    )


@cache
def _second_words() -> frozenset[str]:
    """Second words of the openings that could start a place in a text of ordinary words
    ("little rock"): not "and" nor "i" ("Trinidad and Tobago"), which every text holds."""
    return frozenset(
        second
        for _, second in (opening.split(" ") for opening in _openings_of_long_places())
        if second not in FUNCTION_WORDS and not lexicon.is_very_common(second)
    )


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
    if lowered in _RESIDENCE_LEADS:
        return True  # "lives in bath": the town may be any word
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
        or _finnish_gazetteer_name(lowered)  # "kasvoin kellossa"
        or any(r.compound and r.base.lower().endswith(tuple(VILLAGE_PARTS_FI)) for r in readings)
        or organisations.might_start(lowered)
        or streets.might_start(lowered, readings)
    )


# The last words of the work and residence frames: only after one of them can an
# ordinary word be a workplace or a town by its frame.
_FRAME_ENDS = WORK_PREPOSITIONS_EN | frozenset(frame[-1] for frame in RESIDENCE_FRAMES)


def _placed_by_context(words: Words, index: int) -> bool:
    """Whether an ordinary lower-case word may still be a workplace or town by what stands
    around it: "worked at ford", "lives in bath", "hope, arkansas", "little rock"."""
    framed = index and words[index - 1].lower in _FRAME_ENDS
    if framed and (
        organisations.in_work_frame(words, index) or follows(words, index, RESIDENCE_FRAMES)
    ):
        return True
    following = words.after(index)
    if following is None:
        return False
    if words.text_between(index, index + 1).strip() == ",":
        return _before_a_state(words, index, 1)
    return f"{words[index].lower} {following.lower}" in _openings_of_long_places()


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
            and not _placed_by_context(words, index)
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
