"""Game session operations."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from infra.emulator.api.registry import RequestContext, operation

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator


@operation("CreateGameSession")
def create_game_session(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"GameSession": emu.game_sessions.create(p).to_api()}


def _describe(emu: Emulator, p: dict[str, Any]) -> tuple[list[Any], str | None]:
    return emu.game_sessions.describe(
        fleet_id=p.get("FleetId"),
        alias_id=p.get("AliasId"),
        game_session_id=p.get("GameSessionId"),
        location=p.get("Location"),
        status_filter=p.get("StatusFilter"),
        limit=p.get("Limit"),
        next_token=p.get("NextToken"),
    )


@operation("DescribeGameSessions")
def describe_game_sessions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    if len(p) == 1 and "GameSessionId" in p:
        # A backend polling one session, the commonest call: what ``describe`` answers when given only an id.
        return {"GameSessions": [emu.game_sessions.get(p["GameSessionId"]).to_api()], "NextToken": None}
    sessions, token = _describe(emu, p)
    return {"GameSessions": [s.to_api() for s in sessions], "NextToken": token}


@operation("DescribeGameSessionDetails")
def describe_game_session_details(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    sessions, token = _describe(emu, p)
    return {"GameSessionDetails": [s.to_detail() for s in sessions], "NextToken": token}


@operation("SearchGameSessions")
def search_game_sessions(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    sessions, token = emu.game_sessions.search(
        fleet_id=p.get("FleetId"),
        alias_id=p.get("AliasId"),
        location=p.get("Location"),
        filter_expression=p.get("FilterExpression"),
        sort_expression=p.get("SortExpression"),
        limit=p.get("Limit"),
        next_token=p.get("NextToken"),
    )
    return {"GameSessions": [s.to_api() for s in sessions], "NextToken": token}


@operation("UpdateGameSession")
def update_game_session(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"GameSession": emu.game_sessions.update(p["GameSessionId"], p).to_api()}


@operation("TerminateGameSession")
def terminate_game_session(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"GameSession": emu.game_sessions.terminate(p["GameSessionId"], p["TerminationMode"]).to_api()}


@operation("GetGameSessionLogUrl")
def get_game_session_log_url(emu: Emulator, ctx: RequestContext, p: dict[str, Any]) -> dict[str, Any]:
    return {"PreSignedUrl": emu.game_sessions.log_url(p["GameSessionId"])}
