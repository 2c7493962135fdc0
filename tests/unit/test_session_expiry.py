"""The expiry queue behind activation and reservation time-outs."""

from __future__ import annotations

from infra.emulator.clock import ManualClock, Scheduler
from infra.emulator.sessions.expiry import ExpiryQueue


def make() -> tuple[Scheduler, ExpiryQueue, list[tuple[float, str]]]:
    clock = ManualClock(1000.0)
    scheduler = Scheduler(clock)
    fired: list[tuple[float, str]] = []
    queue = ExpiryQueue(scheduler, lambda key: fired.append((clock.now(), key)))
    return scheduler, queue, fired


def test_keys_expire_at_their_deadlines_with_one_timer_per_duration() -> None:
    scheduler, queue, fired = make()
    for i in range(100):
        queue.add(f"k{i}", 1060.0 + i * 0.01, 60.0)
    queue.add("short", 1005.0, 5.0)
    assert scheduler.pending() == 2
    scheduler.advance(5)
    assert fired == [(1005.0, "short")]
    scheduler.advance(55)
    assert fired[1] == (1060.0, "k0")
    scheduler.advance(1)
    assert [key for _, key in fired[1:]] == [f"k{i}" for i in range(100)]
    assert len(queue) == 0 and scheduler.pending() == 0


def test_discarded_keys_never_fire_and_the_timer_moves_on() -> None:
    scheduler, queue, fired = make()
    queue.add("a", 1010.0, 10.0)
    queue.add("b", 1012.0, 10.0)
    queue.discard("a")
    queue.discard("missing")
    assert "a" not in queue and "b" in queue
    scheduler.advance(10)
    assert fired == []
    scheduler.advance(2)
    assert fired == [(1012.0, "b")]


def test_re_adding_replaces_and_clear_drops_everything() -> None:
    scheduler, queue, fired = make()
    queue.add("a", 1001.0, 1.0)
    queue.add("a", 1003.0, 3.0)
    scheduler.advance(2)
    assert fired == []
    queue.clear()
    scheduler.advance(5)
    assert fired == [] and scheduler.pending() == 0


def test_a_failing_callback_does_not_strand_the_rest() -> None:
    clock = ManualClock(0.0)
    scheduler = Scheduler(clock)
    seen: list[str] = []

    def expire(key: str) -> None:
        seen.append(key)
        if key == "bad":
            raise RuntimeError(key)

    queue = ExpiryQueue(scheduler, expire)
    queue.add("bad", 1.0, 1.0)
    queue.add("good", 1.0, 1.0)
    scheduler.advance(1)
    assert seen == ["bad", "good"]
