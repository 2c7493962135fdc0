"""Game sessions indexed by fleet, location and status, with running tallies.

CreateGameSession, DescribeGameSessions and SearchGameSessions run thousands of
times a second in the benchmark, and a long-lived fleet accumulates terminated
sessions (the real service keeps them for 30 days). So nothing here walks all
sessions: each query starts from the smallest bucket that answers it, and the
utilization figures a fleet reports (sessions, players, slots) are kept as
counters, adjusted by the difference each change makes.

The index does not know what a game session is beyond :class:`Indexed`; the
service tells it about every change through :meth:`SessionIndex.changed`, with
the status and :func:`contribution` the session had before the change.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar


class Indexed(Protocol):
    @property
    def game_session_id(self) -> str: ...

    @property
    def fleet_id(self) -> str: ...

    @property
    def location(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def compute_name(self) -> str | None: ...

    @property
    def current_player_session_count(self) -> int: ...

    @property
    def maximum_player_session_count(self) -> int: ...


S = TypeVar("S", bound=Indexed)

# Statuses in which a session occupies a server process and counts towards a
# fleet's utilization. UNCONFIRMED: the real service's ActiveGameSessionCount
# may leave out ACTIVATING or TERMINATING sessions; counting every session that
# holds a process keeps "sessions + idle processes = processes" true.
OCCUPYING = frozenset({"ACTIVATING", "ACTIVE", "TERMINATING"})
ACTIVATING = "ACTIVATING"


# What one session adds to its fleet's tallies: (game sessions, player sessions, maximum player
# sessions). A plain tuple: one is built and compared on every change to a session.
Contribution = tuple[int, int, int]
NOTHING: Contribution = (0, 0, 0)


@dataclass(slots=True)
class Tally:
    active_game_sessions: int = 0
    current_player_sessions: int = 0
    maximum_player_sessions: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "active_game_sessions": self.active_game_sessions,
            "current_player_sessions": self.current_player_sessions,
            "maximum_player_sessions": self.maximum_player_sessions,
        }


def contribution(session: Indexed) -> Contribution:
    if session.status not in OCCUPYING:
        return NOTHING
    return (1, session.current_player_session_count, session.maximum_player_session_count)


class SessionIndex(Generic[S]):
    """Buckets of sessions; every bucket keeps the order sessions entered it."""

    def __init__(self) -> None:
        # Every session of a fleet in creation order. A dict, so an ended session
        # leaves in O(1) when its retention runs out (``remove``) ...
        self._by_fleet: dict[str, dict[str, S]] = {}
        # ... and a list of the same, kept up by ``add`` (an append) and dropped by
        # ``remove`` (rebuilt by the next unfiltered query), so an unfiltered
        # describe can slice a page without copying the rest.
        self._listed: dict[str, list[S]] = {}
        self._by_status: dict[tuple[str, str], dict[str, S]] = {}
        self._by_location_status: dict[tuple[str, str, str], dict[str, S]] = {}
        # Per fleet, per location; a fleet's figures are the sum over its locations.
        self._tallies: dict[str, dict[str, Tally]] = {}
        # ACTIVATING sessions per (fleet, compute): MaxConcurrentGameSessionActivations.
        self._activating: dict[tuple[str, str], int] = {}

    def clear(self) -> None:
        self._by_fleet.clear()
        self._listed.clear()
        self._by_status.clear()
        self._by_location_status.clear()
        self._tallies.clear()
        self._activating.clear()

    # -- changes -----------------------------------------------------------------
    def add(self, session: S) -> None:
        fleet_id = session.fleet_id
        members = self._by_fleet.get(fleet_id)
        if members is None:
            members = self._by_fleet[fleet_id] = {}
        members[session.game_session_id] = session
        listed = self._listed.get(fleet_id)
        if listed is not None:
            listed.append(session)
        self._enter(session, session.status)
        amount = contribution(session)
        if amount != NOTHING:
            self._shift(session, amount, NOTHING)

    def changed(self, session: S, old_status: str, old_contribution: Contribution) -> None:
        if old_status != session.status:
            self._leave(session, old_status)
            self._enter(session, session.status)
        new_contribution = contribution(session)
        if new_contribution != old_contribution:
            self._shift(session, new_contribution, old_contribution)

    def remove(self, session: S) -> None:
        """Forget the session (its retention ran out), with every bucket and tally it was in.

        Buckets left empty go too, so a fleet long deleted leaves nothing behind
        once its last session is purged.
        """
        fleet_id = session.fleet_id
        members = self._by_fleet.get(fleet_id)
        if members is None or members.pop(session.game_session_id, None) is None:
            return
        self._listed.pop(fleet_id, None)
        status = session.status
        self._leave(session, status)
        if not self._by_status.get((fleet_id, status), True):
            del self._by_status[(fleet_id, status)]
        if not self._by_location_status.get((fleet_id, session.location, status), True):
            del self._by_location_status[(fleet_id, session.location, status)]
        amount = contribution(session)
        if amount != NOTHING:
            self._shift(session, NOTHING, amount)
        if not members:
            # The fleet's last session: the buckets its sessions passed through are empty now (a scan of
            # the bucket keys, as rare as a fleet emptying).
            del self._by_fleet[fleet_id]
            self._tallies.pop(fleet_id, None)
            for key in [k for k, bucket in self._by_status.items() if k[0] == fleet_id and not bucket]:
                del self._by_status[key]
            for key in [k for k, bucket in self._by_location_status.items() if k[0] == fleet_id and not bucket]:
                del self._by_location_status[key]

    def players_changed(self, session: S, delta: int) -> None:
        """Only the session's player count moved, by ``delta`` (the commonest change, one per player session)."""
        if session.status in OCCUPYING:
            self._shift(session, (0, delta, 0), NOTHING)

    def _enter(self, session: S, status: str) -> None:
        key = session.game_session_id
        bucket = self._by_status.get((session.fleet_id, status))
        if bucket is None:
            bucket = self._by_status[(session.fleet_id, status)] = {}
        bucket[key] = session
        bucket = self._by_location_status.get((session.fleet_id, session.location, status))
        if bucket is None:
            bucket = self._by_location_status[(session.fleet_id, session.location, status)] = {}
        bucket[key] = session
        if status == ACTIVATING and session.compute_name:
            compute = (session.fleet_id, session.compute_name)
            self._activating[compute] = self._activating.get(compute, 0) + 1

    def _leave(self, session: S, status: str) -> None:
        key = session.game_session_id
        bucket = self._by_status.get((session.fleet_id, status))
        if bucket is not None:
            bucket.pop(key, None)
        bucket = self._by_location_status.get((session.fleet_id, session.location, status))
        if bucket is not None:
            bucket.pop(key, None)
        if status == ACTIVATING and session.compute_name:
            compute = (session.fleet_id, session.compute_name)
            left = self._activating.get(compute, 0) - 1
            if left > 0:
                self._activating[compute] = left
            else:
                self._activating.pop(compute, None)

    def _shift(self, session: S, new: Contribution, old: Contribution) -> None:
        """Move the session's location tally from its ``old`` contribution to its ``new`` one."""
        by_location = self._tallies.get(session.fleet_id)
        if by_location is None:
            by_location = self._tallies[session.fleet_id] = {}
        tally = by_location.get(session.location)
        if tally is None:
            tally = by_location[session.location] = Tally()
        tally.active_game_sessions += new[0] - old[0]
        tally.current_player_sessions += new[1] - old[1]
        tally.maximum_player_sessions += new[2] - old[2]

    # -- queries -----------------------------------------------------------------
    def query(self, fleet_id: str, location: str | None = None, status: str | None = None) -> Sequence[S]:
        """The fleet's sessions, optionally in one location and/or status.

        The unfiltered list is the index's own (do not modify it); the others are
        fresh lists as long as their bucket.
        """
        if status is None:
            every = self._listed.get(fleet_id)
            if every is None:
                members = self._by_fleet.get(fleet_id)
                if members is None:
                    return []
                every = self._listed[fleet_id] = list(members.values())
            if location is None:
                return every
            return [s for s in every if s.location == location]
        if location is None:
            return list(self._by_status.get((fleet_id, status), {}).values())
        return list(self._by_location_status.get((fleet_id, location, status), {}).values())

    def in_statuses(self, fleet_id: str, statuses: Iterable[str]) -> list[S]:
        found: list[S] = []
        for status in statuses:
            found.extend(self._by_status.get((fleet_id, status), {}).values())
        return found

    def utilization(self, fleet_id: str, location: str | None = None) -> dict[str, int]:
        by_location = self._tallies.get(fleet_id, {})
        if location is not None:
            return (by_location.get(location) or Tally()).as_dict()
        total = Tally()
        for tally in by_location.values():
            total.active_game_sessions += tally.active_game_sessions
            total.current_player_sessions += tally.current_player_sessions
            total.maximum_player_sessions += tally.maximum_player_sessions
        return total.as_dict()

    def activating_on(self, fleet_id: str, compute_name: str) -> int:
        return self._activating.get((fleet_id, compute_name), 0)
