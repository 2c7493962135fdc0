"""ResourceCreationLimitPolicy and the one-per-second default for a CreatorId."""

from __future__ import annotations

import pytest

from infra.emulator.errors import LimitExceededException
from infra.emulator.sessions.creation_limits import DEFAULT_LIMIT, CreatorLimiter, limit_for


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (None, (1, 1.0, False)),
        ({}, (1, 1.0, False)),
        ({"NewGameSessionsPerCreator": 0, "PolicyPeriodInMinutes": 0}, (1, 1.0, False)),
        ({"NewGameSessionsPerCreator": 3, "PolicyPeriodInMinutes": 0}, (1, 1.0, False)),
        ({"NewGameSessionsPerCreator": 3, "PolicyPeriodInMinutes": 15}, (3, 900.0, True)),
    ],
)
def test_limit_for_policy(policy: dict | None, expected: tuple) -> None:
    limit = limit_for(policy)
    assert (limit.sessions, limit.period_seconds, limit.from_policy) == expected


def test_policy_window_slides() -> None:
    limiter = CreatorLimiter()
    limit = limit_for({"NewGameSessionsPerCreator": 2, "PolicyPeriodInMinutes": 1})
    limiter.check("f", "alice", 0.0, limit)
    limiter.record("f", "alice", 0.0)
    limiter.check("f", "alice", 10.0, limit)
    limiter.record("f", "alice", 10.0)
    with pytest.raises(LimitExceededException, match="resource creation limit policy"):
        limiter.check("f", "alice", 59.0, limit)
    # Other creators and other fleets have their own counts.
    limiter.check("f", "bob", 59.0, limit)
    limiter.check("g", "alice", 59.0, limit)
    # The first creation leaves the window after exactly one period.
    limiter.check("f", "alice", 60.0, limit)


def test_default_is_one_per_second() -> None:
    limiter = CreatorLimiter()
    limiter.record("f", "alice", 100.0)
    with pytest.raises(LimitExceededException, match="one game session per second"):
        limiter.check("f", "alice", 100.5, DEFAULT_LIMIT)
    limiter.check("f", "alice", 101.0, DEFAULT_LIMIT)


def test_out_of_order_records_stay_sorted() -> None:
    limiter = CreatorLimiter()
    limit = limit_for({"NewGameSessionsPerCreator": 2, "PolicyPeriodInMinutes": 1})
    limiter.record("f", "alice", 50.0)
    limiter.record("f", "alice", 0.0)
    # At 65 s the 0 s creation has left the window, the 50 s one has not.
    limiter.check("f", "alice", 65.0, limit)
    limiter.record("f", "alice", 65.0)
    with pytest.raises(LimitExceededException):
        limiter.check("f", "alice", 66.0, limit)
    limiter.clear()
    limiter.check("f", "alice", 66.0, limit)
