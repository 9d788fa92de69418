"""Risk levels and their order: the one place that compares them."""

from __future__ import annotations

from collections.abc import Iterable

NONE, ELEVATED, CRISIS = "none", "elevated", "crisis"
LEVELS = (NONE, ELEVATED, CRISIS)
LEVEL_RANK = {NONE: 0, ELEVATED: 1, CRISIS: 2}

# Reasons that say where a level came from rather than what the text says:
# a carry from earlier in the conversation is not the screen's verdict on a message.
CARRIED_RULE = "earlier_message_in_conversation"


def highest(levels: Iterable[str]) -> str:
    return max(levels, key=LEVEL_RANK.__getitem__, default=NONE)


def higher(level: str, than: str) -> bool:
    return LEVEL_RANK[level] > LEVEL_RANK[than]


def screened_level(reasons: list[dict]) -> str:
    """What the screens themselves said of a message, leaving out any carried level."""
    return highest(r["level"] for r in reasons if r.get("rule") != CARRIED_RULE)


def carried_level(reasons: list[dict]) -> str:
    """The level a message took from earlier in its conversation, if any."""
    return highest(r["level"] for r in reasons if r.get("rule") == CARRIED_RULE)
