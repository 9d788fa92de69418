"""Named facilities, schools and employers: where someone is treated, studies or works.

* A facility word with a name before it: a genitive in Finnish ("Oulaisten
  terveyskeskuksessa", "Kuopion yliopistollisen sairaalan"), any name in English
  ("Pinewood Clinic", "Brennan's Bakery"); or after it ("päiväkoti Tuulikellossa",
  "University of Limerick"); a saint's name with its "'s" ("St. Mary's").
* A brand from ``data/organisations.txt`` (a name that is also a word, "Prisma",
  "Target", only capitalised mid-sentence or where someone works).
* A name where someone works: "töissä Prismassa", "I work at Tesco",
  "puuilossa töissä", "kotipizzalla kuskina".
"""

from __future__ import annotations

from functools import cache, lru_cache
from pathlib import Path

from reviewapp.deid import lexicon
from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import (
    DETERMINERS,
    FUNCTION_WORDS,
    LOCATION_PREPOSITIONS,
    LOCATIVE_ENDINGS,
    NOT_WORKPLACES_EN,
    POSSESSIVES,
    RELATIONS_FI,
    WORK_FRAMES,
    WORK_PREPOSITIONS_EN,
    follows,
)
from reviewapp.deid.gazetteer import places
from reviewapp.deid.names import inflected_base
from reviewapp.deid.words import Word, Words

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
# Words before a facility word that say which kind, not which one: "at secondary
# school", "to the job centre", "in a nice care home".
GENERIC_MODIFIERS_EN = frozenset(
    [
        "secondary",
        "boarding",
        "summer",
        "sunday",
        "night",
        "driving",
        "art",
        "music",
        "dance",
        "language",
        "med",
        "law",
        "grad",
        "graduate",
        "public",
        "private",
        "catholic",
        "local",
        "new",
        "old",
        "nearest",
        "nearby",
        "special",
        "sixth",
        "form",
        "prep",
        "village",
        "town",
        "vet",
        "dental",
        "eye",
        "sleep",
        "pain",
        "fertility",
        "gp",
        "nhs",
        "hse",
        "outpatient",
        "inpatient",
        "psych",
        "detox",
        "urgent",
        "emergency",
        "maternity",
        "kids",
        "baby",
        "cancer",
        "heart",
        "memory",
        "dementia",
        "respite",
        "foster",
        "group",
        "halfway",
        "retirement",
        "residential",
        "elderly",
        "youth",
        "adult",
        "job",
        "leisure",
        "shopping",
        "garden",
        "sports",
        "recycling",
        "crisis",
        "drop",
        "call",
        "test",
        "same",
        "other",
        "big",
        "small",
        "nice",
        "good",
        "bad",
        "main",
        "whole",
        "usual",
        "own",
        "current",
        "previous",
        "former",
        "next",
        "first",
        "second",
        "third",
        "last",
        "different",
        "real",
        "proper",
        "actual",
        "stupid",
        "shitty",
        "crappy",
        "awful",
        "terrible",
        "great",
        "lovely",
        "decent",
        "free",
        "student",
        "womens",
        "mens",
        "pet",
        "animal",
        "old",
        "people's",
        "care",
        "day",
    ]
)
_GENERIC_BEFORE_HEADS_EN = (
    GENERIC_MODIFIERS_EN | FACILITY_WORDS_EN | FUNCTION_WORDS | FACILITY_HEADS_EN
)
# Finnish day-care centres, schools and care homes are often named for a plant, a bird
# or a thing ("Satakielen päiväkoti", "Nupun päiväkodissa"); hospitals are named for
# places, which the genitive of a place already finds.
NATURE_NAMED_HEADS_FI = (
    "päiväkoti",
    "koulu",
    "esikoulu",
    "palvelutalo",
    "palvelukoti",
    "hoivakoti",
    "hoitokoti",
)
# Genitives before such a head that say whose or which kind: "tytön päiväkodissa".
GENERIC_GENITIVES_FI = frozenset(
    [
        "kunta",
        "kaupunki",
        "kylä",
        "keskusta",
        "alue",
        "valtio",
        "seurakunta",
        "kirkko",
        "kansa",
        "lähiö",
        "ihminen",
        "tyyppi",
        "muksu",
        "skidi",
        "kundi",
        "vauva",
        "oppilas",
        "nainen",
        "mies",
        "tyttö",
        "poika",
        "lapsi",
        "koti",
        "oma",
    ]
)


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
    # A Finnish name that is an English word in lower case ("job", "art") is the word.
    english_word = not word.capitalised and lexicon.is_english_word(word.lower)
    if any(r.proper for r in word.readings) and not english_word:
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
            if first < 0 or not words.joined(first, index) or not _genitive(words[first]):
                break  # "ahdistunu koulussa", "tulin apteekista": no name before the head
            if _names_something(words[first]) or _topographic(words[first]):
                return first
            if first == index - 1 and _named_like_a_daycare(words[first], word):
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
    if not named and first < index:
        # Plain words name it only where someone goes: "goes to riverside academy",
        # "mum's in harbour view care home", not "feeling elementary", "at secondary school".
        before = words[first - 1].lower if first else ""
        generic = all(w.lower in _GENERIC_BEFORE_HEADS_EN for w in words[first:index])
        if before in LOCATION_PREPOSITIONS and not generic:
            return first
    # Only the generic words ("the mental health clinic") name nothing.
    while first < index and not _names_something(words[first]):
        first += 1
    return first if named and first < index else None


def _named_like_a_daycare(genitive: Word, head: Word) -> bool:
    """A singular common noun's genitive before a day-care centre, school or care home
    names it ("satakielen päiväkotiin"); a person's ("tytön koulussa") does not."""
    if not any(r.base.lower().endswith(NATURE_NAMED_HEADS_FI) for r in head.readings):
        return False
    return any(
        r.case == "omanto"
        and r.word_class == "nimisana"
        and not r.plural
        and r.base.lower() not in GENERIC_GENITIVES_FI | RELATIONS_FI
        and not r.base.lower().endswith("ia")  # a field: "psykiatrian"
        for r in genitive.readings
    ) and not any(r.word_class != "nimisana" for r in genitive.readings)


def _may_stand_in_name(words: Words, at: int, head: Word, distance: int, text: str) -> bool:
    """A generic facility word ("Recovery"), an ordinary word after a name ("River"),
    or a plain word before a head that names a school by itself ("oak hill primary")."""
    previous = words[at]
    return (
        previous.lower in FACILITY_WORDS_EN
        or _name_then_word(words, at, text)
        or (_plain_modifier(previous) and distance < 3)
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
    return words.joined(index, index + 1) or (gap == ". " and words[index].lower in _SAINT)


def _genitive(word: Word) -> bool:
    """A Finnish genitive ("Oulaisten", "yliopistollisen"), or an unknown word in -n."""
    if word.readings:
        return any(r.case == "omanto" for r in word.readings)
    return word.lower.endswith("n") and not word.ordinary


def _named_after_head_fi(words: Words, index: int, text: str) -> bool:
    """The head first, then its name in a case of place: "päiväkoti Tuulikellossa"."""
    following = words.after(index)
    if following is None or not words.joined(index, index + 1):
        return False
    located = following.lower.endswith(LOCATIVE_ENDINGS)
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
    if words[index + 1].lower != "of" or not words.joined(index, index + 2):
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
        if last < len(words) and words.joined(index, last):
            name = " ".join(w.lower for w in words[index : last + 1])
            if name in _long_brands() or inflected_base(name, _long_brands()):
                return length
    return 0


def _capitalised_run(words: Words, index: int, text: str) -> Word:
    """The last of the capitalised words from ``index`` on: "Green Valley Foods"."""
    last = index
    while last + 1 < len(words) and words[last + 1].capitalised and words.joined(last, last + 1):
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
    if word.capitalised or (not word.ordinary and len(word.lower) > 2):
        return True
    # In lower case, a word in an English work frame names the workplace ("worked at
    # ford", "shifts at next") unless it says when or how ("work at night").
    return _english_work_frame(words, index) and _may_name_a_workplace(word)


def _english_work_frame(words: Words, index: int) -> bool:
    return index > 0 and words[index - 1].lower in WORK_PREPOSITIONS_EN


def _may_name_a_workplace(word: Word) -> bool:
    lowered = word.lower
    return (
        lowered not in NOT_WORKPLACES_EN | FUNCTION_WORDS | POSSESSIVES
        and not lexicon.is_country(lowered)
        and len(lowered) > 1
    )


@cache
def work_frame_leads() -> frozenset[str]:
    """The first words of the English work frames ("worked" of "worked at")."""
    return frozenset(frame[0] for frame in WORK_FRAMES if frame[-1] in WORK_PREPOSITIONS_EN)


def leads_a_work_frame(lowered: str) -> bool:
    return lowered in work_frame_leads()


def in_work_frame(words: Words, index: int) -> bool:
    """Whether word ``index`` stands where an English work frame puts a workplace
    ("worked at …"): ``places.find_places`` asks before skipping an ordinary word."""
    return _english_work_frame(words, index) and follows(words, index, WORK_FRAMES)


WORK_AFTER_FI = frozenset(["töissä", "töis", "duunissa", "duunis", "hommissa", "kesätöissä"])


def _work_follows_fi(words: Words, index: int) -> bool:
    """A place of work, then the work: "puuilossa töissä", "kotipizzalla kuskina"."""
    word, following = words[index], words.after(index)
    if following is None or not word.lower.endswith(LOCATIVE_ENDINGS):
        return False
    if following.lower in WORK_AFTER_FI:
        return True
    # A role in the essive: "kuskina", "kassana", "myyjänä".
    return following.lower.endswith(("na", "nä")) and any(
        r.word_class == "nimisana" and r.case == "olento" for r in following.readings
    )


def _with_possessive(text: str, end: int) -> int:
    """A business's name runs on over its "'s": "Sainsbury's", "McGettigan's"."""
    return end + 2 if text.startswith(("'s", "’s", "'S", "’S"), end) else end


def might_start(lowered: str) -> bool:
    """Whether a lower-case word could name or head an organisation (``places.find_places``).
    A brand that is also one of the commonest words ("next") counts only capitalised:
    in lower case it would send nearly every text down the slow path for nothing."""
    brand = _brand(lowered)
    return (
        brand is True
        or (brand is None and not lexicon.is_very_common(lowered))
        or lowered in _first_words_of_long_brands()
        or _is_facility_head_fi(lowered)
        or lowered in FACILITY_HEADS_EN
    )


def facility_at(words: Words, index: int, text: str) -> tuple[Entity, int] | None:
    """The facility that word ``index`` heads (or a saint's), and the word after it."""
    word = words[index]
    if word.lower in _SAINT and (saint := _saint_of(words, index, text)):
        return Entity("ORG", word.start, saint.end + 2, key=saint.lower), index + 2
    first = _facility(words, index, text)
    if first is None:
        return None
    last = _facility_end(words, index, text)
    end = _with_possessive(text, words[last].end)
    return Entity("ORG", words[first].start, end, key=word.lower), last + 1


def employer_at(words: Words, index: int, text: str) -> tuple[Entity, int] | None:
    """The brand or employer starting at word ``index``, and the word after it."""
    word = words[index]
    if length := _long_brand(words, index, text):
        last = index + length - 1
    elif _employer(words, index):
        last = words.index(_capitalised_run(words, index, text))
    else:
        return None
    end = _with_possessive(text, words[last].end)
    return Entity("ORG", word.start, end, key=word.lower), last + 1
