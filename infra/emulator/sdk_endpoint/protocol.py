"""The frames of the server SDK protocol, as the service reads and writes them. Pure: no sockets, no emulator.

Every frame is one JSON object in a text frame (server-sdk.md §2.2). A request is ``{"Action", "RequestId",
<fields>}``; the answer echoes ``Action`` and ``RequestId`` (as received), carries an integer ``StatusCode`` (200, or a
4xx/5xx with ``ErrorMessage``) and the result fields flattened beside them. Pushes (CreateGameSession,
UpdateGameSession, TerminateProcess, RefreshConnection) carry no RequestId and always ``"StatusCode": 200``: the SDKs
route a frame with any other status down the error path and drop it.

The SDKs serialise differently (§2.3): Go omits empty fields (``omitempty``), C++ omits empty strings and
non-positive ints, C# writes explicit ``null``. So a missing field, ``null``, ``""`` and ``0`` all read as "not
given", and field names are matched exactly first, then regardless of case (C# spells ``LatencyInMS``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

OK = 200
BAD_REQUEST = 400
UNAUTHORIZED = 401
FORBIDDEN = 403
NOT_FOUND = 404
CONFLICT = 409
TOO_MANY_REQUESTS = 429
INTERNAL_ERROR = 500

# SDK -> service: every one is answered.
ACTIVATE_SERVER_PROCESS = "ActivateServerProcess"
HEARTBEAT_SERVER_PROCESS = "HeartbeatServerProcess"
ACTIVATE_GAME_SESSION = "ActivateGameSession"
UPDATE_PLAYER_SESSION_CREATION_POLICY = "UpdatePlayerSessionCreationPolicy"
ACCEPT_PLAYER_SESSION = "AcceptPlayerSession"
REMOVE_PLAYER_SESSION = "RemovePlayerSession"
DESCRIBE_PLAYER_SESSIONS = "DescribePlayerSessions"
START_MATCH_BACKFILL = "StartMatchBackfill"
STOP_MATCH_BACKFILL = "StopMatchBackfill"
GET_COMPUTE_CERTIFICATE = "GetComputeCertificate"
GET_FLEET_ROLE_CREDENTIALS = "GetFleetRoleCredentials"
TERMINATE_SERVER_PROCESS = "TerminateServerProcess"
REQUEST_ACTIONS = frozenset(
    {
        ACTIVATE_SERVER_PROCESS,
        HEARTBEAT_SERVER_PROCESS,
        ACTIVATE_GAME_SESSION,
        UPDATE_PLAYER_SESSION_CREATION_POLICY,
        ACCEPT_PLAYER_SESSION,
        REMOVE_PLAYER_SESSION,
        DESCRIBE_PLAYER_SESSIONS,
        START_MATCH_BACKFILL,
        STOP_MATCH_BACKFILL,
        GET_COMPUTE_CERTIFICATE,
        GET_FLEET_ROLE_CREDENTIALS,
        TERMINATE_SERVER_PROCESS,
    }
)

# Service -> SDK: never answered.
CREATE_GAME_SESSION = "CreateGameSession"
UPDATE_GAME_SESSION = "UpdateGameSession"
TERMINATE_PROCESS = "TerminateProcess"
REFRESH_CONNECTION = "RefreshConnection"
PUSH_ACTIONS = frozenset({CREATE_GAME_SESSION, UPDATE_GAME_SESSION, TERMINATE_PROCESS, REFRESH_CONNECTION})

# The service accepts frames up to this size; GameSessionData (256 KiB) and MatchmakerData fit with room.
MAX_FRAME_BYTES = 4 * 1024 * 1024

Frame = dict[str, Any]


class SdkError(Exception):
    """A request the service answers with ``status`` and ``message`` instead of 200."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_request(message: str) -> SdkError:
    return SdkError(BAD_REQUEST, message)


def not_found(message: str) -> SdkError:
    return SdkError(NOT_FOUND, message)


class FrameError(SdkError):
    """A frame that is not a usable request; ``action``/``request_id`` are echoed when they could be read."""

    def __init__(self, message: str, action: Any = None, request_id: Any = None) -> None:
        super().__init__(BAD_REQUEST, message)
        self.action = action
        self.request_id = request_id


@dataclass(frozen=True)
class Request:
    action: str
    request_id: Any  # echoed exactly as received
    body: Frame = field(repr=False)

    def _raw(self, name: str) -> Any:
        if name in self.body:
            return self.body[name]
        lowered = name.lower()
        for key, value in self.body.items():
            if isinstance(key, str) and key.lower() == lowered:
                return value
        return None

    def text(self, name: str) -> str | None:
        """A string field; missing, null, "" and 0 are all None."""
        value = self._raw(name)
        if value is None or value == "" or value is False or (type(value) in (int, float) and value == 0):
            return None
        if isinstance(value, str):
            return value
        raise bad_request(f"{name} must be a string")

    def require_text(self, name: str) -> str:
        value = self.text(name)
        if value is None:
            raise bad_request(f"{name} is required")
        return value

    def integer(self, name: str) -> int | None:
        """An integer field; missing, null, "" and 0 are all None; integral floats and digit strings accepted."""
        value = self._raw(name)
        if value is None or value == "" or value is False:
            return None
        if isinstance(value, bool):
            raise bad_request(f"{name} must be an integer")
        if isinstance(value, int):
            return value or None
        if isinstance(value, float) and value.is_integer():
            return int(value) or None
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value) or None
        raise bad_request(f"{name} must be an integer")

    def flag(self, name: str) -> bool:
        """A boolean field; missing or null is False; "true"/"false" and 1/0 are read too."""
        value = self._raw(name)
        if isinstance(value, bool):
            return value
        if value is None or value == "":
            return False
        if isinstance(value, int | float):
            return value != 0
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise bad_request(f"{name} must be true or false")

    def strings(self, name: str) -> list[str]:
        """A list of strings; missing, null, "" and [] are all empty; one bare string is a list of one."""
        value = self._raw(name)
        if value is None or value == "":
            return []
        if isinstance(value, str):
            return [value]
        if isinstance(value, list) and all(v is None or isinstance(v, str) for v in value):
            return [v for v in value if v]
        raise bad_request(f"{name} must be a list of strings")

    def objects(self, name: str) -> list[dict[str, Any]]:
        value = self._raw(name)
        if value is None or value == "":
            return []
        if isinstance(value, list) and all(isinstance(v, dict) for v in value):
            return value
        raise bad_request(f"{name} must be a list of objects")


def parse_request(data: str | bytes) -> Request:
    """A request frame, or FrameError (bad JSON, not an object, no Action, a push action, an unknown action)."""
    if isinstance(data, bytes | bytearray):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError:
            raise FrameError("Binary frames are not understood; send JSON text frames") from None
    try:
        frame = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise FrameError(f"The frame is not valid JSON: {exc.msg} at position {exc.pos}") from None
    if not isinstance(frame, dict):
        raise FrameError("The frame must be a JSON object")
    action, request_id = frame.get("Action"), frame.get("RequestId")
    if not isinstance(action, str) or not action:
        raise FrameError("The frame has no Action", request_id=request_id)
    if action in PUSH_ACTIONS:
        raise FrameError(f"{action} is sent by the service, not to it", action, request_id)
    if action not in REQUEST_ACTIONS:
        raise FrameError(f"Unknown action {action!r}", action, request_id)
    if request_id is None or request_id == "":
        raise FrameError(f"{action} has no RequestId", action, request_id)
    return Request(action, request_id, frame)


def reply(action: Any, request_id: Any, status: int = OK, error: str | None = None, **result: Any) -> Frame:
    """The answer to a request: echoed Action and RequestId, integer StatusCode, flattened result fields."""
    frame: Frame = {}
    if action is not None:
        frame["Action"] = action
    if request_id is not None:
        frame["RequestId"] = request_id
    frame["StatusCode"] = int(status)
    if error is not None:
        frame["ErrorMessage"] = error
    frame.update({k: v for k, v in result.items() if v is not None})
    return frame


def error_reply(exc: SdkError, action: Any = None, request_id: Any = None) -> Frame:
    if isinstance(exc, FrameError):
        action = exc.action if action is None else action
        request_id = exc.request_id if request_id is None else request_id
    return reply(action, request_id, exc.status, exc.message)


def encode(frame: Frame) -> str:
    return orjson.dumps(frame).decode("utf-8")


def encode_bytes(frame: Frame) -> bytes:
    """``encode`` as the UTF-8 a text frame carries, for a writer that sends bytes (no str round trip)."""
    return orjson.dumps(frame)


# -- conversions from the control plane's shapes ----------------------------------------------------------------------


def epoch_ms(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1000)


def properties_map(properties: Iterable[Mapping[str, Any]] | Mapping[str, Any] | None) -> dict[str, str]:
    """GameProperties as the SDK wants them ({key: value}), from the model's [{Key, Value}] list."""
    if properties is None:
        return {}
    if isinstance(properties, Mapping):
        return {str(k): str(v) for k, v in properties.items()}
    return {str(p["Key"]): str(p["Value"]) for p in properties}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def wire_game_session(session: Mapping[str, Any]) -> Frame:
    """A model-shaped GameSession as UpdateGameSession's nested GameSession (which spells the name ``Name``)."""
    return {
        "GameSessionId": _text(session.get("GameSessionId")),
        "Name": _text(session.get("Name")),
        "FleetId": _text(session.get("FleetId")),
        "MaximumPlayerSessionCount": int(session.get("MaximumPlayerSessionCount") or 0),
        "Port": int(session.get("Port") or 0),
        "IpAddress": _text(session.get("IpAddress")),
        "DnsName": _text(session.get("DnsName")),
        "GameSessionData": _text(session.get("GameSessionData")),
        "MatchmakerData": _text(session.get("MatchmakerData")),
        "GameProperties": properties_map(session.get("GameProperties")),
    }


def create_game_session(session: Mapping[str, Any]) -> Frame:
    """The CreateGameSession push: ``GameSessionName`` (not ``Name``); no FleetId (the SDK fills in its own)."""
    return {
        "Action": CREATE_GAME_SESSION,
        "StatusCode": OK,
        "GameSessionId": _text(session.get("GameSessionId")),
        "GameSessionName": _text(session.get("Name")),
        "GameSessionData": _text(session.get("GameSessionData")),
        "MatchmakerData": _text(session.get("MatchmakerData")),
        "DnsName": _text(session.get("DnsName")),
        "IpAddress": _text(session.get("IpAddress")),
        "MaximumPlayerSessionCount": int(session.get("MaximumPlayerSessionCount") or 0),
        "Port": int(session.get("Port") or 0),
        "GameProperties": properties_map(session.get("GameProperties")),
    }


def update_game_session(update: Mapping[str, Any]) -> Frame:
    """The UpdateGameSession push from ``{"GameSession": <model shape>, "UpdateReason", "BackfillTicketId"}``."""
    return {
        "Action": UPDATE_GAME_SESSION,
        "StatusCode": OK,
        "GameSession": wire_game_session(update.get("GameSession") or {}),
        "UpdateReason": _text(update.get("UpdateReason")) or "UNKNOWN",
        "BackfillTicketId": _text(update.get("BackfillTicketId")),
    }


def terminate_process(termination_time: float) -> Frame:
    """TerminationTime is epoch milliseconds on the wire."""
    return {"Action": TERMINATE_PROCESS, "StatusCode": OK, "TerminationTime": epoch_ms(termination_time)}


def refresh_connection(endpoint: str, auth_token: str) -> Frame:
    return {
        "Action": REFRESH_CONNECTION,
        "StatusCode": OK,
        "RefreshConnectionEndpoint": endpoint,
        "AuthToken": auth_token,
    }


def wire_player_session(session: Mapping[str, Any]) -> Frame:
    """A model-shaped PlayerSession as DescribePlayerSessions returns it to the SDK (times in epoch ms)."""
    frame: Frame = {
        "PlayerId": _text(session.get("PlayerId")),
        "PlayerSessionId": _text(session.get("PlayerSessionId")),
        "GameSessionId": _text(session.get("GameSessionId")),
        "FleetId": _text(session.get("FleetId")),
        "PlayerData": _text(session.get("PlayerData")),
        "IpAddress": _text(session.get("IpAddress")),
        "DnsName": _text(session.get("DnsName")),
        "Port": int(session.get("Port") or 0),
        "Status": _text(session.get("Status")),
        "CreationTime": epoch_ms(session.get("CreationTime")) or 0,
        "TerminationTime": epoch_ms(session.get("TerminationTime")) or 0,
    }
    return frame
