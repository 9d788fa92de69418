"""Loading a base model as a profile asks: bf16 / fp16 / fp32, bitsandbytes 4-bit or 8-bit, or auto.

``auto`` loads bf16 when the weights fit in free GPU memory with room for the
KV cache, and NF4 4-bit when they do not: on Hopper GPUs bitsandbytes NF4
decodes slower than bf16 at every batch size, so 4-bit is only for fitting.
On a CPU, half precision is slow, so bf16, fp16 and auto load as fp32;
bitsandbytes 4-bit and 8-bit run on a CPU too (bitsandbytes >= 0.48).
"""

from __future__ import annotations

from pathlib import Path

import torch

from worker.model_source import resolve_model_path
from worker.spec import ProfileSpec

QUANTISED = ("4bit", "8bit")
HALF = {"bf16": torch.bfloat16, "fp16": torch.float16}
# Weights may take this share of free GPU memory; the rest is for the KV cache
# of a full batch and for activations.
WEIGHTS_SHARE_OF_FREE_MEMORY = 0.7


def auto_mode(weight_bytes_bf16: int, free_gpu_bytes: int) -> str:
    return "bf16" if weight_bytes_bf16 <= WEIGHTS_SHARE_OF_FREE_MEMORY * free_gpu_bytes else "4bit"


def bf16_weight_bytes(path: str) -> int:
    """The bf16 size of a model's weights, from its config alone (nothing is allocated)."""
    from accelerate import init_empty_weights
    from transformers import AutoConfig, AutoModelForCausalLM

    with init_empty_weights():
        model = AutoModelForCausalLM.from_config(AutoConfig.from_pretrained(path))
    return 2 * sum(p.numel() for p in model.parameters())


def effective_mode(requested: str, device: str, path: str) -> str:
    """The loading mode actually used on this device, as recorded on every candidate."""
    if requested in QUANTISED:
        return requested
    if device != "cuda":
        return "fp32"
    if requested == "auto":
        free, _total = torch.cuda.mem_get_info()
        return auto_mode(bf16_weight_bytes(path), free)
    return requested


def quantization_config(mode: str):
    from transformers import BitsAndBytesConfig

    if mode == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    return BitsAndBytesConfig(load_in_8bit=True)


def load_base(spec: ProfileSpec, *, cache_dir: Path):
    """Tokenizer and base model for ``spec``; returns (model, tokenizer, device, mode)."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    path = resolve_model_path(spec.base_model, cache_dir)
    mode = effective_mode(spec.loading_mode, device, path)
    tokenizer = AutoTokenizer.from_pretrained(path)
    if mode in QUANTISED:
        model = AutoModelForCausalLM.from_pretrained(
            path, quantization_config=quantization_config(mode), device_map={"": device}
        )
    else:
        model = AutoModelForCausalLM.from_pretrained(path, dtype=HALF.get(mode, torch.float32)).to(
            device
        )
    model.eval()
    return model, tokenizer, device, mode
