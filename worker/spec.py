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
# Only a length limit by default: a profile that sets nothing gets the model's own
# generation_config (the "model defaults" some cards ask for).
DEFAULT_GENERATION = {"max_new_tokens": 200}


@dataclass(frozen=True)
class ProfileSpec:
    base_model: str
    adapter: str = ""
    # What the adapter must be (r, alpha, target_modules): checked at load, so a
    # profile can never silently run with some other adapter than its card's.
    adapter_config: dict = field(default_factory=dict)
    loading_mode: str = "auto"
    prompt_format: str = "chat_template"
    system_prompt: str = ""
    generation_defaults: dict = field(default_factory=dict)
    post_filters: tuple[str, ...] = ()
    # "name vN" of the profile, for worker health; not part of what is generated.
    profile: str = field(default="", compare=False)

    @property
    def base_key(self) -> tuple[str, str]:
        """Requests with the same base key share one loaded model (and its adapters)."""
        return (self.base_model, self.loading_mode)

    def batch_key(self, overrides: dict | None = None) -> tuple:
        """Requests with the same batch key can be drafted in one generate call."""
        params = generation_params(self.generation_defaults, overrides)
        return (*self.base_key, tuple(sorted(params.items())))


def generation_params(defaults: dict, overrides: dict | None = None) -> dict:
    params = {**DEFAULT_GENERATION, **defaults, **(overrides or {})}
    unknown = sorted(set(params) - GENERATION_KEYS)
    if unknown:
        raise ValueError(f"unknown generation settings: {', '.join(unknown)}")
    if not params.get("do_sample", True):
        for key in ("temperature", "top_p", "top_k"):
            params.pop(key, None)
    return params
