"""NucleusSampler keeps exactly transformers' top-p nucleus and draws from its distribution."""

from __future__ import annotations

import pytest
import torch
from transformers.generation.logits_process import TopPLogitsWarper

from worker.sampling import NucleusSampler, fast_sampling, nucleus

IDS = torch.zeros(64, 4, dtype=torch.long)


def nucleus_as_logits(scores, top_p):
    top_index, kept, _ = nucleus(scores, top_p)
    return torch.full_like(scores, -float("inf")).scatter_(-1, top_index, kept)


@pytest.mark.parametrize(("spread", "top_p"), [(8.0, 0.9), (4.0, 0.5), (12.0, 0.95)])
def test_it_finds_exactly_the_stock_nucleus_among_the_top_tokens(spread, top_p):
    torch.manual_seed(0)
    scores = torch.randn(64, 49152) * spread
    _, _, flat = nucleus(scores, top_p)
    assert not flat.any()  # peaked rows: the fast path
    stock = TopPLogitsWarper(top_p)(IDS, scores.clone())
    assert torch.equal(nucleus_as_logits(scores, top_p), stock)


def test_it_flags_rows_whose_nucleus_reaches_past_the_top_tokens():
    torch.manual_seed(1)
    scores = torch.randn(8, 49152) * 8
    scores[3] = torch.randn(49152) * 0.1  # flat
    assert nucleus(scores, 0.9)[2].tolist() == [False, False, False, True] + [False] * 4


@pytest.mark.parametrize("flat", [False, True])
def test_it_draws_from_exactly_the_stock_distribution(flat):
    """Chi-square of 40,000 draws against the stock warper's probabilities, on the fast
    path (peaked row) and the fallback (flat row); never a token outside the nucleus."""
    torch.manual_seed(2)
    vocab = 1000
    row = torch.randn(vocab) * (0.05 if flat else 3.0)
    sampler = NucleusSampler(temperature=0.7, top_k=None, top_p=0.9)
    expected = TopPLogitsWarper(0.9)(IDS[:1], (row / 0.7)[None].clone()).softmax(-1)[0]
    draws = 40_000
    counts = torch.zeros(vocab)
    for _ in range(draws // 4000):
        chosen = sampler.draw(torch.zeros(4000, 1, dtype=torch.long), row.repeat(4000, 1))
        counts += torch.bincount(chosen, minlength=vocab).float()
    assert counts[expected == 0].sum() == 0
    support = expected > 0
    observed, wanted = counts[support], expected[support] * draws
    chi2 = float(((observed - wanted) ** 2 / wanted).sum())
    dof = int(support.sum()) - 1
    # Mean dof, sd sqrt(2 dof): 6 sd above the mean would be a real difference.
    assert chi2 < dof + 6 * (2 * dof) ** 0.5, (chi2, dof)


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
def test_it_generates_reproducibly_and_stops_at_eos_with_real_smollm2():
    """Through generate on the real model: same seed, same tokens; min/max lengths held."""
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
    params = {
        "do_sample": True,
        "temperature": 0.7,
        "top_k": 50,
        "top_p": 0.9,
        "repetition_penalty": 1.2,
        "max_new_tokens": 24,
        "min_new_tokens": 6,
    }
    common = {
        "input_ids": ids,
        "attention_mask": torch.ones_like(ids),
        "pad_token_id": tokenizer.eos_token_id,
    }
    runs = []
    for _ in range(2):
        torch.manual_seed(123)
        runs.append(model.generate(**common, **fast_sampling(params, model.generation_config)))
    assert torch.equal(runs[0], runs[1])
    completions = runs[0][:, ids.shape[1] :]
    assert completions.shape[1] <= 24
    assert all(tokenizer.eos_token_id not in row[:6].tolist() for row in completions)
    assert len({tuple(row.tolist()) for row in completions}) > 1  # sampled, not greedy
    text = tokenizer.decode(completions[0], skip_special_tokens=True)
    assert sum(word.isalpha() for word in text.split()) >= 3
