"""Batching across requests and adapters, the PEFT hook guard, and the out-of-memory split."""

from __future__ import annotations

import threading
import time

import pytest
import torch

from worker import peft_guard
from worker.batching import Batcher
from worker.engine import DraftJob, load_engine
from worker.spec import ProfileSpec

GREEDY = {"do_sample": False, "max_new_tokens": 6, "min_new_tokens": 6}
CARD_3B = {"r": 8, "alpha": 32}


def turns(text):
    return [{"role": "user", "content": text}]


@pytest.fixture(scope="module")
def specs(tiny_llama):
    base = ProfileSpec(
        base_model=str(tiny_llama.base_dir), loading_mode="fp32", generation_defaults=GREEDY
    )
    a = ProfileSpec(
        **{**base.__dict__, "adapter": str(tiny_llama.adapter_dir), "adapter_config": CARD_3B}
    )
    b = ProfileSpec(
        **{
            **base.__dict__,
            "adapter": str(tiny_llama.other_adapter_dir),
            "adapter_config": CARD_3B,
            "system_prompt": "Be brief.",
        }
    )
    return {"base": base, "a": a, "b": b}


def single_run(spec, conversation, n, tmp_path):
    """What a fresh engine with only this profile's adapter drafts, alone."""
    return [
        c.text for c in load_engine(spec, cache_dir=tmp_path).draft(spec, conversation, n=n, seed=0)
    ]


def test_it_gives_each_request_its_own_candidates_in_a_shared_batch(specs, tmp_path):
    """Different prompt lengths (left padding) and candidate counts, no cross-talk."""
    jobs = [
        DraftJob(specs["a"], turns("Short."), 2),
        DraftJob(specs["a"], turns("A much longer message about sleep, work and my family."), 1),
        DraftJob(specs["a"], turns("Medium length message here."), 3),
    ]
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    batched = engine.draft_batch(jobs, seed=0)
    assert engine.batch_rows == [6]
    assert [len(candidates) for candidates in batched] == [2, 1, 3]
    for job, candidates in zip(jobs, batched, strict=True):
        assert [c.text for c in candidates] == single_run(job.spec, job.turns, job.n, tmp_path)


def test_it_mixes_adapters_in_one_batch_with_the_same_outputs_as_single_runs(specs, tmp_path):
    jobs = [
        DraftJob(specs["a"], turns("I cannot sleep."), 2),
        DraftJob(specs["b"], turns("I cannot sleep."), 2),
        DraftJob(specs["base"], turns("I cannot sleep."), 1),
    ]
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    batched = [[c.text for c in candidates] for candidates in engine.draft_batch(jobs, seed=0)]
    assert engine.batch_rows == [5]
    singles = [single_run(job.spec, job.turns, job.n, tmp_path) for job in jobs]
    assert batched == singles
    assert len({texts[0] for texts in singles}) == 3  # the adapters really differ


def test_it_prefills_each_requests_prompt_once_for_all_its_candidates(specs, tmp_path):
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    shapes = []
    embed = engine.model.get_input_embeddings()
    handle = embed.register_forward_pre_hook(lambda module, args: shapes.append(args[0].shape))
    engine.draft_batch(
        [DraftJob(specs["a"], turns("One."), 3), DraftJob(specs["a"], turns("Two, longer."), 3)],
        seed=0,
    )
    handle.remove()
    prefill, first_step = shapes[0], shapes[1]
    assert prefill[0] == 2 and prefill[1] > 1  # two distinct prompts, whole prompt at once
    assert tuple(first_step) == (6, 1)  # then six rows continue one token at a time


class _FailMidGenerate:
    """Raise from inside the model on its third forward pass, then stop interfering."""

    def __init__(self, model):
        self.calls = 0
        lm_head = model.get_output_embeddings()
        self.handle = lm_head.register_forward_pre_hook(self._hook)

    def _hook(self, module, args):
        self.calls += 1
        if self.calls == 3:
            self.handle.remove()
            raise RuntimeError("simulated failure mid-generate")


@pytest.mark.parametrize("guarded", [True, False])
def test_it_removes_adapter_hooks_that_a_failed_generate_leaves(
    specs, tmp_path, monkeypatch, guarded
):
    """After a mixed-adapter batch of two rows fails mid-generate, the next batch (two
    requests for adapter a) drafts exactly what a fresh single-adapter engine drafts.
    Without the guard it silently runs with the failed batch's adapters (peft 3475)."""
    if not guarded:
        monkeypatch.setattr(peft_guard, "remove_leaked_adapter_hooks", lambda model: 0)
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    engine.ensure_adapter(specs["b"])
    _FailMidGenerate(engine.model)
    with pytest.raises(RuntimeError, match="simulated failure"):
        engine.draft_batch(
            [DraftJob(specs["b"], turns("Hi."), 1), DraftJob(specs["base"], turns("Hi."), 1)],
            seed=0,
        )
    next_jobs = [DraftJob(specs["a"], turns(t), 1) for t in ("I feel alone.", "I feel tired.")]
    after = [c[0].text for c in engine.draft_batch(next_jobs, seed=0)]
    expected = [single_run(job.spec, job.turns, 1, tmp_path)[0] for job in next_jobs]
    assert (after == expected) is guarded


def test_it_splits_the_batch_when_the_gpu_runs_out_of_memory(specs, tmp_path, monkeypatch):
    """Simulated CUDA OOM above two rows: the batch is halved until it fits, nothing lost."""
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    real_generate = engine.model.generate
    attempted = []

    def generate_with_little_memory(**kwargs):
        attempted.append(kwargs["input_ids"].shape[0])
        if kwargs["input_ids"].shape[0] > 2:
            raise torch.cuda.OutOfMemoryError("CUDA out of memory (simulated)")
        return real_generate(**kwargs)

    monkeypatch.setattr(engine.model, "generate", generate_with_little_memory)
    jobs = [DraftJob(specs["a"], turns(f"Message {i}."), 2) for i in range(3)]
    batched = engine.draft_batch(jobs, seed=0)
    assert attempted[0] == 6 and max(n for n in attempted if n <= 2) == 2
    monkeypatch.undo()
    for job, candidates in zip(jobs, batched, strict=True):
        assert [c.text for c in candidates] == single_run(job.spec, job.turns, 2, tmp_path)


def test_it_refuses_to_batch_different_sampling_settings(specs, tmp_path):
    engine = load_engine(specs["a"], cache_dir=tmp_path)
    other = ProfileSpec(**{**specs["a"].__dict__, "generation_defaults": {"max_new_tokens": 3}})
    with pytest.raises(ValueError, match="share their generation settings"):
        engine.draft_batch(
            [DraftJob(specs["a"], turns("x"), 1), DraftJob(other, turns("y"), 1)], seed=0
        )


# --- the batcher, on its own ------------------------------------------------


def _recording_batcher(window_s=0.2, max_rows=10):
    batches = []

    def run(key, jobs):
        batches.append((key, list(jobs)))
        return [f"{key}:{job}" for job in jobs]

    return Batcher(run, window_s=window_s, max_rows=max_rows), batches


def test_it_batches_requests_that_arrive_within_the_window():
    batcher, batches = _recording_batcher()
    futures = [batcher.submit("k", i, rows=3) for i in range(3)]
    assert [f.result(timeout=5) for f in futures] == ["k:0", "k:1", "k:2"]
    assert batches == [("k", [0, 1, 2])]


def test_it_keeps_different_keys_apart_and_in_arrival_order():
    batcher, batches = _recording_batcher()
    futures = [batcher.submit(key, i, rows=1) for i, key in enumerate("abab")]
    assert [f.result(timeout=5) for f in futures] == ["a:0", "b:1", "a:2", "b:3"]
    assert batches == [("a", [0, 2]), ("b", [1, 3])]


def test_it_caps_a_batch_at_the_row_limit():
    batcher, batches = _recording_batcher(max_rows=6)
    futures = [batcher.submit("k", i, rows=3) for i in range(3)]
    [f.result(timeout=5) for f in futures]
    assert [jobs for _, jobs in batches] == [[0, 1], [2]]


def test_it_never_holds_a_request_much_longer_than_the_window():
    batcher, _ = _recording_batcher(window_s=0.1)
    started = time.monotonic()
    batcher.submit("k", 0, rows=1).result(timeout=5)
    assert time.monotonic() - started < 1.0


def test_it_tells_every_waiting_request_when_a_batch_fails():
    def run(key, jobs):
        raise RuntimeError("model fell over")

    batcher = Batcher(run, window_s=0.2, max_rows=10)
    futures = [batcher.submit("k", i, rows=1) for i in range(2)]
    for future in futures:
        with pytest.raises(RuntimeError, match="model fell over"):
            future.result(timeout=5)
    # ... and keeps serving afterwards.
    batcher._run = lambda key, jobs: ["ok"] * len(jobs)
    assert batcher.submit("k", 9, rows=1).result(timeout=5) == "ok"


def test_it_serves_submissions_from_many_threads():
    batcher, batches = _recording_batcher(window_s=0.3, max_rows=100)
    results = {}

    def submit(i):
        results[i] = batcher.submit("k", i, rows=1).result(timeout=5)

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {i: f"k:{i}" for i in range(8)}
    assert sum(len(jobs) for _, jobs in batches) == 8 and len(batches) <= 2
