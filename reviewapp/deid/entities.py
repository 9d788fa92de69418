"""An identifier found in a text, and how overlapping finds are settled."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Entity:
    type: str
    start: int
    end: int
    # What makes two mentions the same identifier (a name's base form, a
    # number's digits); compared within one conversation, never exported.
    key: str = field(default="", compare=False)


def without_overlaps(entities: list[Entity]) -> list[Entity]:
    """Where finds overlap, the one starting first (then the longest) names them;
    one that runs on past it extends it, so no character of either is left."""
    kept: list[Entity] = []
    for entity in sorted(entities, key=lambda e: (e.start, -(e.end - e.start))):
        if kept and entity.start < kept[-1].end:
            if entity.end > kept[-1].end:
                last = kept.pop()
                kept.append(Entity(last.type, last.start, entity.end, key=last.key))
            continue
        kept.append(entity)
    return kept
