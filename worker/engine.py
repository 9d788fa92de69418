"""The generation engine: one loaded base model, its adapters, and batched drafting.

``load_engine`` is called once per base model per worker process (see
``worker.engine_cache``); ``Engine.draft_batch`` receives the loaded model and
never loads one. Several requests, each wanting N candidates and possibly a
different adapter of the same base, are drafted in one left-padded ``generate``.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import torch

from worker.generated import GeneratedCandidate
from worker.loading import load_base
from worker.peft_guard import adapter_hooks_cleaned
from worker.post_filters import flags_for, unknown_filters
from worker.prompts import build_prompt, reply_only
from worker.sampling import fast_sampling
from worker.spec import ProfileSpec, generation_params
from worker.throughput import ThroughputMeter

logger = logging.getLogger(__name__)

BASE_ADAPTER = "__base__"  # PEFT's name for "no adapter" in a mixed batch


@dataclass(frozen=True)
class DraftJob:
    """One request's share of a batch: its profile, conversation and candidate count."""

    spec: ProfileSpec
    turns: list[dict[str, str]]
    n: int
    overrides: dict | None = None


def adapter_name(path: str) -> str:
    return "a" + hashlib.sha256(path.encode()).hexdigest()[:12]


def check_adapter_config(path: str, loaded, expected: dict) -> None:
    """Refuse an adapter whose rank, alpha or target modules differ from the profile's card."""
    actual = {
        "r": loaded.r,
        "alpha": loaded.lora_alpha,
        "target_modules": sorted(loaded.target_modules or []),
    }
    for key, value in expected.items():
        if key in actual and (sorted(value) if key == "target_modules" else value) != actual[key]:
            raise ValueError(
                f"adapter {path!r} has {key}={actual[key]!r}, but its profile says {value!r}"
            )


class Engine:
    """A base model loaded once, with every adapter requested of it so far."""

    def __init__(self, *, model, tokenizer, base_model: str, device: str, loading_mode: str):
        self.model = model
        self.tokenizer = tokenizer
        self.base_model = base_model
        self.device = device
        self.loading_mode = loading_mode
        self.adapters: dict[str, str] = {}  # adapter path -> name inside the PeftModel
        self._adapter_configs: dict = {}  # adapter path -> its loaded PeftConfig
        self.batch_rows: list[int] = []  # rows per generate call, for health and tests
        self.throughput = ThroughputMeter()
        self.profiles_served: set[str] = set()
        self._lock = threading.Lock()

    @property
    def context_length(self) -> int:
        config = getattr(self.model, "config", None)
        return int(getattr(config, "max_position_embeddings", 2048))

    def ensure_adapter(self, spec: ProfileSpec) -> str:
        """Load the profile's adapter onto the base once; its name for ``adapter_names``."""
        if spec.profile:
            self.profiles_served.add(spec.profile)
        if not spec.adapter:
            return BASE_ADAPTER
        with self._lock:
            if spec.adapter in self.adapters:
                # Every profile using a loaded adapter must agree with its recipe.
                check_adapter_config(
                    spec.adapter, self._adapter_configs[spec.adapter], spec.adapter_config
                )
                return self.adapters[spec.adapter]
            from peft import PeftConfig, PeftModel

            config = PeftConfig.from_pretrained(spec.adapter)
            check_adapter_config(spec.adapter, config, spec.adapter_config)
            self._adapter_configs[spec.adapter] = config
            name = adapter_name(spec.adapter)
            if isinstance(self.model, PeftModel):
                self.model.load_adapter(spec.adapter, adapter_name=name)
            else:
                self.model = PeftModel.from_pretrained(self.model, spec.adapter, adapter_name=name)
            self.model.eval()
            self.adapters[spec.adapter] = name
            logger.info("loaded adapter %s onto %s", spec.adapter, self.base_model)
            return name

    def prompt_ids(self, job: DraftJob) -> list[int]:
        """The job's prompt, trimmed to leave room in the context for its new tokens."""
        params = generation_params(job.spec.generation_defaults, job.overrides)
        return build_prompt(
            self.tokenizer,
            prompt_format=job.spec.prompt_format,
            system_prompt=job.spec.system_prompt,
            turns=job.turns,
            max_prompt_tokens=self.context_length - params["max_new_tokens"],
        )

    def check_job(self, job: DraftJob) -> None:
        """Raise for a job that could not be drafted, before it joins (and fails) a batch."""
        unknown = unknown_filters(job.spec.post_filters)
        if unknown:
            raise ValueError(f"unknown post-filter(s): {', '.join(unknown)}")
        self.prompt_ids(job)
        self.ensure_adapter(job.spec)

    @torch.inference_mode()
    def draft_batch(self, jobs: list[DraftJob], *, seed: int) -> list[list[GeneratedCandidate]]:
        """Candidates for every job from one batched ``generate`` (split only on GPU OOM).

        All jobs must share sampling settings (the batcher groups them so); each
        may use a different adapter, prompt format and system prompt.
        """
        params = generation_params(jobs[0].spec.generation_defaults, jobs[0].overrides)
        for job in jobs[1:]:
            if generation_params(job.spec.generation_defaults, job.overrides) != params:
                raise ValueError("jobs in one batch must share their generation settings")
        prompts, names = [], []
        for job in jobs:
            ids = self.prompt_ids(job)
            name = self.ensure_adapter(job.spec)
            prompts += [ids] * job.n
            names += [name] * job.n

        torch.manual_seed(seed)
        started = time.perf_counter()
        completions = self._generate_rows(prompts, names, params)
        elapsed = time.perf_counter() - started
        latency_ms = round(elapsed * 1000)
        new_tokens = [self._count_until_stop(completion) for completion in completions]
        self.throughput.record(sum(new_tokens), elapsed)

        results, row = [], 0
        for job in jobs:
            candidates = []
            for completion, tokens in zip(
                completions[row : row + job.n], new_tokens[row : row + job.n], strict=True
            ):
                text = reply_only(
                    job.spec.prompt_format,
                    self.tokenizer.decode(completion, skip_special_tokens=True),
                )
                candidates.append(
                    GeneratedCandidate(
                        text=text,
                        seed=seed,
                        prompt_tokens=len(prompts[row]),
                        completion_tokens=tokens,
                        latency_ms=latency_ms,
                        loading_mode=self.loading_mode,
                        generation_params=params,
                        flags=flags_for(text, filters=job.spec.post_filters, turns=job.turns),
                    )
                )
            results.append(candidates)
            row += job.n
        return results

    def draft(
        self,
        spec: ProfileSpec,
        turns: list[dict[str, str]],
        *,
        n: int,
        seed: int,
        overrides: dict | None = None,
    ) -> list[GeneratedCandidate]:
        return self.draft_batch([DraftJob(spec, turns, n, overrides)], seed=seed)[0]

    @torch.inference_mode()
    def next_token_scores(
        self, ids: list[int], tokens: list[int], spec: ProfileSpec
    ) -> list[float]:
        """The probabilities of ``tokens`` as the next token after ``ids``, relative to
        each other, under ``spec``'s adapter (the risk rubric's one-letter answer)."""
        name = self.ensure_adapter(spec)
        input_ids = torch.tensor([ids], device=self.device)
        with self._lock, adapter_hooks_cleaned(self.model):
            output = self._routed(self.model, [name], input_ids=input_ids, logits_to_keep=1)
        logits = output.logits[0, -1, tokens].float()
        return logits.softmax(-1).tolist()

    def _generate_rows(self, prompts: list[list[int]], names: list[str], params: dict) -> list:
        """Completion token ids per row. On CUDA out-of-memory, halve the batch and retry."""
        try:
            return self._generate(prompts, names, params)
        except torch.cuda.OutOfMemoryError:
            if len(prompts) == 1:
                raise
            logger.warning("CUDA out of memory at %d rows; splitting the batch", len(prompts))
            torch.cuda.empty_cache()
            half = len(prompts) // 2
            return self._generate_rows(prompts[:half], names[:half], params) + (
                self._generate_rows(prompts[half:], names[half:], params)
            )

    def _generate(self, prompts: list[list[int]], names: list[str], params: dict) -> list:
        width = max(len(p) for p in prompts)
        input_ids, attention_mask = self._left_padded(prompts, width)
        kwargs = {
            "input_ids": input_ids,
            "attention_mask": attention_mask,
            "pad_token_id": self._pad_id,
            **fast_sampling(params, self.model.generation_config),
        }
        self.batch_rows.append(len(prompts))
        with self._lock, adapter_hooks_cleaned(self.model):
            cache = self._shared_prefill(prompts, names, width)
            if cache is not None:
                kwargs["past_key_values"] = cache
            output = self._routed(self.model.generate, names, **kwargs)
        return [row[width:].cpu() for row in output]

    def _left_padded(self, prompts: list[list[int]], width: int):
        # Left padding: every row's last prompt token sits at the same position,
        # so generation continues each prompt directly.
        pad_id = self._pad_id
        ids = torch.tensor([[pad_id] * (width - len(p)) + p for p in prompts])
        mask = torch.tensor([[0] * (width - len(p)) + [1] * len(p) for p in prompts])
        return ids.to(self.device), mask.to(self.device)

    def _shared_prefill(self, prompts: list[list[int]], names: list[str], width: int):
        """Prefill each distinct (prompt, adapter) once and copy its KV cache to its rows.

        A request's N candidates share one prompt; generate alone would prefill it
        N times. Returns None when no row repeats another.
        """
        from transformers import DynamicCache

        rows = [(tuple(p), name) for p, name in zip(prompts, names, strict=True)]
        distinct = list(dict.fromkeys(rows))
        if len(distinct) == len(rows) or width < 2:
            return None
        ids, mask = self._left_padded([list(p) for p, _ in distinct], width)
        # The last prompt token is left for generate, which must see one new token.
        ids, mask = ids[:, :-1], mask[:, :-1]
        # The position ids generate itself derives from a left-padded mask.
        position_ids = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
        cache = DynamicCache()
        self._routed(
            self.model,
            [name for _, name in distinct],
            input_ids=ids,
            attention_mask=mask,
            position_ids=position_ids,
            past_key_values=cache,
            use_cache=True,
            logits_to_keep=1,
        )
        position = {row: index for index, row in enumerate(distinct)}
        cache.batch_select_indices(torch.tensor([position[row] for row in rows], device=ids.device))
        return cache

    def _routed(self, call, names: list[str], **kwargs):
        """Run ``call`` (the model's forward or generate) with each row's adapter."""
        from peft import PeftModel

        unique = set(names)
        if not isinstance(self.model, PeftModel):
            return call(**kwargs)
        if unique == {BASE_ADAPTER}:
            with self.model.disable_adapter():
                return call(**kwargs)
        if len(unique) == 1:
            # One adapter for the whole batch: the plain path, no per-row routing.
            self.model.set_adapter(next(iter(unique)))
            return call(**kwargs)
        return call(**kwargs, adapter_names=names)

    @property
    def _pad_id(self) -> int:
        pad = self.tokenizer.pad_token_id
        return pad if pad is not None else self.tokenizer.eos_token_id

    def _count_until_stop(self, ids: torch.Tensor) -> int:
        stops = {self.tokenizer.eos_token_id, self._pad_id} - {None}
        for index, token in enumerate(ids.tolist()):
            if token in stops:
                return index
        return len(ids)


def load_engine(spec: ProfileSpec, *, cache_dir: Path) -> Engine:
    """Load the base model of ``spec`` (its adapter too, if it has one). Failure is loud."""
    try:
        model, tokenizer, device, loading_mode = load_base(spec, cache_dir=cache_dir)
        engine = Engine(
            model=model,
            tokenizer=tokenizer,
            base_model=spec.base_model,
            device=device,
            loading_mode=loading_mode,
        )
        engine.ensure_adapter(spec)
    except Exception:
        logger.exception("could not load model %s (adapter %r)", spec.base_model, spec.adapter)
        raise
    logger.info("loaded %s as %s on %s", spec.base_model, loading_mode, device)
    return engine
