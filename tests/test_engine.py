"""The generation engine on a real (tiny) Llama loaded through the real loading code."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from worker.engine import effective_loading, load_engine
from worker.engine_cache import get_engine
from worker.spec import ProfileSpec, generation_params

GREEDY = {"do_sample": False, "max_new_tokens": 8, "min_new_tokens": 8}
TURNS = [{"role": "user", "content": "I keep worrying about everything."}]


def spec_for(tiny_llama, *, adapter: bool, **overrides) -> ProfileSpec:
    return ProfileSpec(
        base_model=str(tiny_llama.base_dir),
        adapter=str(tiny_llama.adapter_dir) if adapter else "",
        loading_mode="fp32",
        generation_defaults={**GREEDY, **overrides},
    )


def test_it_applies_the_lora_adapter(tiny_llama, tmp_path):
    """Greedy output with the adapter differs from the base model's: the adapter is live."""
    with_adapter = load_engine(spec_for(tiny_llama, adapter=True), cache_dir=tmp_path)
    base_only = load_engine(spec_for(tiny_llama, adapter=False), cache_dir=tmp_path)
    assert type(with_adapter.model).__name__ == "PeftModelForCausalLM"
    a = with_adapter.draft(TURNS, n=1, seed=1)[0].text
    b = base_only.draft(TURNS, n=1, seed=1)[0].text
    assert a != b


def test_it_drafts_n_candidates_in_one_generate_call(tiny_llama, tmp_path, monkeypatch):
    engine = load_engine(
        spec_for(tiny_llama, adapter=True, do_sample=True, temperature=1.0), cache_dir=tmp_path
    )
    calls = []
    real_generate = engine.model.generate
    monkeypatch.setattr(
        engine.model, "generate", lambda **kw: calls.append(kw) or real_generate(**kw)
    )
    drafted = engine.draft(TURNS, n=3, seed=42)
    assert len(calls) == 1 and calls[0]["num_return_sequences"] == 3
    assert len(drafted) == 3
    assert all(c.completion_tokens == 8 and c.seed == 42 for c in drafted)
    assert len({c.text for c in drafted}) > 1  # sampled, not three copies


def test_it_is_reproducible_from_the_recorded_seed(tiny_llama, tmp_path):
    engine = load_engine(
        spec_for(tiny_llama, adapter=True, do_sample=True, temperature=1.0), cache_dir=tmp_path
    )
    first = [c.text for c in engine.draft(TURNS, n=2, seed=99)]
    again = [c.text for c in engine.draft(TURNS, n=2, seed=99)]
    assert first == again


def test_it_loads_each_model_once_per_process(tiny_llama):
    spec = spec_for(tiny_llama, adapter=True)
    first = get_engine(spec)
    other_prompt = ProfileSpec(**{**spec.__dict__, "system_prompt": "Different."})
    second = get_engine(other_prompt)
    assert second.model is first.model
    assert second.spec.system_prompt == "Different."


def test_it_refuses_quantised_loading_without_a_gpu():
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(RuntimeError, match="4bit needs a CUDA GPU"):
        effective_loading("4bit", "cpu")
    assert effective_loading("auto", "cpu") == ("fp32", torch.float32)
    assert effective_loading("auto", "cuda") == ("bf16", torch.bfloat16)


def test_it_refuses_unknown_generation_settings():
    with pytest.raises(ValueError, match="unknown generation settings: temprature"):
        generation_params({"temprature": 0.5})
    assert "temperature" not in generation_params({"do_sample": False, "temperature": 0.7})


def test_it_fails_loudly_on_a_missing_model(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_engine(ProfileSpec(base_model=str(Path(tmp_path) / "missing")), cache_dir=tmp_path)
