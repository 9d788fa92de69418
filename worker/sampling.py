"""Top-p sampling that touches only the nucleus, not the whole vocabulary.

Stock ``generate`` sorts every row's full vocabulary for top-p (49k tokens for
SmolLM2, 128k for Llama-3) and then draws with ``torch.multinomial``, which
makes one exponential variate per vocabulary entry. At 36 rows on a CPU the sort
took 86 ms and the draw 39 ms of a ~250 ms step. The nucleus almost always lies
among the few hundred most likely tokens, so ``NucleusSampler`` finds it there
(exactly the tokens transformers' ``TopPLogitsWarper`` keeps; a row whose top
tokens hold less than ``top_p`` of the mass falls back to the stock warper) and
draws from it. It returns the drawn token as the only finite logit, and
``generate`` runs greedy, so it just takes it.

The draw has the stock distribution exactly (tested statistically), but not the
stock random stream: a seed reproduces the engine's own output, not stock
``generate``'s.
"""

from __future__ import annotations

import torch
from transformers.generation.logits_process import (
    LogitsProcessorList,
    TemperatureLogitsWarper,
    TopKLogitsWarper,
    TopPLogitsWarper,
)

CANDIDATE_TOKENS = 256
# Warpers we do not reproduce; if a model's generation_config sets one, the
# engine leaves sampling entirely to generate().
_OTHER_WARPERS = ("min_p", "typical_p", "epsilon_cutoff", "eta_cutoff")


def nucleus(scores: torch.Tensor, top_p: float, k: int = CANDIDATE_TOKENS):
    """The top-p nucleus of each row, found among its ``k`` most likely tokens.

    Returns (token ids, their logits with -inf for tokens outside the nucleus,
    rows whose nucleus may reach past the top k and need the full sort).
    """
    k = min(k, scores.shape[-1])
    top_scores, top_index = scores.topk(k, dim=-1)
    probs = (top_scores - torch.logsumexp(scores, dim=-1, keepdim=True)).exp()
    # The stock warper drops a token when the tokens above it already hold
    # top_p of the mass; keep the rest (and always the most likely one).
    mass_above = probs.cumsum(-1) - probs
    keep = mass_above < top_p
    keep[:, 0] = True
    kept = torch.where(keep, top_scores, torch.full_like(top_scores, -float("inf")))
    return top_index, kept, keep[:, -1]


class NucleusSampler:
    """Temperature, top-k and top-p as transformers applies them, then the draw."""

    def __init__(self, *, temperature: float | None, top_k: int | None, top_p: float):
        self.warpers = LogitsProcessorList()
        if temperature is not None and temperature != 1.0:
            self.warpers.append(TemperatureLogitsWarper(temperature))
        if top_k:
            self.warpers.append(TopKLogitsWarper(top_k=top_k))
        self.top_p = top_p
        self._stock_top_p = TopPLogitsWarper(top_p=top_p)

    def draw(self, input_ids: torch.LongTensor, scores: torch.FloatTensor) -> torch.Tensor:
        scores = self.warpers(input_ids, scores)
        top_index, kept, flat = nucleus(scores, self.top_p)
        picks = torch.multinomial(kept.softmax(-1), 1)
        chosen = top_index.gather(-1, picks).squeeze(-1)
        if bool(flat.any()):
            full = self._stock_top_p(input_ids[flat], scores[flat])
            chosen[flat] = torch.multinomial(full.softmax(-1), 1).squeeze(-1)
        return chosen

    def __call__(self, input_ids: torch.LongTensor, scores: torch.FloatTensor):
        chosen = self.draw(input_ids, scores)
        only_chosen = torch.full_like(scores, -float("inf"))
        return only_chosen.scatter_(-1, chosen[:, None], 0.0)


def fast_sampling(params: dict, generation_config) -> dict:
    """``generate`` kwargs that sample as ``params`` ask, through ``NucleusSampler``.

    Returns ``params`` unchanged (stock sampling) unless they sample with top-p.
    """

    def effective(name):
        return params.get(name, getattr(generation_config, name, None))

    top_p = effective("top_p")
    if not effective("do_sample") or top_p is None or top_p >= 1.0:
        return params
    if any(
        getattr(generation_config, name, None) not in (None, 1.0, 0.0) for name in _OTHER_WARPERS
    ):
        return params
    sampler = NucleusSampler(
        temperature=effective("temperature"), top_k=effective("top_k"), top_p=top_p
    )
    # Processors such as repetition_penalty and min_new_tokens still run before
    # the sampler, in generate's own order; generate then only picks its token.
    return {
        **params,
        "do_sample": False,
        "temperature": None,
        "top_k": None,
        "top_p": None,
        "logits_processor": LogitsProcessorList([sampler]),
    }
