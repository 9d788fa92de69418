"""What a worker needs to know about a profile, free of the ORM and of torch."""

from __future__ import annotations

from dataclasses import dataclass, field

# Sampling settings a profile or a request may set; anything else is refused
# rather than passed to generate(), where a typo would be silently ignored.
GENERATION_KEYS = frozenset(
    {
        "do_sample",
        "temperature",
        "top_p",
        "top_k",
        "repetition_penalty",
        "max_new_tokens",
        "min_new_tokens",
    }
)
DEFAULT_GENERATION = {"do_sample": True, "temperature": 0.7, "top_p": 0.9, "max_new_tokens": 200}


@dataclass(frozen=True)
class ProfileSpec:
    base_model: str
    adapter: str = ""
    loading_mode: str = "auto"
    prompt_format: str = "chat_template"
    system_prompt: str = ""
    generation_defaults: dict = field(default_factory=dict)

    @property
    def weights_key(self) -> tuple[str, str, str]:
        return (self.base_model, self.adapter, self.loading_mode)


def generation_params(defaults: dict, overrides: dict | None = None) -> dict:
    params = {**DEFAULT_GENERATION, **defaults, **(overrides or {})}
    unknown = sorted(set(params) - GENERATION_KEYS)
    if unknown:
        raise ValueError(f"unknown generation settings: {', '.join(unknown)}")
    if not params.get("do_sample", True):
        for key in ("temperature", "top_p", "top_k"):
            params.pop(key, None)
    return params
