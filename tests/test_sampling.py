"""FastTopP keeps exactly what transformers' top-p keeps, and samples the same tokens."""

from __future__ import annotations

import pytest
import torch
from transformers.generation.logits_process import TopPLogitsWarper

from worker import sampling
from worker.sampling import FastTopP, fast_sampling

IDS = torch.zeros(64, 4, dtype=torch.long)


@pytest.mark.parametrize(("spread", "top_p"), [(8.0, 0.9), (4.0, 0.5), (12.0, 0.95), (0.1, 0.9)])
def test_it_keeps_exactly_the_stock_nucleus(spread, top_p):
    """Peaked rows take the fast path, flat rows (spread 0.1) the fallback; same result."""
    torch.manual_seed(0)
    scores = torch.randn(64, 49152) * spread
    fast = FastTopP(top_p)(IDS, scores.clone())
    stock = TopPLogitsWarper(top_p)(IDS, scores.clone())
    assert torch.equal(fast, stock)


def test_it_falls_back_only_for_the_rows_that_need_it():
    torch.manual_seed(1)
    scores = torch.randn(8, 49152) * 8
    scores[3] = torch.randn(49152) * 0.1  # one flat row
    fast = FastTopP(0.9)(IDS[:8], scores.clone())
    assert torch.equal(fast, TopPLogitsWarper(0.9)(IDS[:8], scores.clone()))


def test_it_takes_the_fast_path_on_peaked_rows(monkeypatch):
    fell_back = []
    processor = FastTopP(0.9)
    monkeypatch.setattr(processor, "_stock", lambda ids, s: fell_back.append(1) or s)
    torch.manual_seed(0)
    processor(IDS, torch.randn(64, 49152) * 8)
    assert fell_back == []


def test_it_leaves_greedy_and_model_default_sampling_to_generate():
    from transformers import GenerationConfig

    config = GenerationConfig()
    assert fast_sampling({"do_sample": False, "max_new_tokens": 4}, config) == {
        "do_sample": False,
        "max_new_tokens": 4,
    }
    assert "logits_processor" not in fast_sampling({"do_sample": True, "top_p": 1.0}, config)
    with_min_p = GenerationConfig(min_p=0.05)
    assert "logits_processor" not in fast_sampling({"do_sample": True, "top_p": 0.9}, with_min_p)


@pytest.mark.slow
@pytest.mark.parametrize(
    "params",
    [
        {"do_sample": True, "temperature": 0.7, "top_p": 0.9},
        {
            "do_sample": True,
            "temperature": 0.7,
            "top_k": 50,
            "top_p": 0.9,
            "repetition_penalty": 1.2,
        },
    ],
)
def test_it_samples_the_same_tokens_as_stock_generate(params, monkeypatch):
    """On the real SmolLM2 (peaked distributions, so the fast path is taken), with one seed,
    generate with FastTopP and stock generate produce identical tokens."""
    from reviewapp.presets import DEMO
    from worker.engine_cache import get_engine
    from worker.spec import ProfileSpec

    engine = get_engine(ProfileSpec(base_model=DEMO["base_model"], loading_mode="auto"))
    model, tokenizer = engine.model, engine.tokenizer
    ids = tokenizer.apply_chat_template(
        [{"role": "user", "content": "I have felt low all week. What can I do?"}],
        add_generation_prompt=True,
        return_tensors="pt",
    ).repeat(4, 1)
    common = {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "max_new_tokens": 24,
        "pad_token_id": tokenizer.eos_token_id,
    }
    fallbacks = []
    real_stock = sampling.TopPLogitsWarper.__call__
    monkeypatch.setattr(
        sampling.TopPLogitsWarper,
        "__call__",
        lambda self, i, s: fallbacks.append(1) or real_stock(self, i, s),
    )
    torch.manual_seed(123)
    fast = model.generate(**common, **fast_sampling(params, model.generation_config))
    assert len(fallbacks) < 24  # mostly the fast path
    monkeypatch.undo()
    torch.manual_seed(123)
    stock = model.generate(**common, **params)
    assert torch.equal(fast, stock)
