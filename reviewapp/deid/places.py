"""Where someone lives, is treated, studies or works: towns, facilities, employers, streets.

* PLACE: a town, village or district. Finnish ones from Voikko's place names in
  any inflected form ("Pelkosenniemellä"); others from GeoNames (``gazetteer``).
  Countries stay. A place name that is also a word ("Lahti", "Reading", "Hope")
  counts where a capital mid-sentence or a frame ("asun lahdessa") says so.
* ORG: a named facility, school or employer. A facility word ("terveyskeskus",
  "Clinic", "High") with a name before it ("Oulaisten terveyskeskuksessa",
  "Pinewood Clinic"); a brand from ``data/organisations.txt``; a name after a
  work frame ("töissä Prismassa", "I work at Tesco").
* ADDRESS: a street, with or without its number and in any case ending
  ("Hämeenkadulle", "koivukujalla", "Maple Street").
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from pathlib import Path

from reviewapp.deid import lexicon
from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import (
    DETERMINERS,
    FUNCTION_WORDS,
    LOCATION_PREPOSITIONS,
    POSSESSIVES,
    RESIDENCE_FRAMES,
    WORK_FRAMES,
    after_location_preposition,
    after_location_verb,
    follows,
)
from reviewapp.deid.gazetteer import finnish_places, places
from reviewapp.deid.names import NEVER_NAMES, inflected_base
from reviewapp.deid.words import Word, Words, is_ordinary

_DATA = Path(__file__).parent / "data"

FACILITY_HEADS_FI = [
    "terveyskeskus",
    "terveysasema",
    "sairaala",
    "klinikka",
    "poliklinikka",
    "kuntoutuskeskus",
    "kuntoutuslaitos",
    "kuntoutuskoti",
    "hoivakoti",
    "hoitokoti",
    "palvelutalo",
    "palvelukoti",
    "vanhainkoti",
    "asumisyksikkö",
    "koulu",
    "lukio",
    "yliopisto",
    "korkeakoulu",
    "opisto",
    "päiväkoti",
    "esikoulu",
    "neuvola",
    "apteekki",
    "ala-aste",
    "yläaste",
    "mielenterveystalo",
    "nuorisoasema",
    "ensiapu",
    "päivystys",
    "lyseo",
    # Workplaces named for their owner: "Hakkaraisen leipomo", "Virtasen korjaamo".
    "leipomo",
    "kahvila",
    "ravintola",
    "parturi",
    "kampaamo",
    "korjaamo",
    "kioski",
    "tehdas",
    "firma",
    "kuljetus",
    "rakennus",
    "tila",
]
FACILITY_HEADS_EN = frozenset(
    [
        "clinic",
        "hospital",
        "infirmary",
        "hospice",
        "surgery",
        "centre",
        "center",
        "school",
        "high",
        "academy",
        "college",
        "university",
        "uni",
        "nursery",
        "daycare",
        "kindergarten",
        "preschool",
        "pharmacy",
        "institute",
        "rehab",
        "home",
        "practice",
        "elementary",
        "primary",
        "health",
        "wellness",
        "general",
        "middle",
        "ns",
        # Workplaces named for their owner: "Doyle's Bakery", "Kelly Motors".
        "bakery",
        "cafe",
        "café",
        "restaurant",
        "pub",
        "salon",
        "garage",
        "motors",
        "ltd",
        "inc",
        "plc",
        "foods",
        "farm",
        "builders",
        "logistics",
        "transport",
    ]
)
# Words that make a facility's name without being a name ("Mental Health Clinic").
FACILITY_WORDS_EN = frozenset(
    [
        "medical",
        "health",
        "mental",
        "community",
        "recovery",
        "rehab",
        "rehabilitation",
        "care",
        "nursing",
        "memorial",
        "general",
        "children's",
        "childrens",
        "royal",
        "county",
        "regional",
        "university",
        "primary",
        "elementary",
        "middle",
        "high",
        "junior",
        "senior",
        "state",
        "city",
        "district",
        "treatment",
        "wellness",
        "counselling",
        "counseling",
        "behavioral",
        "behavioural",
        "psychiatric",
        "family",
        "day",
        "walk-in",
        "international",
        "community",
        "grammar",
        "comprehensive",
    ]
)
# Finnish institutions are often named for the ground they stand on
# ("Aurinkorinteen päiväkoti", "Koivikon kuntoutuskeskus"): a genitive of such a
# word before a facility word names one.
TOPOGRAPHIC_FI = [
    "rinne",
    "mäki",
    "niemi",
    "lahti",
    "järvi",
    "joki",
    "koski",
    "salo",
    "vaara",
    "harju",
    "kangas",
    "puisto",
    "kylä",
    "ranta",
    "metsä",
    "lehto",
    "kallio",
    "linna",
    "koivikko",
    "kuusikko",
    "männikkö",
    "lampi",
    "saari",
    "suo",
    "laakso",
    "kumpu",
    "kaari",
    "tie",
    "katu",
    "polku",
    "kuja",
    "aho",
    "pelto",
    "niitty",
    "kartano",
    "hovi",
]
_FACILITY_OF = frozenset({"university", "college", "institute", "hospital"})
# Heads that are a school's name with whatever precedes them, with no article:
# "riverside academy", "oak hill primary" (not "night school", "the clinic").
NAMING_HEADS_EN = frozenset({"academy", "primary", "elementary"})
_SAINT = frozenset({"st", "saint", "st."})
# Finnish cases that say where: in, at, from, to ("-ssa", "-lla", "-sta", "-lle", "-an").
_LOCATIVE_ENDINGS = (
    "ssa",
    "ssä",
    "lla",
    "llä",
    "sta",
    "stä",
    "lta",
    "ltä",
    "lle",
    "aan",
    "ään",
    "hin",
    "iin",
    "seen",
)

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
_HOUSE_NUMBER = re.compile(r"\s+\d{1,4}(?:\s?[A-Za-z](?![A-Za-z]))?(?:\s?\d{1,3}(?!\d))?")


@cache
def organisations() -> tuple[frozenset[str], frozenset[str]]:
    """(brands that are nothing else, brands that are also words), lower-cased."""
    names = [
        line.split("#")[0].strip().lower()
        for line in (_DATA / "organisations.txt").read_text(encoding="utf-8").splitlines()
    ]
    names = [n for n in names if n]
    ambiguous = {n for n in names if _is_word(n)}
    return frozenset(set(names) - ambiguous), frozenset(ambiguous)


def _is_word(lower: str) -> bool:
    return lexicon.is_english_word(lower) or any(
        not r.proper for r in lexicon.finnish_readings(lower)
    )


# -- places -------------------------------------------------------------------


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
        if last >= len(words) or not words.joined(index, last, text):
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
    """ "kiuruvedellä" reads as lark + water, and as nothing else: a place's name."""
    readings = word.readings
    return (
        bool(readings)
        and all(r.compound for r in readings)
        and not lexicon.is_english_word(word.lower)
    )


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
        located = word.lower.endswith(_LOCATIVE_ENDINGS)
        if unknown and follows(words, index, RESIDENCE_FRAMES):
            return 1
        if (unknown or _named_like_a_village(word)) and located:
            return int(word.capitalised_mid_sentence or after_location_verb(words, index, 1))
        return 0
    if length > 1 or not word.ordinary or _only_a_compound_of_words(word):
        return length
    # Also a word ("Lahti", "Hope", "Reading"): a capital mid-sentence, or a
    # Finnish frame ("asun lahdessa") says it is the place.
    if word.capitalised_mid_sentence and (finnish or after_location_preposition(words, index)):
        return length
    if finnish and after_location_verb(words, index):
        return length
    return 0


# -- organisations --------------------------------------------------------------


def _facility_head_fi(word: Word) -> bool:
    return _is_facility_head_fi(word.lower)


@lru_cache(maxsize=200_000)
def _is_facility_head_fi(lowered: str) -> bool:
    heads = tuple(FACILITY_HEADS_FI)
    return any(r.base.lower().endswith(heads) for r in lexicon.finnish_readings(lowered))


def _names_something(word: Word) -> bool:
    """A word that can be part of a facility's name: proper, or no ordinary word."""
    if word.lower in DETERMINERS or lexicon.is_country(word.lower):
        return False
    if word.lower in _SAINT:
        return True
    if any(r.proper for r in word.readings):
        return True
    if word.capitalised and (word.sentence_initial is False or not word.ordinary):
        return True
    return not word.ordinary and not word.readings and len(word.lower) > 2


def _facility(words: Words, index: int, text: str) -> int | None:
    """The first word of a named facility whose head word is ``index``, or None."""
    word = words[index]
    if _facility_head_fi(word):
        # Finnish: the name is a genitive before the head ("Oulaisten terveyskeskuksessa"),
        # sometimes with an adjective between ("Kuopion yliopistollisen sairaalan").
        for first in (index - 1, index - 2):
            if first < 0 or not words.joined(first, index, text) or not _genitive(words[first]):
                break  # "ahdistunu koulussa", "tulin apteekista": no name before the head
            if _names_something(words[first]) or _topographic(words[first]):
                return first
        return index if _named_after_head_fi(words, index, text) else None
    if word.lower not in FACILITY_HEADS_EN:
        return None
    if _university_of(words, index, text) > index:
        return index
    first, named = index, False
    while first > 0 and _adjacent(words, first - 1, text):
        previous = words[first - 1]
        if _names_something(previous) and previous.lower not in FACILITY_HEADS_EN:
            named = True
        elif not _may_stand_in_name(words, first - 1, word, index - first, text):
            break
        first -= 1
    if not named and word.lower in NAMING_HEADS_EN and first < index:
        # Only where someone goes: "goes to riverside academy", not "feeling elementary".
        before = words[first - 1].lower if first else ""
        generic = all(w.lower in FACILITY_WORDS_EN | FUNCTION_WORDS for w in words[first:index])
        if before in LOCATION_PREPOSITIONS and not generic:
            return first
    # Only the generic words ("the mental health clinic") name nothing.
    while first < index and not _names_something(words[first]):
        first += 1
    return first if named and first < index else None


def _may_stand_in_name(words: Words, at: int, head: Word, distance: int, text: str) -> bool:
    """A generic facility word ("Recovery"), an ordinary word after a name ("River"),
    or a plain word before a head that names a school by itself ("oak hill primary")."""
    previous = words[at]
    return (
        previous.lower in FACILITY_WORDS_EN
        or _name_then_word(words, at, text)
        or (head.lower in NAMING_HEADS_EN and _plain_modifier(previous) and distance < 3)
    )


def _plain_modifier(word: Word) -> bool:
    return word.lower not in FUNCTION_WORDS | DETERMINERS | POSSESSIVES and not word.lower.isdigit()


def _name_then_word(words: Words, index: int, text: str) -> bool:
    """One ordinary word after a name still names the place: "Charles River Wellness"."""
    return (
        index > 0
        and words[index].lower not in FUNCTION_WORDS
        and _adjacent(words, index - 1, text)
        and _names_something(words[index - 1])
    )


def _adjacent(words: Words, index: int, text: str) -> bool:
    """Word ``index`` runs on into the next: a space between, or "St. " before a name."""
    gap = text[words[index].end : words[index + 1].start]
    return words.joined(index, index + 1, text) or (gap == ". " and words[index].lower in _SAINT)


def _genitive(word: Word) -> bool:
    """A Finnish genitive ("Oulaisten", "yliopistollisen"), or an unknown word in -n."""
    if word.readings:
        return any(r.case == "omanto" for r in word.readings)
    return word.lower.endswith("n") and not word.ordinary


def _named_after_head_fi(words: Words, index: int, text: str) -> bool:
    """The head first, then its name in a case of place: "päiväkoti Tuulikellossa"."""
    following = words.after(index)
    if following is None or not words.joined(index, index + 1, text):
        return False
    located = following.lower.endswith(_LOCATIVE_ENDINGS)
    named = not following.ordinary or any(r.compound or r.proper for r in following.readings)
    return located and named and not _facility_head_fi(following)


def _facility_end(words: Words, index: int, text: str) -> int:
    """The last word of a facility whose head is ``index``: "University of Helsinki",
    "päiväkoti Tuulikellossa", or the head itself."""
    if _facility_head_fi(words[index]) and _named_after_head_fi(words, index, text):
        return index + 1
    return _university_of(words, index, text)


def _topographic(word: Word) -> bool:
    return any(
        r.compound
        and r.base.lower().endswith(tuple(TOPOGRAPHIC_FI))
        or r.base.lower() in TOPOGRAPHIC_FI
        for r in word.readings
    ) and not word.lower.endswith(("ssa", "ssä", "lla", "llä"))


def _saint_of(words: Words, index: int, text: str) -> Word | None:
    """The saint's name after "St." when a possessive follows: "St. Mary's"."""
    following = words.after(index)
    if following is None or following.lower in FUNCTION_WORDS or not _adjacent(words, index, text):
        return None
    return following if text.startswith(("'s", "’s"), following.end) else None


def _university_of(words: Words, index: int, text: str) -> int:
    """The words after the head that name it: "University of Helsinki"."""
    if words[index].lower not in _FACILITY_OF or index + 2 >= len(words):
        return index
    if words[index + 1].lower != "of" or not words.joined(index, index + 2, text):
        return index
    named = words[index + 2]
    if _names_something(named) or named.lower in places():
        return index + 2
    return index


@lru_cache(maxsize=200_000)
def _brand(lowered: str) -> bool | None:
    """True: a brand and nothing else; None: a brand that is also a word; False: none."""
    plain, ambiguous = organisations()
    if lowered in plain or inflected_base(lowered, plain):
        return True
    bases = {r.base.lower() for r in lexicon.finnish_readings(lowered)} | {lowered}
    if bases & ambiguous or inflected_base(lowered, ambiguous):
        return None
    return False


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


@cache
def _long_brands() -> frozenset[str]:
    plain, ambiguous = organisations()
    return frozenset(name for name in plain | ambiguous if " " in name)


@cache
def _first_words_of_long_brands() -> frozenset[str]:
    return frozenset(name.split(" ")[0] for name in _long_brands())


def _long_brand(words: Words, index: int, text: str) -> int:
    """How many words from ``index`` name a brand of several words ("Burger King")."""
    if words[index].lower not in _first_words_of_long_brands():
        return 0
    for length in (3, 2):
        last = index + length - 1
        if last < len(words) and words.joined(index, last, text):
            name = " ".join(w.lower for w in words[index : last + 1])
            if name in _long_brands() or inflected_base(name, _long_brands()):
                return length
    return 0


def _capitalised_run(words: Words, index: int, text: str) -> Word:
    """The last of the capitalised words from ``index`` on: "Green Valley Foods"."""
    last = index
    while (
        last + 1 < len(words) and words[last + 1].capitalised and words.joined(last, last + 1, text)
    ):
        last += 1
    return words[last]


def _employer(words: Words, index: int) -> bool:
    word = words[index]
    brand = _brand(word.lower)
    if brand:
        return True
    at_work = follows(words, index, WORK_FRAMES) or _work_follows_fi(words, index)
    if brand is None:
        return word.capitalised_mid_sentence or at_work
    if not at_work or word.lower in DETERMINERS:
        return False
    return word.capitalised or (not word.ordinary and len(word.lower) > 2)


WORK_AFTER_FI = frozenset(["töissä", "töis", "duunissa", "duunis", "hommissa", "kesätöissä"])


def _work_follows_fi(words: Words, index: int) -> bool:
    """ "puuilossa töissä", "kotipizzalla kuskina": a place of work, then the work."""
    word, following = words[index], words.after(index)
    if following is None or not word.lower.endswith(_LOCATIVE_ENDINGS):
        return False
    if following.lower in WORK_AFTER_FI:
        return True
    # A role in the essive: "kuskina", "kassana", "myyjänä".
    return following.lower.endswith(("na", "nä")) and any(
        r.word_class == "nimisana" and r.case == "olento" for r in following.readings
    )


# -- streets ------------------------------------------------------------------


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
        and _HOUSE_NUMBER.match(text, word.end) is not None
    )


def _street_en(words: Words, index: int, text: str) -> int | None:
    """The first word of an English street whose type word ("Street") is ``index``."""
    kind = words[index].lower
    if index == 0 or not words.joined(index - 1, index, text):
        return None
    previous = words[index - 1]
    if previous.lower in GENERIC_STREET_MODIFIERS or previous.lower in FUNCTION_WORDS:
        return None
    if kind in STREET_TYPES_EN_CAPITAL and not (previous.capitalised and words[index].capitalised):
        return None
    # "maple streetillä": an English street in a Finnish case.
    if kind not in STREET_TYPES_EN | STREET_TYPES_EN_CAPITAL and not inflected_base(
        kind, STREET_TYPES_EN
    ):
        return None
    first = index - 1
    while first > 0 and words.joined(first - 1, first, text) and words[first - 1].capitalised:
        first -= 1
    return first


@lru_cache(maxsize=200_000)
def may_locate(token: str) -> bool:
    """Whether ``token`` could be, or lead to, a place, facility, employer or street
    anywhere in a text; a text of none such is not walked word by word."""
    lowered = token.lower()
    if lowered in NEVER_NAMES:
        return False
    if not is_ordinary(lowered) or _might_locate(lowered):
        return True
    # A word that is also a town ("Reading", "Hope") is one only when capitalised.
    return token[:1].isupper() and _gazetteer_name(lowered)


@lru_cache(maxsize=200_000)
def _might_locate(lowered: str) -> bool:
    """Whether a lower-case ordinary word can start or head anything this module finds.
    (A place of several words counts by its words that are no ordinary ones: "york".)"""
    readings = lexicon.finnish_readings(lowered)
    return (
        any(r.word_class == "paikannimi" or r.proper for r in readings)
        or _brand(lowered) is not False
        or lowered in _first_words_of_long_brands()
        or _is_facility_head_fi(lowered)
        or lowered in FACILITY_HEADS_EN
        or lowered in STREET_TYPES_EN
        or lowered in STREET_TYPES_EN_CAPITAL
        or inflected_base(lowered, STREET_TYPES_EN) is not None
        or any(r.base.lower().endswith(STREET_ENDINGS_FI) for r in readings)
        or any(r.compound and r.base.lower().endswith(tuple(VILLAGE_PARTS_FI)) for r in readings)
    )


def _with_possessive(text: str, end: int) -> int:
    """A business's name runs on over its "'s": "Sainsbury's", "McGettigan's"."""
    return end + 2 if text.startswith(("'s", "’s", "'S", "’S"), end) else end


def find_places(text: str, words: Words | None = None) -> list[Entity]:
    words = Words.of(text) if words is None else words
    found: list[Entity] = []
    index = 0
    while index < len(words):
        word = words[index]
        # Most words are ordinary, lower case and like no place, facility or street.
        if word.ordinary and not word.capitalised_mid_sentence and not _might_locate(word.lower):
            index += 1
            continue
        if word.lower in _SAINT and (saint := _saint_of(words, index, text)):
            # "St. Mary's", "Saint Jude's": a hospital, school or church by its saint.
            found.append(Entity("ORG", word.start, saint.end + 2, key=saint.lower))
            index += 2
            continue
        if (first := _facility(words, index, text)) is not None:
            last = _facility_end(words, index, text)
            found.append(
                Entity(
                    "ORG",
                    words[first].start,
                    _with_possessive(text, words[last].end),
                    key=word.lower,
                )
            )
            index = last + 1
            continue
        finnish_street = _street_fi(word) or _numbered_street_fi(word, text)
        if finnish_street or (first := _street_en(words, index, text)) is not None:
            start = word.start if finnish_street else words[first].start
            number = _HOUSE_NUMBER.match(text, word.end)
            end = number.end() if number else word.end
            found.append(Entity("ADDRESS", start, end, key=text[start:end].lower()))
        elif length := _long_brand(words, index, text):
            last = words[index + length - 1]
            found.append(
                Entity("ORG", word.start, _with_possessive(text, last.end), key=word.lower)
            )
            index += length
            continue
        elif _employer(words, index):
            last = _capitalised_run(words, index, text)
            found.append(
                Entity("ORG", word.start, _with_possessive(text, last.end), key=word.lower)
            )
            index = words.index(last) + 1
            continue
        elif length := _is_place(words, index, text):
            last = words[index + length - 1]
            found.append(Entity("PLACE", word.start, last.end, key=word.lower))
            index += length
            continue
        index += 1
    return found
