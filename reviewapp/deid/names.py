# ruff: noqa: E501  (word lists read best as they are)
"""Personal names, in any case and Finnish case form ("Sannalle", "matille", "Virtaselle").

Where a name comes from: Voikko's first names and surnames (any inflected form),
then the first-name dictionary gender-guesser ships (Jörg Michael's nam_dict,
kept for names in use in Finland, Britain, Ireland or the United States, with
their frequency) and common surnames listed below, with Finnish case endings
and consonant gradation undone by hand.

When a word is one (``_is_name``):
* a listed name that is no ordinary word, in any case (in lower case, only one
  written out in full, or one Voikko reads: "insta" is not "Ina");
* a listed name that is also a word ("onni", "Hope", "will") where a capital in
  the middle of a sentence or the context says so (``frames``);
* after a title ("Dr. Patel"); a word no dictionary knows after "my name is" or
  a relation ("my friend priya"), or beside another such capitalised word
  ("Priya Nair"); a capitalised word shaped like a Finnish surname mid-sentence;
* a capitalised word right after a name is its surname ("Sarah Connor").
A word that starts a sentence is capitalised for that alone ("Olen", "Can").
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from reviewapp.deid import lexicon
from reviewapp.deid.entities import Entity
from reviewapp.deid.frames import (
    DETERMINERS,
    FUNCTION_WORDS,
    NAME_INTRODUCTIONS,
    POSSESSIVES,
    RELATIONS_EN,
    after_relation,
    before_relation,
    before_speech,
    beside_oneself,
    described_in_brackets,
    follows,
    genitive_before_someone,
    genitive_of_a_first_name,
    is_relation_word,
    known_from_somewhere,
    relation_follows,
)
from reviewapp.deid.lexicon import PERSON_CLASSES
from reviewapp.deid.words import Word, Words, is_ordinary

# Short forms the dictionary lists without an English-speaking country's frequency.
SHORT_FORMS = frozenset(
    [
        "mike",
        "dave",
        "tom",
        "jim",
        "bob",
        "kate",
        "liz",
        "steve",
        "chris",
        "matt",
        "nick",
        "dan",
        "sam",
        "ben",
        "joe",
        "tony",
        "andy",
        "pete",
        "alex",
        "jen",
        "jess",
        "becky",
        "meg",
        "jake",
        "tim",
        "rick",
        "greg",
        "jeff",
        "ken",
        "jon",
        "josh",
        "zach",
        "kim",
    ]
)

SURNAMES = frozenset(
    [
        "korhonen",
        "virtanen",
        "mäkinen",
        "nieminen",
        "mäkelä",
        "hämäläinen",
        "laine",
        "heikkinen",
        "koskinen",
        "järvinen",
        "lehtonen",
        "lehtinen",
        "saarinen",
        "salminen",
        "heinonen",
        "niemi",
        "heikkilä",
        "kinnunen",
        "salonen",
        "turunen",
        "salo",
        "laitinen",
        "tuominen",
        "rantanen",
        "karjalainen",
        "jokinen",
        "mattila",
        "savolainen",
        "lahtinen",
        "ahonen",
        "leinonen",
        "lindholm",
        "lindqvist",
        "nyström",
        "hiltunen",
        "kettunen",
        "miettinen",
        "pitkänen",
        "huttunen",
        "toivonen",
        "anttila",
        "aaltonen",
        "manninen",
        "laaksonen",
        "räsänen",
        "tanskanen",
        "smith",
        "johnson",
        "williams",
        "brown",
        "jones",
        "garcia",
        "miller",
        "davis",
        "rodriguez",
        "martinez",
        "hernandez",
        "lopez",
        "wilson",
        "anderson",
        "thomas",
        "taylor",
        "moore",
        "jackson",
        "martin",
        "lee",
        "thompson",
        "white",
        "harris",
        "clark",
        "lewis",
        "robinson",
        "walker",
        "young",
        "allen",
        "king",
        "wright",
        "scott",
        "green",
        "baker",
        "adams",
        "nelson",
        "hill",
        "campbell",
        "mitchell",
        "roberts",
        "carter",
        "phillips",
        "evans",
        "turner",
        "parker",
        "collins",
        "edwards",
        "stewart",
        "morris",
        "murphy",
        "cook",
        "rogers",
        "morgan",
        "cooper",
        "peterson",
        "reed",
        "bailey",
        "kelly",
        "howard",
    ]
)

_CASE_ENDINGS = sorted(
    [
        "lle",
        "lla",
        "llä",
        "lta",
        "ltä",
        "ssa",
        "ssä",
        "sta",
        "stä",
        "ksi",
        "na",
        "nä",
        "n",
        "a",
        "ä",
        "ta",
        "tä",
        "hin",
        "hen",
        "han",
        "hön",
        "seen",
        "iin",
        "aan",
        "ään",
        "ineen",
        "kin",
        "kaan",
        "kään",
        "lleni",
        "llesi",
    ],
    key=len,
    reverse=True,
)
TITLES = frozenset(["dr", "mr", "mrs", "ms", "miss", "prof", "rev", "tri", "rva", "hra", "nti"])

# Words for identifiers, which follow a relation word ("tytön hetu", "my sister's number").
IDENTIFIER_WORDS = frozenset(
    [
        "hetu",
        "henkilötunnus",
        "ssn",
        "insta",
        "snap",
        "email",
        "meili",
        "numero",
        "number",
        "osoite",
        "address",
    ]
)
# Words capitalised for other reasons than being someone's name.
NEVER_NAMES = (
    frozenset(
        [
            "january",
            "february",
            "march",
            "april",
            "may",
            "june",
            "july",
            "august",
            "september",
            "october",
            "november",
            "december",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "can",
            "sunny",
            "isä",
            "äiti",
            "columbus",
            "tammikuu",
            "helmikuu",
            "maaliskuu",
            "huhtikuu",
            "toukokuu",
            "kesäkuu",
            "heinäkuu",
            "elokuu",
            "syyskuu",
            "lokakuu",
            "marraskuu",
            "joulukuu",
            "jenkki",
            "jenkit",
            # Holidays (and towns in some gazetteer).
            "christmas",
            "easter",
            "halloween",
            "thanksgiving",
            "joulu",
            "juhannus",
            "pääsiäinen",
            "vappu",
        ]
    )
    | IDENTIFIER_WORDS
)
_FI_SURNAME_SHAPE = re.compile(
    r"[A-ZÅÄÖ][a-zåäö]{2,}(?:nen|s(?:en|elle|ella|ellä|elta|eltä|esta|estä|eksi|ta|tä|ia|iä))$"
)


def base_form(word: str) -> str | None:
    """The listed name ``word`` is a form of, or None: "Matille" -> "matti"."""
    return _base_form(word.lower())


@lru_cache(maxsize=200_000)
def _base_form(lowered: str) -> str | None:
    if lowered in _all_names():
        return lowered
    return inflected_base(lowered, _all_names())


@cache
def _all_names() -> frozenset[str]:
    return lexicon.first_names() | SHORT_FORMS | SURNAMES


def inflected_base(lowered: str, known, endings: tuple[str, ...] = ()) -> str | None:
    """The word of ``known`` (or ending in one of ``endings``) that ``lowered`` is a
    Finnish case form of, after undoing consonant gradation; None if none."""
    for ending in _CASE_ENDINGS:
        if not lowered.endswith(ending) or len(lowered) - len(ending) < 2:
            continue
        stem = lowered[: -len(ending)]
        for candidate in _undo_gradation(stem):
            if (known is not None and candidate in known) or (
                endings and candidate.endswith(endings)
            ):
                return candidate
    return None


def _undo_gradation(stem: str) -> list[str]:
    """Stems a case ending may have changed: Mati->Matti, Juka->Jukka, Virtase->Virtanen."""
    candidates = [stem, stem + "i", stem + "e", stem + "a", stem + "o"]
    if len(stem) > 3 and stem[-1] == stem[-2]:
        candidates.append(stem[:-1])  # Laineelta -> Laine
    if stem.endswith("se"):
        candidates.append(stem[:-2] + "nen")
    if stem.endswith("e"):
        candidates.append(stem[:-1] + "i")  # Kaukajärve- -> Kaukajärvi
    if stem.endswith("de"):
        candidates.append(stem[:-2] + "si")  # Kiuruvede- -> Kiuruvesi
    # Weak grade back to strong in a consonant pair: Hervanna- -> Hervanta, Kallio -> ...
    for weak, strong in (("nn", "nt"), ("ll", "lt"), ("rr", "rt"), ("mm", "mp"), ("ng", "nk")):
        if stem[:-1].endswith(weak):
            candidates.append(stem[: -1 - len(weak)] + strong + stem[-1])
            candidates.append(stem[: -1 - len(weak)] + strong + "i")
    if stem.endswith("i"):
        candidates.append(stem[:-1])  # a loanword's added vowel: Lidli- -> Lidl
    # Weak grade back to strong: a single t, k or p before the last vowel doubles.
    gradation = re.match(r"^(.*)([tkp])([aeiouyäö])$", stem)
    if gradation:
        head, consonant, vowel = gradation.groups()
        candidates.append(f"{head}{consonant}{consonant}{vowel}")
    return candidates


def _is_title(word: Word) -> bool:
    # "MR" in a message not written in capitals is an acronym (a medical record), not "Mr".
    return word.lower in TITLES and (word.shouting or not word.text.isupper())


def person_base(word: Word) -> str | None:
    """The name ``word`` is a form of: Voikko's first names and surnames, then the name lists."""
    return _person_base(word.lower)


@lru_cache(maxsize=200_000)
def _person_base(lowered: str) -> str | None:
    for reading in lexicon.finnish_readings(lowered):
        if reading.word_class in PERSON_CLASSES:
            return reading.base.lower()
    return _base_form(lowered)


def _named_by_context(words: Words, index: int) -> bool:
    return (
        follows(words, index, NAME_INTRODUCTIONS)
        or after_relation(words, index)
        or before_speech(words, index)
        or beside_oneself(words, index)
        or before_relation(words, index)
        or relation_follows(words, index)
        or known_from_somewhere(words, index)
    )


# Words that a "… is my sister" frame never makes a name: "she is my sister", "this is my mum".
_NOT_NAMED_BY_RELATION = (
    FUNCTION_WORDS
    | POSSESSIVES
    | frozenset(
        [
            "them",
            "him",
            "her",
            "us",
            "me",
            "i",
            "you",
            "he",
            "she",
            "it",
            "we",
            "they",
            "this",
            "that",
            "who",
            "which",
            "what",
            "there",
            "here",
            "today",
            "tonight",
            "everything",
            "nothing",
            "someone",
            "everyone",
            "somebody",
            "everybody",
            "one",
            "mä",
            "sä",
            "se",
            "hän",
            "ne",
            "me",
            "te",
            "he",
            "tää",
            "tämä",
            "toi",
            "tuo",
            "joka",
            "kuka",
            "mikä",
            "nyt",
            "tänään",
        ]
    )
)


_LINKING_VERBS = frozenset(["is", "was", "on", "oli"])


def _named_by_who_they_are(words: Words, index: int) -> bool:
    """Any word, said to be someone's relation: "armo on mun kummitäti", "june is my nan",
    "river (they/them)"; not "this is my mum", nor "my dog is my best friend"."""
    word, following = words[index], words.after(index)
    # Most words have neither "is"/"on" nor a bracket after them: nothing more to ask.
    if following is None or (
        following.lower not in _LINKING_VERBS and "(" not in words.text_between(index, index + 1)
    ):
        return False
    if word.lower in _NOT_NAMED_BY_RELATION or is_relation_word(word.lower):
        return False
    if index > 0 and words[index - 1].lower in POSSESSIVES | DETERMINERS:
        return False
    return relation_follows(words, index) or described_in_brackets(words, index)


_VOWEL = re.compile(r"[aeiouyåäö]")


def _unknown_capitalised_next(words: Words, index: int) -> bool:
    following = words.after(index)
    return (
        following is not None
        and following.capitalised
        and not following.ordinary
        and not following.readings
        and following.start - words[index].end == 1
    )


def _is_name(words: Words, index: int) -> tuple[bool, str | None]:
    """Whether word ``index`` is someone's name, and its base form."""
    word = words[index]
    if lexicon.is_country(word.lower):
        return False, None
    if _named_by_who_they_are(words, index) and word.lower not in IDENTIFIER_WORDS:
        return True, person_base(word) or word.lower
    if word.lower in NEVER_NAMES or word.lower in RELATIONS_EN:
        return False, None  # "Nan lives", "Mum said": a relation, not a name
    base = person_base(word)
    after_title = index > 0 and _is_title(words[index - 1])
    # "dr patel", "Mrs Smith"; not "the dr said": one of the commonest words is no name.
    if after_title and (word.capitalised or not lexicon.is_very_common(word.lower)):
        return True, base or word.lower
    # In lower case, inflected forms only as Voikko reads them: "insta" is not
    # "Ina"'s elative, nor "tiiä" "Tiia"'s partitive.
    voikko_name = any(r.word_class in PERSON_CLASSES for r in word.readings)
    if not word.capitalised and not voikko_name and word.lower not in _all_names():
        # ...unless a relation or "with" follows the genitive: "lumin isä".
        base = base if genitive_before_someone(words, index) else None
    if base is not None:
        if base in NEVER_NAMES:
            return False, None
        # A name that is nothing else, in any case; one that is also a word
        # ("onni", "Hope") where a capital or the context says it is a name.
        if not word.ordinary or word.capitalised_mid_sentence:
            return True, base
        return _named_by_context(words, index), base
    # Names no list holds ("Priya"): a capitalised word that is no ordinary word,
    # where the context names someone, or shaped like a Finnish surname.
    unknown = not word.ordinary and not word.readings and _VOWEL.search(word.lower) is not None
    introduced = (
        follows(words, index, NAME_INTRODUCTIONS)
        or after_relation(words, index)
        or before_speech(words, index)
        or relation_follows(words, index)
    )
    if (
        unknown
        and introduced
        and (word.capitalised or not lexicon.is_english_proper_noun(word.lower))
    ):
        return True, word.lower
    if unknown and word.capitalised and _unknown_capitalised_next(words, index):
        # "Priya Nair": two capitalised words no dictionary knows, side by side.
        return True, word.lower
    if word.capitalised_mid_sentence and _FI_SURNAME_SHAPE.match(word.text):
        return True, word.lower
    if word.capitalised_mid_sentence and after_relation(words, index):
        return True, word.lower  # "my therapist Marigold": a name no list holds
    return False, None


@lru_cache(maxsize=200_000)
def may_name(token: str) -> bool:
    """Whether ``token`` (as written) could be, or lead to, a name anywhere in a text.
    A text of none such holds no name, and the pass over its words is skipped."""
    lowered = token.lower()
    if genitive_of_a_first_name(lowered):
        return True  # "lumin isä", "valon kanssa"
    if lowered in NEVER_NAMES:
        return False
    if lowered in TITLES or not is_ordinary(lowered):
        return True
    if token[:1].isupper():
        return _person_base(lowered) is not None or _FI_SURNAME_SHAPE.match(token) is not None
    # In lower case only a name written out in full, or one Voikko reads, counts (_is_name).
    return lowered in _all_names() or any(
        r.word_class in PERSON_CLASSES for r in lexicon.finnish_readings(lowered)
    )


def may_be_named_by_relation(lowered: list[str], text: str) -> bool:
    """Whether a text (its lower-cased words, in order) may name someone by who they are:
    a word, "is"/"on", a relation within three words ("armo on mun kummitäti"), or a
    bracket saying who ("river (they/them)")."""
    if "(" in text and _BRACKETED_WHO.search(text):
        return True
    if _LINKING_VERBS.isdisjoint(lowered) or not any(map(is_relation_word, set(lowered))):
        return False
    return any(
        lowered[at + 1] in _LINKING_VERBS
        and lowered[at] not in _NOT_NAMED_BY_RELATION
        and any(map(is_relation_word, lowered[at + 2 : at + 5]))
        for at in range(len(lowered) - 2)
    )


_BRACKETED_WHO = re.compile(r"\w\s*\(\s*(?:my|mun|minun|they|she|he|hän|xe|ze)\b", re.I)


def find_names(text: str, words: Words | None = None) -> list[Entity]:
    words = Words.of(text) if words is None else words
    found: list[Entity] = []
    previous_index = -2
    may_be_named_by_who = "(" in text or any(w.lower in _LINKING_VERBS for w in words)
    for index, word in enumerate(words):
        follows_name = (
            previous_index == index - 1 and text[words[index - 1].end : word.start] == " "
        )
        # Most words are ordinary, lower case and no name's form: nothing to ask of them.
        if (
            not follows_name
            and word.ordinary
            and not word.capitalised_mid_sentence
            and _person_base(word.lower) is None
            and not (index and _is_title(words[index - 1]))
            and not (may_be_named_by_who and _named_by_who_they_are(words, index))
        ):
            continue
        is_name, base = _is_name(words, index)
        surname_like = len(word.lower) > 1 and word.lower not in FUNCTION_WORDS
        if not is_name and follows_name and word.capitalised_mid_sentence and surname_like:
            # "Sarah Connor": a capitalised word right after a first name is its surname.
            is_name = True
        if not is_name:
            continue
        if follows_name:
            last = found.pop()
            found.append(Entity("NAME", last.start, word.end, key=last.key))
        else:
            found.append(Entity("NAME", word.start, word.end, key=base or word.lower))
        previous_index = index
    return found
