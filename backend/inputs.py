"""Request bodies and query strings, checked strictly: exact types, known fields only.

Fields that would let a client speak for itself (its player id, tier, skill, entitlements,
PlayerData) are refused with ``forbidden_field``: identity comes from the verified token and
holdings from external_auth, never from the request. Any other unknown field is
``unknown_field``. Booleans are not numbers here (``true`` is not ``1``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend.errors import BadRequest, ForbiddenField, MalformedJson, UnknownField
from backend.sessions import Listing

IDENTITY_FIELDS = frozenset(
    {
        "playerid",
        "player_id",
        "player",
        "userid",
        "user_id",
        "sub",
        "tier",
        "skill",
        "rating",
        "entitlements",
        "playerdata",
        "player_data",
        "premium",
        "creatorid",
    }
)
GAME_SESSION_ID = re.compile(r"^[a-zA-Z0-9:/-]{1,512}$")
MAX_SESSION_NAME = 64
MAX_PLAYERS_LIMIT = 32
MAX_NEXT_TOKEN = 1024


def parse_json(body: bytes) -> dict[str, Any]:
    """An empty body is ``{}``; anything but a JSON object is a 400."""
    if not body.strip():
        return {}
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise MalformedJson("request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise BadRequest("request body must be a JSON object")
    return payload


def only(payload: Mapping[str, Any], allowed: set[str]) -> None:
    forbidden = sorted(k for k in payload if k.lower() in IDENTITY_FIELDS and k not in allowed)
    if forbidden:
        raise ForbiddenField(
            f"{', '.join(forbidden)} cannot be set by the client: identity comes from the token, "
            "tier and entitlements from the subscription service"
        )
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise UnknownField(f"unknown field(s): {', '.join(unknown)}")


def _string(payload: Mapping[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


def _int(payload: Mapping[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = payload.get(name, default)
    if type(value) is not int or not low <= value <= high:
        raise BadRequest(f"{name} must be an integer from {low} to {high}")
    return value


def _bool(payload: Mapping[str, Any], name: str, default: bool) -> bool:
    value = payload.get(name, default)
    if type(value) is not bool:
        raise BadRequest(f"{name} must be true or false")
    return value


def quickplay(payload: dict[str, Any]) -> None:
    """Quick play takes no parameters yet (queue placement and matchmaking will add some)."""
    only(payload, set())


@dataclass(frozen=True)
class CreateSession:
    name: str
    max_players: int
    premium_only: bool


def create_session(payload: dict[str, Any], default_max_players: int) -> CreateSession:
    only(payload, {"name", "maxPlayers", "premiumOnly"})
    name = _string(payload, "name").strip()
    if not 1 <= len(name) <= MAX_SESSION_NAME or not name.isprintable():
        raise BadRequest(f"name must be 1-{MAX_SESSION_NAME} printable characters")
    return CreateSession(
        name=name,
        max_players=_int(payload, "maxPlayers", min(default_max_players, MAX_PLAYERS_LIMIT), 1, MAX_PLAYERS_LIMIT),
        premium_only=_bool(payload, "premiumOnly", False),
    )


def join_session(payload: dict[str, Any]) -> str:
    only(payload, {"gameSessionId"})
    game_session_id = _string(payload, "gameSessionId")
    if not GAME_SESSION_ID.match(game_session_id):
        raise BadRequest("gameSessionId is not a game session id")
    return game_session_id


def listing(query: Mapping[str, str]) -> Listing:
    only(query, {"access", "includeFull", "limit", "nextToken"})
    access = query.get("access", "any")
    if access not in ("any", "open", "premium"):
        raise BadRequest("access must be any, open or premium")
    include_full = query.get("includeFull", "false")
    if include_full not in ("true", "false"):
        raise BadRequest("includeFull must be true or false")
    raw_limit = query.get("limit", "20")
    if not raw_limit.isdigit() or not 1 <= int(raw_limit) <= 20:
        raise BadRequest("limit must be an integer from 1 to 20")
    next_token = query.get("nextToken") or None
    if next_token is not None and (len(next_token) > MAX_NEXT_TOKEN or not next_token.isprintable()):
        raise BadRequest("invalid nextToken")
    return Listing(access=access, include_full=include_full == "true", limit=int(raw_limit), next_token=next_token)
