"""The generation engine on a real (tiny) Llama loaded through the real loading code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from worker.engine import load_engine
from worker.engine_cache import get_engine
from worker.loading import auto_mode, effective_mode
from worker.spec import ProfileSpec, generation_params

GREEDY = {"do_sample": False, "max_new_tokens": 8, "min_new_tokens": 8}
TURNS = [{"role": "user", "content": "I keep worrying about everything."}]
CARD_3B = {"r": 8, "alpha": 32, "target_modules": ["q_proj", "k_proj", "v_proj", "o_proj"]}


def spec_for(tiny_llama, *, adapter: bool, **overrides) -> ProfileSpec:
    return ProfileSpec(
        base_model=str(tiny_llama.base_dir),
        adapter=str(tiny_llama.adapter_dir) if adapter else "",
        adapter_config=CARD_3B if adapter else {},
        loading_mode="fp32",
        generation_defaults={**GREEDY, **overrides},
    )


def test_it_applies_the_lora_adapter(tiny_llama, tmp_path):
    """Greedy output with the adapter differs from the base model's: the adapter is live."""
    with_adapter = spec_for(tiny_llama, adapter=True)
    base_only = spec_for(tiny_llama, adapter=False)
    engine = load_engine(with_adapter, cache_dir=tmp_path)
    assert type(engine.model).__name__ == "PeftModelForCausalLM"
    fresh_base = load_engine(base_only, cache_dir=tmp_path)
    a = engine.draft(with_adapter, TURNS, n=1, seed=1)[0].text
    b = fresh_base.draft(base_only, TURNS, n=1, seed=1)[0].text
    assert a != b
    # The same engine drafting for the base-only profile matches the plain base.
    assert engine.draft(base_only, TURNS, n=1, seed=1)[0].text == b


def test_it_drafts_n_candidates_in_one_generate_call(tiny_llama, tmp_path, monkeypatch):
    spec = spec_for(tiny_llama, adapter=True, do_sample=True, temperature=1.0)
    engine = load_engine(spec, cache_dir=tmp_path)
    calls = []
    real_generate = engine.model.generate
    monkeypatch.setattr(
        engine.model, "generate", lambda **kw: calls.append(kw) or real_generate(**kw)
    )
    drafted = engine.draft(spec, TURNS, n=3, seed=42)
    assert len(calls) == 1 and calls[0]["input_ids"].shape[0] == 3
    assert len(drafted) == 3
    assert all(c.completion_tokens == 8 and c.seed == 42 for c in drafted)
    assert len({c.text for c in drafted}) > 1  # sampled, not three copies


def test_it_is_reproducible_from_the_recorded_seed(tiny_llama, tmp_path):
    spec = spec_for(tiny_llama, adapter=True, do_sample=True, temperature=1.0)
    engine = load_engine(spec, cache_dir=tmp_path)
    first = [c.text for c in engine.draft(spec, TURNS, n=2, seed=99)]
    again = [c.text for c in engine.draft(spec, TURNS, n=2, seed=99)]
    assert first == again


def test_it_loads_each_base_once_per_process_and_adds_adapters_to_it(tiny_llama):
    spec = spec_for(tiny_llama, adapter=True)
    first = get_engine(spec)
    other = ProfileSpec(
        **{
            **spec.__dict__,
            "adapter": str(tiny_llama.other_adapter_dir),
            "system_prompt": "Different.",
        }
    )
    second = get_engine(other)
    assert second is first
    assert set(first.adapters) >= {str(tiny_llama.adapter_dir), str(tiny_llama.other_adapter_dir)}


def test_it_refuses_an_adapter_that_is_not_the_cards(tiny_llama, tmp_path):
    wrong = ProfileSpec(
        **{**spec_for(tiny_llama, adapter=True).__dict__, "adapter_config": {"r": 16, "alpha": 32}}
    )
    with pytest.raises(ValueError, match="has r=8, but its profile says 16"):
        load_engine(wrong, cache_dir=tmp_path)


def test_it_chooses_bf16_when_the_weights_fit_and_4bit_when_not():
    gib = 1024**3
    assert auto_mode(16 * gib, free_gpu_bytes=79 * gib) == "bf16"  # 8B on an H100
    assert auto_mode(16 * gib, free_gpu_bytes=20 * gib) == "4bit"  # 8B on a 24 GB card
    assert auto_mode(6 * gib, free_gpu_bytes=10 * gib) == "bf16"  # 3B on a 12 GB card


def test_it_records_what_loading_means_on_a_cpu(tiny_llama):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    path = str(tiny_llama.base_dir)
    assert [effective_mode(m, "cpu", path) for m in ("auto", "bf16", "fp16", "fp32")] == [
        "fp32"
    ] * 4
    assert effective_mode("4bit", "cpu", path) == "4bit"


def test_it_refuses_unknown_generation_settings():
    with pytest.raises(ValueError, match="unknown generation settings: temprature"):
        generation_params({"temprature": 0.5})
    assert "temperature" not in generation_params({"do_sample": False, "temperature": 0.7})


def test_it_fails_loudly_on_a_missing_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_engine(ProfileSpec(base_model=str(Path(tmp_path) / "missing")), cache_dir=tmp_path)


@pytest.mark.parametrize(("mode", "layer"), [("4bit", "Linear4bit"), ("8bit", "Linear8bitLt")])
def test_it_loads_bitsandbytes_quantised_with_the_adapter_on_top(tiny_llama, tmp_path, mode, layer):
    spec = ProfileSpec(**{**spec_for(tiny_llama, adapter=True).__dict__, "loading_mode": mode})
    engine = load_engine(spec, cache_dir=tmp_path)
    assert layer in {type(m).__name__ for m in engine.model.modules()}
    drafted = engine.draft(spec, TURNS, n=2, seed=0)
    assert [c.loading_mode for c in drafted] == [mode, mode]


def test_it_checks_the_adapter_recipe_of_every_profile_that_uses_a_loaded_adapter(tiny_llama):
    spec = spec_for(tiny_llama, adapter=True)
    get_engine(spec)
    other_version = ProfileSpec(**{**spec.__dict__, "adapter_config": {"r": 64}})
    with pytest.raises(ValueError, match="has r=8, but its profile says 64"):
        get_engine(other_version)


def test_it_fails_a_job_that_cannot_be_drafted_alone_before_batching(tiny_llama):
    from worker.engine import DraftJob
    from worker.engine_cache import draft

    spec = spec_for(tiny_llama, adapter=True)
    bad = ProfileSpec(**{**spec.__dict__, "post_filters": ("no_such_filter",)})
    with pytest.raises(ValueError, match="unknown post-filter"):
        draft(DraftJob(bad, TURNS, 1), timeout=30)
    assert len(draft(DraftJob(spec, TURNS, 2), timeout=30)) == 2
