"""The generation engine: load a profile's model once, then draft candidates on request.

``load_engine`` is called once per worker process (see ``worker.engine_cache``);
``Engine.draft`` receives a loaded model and never loads one.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch

from worker.generated import GeneratedCandidate
from worker.model_source import resolve_model_path
from worker.prompts import build_prompt
from worker.spec import ProfileSpec, generation_params

logger = logging.getLogger(__name__)


def effective_loading(requested: str, device: str) -> tuple[str, torch.dtype]:
    """The loading mode actually used, and its dtype, on this device.

    On a CPU, half precision is slow or unsupported, and bitsandbytes
    quantisation needs CUDA: asking for it there is an error, not a fallback.
    """
    if requested in ("4bit", "8bit"):
        if device != "cuda":
            raise RuntimeError(f"loading mode {requested} needs a CUDA GPU")
        return requested, torch.bfloat16
    if device != "cuda":
        return "fp32", torch.float32
    return {"fp16": ("fp16", torch.float16), "fp32": ("fp32", torch.float32)}.get(
        requested, ("bf16", torch.bfloat16)
    )


def _quantization_config(mode: str):
    from transformers import BitsAndBytesConfig

    if mode == "4bit":
        return BitsAndBytesConfig(
            load_in_4bit=True,
            bnb_4bit_quant_type="nf4",
            bnb_4bit_use_double_quant=True,
            bnb_4bit_compute_dtype=torch.bfloat16,
        )
    return BitsAndBytesConfig(load_in_8bit=True)


class Engine:
    def __init__(self, *, model, tokenizer, spec: ProfileSpec, device: str, loading_mode: str):
        self.model = model
        self.tokenizer = tokenizer
        self.spec = spec
        self.device = device
        self.loading_mode = loading_mode

    @property
    def context_length(self) -> int:
        return int(getattr(self.model.config, "max_position_embeddings", 2048))

    @torch.inference_mode()
    def draft(
        self, turns: list[dict[str, str]], *, n: int, seed: int, overrides: dict | None = None
    ) -> list[GeneratedCandidate]:
        """N candidate replies from one batched ``generate`` call."""
        params = generation_params(self.spec.generation_defaults, overrides)
        prompt_ids = build_prompt(
            self.tokenizer,
            prompt_format=self.spec.prompt_format,
            system_prompt=self.spec.system_prompt,
            turns=turns,
            max_prompt_tokens=self.context_length - params["max_new_tokens"],
        )
        input_ids = torch.tensor([prompt_ids], device=self.device)
        torch.manual_seed(seed)
        started = time.perf_counter()
        output = self.model.generate(
            input_ids=input_ids,
            attention_mask=torch.ones_like(input_ids),
            num_return_sequences=n,
            pad_token_id=self.tokenizer.pad_token_id or self.tokenizer.eos_token_id,
            **params,
        )
        latency_ms = round((time.perf_counter() - started) * 1000)
        completions = output[:, len(prompt_ids) :]
        return [
            GeneratedCandidate(
                text=self.tokenizer.decode(ids, skip_special_tokens=True).strip(),
                seed=seed,
                prompt_tokens=len(prompt_ids),
                completion_tokens=self._count_until_eos(ids),
                latency_ms=latency_ms,
                loading_mode=self.loading_mode,
                generation_params=params,
            )
            for ids in completions
        ]

    def _count_until_eos(self, ids: torch.Tensor) -> int:
        stops = {self.tokenizer.eos_token_id, self.tokenizer.pad_token_id} - {None}
        for index, token in enumerate(ids.tolist()):
            if token in stops:
                return index
        return len(ids)


def load_engine(spec: ProfileSpec, *, cache_dir: Path) -> Engine:
    """Load tokenizer, base model and adapter for ``spec``. Failure is loud."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    device = "cuda" if torch.cuda.is_available() else "cpu"
    loading_mode, dtype = effective_loading(spec.loading_mode, device)
    try:
        path = resolve_model_path(spec.base_model, cache_dir)
        tokenizer = AutoTokenizer.from_pretrained(path)
        kwargs: dict = {"dtype": dtype}
        if loading_mode in ("4bit", "8bit"):
            kwargs.update(quantization_config=_quantization_config(loading_mode), device_map="auto")
        model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
        if spec.adapter:
            from peft import PeftModel

            model = PeftModel.from_pretrained(model, spec.adapter)
        if loading_mode not in ("4bit", "8bit"):
            model = model.to(device)
        model.eval()
    except Exception:
        logger.exception("could not load model %s (adapter %r)", spec.base_model, spec.adapter)
        raise
    logger.info(
        "loaded %s (adapter %r) as %s on %s", spec.base_model, spec.adapter, loading_mode, device
    )
    return Engine(
        model=model, tokenizer=tokenizer, spec=spec, device=device, loading_mode=loading_mode
    )
