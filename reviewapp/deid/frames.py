"""Context that turns a word into an identifier: "my name is …", "my sister …", "I live in …".

Lower-case chat leaves no capital to go by, and many names are also words
("hope", "onni", "iris"), so what stands around a word decides. Each frame is
the lower-cased words just before (or after) the word in question. Finnish
frames are matched on Voikko's base form, so "siskolleni" is "sisko" and
"asuin" is "asua".
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from reviewapp.deid.lexicon import (
    PERSON_CLASSES,
    finnish_readings,
    first_names,
    is_english_word,
)
from reviewapp.deid.words import Words

# "my name is Iris", "mun nimi on onni", "call me Sky"
NAME_INTRODUCTIONS = (
    ("my", "name", "is"),
    ("my", "name's"),
    ("name", "is"),
    ("names",),
    ("called",),
    ("named",),
    ("call", "me"),
    ("i'm", "called"),
    ("nimeni", "on"),
    ("nimi", "on"),
    ("mun", "nimi"),
    ("nimeltä",),
    ("nimeltään",),
    ("kutsu", "mua"),
    ("kutsu", "minua"),
    ("hi", "i'm"),
    ("hi", "im"),
    ("hey", "i'm"),
    ("hello", "i'm"),
    ("moi", "oon"),
    ("moi", "mä", "oon"),
    ("hei", "olen"),
    ("hei", "oon"),
    ("hei", "mä", "oon"),
    ("terveisin",),
    ("regards",),
    ("thanks",),
    ("kiitos",),
)

# People a patient names: "my sister iris", "kaverini Onni", "mun poikaystävä sky".
RELATIONS_EN = frozenset(
    [
        "friend",
        "bestie",
        "bff",
        "sister",
        "sis",
        "brother",
        "bro",
        "mom",
        "mum",
        "mother",
        "mommy",
        "mama",
        "dad",
        "father",
        "daddy",
        "papa",
        "son",
        "daughter",
        "boyfriend",
        "bf",
        "girlfriend",
        "gf",
        "husband",
        "wife",
        "partner",
        "fiance",
        "fiancee",
        "fiancé",
        "ex",
        "therapist",
        "counsellor",
        "counselor",
        "nurse",
        "doctor",
        "psychiatrist",
        "psychologist",
        "cousin",
        "aunt",
        "uncle",
        "grandma",
        "grandpa",
        "granny",
        "gran",
        "nan",
        "nana",
        "grandmother",
        "grandfather",
        "neighbour",
        "neighbor",
        "roommate",
        "flatmate",
        "housemate",
        "boss",
        "manager",
        "supervisor",
        "colleague",
        "coworker",
        "co-worker",
        "teacher",
        "coach",
        "kid",
        "niece",
        "nephew",
        "stepdad",
        "stepmom",
        "stepmum",
        "stepbrother",
        "stepsister",
        "worker",
        "mate",
        "buddy",
        "pal",
        "crush",
        "classmate",
        "baby",
    ]
)
RELATIONS_FI = frozenset(
    [
        "kaveri",
        "ystävä",
        "bestis",
        "sisko",
        "sisar",
        "veli",
        "isoveli",
        "pikkuveli",
        "isosisko",
        "pikkusisko",
        "äiti",
        "isä",
        "poika",
        "tytär",
        "poikaystävä",
        "tyttöystävä",
        "mies",
        "vaimo",
        "puoliso",
        "kumppani",
        "terapeutti",
        "hoitaja",
        "lääkäri",
        "psykiatri",
        "psykologi",
        "serkku",
        "täti",
        "setä",
        "eno",
        "mummo",
        "mummi",
        "isoäiti",
        "isoisä",
        "pappa",
        "ukki",
        "naapuri",
        "pomo",
        "esimies",
        "kollega",
        "työkaveri",
        "opettaja",
        "lapsi",
        "exä",
        "kämppis",
        "kihlattu",
        "tyttö",
        "faija",
        "mutsi",
        "broidi",
        "sisko",
        "siskopuoli",
        "velipuoli",
    ]
)
# Relations long enough to end a compound: "kummitäti", "työkaveri", "isoäiti".
_LONG_RELATIONS_FI = tuple(r for r in RELATIONS_FI if len(r) >= 4)

# "iris said", "onni soitti"
SPEECH_VERBS = frozenset(
    [
        "said",
        "says",
        "told",
        "texted",
        "called",
        "asked",
        "thinks",
        "wants",
        "messaged",
        "replied",
        "yelled",
        "suggested",
        "came",
        "comes",
        "visited",
        "visits",
        "sanoi",
        "sano",
        "kysyi",
        "kysy",
        "soitti",
        "laittoi",
        "laitto",
        "viestitti",
        "kertoi",
        "kerto",
        "huusi",
    ]
)

# "I live in …", "grew up in …", "moved to …"
LOCATION_PREPOSITIONS = frozenset(
    ["in", "from", "to", "near", "at", "around", "outside", "inside", "by"]
)
# Finnish carries place in the case ending; these verbs make a word a place there.
LOCATION_VERBS_FI = frozenset(
    ["asua", "muuttaa", "kotoisin", "syntyä", "kasvaa", "käydä", "ajaa", "matkustaa"]
)

# Where someone works: "töissä Prismassa", "I work at Tesco", "shift at Lidl".
WORK_FRAMES = (
    ("work", "at"),
    ("work", "for"),
    ("working", "at"),
    ("working", "for"),
    ("worked", "at"),
    ("worked", "for"),
    ("works", "at"),
    ("works", "for"),
    ("job", "at"),
    ("shift", "at"),
    ("shifts", "at"),
    ("employed", "at"),
    ("employed", "by"),
    ("intern", "at"),
    ("internship", "at"),
    ("hired", "at"),
    ("hired", "by"),
    ("started", "at"),
    ("start", "at"),
    ("starting", "at"),
    # Someone's role there: "manager at dunnes", "drives for arriva".
    ("manager", "at"),
    ("receptionist", "at"),
    ("cashier", "at"),
    ("cleaner", "at"),
    ("barista", "at"),
    ("waitress", "at"),
    ("waiter", "at"),
    ("chef", "at"),
    ("carer", "at"),
    ("volunteer", "at"),
    ("volunteering", "at"),
    ("placement", "at"),
    ("apprenticeship", "at"),
    ("drive", "for"),
    ("drives", "for"),
    ("drove", "for"),
    ("driving", "for"),
    ("driver", "for"),
    # Or studies: "doing a masters at trinity", "studying at aalto".
    ("study", "at"),
    ("studying", "at"),
    ("studied", "at"),
    ("studies", "at"),
    ("student", "at"),
    ("masters", "at"),
    ("degree", "at"),
    ("phd", "at"),
    ("teach", "at"),
    ("teaches", "at"),
    ("taught", "at"),
    ("töissä",),
    ("töis",),
    ("töitä",),
    ("duunissa",),
    ("duunis",),
    ("kassalla",),
    ("hommissa",),
    ("työskentelen",),
    ("työskentelin",),
    ("työskentelee",),
    ("harjoittelussa",),
    ("kesätöissä",),
    ("työpaikka", "on"),
    ("työpaikkani", "on"),
    ("työnantaja", "on"),
    ("työnantajani", "on"),
)

# The last word of every English work frame ("worked at", "drives for", "employed by").
WORK_PREPOSITIONS_EN = frozenset(["at", "for", "by"])
# What follows an English work frame without naming a workplace: "work at night",
# "work for myself", "studying at uni". Determiners and possessives stop it too.
NOT_WORKPLACES_EN = frozenset(
    [
        "home",
        "night",
        "nights",
        "weekend",
        "weekends",
        "it",
        "all",
        "least",
        "first",
        "last",
        "once",
        "free",
        "myself",
        "himself",
        "herself",
        "themselves",
        "yourself",
        "ourselves",
        "money",
        "nothing",
        "hours",
        "days",
        "weeks",
        "months",
        "years",
        "ages",
        "school",
        "uni",
        "university",
        "college",
        "hospital",
        "church",
        "work",
        "lunch",
        "dawn",
        "midnight",
        "noon",
        "times",
        "minimum",
        "mine",
        "them",
        "him",
        "her",
        "us",
        "me",
        "you",
        "less",
        "more",
        "now",
        "present",
        "moment",
        "same",
        "different",
        "local",
        "dinner",
        "breakfast",
        "christmas",
        "easter",
        "peanuts",
        "cash",
        "this",
        "that",
        "there",
        "here",
        "what",
        "which",
        "whatever",
    ]
)

# Finnish cases that say where: in, at, from, to ("-ssa", "-lla", "-sta", "-lle", "-an").
LOCATIVE_ENDINGS = (
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

# "I live in …", "moved to …", "grew up in …": whatever follows is where someone lives.
RESIDENCE_FRAMES = (
    ("live", "in"),
    ("lives", "in"),
    ("live", "near"),
    ("lives", "near"),
    ("grew", "up", "round"),
    ("grew", "up", "near"),
    ("grew", "up", "outside"),
    ("just", "outside"),
    ("moved", "back", "to"),
    ("living", "in"),
    ("lived", "in"),
    ("moved", "to"),
    ("moving", "to"),
    ("move", "to"),
    ("grew", "up", "in"),
    ("born", "in"),
    ("i'm", "from"),
    ("im", "from"),
    ("am", "from"),
    ("originally", "from"),
    ("back", "home", "in"),
    ("stay", "in"),
    ("staying", "in"),
)


# What follows a residence frame without being a town, though some town has its name:
# "live in hope", "grew up in care", "moved back to hospital".
NOT_TOWNS_AFTER_RESIDENCE = frozenset(
    [
        "hope",
        "harmony",
        "comfort",
        "church",
        "home",
        "hell",
        "time",
        "hospital",
        "peace",
        "care",
        "fear",
        "denial",
        "poverty",
        "misery",
        "sin",
        "silence",
        "shame",
        "secret",
        "limbo",
        "pain",
        "bed",
        "tears",
        "action",
        "safety",
        "danger",
        "hiding",
        "debt",
        "trouble",
        "crisis",
        "recovery",
        "treatment",
        "therapy",
        "rehab",
        "prison",
        "jail",
    ]
)


def follows(words: Words, index: int, frames: tuple[tuple[str, ...], ...]) -> bool:
    """Whether one of ``frames`` stands right before word ``index``."""
    if index == 0:
        return False
    # Most words follow no frame's last word; only those frames are compared.
    candidates = _by_last_word(frames).get(words[index - 1].lower, ())
    return any(words.before(index, len(frame)) == list(frame) for frame in candidates)


@cache
def _by_last_word(frames: tuple[tuple[str, ...], ...]) -> dict[str, list[tuple[str, ...]]]:
    grouped: dict[str, list[tuple[str, ...]]] = {}
    for frame in frames:
        grouped.setdefault(frame[-1], []).append(frame)
    return grouped


def _bases(word) -> set[str]:
    return {r.base.lower() for r in word.readings} | {word.lower}


def after_relation(words: Words, index: int) -> bool:
    """Right after a word naming someone's relation: "my sister …", "siskoni …"
    (not "lapselle sadun": told to a child, a tale; nor "(my sister) said": a bracket
    or a sentence ends between)."""
    if index == 0 or any(mark in words.text_between(index - 1, index) for mark in ".!?()[]"):
        return False
    previous = words[index - 1]
    if previous.lower in RELATIONS_EN:
        return True
    # Finnish: the relation itself, or with a possessive ending ("sisko", "siskoni").
    addressed = previous.lower in RELATIONS_FI or previous.lower.endswith(_POSSESSIVE_ENDINGS)
    return addressed and bool(_bases(previous) & RELATIONS_FI)


_POSSESSIVE_ENDINGS = ("ni", "si", "nsa", "nsä", "mme", "nne")


def relation_follows(words: Words, index: int) -> bool:
    """A name, then whose relation it is: "hertta on mun sisko", "rhiannon is my sister",
    "rauha on mun paras kaveri", "armo on mun kummitäti" (not "it's my mum's")."""
    ahead = words[index + 1 : index + 5]
    if len(ahead) < 2 or ahead[0].lower not in {"is", "was", "on", "oli"}:
        return False
    # After "my", one word may describe the relation: "best", "paras", "little", "vanhin".
    if ahead[1].lower in POSSESSIVES:
        first, candidates = index + 3, ahead[2:4]
    else:
        first, candidates = index + 2, ahead[1:2]
    for offset, candidate in enumerate(candidates):
        if _is_relation(candidate):
            return words.joined(index, first + offset) and not words.possessive(candidate)
    return False


def before_relation(words: Words, index: int) -> bool:
    """Whose relation follows: "Jukan äiti", "onnin isä", "grace's mom"."""
    following = words.after(index)
    if following is None:
        return False
    gap = words.text_between(index, index + 1)
    if gap in ("'s ", "’s "):
        return following.lower in RELATIONS_EN | PERSONAL_THINGS_EN
    return genitive_before_someone(words, index)


def genitive_before_someone(words: Words, index: int) -> bool:
    """A Finnish name's genitive, then a relation or "with": "Jukan äiti", "lumin isä",
    "valon kanssa". The genitive is one Voikko reads as a name's, or a listed first
    name's ("lumin"), not any word ending in -n ("Luin")."""
    word, following = words[index], words.after(index)
    if following is None or not word.lower.endswith("n"):
        return False
    if words.text_between(index, index + 1) != " ":
        return False
    genitive_name = any(
        r.word_class in PERSON_CLASSES for r in word.readings
    ) or genitive_of_a_first_name(word.lower)
    return genitive_name and (bool(_bases(following) & WITH_SOMEONE_FI) or _is_relation(following))


@lru_cache(maxsize=200_000)
def genitive_of_a_first_name(lowered: str) -> bool:
    """A first name in the genitive: "valon" (Valo's), "lumin" (Lumi's, a form Voikko lacks)."""
    if not lowered.endswith("n") or is_english_word(lowered):
        return False  # "been" is not Bee's, nor "even" Eve's
    return (
        any(
            r.case == "omanto" and r.base.lower() in first_names()
            for r in finnish_readings(lowered)
        )
        or lowered[:-1] in first_names()
    )


# What only a person has: "will's birthday", "grace's funeral".
PERSONAL_THINGS_EN = frozenset(
    [
        "birthday",
        "bday",
        "funeral",
        "grave",
        "wedding",
        "number",
        "phone",
        "house",
        "flat",
        "room",
        "ashes",
        "texts",
        "messages",
        "boyfriend",
        "girlfriend",
        "husband",
        "wife",
    ]
)
# "Illan kanssa", "onnin luona": with someone, at someone's.
WITH_SOMEONE_FI = frozenset(
    [
        "vanhempi",
        "perhe",
        "kanssa",
        "kans",
        "kaa",
        "luona",
        "luokse",
        "luota",
        "takia",
        "vuoksi",
        "mökki",
        "kämppä",
        "koti",
        "synttärit",
        "synttäri",
        "hautajaiset",
        "häät",
    ]
)
# "pearl from my group", "jack from work": someone known from somewhere.
_KNOWN_FROM = frozenset(
    [
        "work",
        "school",
        "uni",
        "college",
        "church",
        "group",
        "class",
        "team",
        "course",
        "ward",
        "gym",
        "upstairs",
        "downstairs",
        "next",
    ]
)


def known_from_somewhere(words: Words, index: int) -> bool:
    ahead = [w.lower for w in words[index + 1 : index + 4]]
    if not ahead or ahead[0] not in {"from", "at"} or len(ahead) < 2:
        return False
    place = ahead[2] if ahead[1] in POSSESSIVES and len(ahead) > 2 else ahead[1]
    return place in _KNOWN_FROM and words.joined(index, index + 2)


DETERMINERS = frozenset(
    ["the", "a", "an", "this", "that", "these", "those", "some", "any", "every", "no"]
)
# Words that join others and name nothing.
FUNCTION_WORDS = DETERMINERS | frozenset(
    [
        "at",
        "in",
        "on",
        "from",
        "to",
        "of",
        "and",
        "or",
        "with",
        "for",
        "by",
        "is",
        "was",
        "are",
        "be",
        "as",
        "but",
        "so",
        "if",
        "then",
        "ja",
        "tai",
        "on",
        "oli",
        "kun",
        "ku",
        "että",
        "et",
        "mut",
        "mutta",
    ]
)
POSSESSIVES = frozenset(
    [
        "my",
        "your",
        "his",
        "her",
        "their",
        "our",
        "its",
        "mun",
        "sun",
        "sen",
        "hänen",
        "meidän",
        "teidän",
        "niiden",
    ]
)
# "texted toby", "told grace": someone spoken to.
SPOKEN_TO = frozenset(
    [
        "texted",
        "told",
        "asked",
        "messaged",
        "met",
        "called",
        "tell",
        "ask",
        "text",
        "call",
        "message",
        "meet",
    ]
)
# "kerroin sannalle", "soitin onnille" (Voikko base forms of the verb)
SPOKEN_TO_FI = frozenset(
    ["kertoa", "sanoa", "soittaa", "kysyä", "puhua", "viestittää", "tekstata", "laittaa"]
)


# Verbs only a person does, after a name that is also a word, with the words that may
# stand between: "summer keeps telling me", "iris stopped answering", "joy rang me",
# "helmi ei oo puhunu mulle" (chat Finnish, which Voikko does not read: by stem).
HUMAN_VERBS_EN = SPEECH_VERBS | frozenset(
    [
        "rang",
        "rings",
        "cried",
        "laughed",
        "promised",
        "lied",
        "shouted",
        "screamed",
        "answered",
        "apologised",
        "apologized",
        "hugged",
        "dumped",
        "moved",
        "blocked",
        "ghosted",
        "telling",
        "saying",
        "asking",
        "texting",
        "calling",
        "messaging",
        "answering",
        "replying",
        "talking",
        "speaking",
        "shouting",
        "crying",
        "ringing",
        "laughing",
    ]
)
_HUMAN_VERB_FI = re.compile(
    r"(?:puhu|sano|soitt|soiti|kerto|kerro|kysy|huus|huuta|itk|naur|lupas|suutt|vastas|vastan"
    r"|tekstas|tekstan|viestit|jutel|juttel|riidel)"
)
_BETWEEN_NAME_AND_VERB = frozenset(
    [
        "keeps",
        "kept",
        "stopped",
        "started",
        "just",
        "never",
        "always",
        "still",
        "finally",
        "has",
        "had",
        "hasnt",
        "hasn't",
        "didnt",
        "didn't",
        "doesnt",
        "doesn't",
        "wont",
        "won't",
        "would",
        "also",
        "even",
        "literally",
        "actually",
        "then",
        "en",
        "et",
        "emme",
        "vielä",
        "vieläkään",
        "koskaan",
        "ikinä",
        "mä",
        "ei",
        "oo",
        "ole",
        "ollut",
        "ollu",
        "on",
        "oli",
        "aina",
        "vaan",
        "vain",
        "taas",
        "sit",
        "sitten",
        "just",
    ]
)


def _human_verb_ahead(words: Words, index: int) -> bool:
    for ahead in range(index + 1, min(index + 5, len(words))):
        if not words.joined(ahead - 1, ahead):
            return False
        word = words[ahead].lower
        if word in _BETWEEN_NAME_AND_VERB:
            continue
        return word in HUMAN_VERBS_EN or _HUMAN_VERB_FI.match(word) is not None
    return False


_DETERMINERS_FI = frozenset(
    ["joka", "jokainen", "koko", "se", "sama", "tää", "tämä", "toi", "tuo", "yks", "yksi", "eräs"]
)


def before_speech(words: Words, index: int) -> bool:
    """Before a speech verb, or after one of telling: "iris said", "texted toby",
    "intolle soitin" (though not "the bill said")."""
    # "the bill said", "joka päivä itkien": a thing, not a person.
    if any(w.lower in DETERMINERS | _DETERMINERS_FI for w in words[max(0, index - 2) : index]):
        return False
    if index > 0 and words[index - 1].lower in SPOKEN_TO:
        following = words.after(index)
        return following is None or following.lower not in {"me", "mum", "mom", "dad", "back"}
    if _addressed_fi(words[index]) and (
        (index > 0 and _bases(words[index - 1]) & SPOKEN_TO_FI)
        or any(_bases(w) & SPOKEN_TO_FI for w in words[index + 1 : index + 5])
        or _human_verb_ahead(words, index)
    ):
        return True
    return _human_verb_ahead(words, index)


# Pronouns a person is written up with: "river (they/them)".
_PRONOUNS_GIVEN = frozenset({"they", "she", "he", "xe", "ze", "hän", "they/them", "she/her"})


def described_in_brackets(words: Words, index: int) -> bool:
    """A name, then who they are in brackets: "frank (my stepdad)", "usko (mun veli)",
    "river (they/them)"."""
    if index + 1 >= len(words) or "(" not in words.text_between(index, index + 1):
        return False
    inside = list(words[index + 1 : index + 4])
    if inside[0].lower in _PRONOUNS_GIVEN:
        return True
    relation = inside[1] if inside[0].lower in POSSESSIVES and len(inside) > 1 else inside[0]
    return _is_relation(relation)


def _is_relation(word) -> bool:
    return is_relation_word(word.lower)


@lru_cache(maxsize=100_000)
def is_relation_word(lowered: str) -> bool:
    """A word for someone's relation: "sister", "siskoni", and compounds ending in one:
    "kummitäti", "työkaverini"."""
    if lowered in RELATIONS_EN:
        return True
    bases = {r.base.lower() for r in finnish_readings(lowered)} | {lowered}
    return bool(bases & RELATIONS_FI) or any(
        base.endswith(relation) for base in bases for relation in _LONG_RELATIONS_FI
    )


_ONESELF = frozenset({"i", "me", "mä", "minä", "mie"})
_AND = frozenset({"and", "ja", "&"})


def beside_oneself(words: Words, index: int) -> bool:
    """Someone named beside the writer: "will and i", "me and sky", "mä ja onni"."""
    ahead = [w.lower for w in words[index + 1 : index + 3]]
    behind = words.before(index, 2)
    return (len(ahead) == 2 and ahead[0] in _AND and ahead[1] in _ONESELF) or (
        len(behind) == 2 and behind[0] in _ONESELF and behind[1] in _AND
    )


def _addressed_fi(word) -> bool:
    """A name in the case one tells or calls someone in: "sannalle", "onnille"."""
    return word.lower.endswith(("lle", "lta", "ltä"))


def after_location_verb(words: Words, index: int, within: int = 2) -> bool:
    """After a verb of living or moving: "asun lahdessa", "muutin kuopioon"."""
    return any(_bases(w) & LOCATION_VERBS_FI for w in words[max(0, index - within) : index])


def after_location_preposition(words: Words, index: int) -> bool:
    return index > 0 and words[index - 1].lower in LOCATION_PREPOSITIONS
