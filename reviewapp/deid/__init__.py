"""De-identification of text before anything leaves the system.

``deidentify(text)`` finds identifiers (``find_entities``: structured ones in
``structured``, names in ``names``) and replaces each with a typed placeholder
(``[NAME]``, ``[PHONE]``...). ``Pseudonyms`` numbers them consistently within a
conversation (``[NAME_1]`` stays the same person, "Sanna" and "Sannalle" alike).
DEID_VERSION names the pass in every export's manifest.
"""

from __future__ import annotations

from reviewapp.deid.entities import Entity, without_overlaps
from reviewapp.deid.names import find_names
from reviewapp.deid.structured import find_structured

DEID_VERSION = "rules-2 (structured + name gazetteer with Finnish inflection)"


def find_entities(text: str) -> list[Entity]:
    return without_overlaps(find_structured(text) + find_names(text))


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
