"""De-identification of text before anything leaves the system.

``deidentify(text)`` finds identifiers (``find_entities``) and replaces each
with a typed placeholder (``[NAME]``, ``[PHONE]``...). The recognisers read a
normalised copy of the text (``normalise``: no invisible characters, full-width
forms folded) and their spans are mapped back onto the original:

* ``structured``: identifiers with a shape (e-mail, phone, henkilötunnus, plates,
  usernames, room and route numbers, dates...);
* ``names``: people, from name dictionaries, Voikko and the context ("my sister …");
* ``places``: towns and villages, walking a text with ``organisations``
  (facilities, schools, employers) and ``streets``;
* ``lexicon``, ``words``, ``frames``, ``gazetteer``: what a word is and what
  stands around it, for all of them.
 ``Pseudonyms`` numbers them consistently within a
conversation (``[NAME_1]`` stays the same person, "Sanna" and "Sannalle" alike).
DEID_VERSION names the pass in every export's manifest.
"""

from __future__ import annotations

from reviewapp.deid.entities import Entity, without_overlaps
from reviewapp.deid.names import find_names, may_be_named_by_relation, may_name
from reviewapp.deid.normalise import Normalised
from reviewapp.deid.places import find_places, may_locate, may_locate_in_pairs
from reviewapp.deid.structured import find_structured
from reviewapp.deid.words import TOKEN, Words

DEID_VERSION = "rules-4 (normalised text; Voikko, SCOWL and GeoNames; context frames)"


def find_entities(text: str) -> list[Entity]:
    normalised = Normalised.of(text)
    plain = normalised.text
    in_order = TOKEN.findall(plain)
    tokens = set(in_order)
    lowered = list(map(str.lower, in_order))  # in order, for the words that go in pairs
    distinct = frozenset(lowered)
    found = find_structured(plain, distinct)
    # Most texts (replies above all) hold no word that could name a person or a
    # place: asked once per distinct word, that skips the walk over their words.
    names_possible = any(map(may_name, tokens)) or may_be_named_by_relation(lowered, plain)
    places_possible = any(map(may_locate, tokens)) or may_locate_in_pairs(lowered)
    if names_possible or places_possible:
        words = Words.of(plain)
        if names_possible:
            found += find_names(plain, words)
        if places_possible:
            found += find_places(plain, words)
    return without_overlaps(
        [Entity(e.type, *normalised.span(e.start, e.end), key=e.key) for e in found]
    )


class Pseudonyms:
    """Numbered placeholders that stay the same for the same identifier in one conversation."""

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}
        self._per_type: dict[str, int] = {}

    def placeholder(self, entity: Entity) -> str:
        key = (entity.type, entity.key)
        if key not in self._numbers:
            self._per_type[entity.type] = self._per_type.get(entity.type, 0) + 1
            self._numbers[key] = self._per_type[entity.type]
        return f"[{entity.type}_{self._numbers[key]}]"


def deidentify(text: str, pseudonyms: Pseudonyms | None = None) -> tuple[str, list[Entity]]:
    """The text with every identifier replaced, and what was found (offsets in ``text``).

    Without ``pseudonyms`` placeholders are plain types (``[NAME]``), as the
    ``deidentify`` command's contract has them.
    """
    entities = find_entities(text)
    pieces, position = [], 0
    for entity in entities:
        label = pseudonyms.placeholder(entity) if pseudonyms else f"[{entity.type}]"
        pieces += [text[position : entity.start], label]
        position = entity.end
    pieces.append(text[position:])
    return "".join(pieces), entities
