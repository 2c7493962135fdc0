"""How many game sessions one creator may start: the fleet's ResourceCreationLimitPolicy.

The real service counts, per ``CreatorId``, the game sessions created within
``PolicyPeriodInMinutes`` and refuses the request that would exceed
``NewGameSessionsPerCreator`` with LimitExceededException. Without a policy it
still allows only one request per ``CreatorId`` per second (documented on
``CreateGameSessionInput.CreatorId``); a request without ``CreatorId`` is never
limited.

Pure bookkeeping: times are passed in, so the window follows the emulator's
clock (manual in tests).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from typing import Any

from infra.emulator.errors import LimitExceededException


@dataclass(frozen=True, slots=True)
class CreationLimit:
    sessions: int
    period_seconds: float
    from_policy: bool


# Documented default when the fleet has no policy: one request per creator per second.
DEFAULT_LIMIT = CreationLimit(sessions=1, period_seconds=1.0, from_policy=False)


def limit_for(policy: dict[str, Any] | None) -> CreationLimit:
    """The limit a fleet's ``ResourceCreationLimitPolicy`` sets.

    UNCONFIRMED: a policy with either value 0 (which is how fleets created
    without one describe it) is treated as no policy, not as "no sessions at all".
    """
    if policy:
        sessions = int(policy.get("NewGameSessionsPerCreator") or 0)
        minutes = int(policy.get("PolicyPeriodInMinutes") or 0)
        if sessions > 0 and minutes > 0:
            return CreationLimit(sessions, minutes * 60.0, True)
    return DEFAULT_LIMIT


class CreatorLimiter:
    """Creation times per (fleet, creator), pruned to the window on each check."""

    def __init__(self) -> None:
        self._times: dict[tuple[str, str], deque[float]] = {}

    def check(self, fleet_id: str, creator_id: str, now: float, limit: CreationLimit) -> None:
        """Raise LimitExceededException if one more session now would break ``limit``."""
        self.prune(fleet_id, creator_id, now, limit)
        times = self._times.get((fleet_id, creator_id))
        if times and len(times) >= limit.sessions:
            if limit.from_policy:
                raise LimitExceededException(
                    f"Creator {creator_id} has already created {len(times)} game sessions on fleet {fleet_id} in the "
                    f"last {limit.period_seconds / 60:g} minutes; the fleet's resource creation limit policy allows "
                    f"{limit.sessions}."
                )
            raise LimitExceededException(
                f"Creator {creator_id} may create one game session per second on fleet {fleet_id} (the fleet has "
                "no resource creation limit policy); retry later or omit CreatorId."
            )

    def record(self, fleet_id: str, creator_id: str, when: float) -> None:
        times = self._times.setdefault((fleet_id, creator_id), deque())
        # Loading from the store can replay creations out of order; keep the deque sorted.
        if times and when < times[-1]:
            ordered = sorted([*times, when])
            times.clear()
            times.extend(ordered)
        else:
            times.append(when)

    def prune(self, fleet_id: str, creator_id: str, now: float, limit: CreationLimit) -> None:
        """Drop what ``check`` would drop at ``now``: creations older than the window.

        ``check`` prunes only the creator who asks again, so a creator who never
        returns would keep a deque for good; the game session retention sweep
        calls this for the creator of each session it purges. Pruning earlier
        than ``check`` would changes no answer: ``check`` at a later time drops
        the same entries and more (UNCONFIRMED for a policy whose period is
        lengthened afterwards, which then sees fewer of the older creations).
        """
        key = (fleet_id, creator_id)
        times = self._times.get(key)
        if times is None:
            return
        horizon = now - limit.period_seconds
        while times and times[0] <= horizon:
            times.popleft()
        if not times:
            del self._times[key]

    def clear(self) -> None:
        self._times.clear()
