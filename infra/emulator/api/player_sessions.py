"""Player session operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreatePlayerSession")
def create_player_session(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    (session,) = emu.player_sessions.create(p["GameSessionId"], [(p["PlayerId"], p.get("PlayerData"))])
    return {"PlayerSession": session.to_api()}


@operation("CreatePlayerSessions")
def create_player_sessions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    # Documented: data for player ids not in PlayerIds is ignored.
    data = p.get("PlayerDataMap") or {}
    players = [(player_id, data.get(player_id)) for player_id in p["PlayerIds"]]
    sessions = emu.player_sessions.create(p["GameSessionId"], players)
    return {"PlayerSessions": [s.to_api() for s in sessions]}


@operation("DescribePlayerSessions")
def describe_player_sessions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    sessions, token = emu.player_sessions.describe(
        game_session_id=p.get("GameSessionId"),
        player_session_id=p.get("PlayerSessionId"),
        player_id=p.get("PlayerId"),
        status_filter=p.get("PlayerSessionStatusFilter"),
        limit=p.get("Limit"),
        next_token=p.get("NextToken"),
    )
    return {"PlayerSessions": [s.to_api() for s in sessions], "NextToken": token}
