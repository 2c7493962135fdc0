"""Player sessions: a reserved seat in a game session, claimed when the player connects.

Lifecycle, as the real service runs it::

    CreatePlayerSession(s) -> RESERVED --AcceptPlayerSession (server SDK)--> ACTIVE
        RESERVED --not accepted within 60 s--> TIMEDOUT
        RESERVED/ACTIVE --RemovePlayerSession (server SDK)--> COMPLETED
        RESERVED/ACTIVE --the game session ends--> see close_for_game_session

RESERVED and ACTIVE sessions hold a slot: they make up the game session's
CurrentPlayerSessionCount, which may not exceed MaximumPlayerSessionCount.
The 60-second reservation is ``EmulatorConfig.player_session_reservation_seconds``.
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import (
    GameSessionFullException,
    InvalidGameSessionStatusException,
    InvalidRequestException,
    NotFoundException,
)
from infra.emulator.pagination import paginate
from infra.emulator.sessions.expiry import ExpiryQueue
from infra.emulator.sessions.game_sessions import GameSession, GameSessionStatus, PlayerSessionCreationPolicy

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator
    from infra.emulator.sessions.game_sessions import GameSessionService

log = logging.getLogger("gamelift_local.player_sessions")

KIND = "player_session"


class PlayerSessionStatus(enum.StrEnum):
    RESERVED = "RESERVED"
    ACTIVE = "ACTIVE"
    COMPLETED = "COMPLETED"
    TIMEDOUT = "TIMEDOUT"


HOLDING = frozenset({PlayerSessionStatus.RESERVED, PlayerSessionStatus.ACTIVE})
_STATUS_VALUES = frozenset(s.value for s in PlayerSessionStatus)


@dataclass
class PlayerSession:
    player_session_id: str
    player_id: str
    game_session_id: str
    fleet_id: str
    fleet_arn: str
    creation_time: float
    # Creation order: sessions created in one call share a creation time.
    ordinal: int = 0
    status: PlayerSessionStatus = PlayerSessionStatus.RESERVED
    termination_time: float | None = None
    ip_address: str | None = None
    dns_name: str | None = None
    port: int | None = None
    player_data: str | None = None

    def to_api(self) -> dict[str, Any]:
        return {
            "PlayerSessionId": self.player_session_id,
            "PlayerId": self.player_id,
            "GameSessionId": self.game_session_id,
            "FleetId": self.fleet_id,
            "FleetArn": self.fleet_arn,
            "CreationTime": self.creation_time,
            "TerminationTime": self.termination_time,
            "Status": self.status,
            "IpAddress": self.ip_address,
            "DnsName": self.dns_name,
            "Port": self.port,
            "PlayerData": self.player_data,
        }


class PlayerSessionService:
    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self._sessions: dict[str, PlayerSession] = {}
        # Creation order within each game session and each player.
        self._by_game_session: dict[str, dict[str, PlayerSession]] = {}
        # Built on the first DescribePlayerSessions by PlayerId, then kept up: until a client asks by
        # player, every CreatePlayerSession would pay for an index nobody reads.
        self._by_player: dict[str, dict[str, PlayerSession]] | None = None
        self._reservations = ExpiryQueue(emulator.scheduler, self._reservation_expired)
        self._next_ordinal = 0

    @property
    def _games(self) -> GameSessionService:
        return self.emulator.game_sessions

    # -- lifecycle ---------------------------------------------------------------
    def load(self) -> None:
        self.reset()
        loaded = sorted(self.emulator.store.load(KIND, PlayerSession), key=lambda p: (p.ordinal, p.creation_time))
        for session in loaded:
            self._register(session)
            self._next_ordinal = max(self._next_ordinal, session.ordinal + 1)

    def resume(self) -> None:
        """Re-arm reservation time-outs; those that fell due while the emulator was down fire at once."""
        reserved = [s for s in self._sessions.values() if s.status == PlayerSessionStatus.RESERVED]
        for session in sorted(reserved, key=lambda s: s.creation_time):
            self._arm_timer(session)

    def reset(self) -> None:
        self._reservations.clear()
        self._sessions.clear()
        self._by_game_session.clear()
        self._by_player = None
        self._next_ordinal = 0

    def count(self) -> int:
        return len(self._sessions)

    def _register(self, session: PlayerSession) -> None:
        key = session.player_session_id
        self._sessions[key] = session
        bucket = self._by_game_session.get(session.game_session_id)
        if bucket is None:
            bucket = self._by_game_session[session.game_session_id] = {}
        bucket[key] = session
        if self._by_player is not None:
            self._index_player(self._by_player, session)

    @staticmethod
    def _index_player(by_player: dict[str, dict[str, PlayerSession]], session: PlayerSession) -> None:
        bucket = by_player.get(session.player_id)
        if bucket is None:
            bucket = by_player[session.player_id] = {}
        bucket[session.player_session_id] = session

    def _of_player(self, player_id: str) -> list[PlayerSession]:
        """A player's sessions in creation order (the order ``_sessions`` keeps)."""
        by_player = self._by_player
        if by_player is None:
            by_player = self._by_player = {}
            for session in self._sessions.values():
                self._index_player(by_player, session)
        return list(by_player.get(player_id, {}).values())

    def _save(self, session: PlayerSession) -> None:
        self.emulator.store.put(KIND, session.player_session_id, session)

    def _arm_timer(self, session: PlayerSession) -> None:
        seconds = float(self.emulator.config.player_session_reservation_seconds)
        self._reservations.add(session.player_session_id, session.creation_time + seconds, seconds)

    def _cancel_timer(self, player_session_id: str) -> None:
        self._reservations.discard(player_session_id)

    # -- CreatePlayerSession(s) ---------------------------------------------------------
    def create(self, game_session_id: str, players: list[tuple[str, str | None]]) -> list[PlayerSession]:
        """Reserve one seat per (player id, player data), all or none."""
        game = self.emulator.game_sessions.get(game_session_id)
        if game.status != GameSessionStatus.ACTIVE:
            raise InvalidGameSessionStatusException(
                f"Game session {game_session_id} is {game.status}; "
                "player sessions can only be created in an ACTIVE game session."
            )
        if game.player_session_creation_policy == PlayerSessionCreationPolicy.DENY_ALL:
            # UNCONFIRMED: which error the real service gives a DENY_ALL session. A session
            # that takes no players is not "available" to search either, so it reads as full.
            raise GameSessionFullException(
                f"Game session {game_session_id} is not accepting new players (PlayerSessionCreationPolicy DENY_ALL)."
            )
        ids = [player_id for player_id, _ in players]
        if len(set(ids)) != len(ids):
            # UNCONFIRMED: the real service's answer to a player listed twice in one request.
            raise InvalidRequestException("PlayerIds lists the same player more than once.")
        free = game.maximum_player_session_count - game.current_player_session_count
        if len(players) > free:
            raise GameSessionFullException(
                f"Game session {game_session_id} has {max(free, 0)} open player slot(s); {len(players)} requested."
            )
        emulator = self.emulator
        now = emulator.clock.now()
        created = []
        for player_id, data in players:
            session = PlayerSession(
                player_session_id=emulator.ids.prefixed("psess"),
                player_id=player_id,
                game_session_id=game.game_session_id,
                fleet_id=game.fleet_id,
                fleet_arn=game.fleet_arn,
                creation_time=now,
                ordinal=self._next_ordinal,
                ip_address=game.ip_address,
                dns_name=game.dns_name,
                port=game.port,
                player_data=data,
            )
            self._next_ordinal += 1
            self._register(session)
            emulator.store.put(KIND, session.player_session_id, session)
            self._arm_timer(session)
            created.append(session)
        emulator.game_sessions.adjust_player_count(game, len(created))
        if log.isEnabledFor(logging.INFO):
            ids = [s.player_session_id for s in created]
            log.info("game_session=%s player_sessions=%s status=RESERVED", game_session_id, ids)
        return created

    # -- server SDK calls ---------------------------------------------------------
    def _of_game_session(self, game_session_id: str, player_session_id: str) -> tuple[GameSession, PlayerSession]:
        game = self._games.get(game_session_id)
        session = self._sessions.get(player_session_id)
        if session is None:
            raise NotFoundException(f"Player session {player_session_id} not found.")
        if session.game_session_id != game.game_session_id:
            raise InvalidRequestException(
                f"Player session {player_session_id} belongs to game session {session.game_session_id}, "
                f"not {game_session_id}."
            )
        return game, session

    def accept(self, game_session_id: str, player_session_id: str) -> PlayerSession:
        """AcceptPlayerSession: the player connected with a valid reservation."""
        game, session = self._of_game_session(game_session_id, player_session_id)
        if session.status != PlayerSessionStatus.RESERVED:
            raise InvalidRequestException(
                f"Player session {player_session_id} is {session.status}; "
                "only a RESERVED player session can be accepted."
            )
        self._cancel_timer(player_session_id)
        session.status = PlayerSessionStatus.ACTIVE
        self._save(session)
        log.info("game_session=%s player_session=%s status=ACTIVE", game.game_session_id, player_session_id)
        return session

    def remove(self, game_session_id: str, player_session_id: str) -> PlayerSession:
        """RemovePlayerSession: the player left; the seat opens again."""
        game, session = self._of_game_session(game_session_id, player_session_id)
        if session.status not in HOLDING:
            # UNCONFIRMED: the real error for removing a player session that already ended.
            raise InvalidRequestException(
                f"Player session {player_session_id} is {session.status}; it has already ended."
            )
        self._end(session, PlayerSessionStatus.COMPLETED)
        self._games.adjust_player_count(game, -1)
        log.info("game_session=%s player_session=%s status=COMPLETED", game.game_session_id, player_session_id)
        return session

    def update_creation_policy(self, game_session_id: str, policy: str) -> GameSession:
        """UpdatePlayerSessionCreationPolicy from the server SDK."""
        return self._games.set_creation_policy(game_session_id, policy)

    def _end(self, session: PlayerSession, status: PlayerSessionStatus) -> None:
        self._cancel_timer(session.player_session_id)
        session.status = status
        session.termination_time = self.emulator.clock.now()
        self._save(session)

    def _reservation_expired(self, player_session_id: str) -> None:
        session = self._sessions.get(player_session_id)
        if session is None or session.status != PlayerSessionStatus.RESERVED:
            return
        self._end(session, PlayerSessionStatus.TIMEDOUT)
        game = self._games.find(session.game_session_id)
        if game is not None:
            self._games.adjust_player_count(game, -1)
        log.info("game_session=%s player_session=%s status=TIMEDOUT", session.game_session_id, player_session_id)

    def close_for_game_session(self, game_session_id: str) -> int:
        """The game session is ending: every seat it still holds is released.

        Returns how many were; the game session service, which is ending the
        session, takes them off its CurrentPlayerSessionCount in the same change.

        UNCONFIRMED: connected (ACTIVE) players end COMPLETED, as a dropped
        connection does; reservations nobody claimed end TIMEDOUT, as they
        would have had the player never connected.
        """
        closed = 0
        for session in self._by_game_session.get(game_session_id, {}).values():
            if session.status == PlayerSessionStatus.ACTIVE:
                self._end(session, PlayerSessionStatus.COMPLETED)
                closed += 1
            elif session.status == PlayerSessionStatus.RESERVED:
                self._end(session, PlayerSessionStatus.TIMEDOUT)
                closed += 1
        return closed

    def forget_game_session(self, game_session_id: str) -> int:
        """The game session's retention ran out: its player sessions go with it, from memory and the store.

        They all ended with it (``close_for_game_session``), so no reservation
        timer or seat count is involved; returns how many were forgotten.
        """
        bucket = self._by_game_session.pop(game_session_id, None)
        if not bucket:
            return 0
        sessions = self._sessions
        by_player = self._by_player
        store = self.emulator.store
        for key, session in bucket.items():
            sessions.pop(key, None)
            self._reservations.discard(key)
            store.delete(KIND, key)
            if by_player is not None:
                mine = by_player.get(session.player_id)
                if mine is not None:
                    mine.pop(key, None)
                    if not mine:
                        del by_player[session.player_id]
        return len(bucket)

    # -- DescribePlayerSessions ---------------------------------------------------------
    def describe(
        self,
        *,
        game_session_id: str | None = None,
        player_session_id: str | None = None,
        player_id: str | None = None,
        status_filter: str | None = None,
        limit: int | None = None,
        next_token: str | None = None,
    ) -> tuple[list[PlayerSession], str | None]:
        """Exactly one of the three selectors (the server SDK enforces the same).

        Documented: the status filter has no effect with a PlayerSessionId or
        PlayerId, and Limit/NextToken are ignored with a PlayerSessionId.
        UNCONFIRMED: an unknown game session or player session id is
        NotFoundException; a player id without sessions is an empty list.
        """
        given = sum(1 for v in (game_session_id, player_session_id, player_id) if v is not None)
        if given != 1:
            raise InvalidRequestException("Specify exactly one of GameSessionId, PlayerSessionId or PlayerId.")
        if status_filter is not None and status_filter not in _STATUS_VALUES:
            raise InvalidRequestException(
                "PlayerSessionStatusFilter must be one of RESERVED, ACTIVE, COMPLETED, TIMEDOUT; "
                f"not {status_filter!r}."
            )
        if player_session_id is not None:
            session = self._sessions.get(player_session_id)
            if session is None:
                raise NotFoundException(f"Player session {player_session_id} not found.")
            return [session], None
        if player_id is not None:
            sessions = self._of_player(player_id)
            return paginate(sessions, limit, next_token, listing="player-sessions/player")
        assert game_session_id is not None
        game = self._games.get(game_session_id)
        found = self._by_game_session.get(game.game_session_id, {}).values()
        sessions = list(found) if status_filter is None else [s for s in found if s.status == status_filter]
        return paginate(sessions, limit, next_token, listing=f"player-sessions/{game.game_session_id}")
