"""Seating players: the quick play strategies, and the steps they share.

A strategy turns "this player wants a game" into a :class:`Seat` (a player session and where to
connect). This issue's strategy is :class:`SearchOrCreate`: SearchGameSessions on the alias for an
ACTIVE session with room, else CreateGameSession, then CreatePlayerSession. Queue placement
(StartGameSessionPlacement) and matchmaking (StartMatchmaking) are further strategies with the same
``seat`` signature; ``STRATEGIES`` is where they register, and ``--quickplay-strategy`` picks one.

Races: many players may see the same session with one free slot. GameLift serialises
CreatePlayerSession, so at most one gets it; the others receive GameSessionFullException and move
on to the next candidate, or to a new session. Within this process, players who all need a new
session at the same moment share one CreateGameSession (up to the session's size) instead of
each starting their own, so a burst of quick plays fills sessions instead of scattering players.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from backend import errors
from backend.gamelift import (
    FleetCapacityExceeded,
    GameLift,
    GameLiftError,
    GameSessionFull,
    GameSessionInfo,
    GameSessionNotActive,
    InvalidRequest,
    LimitExceeded,
    NotFound,
    PlayerSessionInfo,
    Unavailable,
)
from backend.player_data import PlayerProfile, access_filter, game_properties, player_data

log = logging.getLogger("backend.seating")

# Sessions a seat may be lost on between choosing and taking it: try the next one.
SEAT_RACE = (GameSessionFull, GameSessionNotActive, NotFound)


@dataclass(frozen=True)
class Seat:
    game_session_id: str
    player_session_id: str
    fleet_id: str
    ip: str | None
    port: int | None
    dns_name: str | None
    # "joined" an existing session, or "created" a new one.
    placement: str
    attempts: int

    def to_api(self, tier: str) -> dict[str, Any]:
        return {
            "gameSessionId": self.game_session_id,
            "playerSessionId": self.player_session_id,
            "fleetId": self.fleet_id,
            "ip": self.ip,
            "port": self.port,
            "dnsName": self.dns_name,
            "placement": self.placement,
            "tier": tier,
        }


class SeatingStrategy(Protocol):
    name: str

    async def seat(self, profile: PlayerProfile) -> Seat: ...


def gamelift_failure(exc: GameLiftError) -> errors.ApiError:
    """A GameLift error the player cannot fix, as what the player is told."""
    if isinstance(exc, FleetCapacityExceeded):
        return errors.NoCapacity("every game server is busy; try again shortly", retry_after=5)
    if isinstance(exc, LimitExceeded):
        return errors.RateLimited("too many game sessions created; try again later", retry_after=60)
    if isinstance(exc, Unavailable):
        return errors.UpstreamUnavailable("the game service is unavailable; try again shortly", retry_after=5)
    if isinstance(exc, InvalidRequest):
        return errors.BadGateway("the game service refused the request")
    return errors.BadGateway("the game service failed")


class Seating:
    """The steps every way of seating shares: make a session, wait for it, reserve a seat."""

    def __init__(
        self,
        gamelift: GameLift,
        *,
        activation_timeout: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
        session_properties: dict[str, str] | None = None,
    ) -> None:
        self.gamelift = gamelift
        self.activation_timeout = activation_timeout
        self.clock = clock
        # The operator's GameProperties for every new session (e.g. the game server's roundSeconds);
        # the backend's own keys (access, origin) win over them.
        self.session_properties = dict(session_properties or {})

    async def create_session(
        self,
        profile: PlayerProfile,
        *,
        name: str,
        max_players: int,
        premium_only: bool,
        origin: str,
        creator_id: str | None,
    ) -> GameSessionInfo:
        """CreateGameSession, then wait until the server process has activated it.

        ``creator_id`` is the player when the player asked for the session (GameLift then limits
        how many sessions one player can start); None when the backend decided it needs one.
        """
        session = await self.gamelift.create_game_session(
            name=name,
            max_players=max_players,
            properties={**self.session_properties, **game_properties(premium_only=premium_only, origin=origin)},
            creator_id=creator_id,
            idempotency_token=uuid.uuid4().hex,
        )
        log.info(
            "event=game_session_created game_session=%s player_id=%s", session.game_session_id, profile.player_id
        )
        return await self.wait_active(session)

    async def wait_active(self, session: GameSessionInfo) -> GameSessionInfo:
        """Players can only be seated in an ACTIVE session: poll until the server activates it."""
        deadline = self.clock() + self.activation_timeout
        delay = 0.01
        while session.status == "ACTIVATING":
            if self.clock() >= deadline:
                raise errors.UpstreamTimeout("the game server did not start in time; try again", retry_after=2)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)
            found = await self.gamelift.describe_game_session(session.game_session_id)
            if found is None:
                raise errors.SessionUnavailable("the new game session disappeared")
            session = found
        if session.status != "ACTIVE":
            raise errors.SessionUnavailable(f"the game session is {session.status}")
        return session

    async def take_seat(self, session_id: str, profile: PlayerProfile) -> PlayerSessionInfo:
        """CreatePlayerSession with the backend's PlayerData; raises a SEAT_RACE error when someone was faster."""
        seat = await self.gamelift.create_player_session(session_id, profile.player_id, player_data(profile))
        log.info(
            "event=seated game_session=%s player_session=%s player_id=%s tier=%s",
            session_id,
            seat.player_session_id,
            profile.player_id,
            profile.tier,
        )
        return seat


def seat_from(ps: PlayerSessionInfo, fleet_id: str, placement: str, attempts: int) -> Seat:
    return Seat(
        game_session_id=ps.game_session_id,
        player_session_id=ps.player_session_id,
        fleet_id=fleet_id,
        ip=ps.ip_address,
        port=ps.port,
        dns_name=ps.dns_name,
        placement=placement,
        attempts=attempts,
    )


class _Pending:
    """A session being created for several waiting players."""

    def __init__(self, task: asyncio.Task[GameSessionInfo], capacity: int) -> None:
        self.task = task
        self.capacity = capacity
        self.claims = 1


class SearchOrCreate:
    name = "search-or-create"

    def __init__(self, seating: Seating, *, max_players: int = 8, attempts: int = 6, candidates: int = 10) -> None:
        self.seating = seating
        self.gamelift = seating.gamelift
        self.max_players = max_players
        self.attempts = attempts
        self.candidates = candidates
        self._pending: list[_Pending] = []
        self._searches: dict[str, asyncio.Task[tuple[list[GameSessionInfo], str | None]]] = {}

    async def seat(self, profile: PlayerProfile) -> Seat:
        try:
            return await self._seat(profile)
        except GameLiftError as exc:
            raise gamelift_failure(exc) from None

    async def _seat(self, profile: PlayerProfile) -> Seat:
        for attempt in range(1, self.attempts + 1):
            for session in await self._search(profile):
                try:
                    ps = await self.seating.take_seat(session.game_session_id, profile)
                except SEAT_RACE:
                    continue
                return seat_from(ps, session.fleet_id, "joined", attempt)
            try:
                session, created = await self._new_session(profile)
            except (errors.SessionUnavailable, errors.UpstreamTimeout) as exc:
                log.info("event=new_session_failed attempt=%s error=%s", attempt, exc.message)
                continue
            try:
                ps = await self.seating.take_seat(session.game_session_id, profile)
            except SEAT_RACE:
                continue
            return seat_from(ps, session.fleet_id, "created" if created else "joined", attempt)
        raise errors.NoCapacity("no seat could be found; try again", retry_after=2)

    async def _search(self, profile: PlayerProfile) -> list[GameSessionInfo]:
        """Open sessions this player may join, fullest first.

        Requests that search for the same thing at the same moment share one SearchGameSessions
        call (only while it is in flight: nothing is cached after it answers). A shared answer can
        only be a few milliseconds staler than a private one, and a seat lost to that is retried
        like any other race. Under load it cuts the calls per quick play (about 1.5 instead of 2 in
        the benchmark).
        """
        conditions = ["hasAvailablePlayerSessions=true"]
        access = access_filter(profile)
        if access:
            conditions.append(access)
        expression = " AND ".join(conditions)
        task = self._searches.get(expression)
        if task is None:
            task = asyncio.ensure_future(
                self.gamelift.search_game_sessions(
                    filter_expression=expression,
                    # Fill the fullest sessions first: players get a game sooner, fewer servers run half-empty.
                    sort_expression="playerSessionCount DESC",
                    limit=self.candidates,
                )
            )
            self._searches[expression] = task
            task.add_done_callback(lambda _t: self._searches.pop(expression, None))
        sessions, _ = await asyncio.shield(task)
        return [s for s in sessions if s.has_room]

    async def _new_session(self, profile: PlayerProfile) -> tuple[GameSessionInfo, bool]:
        """A fresh session for this player: shares one being created by another request when it has room."""
        for pending in self._pending:
            if pending.claims < pending.capacity:
                pending.claims += 1
                return await asyncio.shield(pending.task), False
        task = asyncio.ensure_future(
            self.seating.create_session(
                profile,
                name=f"Quick play {uuid.uuid4().hex[:8]}",
                max_players=self.max_players,
                premium_only=False,
                origin="quickplay",
                # Quick play sessions are the backend's choice, not the player's: no per-creator limit.
                creator_id=None,
            )
        )
        pending = _Pending(task, self.max_players)
        self._pending.append(pending)

        def done(finished: asyncio.Task[GameSessionInfo]) -> None:
            self._pending.remove(pending)
            if not finished.cancelled():
                finished.exception()  # every claimant sees it; mark it retrieved for asyncio

        task.add_done_callback(done)
        return await asyncio.shield(task), True


# Quick play strategies by name (``--quickplay-strategy``). Queue placement and matchmaking join here.
STRATEGIES: dict[str, type[SearchOrCreate]] = {SearchOrCreate.name: SearchOrCreate}
