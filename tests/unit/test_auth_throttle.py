"""Login throttling as a pure table: attempts, outcomes and a manual clock; the waits the throttle answers."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from external_auth.throttle import Limit, LoginThrottle, ThrottlePolicy, address_key

HOME, CAFE = "198.51.100.7", "203.0.113.9"


@dataclass
class ManualClock:
    now: float = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass(frozen=True)
class Step:
    """``later`` seconds after the previous step, ``username`` at ``address`` tries a password that is
    right (``ok``) or not; ``wait`` is what the throttle answers (0: the attempt went ahead)."""

    later: float
    username: str
    address: str
    ok: bool
    wait: float
    limit: Limit | None = None


def fail(later: float, wait: float = 0.0, *, user: str = "alice", at: str = HOME) -> Step:
    return Step(later, user, at, False, wait, None if wait == 0.0 else Limit.PAIR)


def right(later: float, wait: float = 0.0, *, user: str = "alice", at: str = HOME) -> Step:
    return Step(later, user, at, True, wait, None if wait == 0.0 else Limit.PAIR)


def by_address(step: Step) -> Step:
    return Step(step.later, step.username, step.address, step.ok, step.wait, Limit.ADDRESS)


PER_PAIR = ThrottlePolicy(max_failures=3, base_delay=1.0, max_delay=8.0, address_max_failures=0)
PER_ADDRESS = ThrottlePolicy(max_failures=0, address_max_failures=3, address_window=10.0)

CASES: dict[str, tuple[ThrottlePolicy, list[Step]]] = {
    "free failures, then a back-off that doubles with each failure up to the cap": (
        PER_PAIR,
        [
            fail(0),
            fail(0),
            fail(0),
            right(0, 1.0),  # refused before the password is looked at, even the right one
            right(0.25, 0.75),
            fail(0.75),  # 4th failure: 2 s
            fail(1.5, 0.5),
            fail(0.5),  # 5th: 4 s
            fail(4),  # 6th: 8 s
            fail(8),  # 7th: 16 s, capped at 8
            fail(7, 1.0),
            fail(1),  # 8th: still 8
            fail(8),
        ],
    ),
    "a success clears the pair: the free failures are free again": (
        PER_PAIR,
        [fail(0), fail(0), fail(0), right(0, 1.0), right(1), fail(0), fail(0), fail(0), fail(0, 1.0)],
    ),
    "refused attempts do not count and do not push the wait out": (
        PER_PAIR,
        [fail(0), fail(0), fail(0), fail(0.1, 0.9), fail(0.1, 0.8), fail(0.1, 0.7), fail(0.7), fail(0, 2.0)],
    ),
    "pairs are separate: the same user elsewhere, another user here": (
        PER_PAIR,
        [
            fail(0),
            fail(0),
            fail(0),
            fail(0, 1.0),
            right(0, at=CAFE),  # no per-username lockout: the player is not locked out by a guesser
            right(0, user="bob"),
            fail(0, 1.0, user="ALICE"),  # usernames ignore case, as the accounts do
        ],
    ),
    "per address: failures across usernames within the window, then every login from it waits": (
        PER_ADDRESS,
        [
            fail(0, user="u1"),
            right(1, user="bob"),  # successes do not count
            fail(1, user="u2"),
            fail(1, user="u3"),
            by_address(right(1, 6.0, user="bob")),  # the failure at 0 s leaves the window at 10 s
            right(0, user="bob", at=CAFE),  # another address has its own budget
            by_address(fail(5.5, 0.5, user="u4")),
            fail(0.5, user="u4"),  # at 10 s one slot is free again
            by_address(right(0, 2.0, user="bob")),  # and the next to leave is the failure at 2 s
        ],
    ),
    "IPv6 addresses count per /64; an IPv4-mapped address is the IPv4 address": (
        ThrottlePolicy(max_failures=0, address_max_failures=2, address_window=60.0),
        [
            fail(0, at="2001:db8:1:2::1"),
            fail(0, at="2001:db8:1:2:ffff::9"),
            by_address(right(0, 60.0, at="2001:db8:1:2::77")),
            right(0, at="2001:db8:1:3::1"),
            fail(0, at="::ffff:192.0.2.1"),
            fail(0, at="192.0.2.1"),
            by_address(right(0, 60.0, at="::ffff:192.0.2.1")),
        ],
    ),
    "both limits: the longer wait wins": (
        ThrottlePolicy(max_failures=2, base_delay=50.0, max_delay=50.0, address_max_failures=3, address_window=30.0),
        [
            fail(0),
            fail(0),
            fail(0, user="bob"),
            fail(0, 50.0),
            by_address(fail(0, 30.0, user="bob")),
            fail(30, 20.0),
            fail(20),
        ],
    ),
    "a limit of 0 turns it off": (
        ThrottlePolicy(max_failures=0, address_max_failures=0),
        [fail(0) for _ in range(50)],
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_waits(case: str) -> None:
    policy, steps = CASES[case]
    clock = ManualClock()
    throttle = LoginThrottle(policy, clock)
    seen: list[tuple[float, Limit | None]] = []
    for step in steps:
        clock.now += step.later
        admission = throttle.admit(step.username, step.address)
        seen.append((admission.wait, admission.limit))
        if admission.allowed and step.ok:
            throttle.succeeded(admission)
    assert seen == [(pytest.approx(s.wait), s.limit) for s in steps]


def test_attempts_in_flight_count_as_failures_until_they_succeed() -> None:
    """Checking a password awaits a thread: a burst must not all pass before the first failure is known."""
    throttle = LoginThrottle(ThrottlePolicy(max_failures=3, address_max_failures=5), ManualClock())
    burst = [throttle.admit("alice", HOME) for _ in range(4)]
    assert [a.allowed for a in burst] == [True, True, True, False]
    burst = [throttle.admit(f"user{i}", CAFE) for i in range(6)]
    assert [a.allowed for a in burst] == [True] * 5 + [False]
    throttle.succeeded(burst[0])  # one of them had the right password: its failure is taken back
    assert throttle.admit("late", CAFE).allowed
    assert not throttle.admit("later", CAFE).allowed


@pytest.mark.parametrize(("wait", "header"), [(0.001, 1), (0.999, 1), (1.0, 1), (1.25, 2), (900.0, 900)])
def test_retry_after_is_whole_seconds_rounded_up(wait: float, header: int) -> None:
    clock = ManualClock()
    throttle = LoginThrottle(ThrottlePolicy(max_failures=1, base_delay=wait, max_delay=max(wait, 1.0)), clock)
    throttle.admit("alice", HOME)
    refused = throttle.admit("alice", HOME)
    assert refused.retry_after == header
    clock.now += header  # waiting Retry-After seconds is always enough
    assert throttle.admit("alice", HOME).allowed


def test_memory_is_bounded_however_many_usernames_and_addresses_come() -> None:
    clock = ManualClock()
    throttle = LoginThrottle(ThrottlePolicy(address_max_failures=1000, max_entries=50), clock)
    for i in range(2000):
        throttle.admit(f"random-{i}", f"10.0.{i // 250}.{i % 250}")
        assert throttle.tracked[0] <= 50 and throttle.tracked[1] <= 50
    assert throttle.tracked == (50, 50)


def test_the_least_recently_failed_are_evicted_first() -> None:
    clock = ManualClock()
    throttle = LoginThrottle(ThrottlePolicy(max_failures=1, base_delay=60.0, max_delay=60.0, max_entries=2), clock)
    throttle.admit("victim", HOME)
    throttle.admit("other", HOME)
    clock.now += 1
    assert not throttle.admit("victim", HOME).allowed  # refusals do not refresh an entry...
    throttle.admit("third", HOME)  # ...so the victim's pair is the oldest and goes
    assert throttle.admit("victim", HOME).allowed
    assert not throttle.admit("third", HOME).allowed


def test_idle_entries_are_forgotten() -> None:
    clock = ManualClock()
    policy = ThrottlePolicy(max_failures=5, max_delay=900.0, address_window=300.0, forget_after=3600.0)
    throttle = LoginThrottle(policy, clock)
    for i in range(10):
        throttle.admit(f"user{i}", f"192.0.2.{i}")
    clock.now += 300
    throttle.admit("someone", HOME)
    assert throttle.tracked == (11, 1)  # addresses: their failures left the window; pairs wait longer
    clock.now += 3300
    throttle.admit("someone", HOME)
    assert throttle.tracked == (1, 1)


def test_forgetting_never_cuts_a_back_off_short() -> None:
    clock = ManualClock()
    policy = ThrottlePolicy(max_failures=1, base_delay=100.0, max_delay=100.0, forget_after=10.0)
    throttle = LoginThrottle(policy, clock)
    throttle.admit("alice", HOME)
    clock.now += 50
    assert throttle.admit("alice", HOME).wait == pytest.approx(50.0)


def test_a_username_of_any_size_or_content_is_a_fixed_size_key() -> None:
    throttle = LoginThrottle(ThrottlePolicy(max_failures=1), ManualClock())
    huge, surrogate = "x" * 16_000, "\ud800bad"
    assert throttle.admit(huge, HOME).allowed and throttle.admit(surrogate, HOME).allowed
    assert not throttle.admit(huge, HOME).allowed and not throttle.admit(surrogate, HOME).allowed
    assert {len(pair[0]) for pair in throttle._pairs} == {16}


@pytest.mark.parametrize(
    ("address", "key"),
    [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
        ("::1", "::/64"),
        ("unknown", "unknown"),
    ],
)
def test_address_keys(address: str, key: str) -> None:
    assert address_key(address) == key


def test_the_back_off_does_not_overflow_for_a_guesser_who_never_stops() -> None:
    assert ThrottlePolicy().delay_after(10_000) == 900.0


@pytest.mark.parametrize(
    "settings",
    [
        {"max_failures": -1},
        {"address_max_failures": -1},
        {"base_delay": 0.0},
        {"base_delay": 10.0, "max_delay": 5.0},
        {"address_window": 0.0},
        {"max_entries": 0},
    ],
)
def test_nonsense_policies_are_refused(settings: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        ThrottlePolicy(**settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("name", ["alice\n", "al", "a" * 33, "alice bob", "älice"])
def test_sign_up_refuses_names_outside_the_pattern(name: str) -> None:
    from external_auth.accounts import AccountError, check_username

    with pytest.raises(AccountError):
        check_username(name)
