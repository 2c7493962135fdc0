"""The server browser: list open sessions, create a named one, join one by id.

Every session id a client names is checked against GameLift before use: it must exist, belong to
the fleet the backend serves (the alias's current fleet), be ACTIVE, and admit the player's tier.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from backend import errors
from backend.gamelift import GameLiftError, GameSessionFull, GameSessionInfo, GameSessionNotActive, InvalidRequest
from backend.gamelift import NotFound as GameLiftNotFound
from backend.player_data import ACCESS_KEY, ACCESS_OPEN, ACCESS_PREMIUM, PlayerProfile, is_premium_only
from backend.seating import Seat, Seating, gamelift_failure, seat_from

log = logging.getLogger("backend.sessions")


def session_to_api(session: GameSessionInfo) -> dict[str, Any]:
    created = session.creation_time
    return {
        "gameSessionId": session.game_session_id,
        "name": session.name,
        "status": session.status,
        "currentPlayers": session.current_players,
        "maxPlayers": session.max_players,
        "premiumOnly": is_premium_only(session.properties),
        "createdAt": datetime.fromtimestamp(created, UTC).isoformat().replace("+00:00", "Z") if created else None,
    }


@dataclass(frozen=True)
class Listing:
    access: str = "any"  # any | open | premium
    include_full: bool = False
    limit: int = 20
    next_token: str | None = None


class SessionBrowser:
    def __init__(self, seating: Seating) -> None:
        self.seating = seating
        self.gamelift = seating.gamelift

    async def list(self, listing: Listing) -> tuple[list[GameSessionInfo], str | None]:
        conditions = [] if listing.include_full else ["hasAvailablePlayerSessions=true"]
        if listing.access != "any":
            value = ACCESS_PREMIUM if listing.access == "premium" else ACCESS_OPEN
            conditions.append(f"gameSessionProperties.{ACCESS_KEY} = '{value}'")
        try:
            return await self.gamelift.search_game_sessions(
                filter_expression=" AND ".join(conditions) or None,
                sort_expression="creationTimeMillis DESC",
                limit=listing.limit,
                next_token=listing.next_token,
            )
        except InvalidRequest:
            # The only client input that reaches GameLift here is the page token.
            raise errors.BadRequest("invalid nextToken") from None
        except GameLiftError as exc:
            raise gamelift_failure(exc) from None

    async def create(
        self, profile: PlayerProfile, *, name: str, max_players: int, premium_only: bool
    ) -> tuple[GameSessionInfo, Seat]:
        """A named session, with its creator seated in it."""
        if premium_only and not profile.premium:
            raise errors.PremiumRequired("only premium players can create premium-only sessions")
        try:
            session = await self.seating.create_session(
                profile,
                name=name,
                max_players=max_players,
                premium_only=premium_only,
                origin="player",
                creator_id=profile.player_id,
            )
            ps = await self.seating.take_seat(session.game_session_id, profile)
            # The session as it is now, with its creator counted.
            session = await self.gamelift.describe_game_session(session.game_session_id) or session
        except GameSessionFull:
            raise errors.SessionFull("the session filled before its creator was seated") from None
        except GameLiftError as exc:
            raise gamelift_failure(exc) from None
        return session, seat_from(ps, session.fleet_id, "created", 1)

    async def join(self, profile: PlayerProfile, game_session_id: str) -> Seat:
        try:
            session = await self.gamelift.describe_game_session(game_session_id)
            if session is None or session.fleet_id != await self.gamelift.target_fleet_id():
                # Sessions of other fleets in the account are not ours to hand out: same answer as missing.
                raise errors.NotFound("no such game session")
            if is_premium_only(session.properties) and not profile.premium:
                raise errors.PremiumRequired("this session is for premium players")
            if session.status != "ACTIVE":
                raise errors.SessionUnavailable(f"the game session is {session.status}")
            if session.current_players >= session.max_players:
                raise errors.SessionFull("the game session is full")
            ps = await self.seating.take_seat(session.game_session_id, profile)
        except GameSessionFull:
            raise errors.SessionFull("the game session is full") from None
        except GameSessionNotActive:
            raise errors.SessionUnavailable("the game session is not accepting players") from None
        except GameLiftNotFound:
            raise errors.NotFound("no such game session") from None
        except InvalidRequest:
            raise errors.BadRequest("invalid gameSessionId") from None
        except GameLiftError as exc:
            raise gamelift_failure(exc) from None
        return seat_from(ps, session.fleet_id, "joined", 1)
