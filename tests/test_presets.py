"""Every seed profile loads and drafts through the real code, on a tiny model of its kind.

Each preset keeps its own loading mode, prompt format, system prompt, sampling
settings, post-filters and adapter recipe; only the weights are swapped for a
tiny local model built the way its card's model was (chat template, LoRA rank,
alpha and targets, 4-bit where the card loads 4-bit, merged where it ships merged).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError

from reviewapp.models import ModelProfile
from reviewapp.presets import DEMO, SEED_PROFILES
from tests.tiny_llama import build_adapter, build_base, build_merged
from worker.engine import load_engine
from worker.tasks import profile_spec

PRESETS = {preset["name"]: preset for preset in SEED_PROFILES}
CARD_LORA = {  # adapter recipes from the cards; the Llama-2 therapy card gives none
    "fintherapy-8b": {"r": 16, "alpha": 32, "dropout": 0.05},
    "mental-health-chatbot-3b": {"r": 8, "alpha": 32, "dropout": 0.1},
    "llama2-therapy-qlora": {"r": 16, "alpha": 16, "dropout": 0.05},
}


@pytest.fixture(scope="module")
def kinds(tmp_path_factory):
    """Tiny stand-ins: Llama-3-templated bases, a Llama-2 style base, and a merged model."""
    root = tmp_path_factory.mktemp("kinds")
    llama3 = build_base(root, "llama3", llama3_template=True)
    llama2 = build_base(root, "llama2")
    weights = {
        "fintherapy-8b": (
            llama3,
            build_adapter(llama3, root / "fintherapy", **CARD_LORA["fintherapy-8b"]),
        ),
        "llama3-8b-mental-health": (build_base(root, "llama3-full", llama3_template=True), ""),
        "mental-health-chatbot-3b": (
            llama3,
            build_adapter(llama3, root / "mhc3b", **CARD_LORA["mental-health-chatbot-3b"]),
        ),
        "llama2-therapy-qlora": (
            llama2,
            build_adapter(llama2, root / "llama2-qlora", **CARD_LORA["llama2-therapy-qlora"]),
        ),
        "mental-health-chatbot-llama2": (
            build_merged(llama2, root / "merged", r=64, alpha=16, dropout=0.1),
            "",
        ),
    }
    return weights


def preset_on(kinds, name) -> ModelProfile:
    base, adapter = kinds[name]
    return ModelProfile(**{**PRESETS[name], "base_model": str(base), "adapter": str(adapter)})


@pytest.mark.parametrize("name", list(PRESETS))
def test_it_drafts_with_every_seed_profile(kinds, name, tmp_path):
    profile = preset_on(kinds, name)
    profile.clean()
    spec = profile_spec(profile)
    engine = load_engine(spec, cache_dir=Path(tmp_path))
    turns = [
        {
            "role": "user",
            "content": "Ahdistaa mennä töihin."
            if profile.language == "fi"
            else "I feel anxious about going to work.",
        }
    ]
    drafted = engine.draft(spec, turns, n=2, seed=5, overrides={"max_new_tokens": 6})
    assert len(drafted) == 2
    expected_mode = "4bit" if PRESETS[name]["loading_mode"] == "4bit" else "fp32"
    assert {c.loading_mode for c in drafted} == {expected_mode}
    assert all(c.prompt_tokens > 0 and c.generation_params["max_new_tokens"] == 6 for c in drafted)
    if expected_mode == "4bit":
        assert "Linear4bit" in {type(m).__name__ for m in engine.model.modules()}
    if spec.adapter:
        assert type(engine.model).__name__ == "PeftModelForCausalLM"


def rendered(kinds, profile_name, text):
    """The prompt a profile's tokenizer and format make of one patient message."""
    from transformers import AutoTokenizer

    from worker.prompts import build_prompt

    tokenizer = AutoTokenizer.from_pretrained(kinds[profile_name][0])
    ids = build_prompt(
        tokenizer,
        prompt_format=PRESETS[profile_name]["prompt_format"],
        system_prompt="SYS",
        turns=[{"role": "user", "content": text}],
        max_prompt_tokens=500,
    )
    return tokenizer.decode(ids)


def test_it_renders_the_llama3_chat_template_for_the_llama3_profiles(kinds):
    assert rendered(kinds, "fintherapy-8b", "Hei") == (
        "<|begin_of_text|><|start_header_id|>system<|end_header_id|>\n\nSYS<|eot_id|>"
        "<|start_header_id|>user<|end_header_id|>\n\nHei<|eot_id|>"
        "<|start_header_id|>assistant<|end_header_id|>\n\n"
    )


def test_it_renders_the_llama2_format_for_the_llama2_profile(kinds):
    assert rendered(kinds, "llama2-therapy-qlora", "Hello").endswith(
        "[INST] <<SYS>>\nSYS\n<</SYS>>\n\nHello [/INST]"
    )


def test_it_refuses_an_adapter_with_another_rank_than_the_card(kinds, tmp_path):
    profile = preset_on(kinds, "mental-health-chatbot-3b")
    profile.adapter = str(kinds["fintherapy-8b"][1])  # r16, not the card's r8
    with pytest.raises(ValueError, match="has r=16, but its profile says 8"):
        load_engine(profile_spec(profile), cache_dir=Path(tmp_path))


def test_it_ships_the_five_cards_and_the_demo_as_presets():
    assert len(SEED_PROFILES) == 5 and DEMO["name"] == "smollm2-demo"
    assert PRESETS["fintherapy-8b"]["post_filters"] == [
        "assumed_age",
        "unprompted_24_7",
        "assumed_relationship",
    ]
    # One queue per base model: presets on the same base share it, others do not.
    queues = {p["base_model"]: p["queue"] for p in SEED_PROFILES}
    assert len(set(queues.values())) == len(queues)


@pytest.mark.django_db
def test_it_loads_the_presets_into_the_database_with_the_demo_as_default():
    names = set(ModelProfile.objects.values_list("name", flat=True))
    assert names >= {"smollm2-demo", *PRESETS}
    assert ModelProfile.objects.get(is_default=True).name == "smollm2-demo"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"post_filters": ["no_such_filter"]}, "post_filters"),
        ({"generation_defaults": {"temprature": 1}}, "generation_defaults"),
        ({"adapter": "some/adapter", "adapter_config": {"merged": True}}, "adapter"),
    ],
)
def test_it_explains_an_invalid_profile(change, field):
    profile = ModelProfile(**{**PRESETS["fintherapy-8b"], **change})
    with pytest.raises(ValidationError) as error:
        profile.clean()
    assert field in error.value.message_dict
