"""How fast an engine drafts: totals since the process started, and a recent rate.

The rate is over the generate calls of the last ``RECENT_SECONDS``: new tokens
divided by the seconds spent generating them, so an idle worker keeps the speed
it last showed instead of dropping to zero (Prometheus gets the totals too, for
throughput over wall time).
"""

from __future__ import annotations

import threading
import time
from collections import deque

RECENT_SECONDS = 300.0


class ThroughputMeter:
    def __init__(self, clock=time.monotonic) -> None:
        self.tokens = 0
        self.seconds = 0.0
        self._recent: deque[tuple[float, int, float]] = deque()
        self._clock = clock
        self._lock = threading.Lock()

    def record(self, tokens: int, seconds: float) -> None:
        with self._lock:
            self.tokens += tokens
            self.seconds += seconds
            self._recent.append((self._clock(), tokens, seconds))

    def recent(self) -> tuple[int, float]:
        """New tokens and generation seconds of the recent calls (the last call at least)."""
        with self._lock:
            cutoff = self._clock() - RECENT_SECONDS
            while len(self._recent) > 1 and self._recent[0][0] < cutoff:
                self._recent.popleft()
            return sum(t for _, t, _ in self._recent), sum(s for _, _, s in self._recent)


def tokens_per_second(meters: list[ThroughputMeter]) -> float:
    """The recent rate of one engine, or of a worker's engines together."""
    recent = [meter.recent() for meter in meters]
    seconds = sum(s for _, s in recent)
    return sum(t for t, _ in recent) / seconds if seconds > 0 else 0.0
