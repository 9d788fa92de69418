"""Fine-tuning a LoRA adapter (PEFT) on an SFT export, for ``train_adapter``.

Each row is tokenised exactly as the worker prompts the model (``build_prompt``
with the profile's format and system prompt) followed by the clinician's reply
and the end-of-turn token; the loss is on the reply only. On a quantised base
(4-bit or 8-bit on a GPU) the base is prepared for k-bit training first (QLoRA).
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from worker.prompts import build_prompt

IGNORE = -100  # labels the loss skips: the prompt's tokens
DEFAULT_TARGET_MODULES = ("q_proj", "k_proj", "v_proj", "o_proj")


@dataclass(frozen=True)
class TrainingRecipe:
    r: int = 16
    alpha: int = 32
    dropout: float = 0.05
    target_modules: tuple[str, ...] = DEFAULT_TARGET_MODULES
    epochs: float = 1.0
    max_steps: int | None = None
    learning_rate: float = 2e-4
    batch_size: int = 4
    max_length: int = 1024
    seed: int = 0

    def __post_init__(self) -> None:
        if self.r < 1 or self.alpha < 1 or not self.target_modules:
            raise ValueError("rank, alpha and target modules are required")
        if not 0 <= self.dropout < 1 or self.learning_rate <= 0 or self.batch_size < 1:
            raise ValueError("dropout must be in [0, 1), learning rate and batch size positive")
        if self.epochs <= 0 and not self.max_steps:
            raise ValueError("train for at least one step")

    def adapter_config(self) -> dict:
        """The card a profile keeps and the loader checks (``check_adapter_config``)."""
        return {"r": self.r, "alpha": self.alpha, "target_modules": list(self.target_modules)}


@dataclass(frozen=True)
class TrainingResult:
    examples: int
    steps: int
    first_loss: float
    last_loss: float
    seconds: float
    device: str


def sft_rows(path: Path) -> Iterator[list[dict[str, str]]]:
    """The ``messages`` of each row of an SFT export file."""
    with path.open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)["messages"]


def end_of_turn_id(model, tokenizer) -> int:
    """The token generation stops at, which a reply must end with. The model's
    generation config first: SmolLM2's GGUF-converted tokenizer names
    <|im_start|> as its end-of-sequence token, its generation config <|im_end|>."""
    eos = getattr(model.generation_config, "eos_token_id", None)
    if isinstance(eos, list):
        eos = eos[0] if eos else None
    return eos if eos is not None else tokenizer.eos_token_id


def tokenised(
    messages: list[dict[str, str]],
    tokenizer,
    *,
    end_id: int,
    prompt_format: str,
    system_prompt: str,
    max_length: int,
) -> tuple[list[int], list[int]] | None:
    """(input ids, labels) for one row, or None when the reply alone does not fit."""
    *turns, reply = messages
    if reply["role"] != "assistant" or not turns:
        raise ValueError("an SFT row ends with the assistant's reply after the conversation")
    reply_ids = tokenizer.encode(reply["content"], add_special_tokens=False)
    reply_ids.append(end_id)
    if len(reply_ids) >= max_length:
        return None
    prompt_ids = build_prompt(
        tokenizer,
        prompt_format=prompt_format,
        system_prompt=system_prompt,
        turns=turns,
        max_prompt_tokens=max_length - len(reply_ids),
    )[-(max_length - len(reply_ids)) :]
    return prompt_ids + reply_ids, [IGNORE] * len(prompt_ids) + reply_ids


def _batches(examples: list, batch_size: int, pad_id: int, rng: random.Random) -> Iterator[dict]:
    order = list(range(len(examples)))
    rng.shuffle(order)
    for start in range(0, len(order), batch_size):
        chunk = [examples[i] for i in order[start : start + batch_size]]
        width = max(len(ids) for ids, _ in chunk)
        yield {
            "input_ids": torch.tensor([ids + [pad_id] * (width - len(ids)) for ids, _ in chunk]),
            "labels": torch.tensor([lab + [IGNORE] * (width - len(lab)) for _, lab in chunk]),
            "attention_mask": torch.tensor(
                [[1] * len(ids) + [0] * (width - len(ids)) for ids, _ in chunk]
            ),
        }


def train_lora(
    model, tokenizer, examples: list, recipe: TrainingRecipe, *, device: str, quantised: bool
):
    """Wrap ``model`` in a fresh LoRA adapter and train it; returns (peft model, result)."""
    from peft import LoraConfig, get_peft_model, prepare_model_for_kbit_training

    if not examples:
        raise ValueError("nothing to train on: the snapshot has no row that fits")
    torch.manual_seed(recipe.seed)
    if quantised:
        model = prepare_model_for_kbit_training(model)
    model = get_peft_model(
        model,
        LoraConfig(
            r=recipe.r,
            lora_alpha=recipe.alpha,
            lora_dropout=recipe.dropout,
            target_modules=list(recipe.target_modules),
            task_type="CAUSAL_LM",
        ),
    )
    model.train()
    optimizer = torch.optim.AdamW(
        (p for p in model.parameters() if p.requires_grad), lr=recipe.learning_rate
    )
    steps_per_epoch = math.ceil(len(examples) / recipe.batch_size)
    total = recipe.max_steps or max(1, math.ceil(recipe.epochs * steps_per_epoch))
    pad_id = (
        tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    )
    rng = random.Random(recipe.seed)
    losses: list[float] = []
    started = time.perf_counter()
    while len(losses) < total:
        for batch in _batches(examples, recipe.batch_size, pad_id, rng):
            loss = model(**{k: v.to(device) for k, v in batch.items()}).loss
            loss.backward()
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item())
            if len(losses) >= total:
                break
    model.eval()
    return model, TrainingResult(
        examples=len(examples),
        steps=len(losses),
        first_loss=losses[0],
        last_loss=losses[-1],
        seconds=time.perf_counter() - started,
        device=device,
    )


def training_card(recipe: TrainingRecipe, result: TrainingResult, **provenance) -> dict:
    """What is saved beside the adapter: how it was made and from what."""
    return {
        "recipe": {**asdict(recipe), "target_modules": list(recipe.target_modules)},
        "result": asdict(result),
        **provenance,
    }
