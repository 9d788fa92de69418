"""The engine's output: one drafted candidate with what it cost to make."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class GeneratedCandidate:
    text: str
    seed: int
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int
    loading_mode: str = ""
    generation_params: dict = field(default_factory=dict)
    flags: list = field(default_factory=list)
