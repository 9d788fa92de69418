"""A worker's tokens per second: totals since start, and the rate over its recent batches."""

from __future__ import annotations

from worker.throughput import RECENT_SECONDS, ThroughputMeter, tokens_per_second


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_rate_is_tokens_over_generation_seconds_of_recent_batches():
    clock = Clock()
    meter = ThroughputMeter(clock)
    assert tokens_per_second([meter]) == 0.0
    meter.record(1200, 2.0)  # an old, slow batch
    clock.now += RECENT_SECONDS + 1
    meter.record(3000, 1.0)
    meter.record(1000, 1.0)
    assert tokens_per_second([meter]) == 2000.0  # (3000 + 1000) / 2 s: the old one dropped
    assert (meter.tokens, meter.seconds) == (5200, 4.0)  # totals keep everything


def test_an_idle_worker_keeps_the_speed_it_last_showed():
    clock = Clock()
    meter = ThroughputMeter(clock)
    meter.record(500, 0.5)
    clock.now += 10 * RECENT_SECONDS
    assert tokens_per_second([meter]) == 1000.0


def test_a_workers_engines_together_share_one_rate():
    """Engines of one process take turns on the device: tokens over their summed seconds."""
    small, large = ThroughputMeter(Clock()), ThroughputMeter(Clock())
    small.record(3000, 1.0)
    large.record(1000, 1.0)
    assert tokens_per_second([small, large]) == 2000.0
