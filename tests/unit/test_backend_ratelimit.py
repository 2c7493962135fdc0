"""Per-player token buckets: a burst, then a steady rate, and an honest Retry-After."""

from __future__ import annotations

import pytest

from backend.ratelimit import TokenBuckets


def test_a_burst_is_allowed_then_refused_with_the_wait_until_the_next_token() -> None:
    buckets = TokenBuckets(rate=2.0, burst=3)
    assert [buckets.take("p", 0.0).allowed for _ in range(3)] == [True, True, True]
    refused = buckets.take("p", 0.0)
    assert not refused.allowed and refused.retry_after == pytest.approx(0.5)
    assert buckets.take("p", 0.25).retry_after == pytest.approx(0.25)
    assert buckets.take("p", 0.5).allowed


def test_players_do_not_share_buckets() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1)
    assert buckets.take("alice", 0.0).allowed
    assert not buckets.take("alice", 0.0).allowed
    assert buckets.take("bob", 0.0).allowed


def test_refill_is_capped_at_the_burst() -> None:
    buckets = TokenBuckets(rate=10.0, burst=2)
    buckets.take("p", 0.0)
    assert [buckets.take("p", 1000.0).allowed for _ in range(3)] == [True, True, False]


def test_refused_requests_do_not_dig_a_deeper_hole() -> None:
    buckets = TokenBuckets(rate=1.0, burst=1)
    buckets.take("p", 0.0)
    for _ in range(50):
        buckets.take("p", 0.1)
    assert buckets.take("p", 1.0).allowed


def test_full_buckets_are_forgotten() -> None:
    buckets = TokenBuckets(rate=1.0, burst=2, max_keys=10)
    for name in "abcd":
        buckets.take(name, 0.0)
    assert buckets.prune(0.5) == 0  # none has refilled yet
    assert buckets.prune(10.0) == 4
    assert len(buckets) == 0


def test_memory_stays_bounded_when_every_bucket_is_busy() -> None:
    buckets = TokenBuckets(rate=0.001, burst=1, max_keys=100)
    for k in range(1000):
        buckets.take(f"p{k}", 0.0)  # none refills: pruning alone could drop nothing
        assert len(buckets) <= 100
    # The most recently used player keeps its (empty) bucket; the least recently used were let go.
    assert not buckets.take("p999", 0.0).allowed
    assert buckets.take("p0", 0.0).allowed


@pytest.mark.parametrize(("rate", "burst"), [(0, 1), (-1, 1), (1, 0)])
def test_nonsense_limits_are_refused(rate: float, burst: int) -> None:
    with pytest.raises(ValueError):
        TokenBuckets(rate=rate, burst=burst)
