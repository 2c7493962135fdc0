"""Token buckets, one per key (a player id): pure, the clock is passed in.

A bucket holds up to ``burst`` tokens and refills at ``rate`` per second; a request takes one.
When it is empty the caller is told how long until the next token, which becomes ``Retry-After``.
Buckets that have refilled completely carry no information and are dropped, so memory follows
the number of recently active players, not of all players ever seen. Past ``max_keys`` even
after that, the least recently used buckets go too (those players get a fresh burst: lenient,
but bounded), and only down to 90% so the sweep is not repeated on every request.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Decision:
    allowed: bool
    retry_after: float  # seconds until a token is available (0 when allowed)
    remaining: int


class TokenBuckets:
    def __init__(self, rate: float, burst: int, max_keys: int = 100_000) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst >= 1")
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        # key -> (tokens, when they were counted)
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, now: float) -> Decision:
        # Popped and re-inserted, so the dict's order is least recently used first.
        tokens, counted = self._buckets.pop(key, (float(self.burst), now))
        tokens = min(float(self.burst), tokens + max(0.0, now - counted) * self.rate)
        allowed = tokens >= 1.0
        if allowed:
            tokens -= 1.0
        self._buckets[key] = (tokens, now)
        if len(self._buckets) > self.max_keys:
            self._shrink(now)
        if allowed:
            return Decision(True, 0.0, int(tokens))
        return Decision(False, (1.0 - tokens) / self.rate, 0)

    def _shrink(self, now: float) -> None:
        self.prune(now)
        excess = len(self._buckets) - int(self.max_keys * 0.9)
        if excess > 0:
            for key in list(self._buckets)[:excess]:
                del self._buckets[key]

    def prune(self, now: float) -> int:
        """Forget full buckets (they behave exactly like a new one)."""
        full = [k for k, (t, c) in self._buckets.items() if t + (now - c) * self.rate >= self.burst]
        for key in full:
            del self._buckets[key]
        return len(full)

    def __len__(self) -> int:
        return len(self._buckets)
