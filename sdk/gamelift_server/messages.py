"""The frames of the SDK <-> service WebSocket protocol: their shapes, and how an inbound frame is routed.

Every frame is one JSON object in a text frame. A request from the SDK is ``{"Action": ..., "RequestId": ...,
<fields>}``; the service answers with the same Action and RequestId, an integer ``StatusCode`` (200 = success), an
optional ``ErrorMessage``, and the result fields flattened next to them (never wrapped in a "Data" object). The service
also pushes frames nobody asked for (CreateGameSession, UpdateGameSession, TerminateProcess, RefreshConnection).

Routing (:func:`classify`) follows the official SDKs exactly (Go ``websocket_client.go readHandler``):

1. a frame with a RequestId and a StatusCode other than 200 (a missing one included) is a failed reply;
2. otherwise a frame whose Action is a push action is a push (so a push carries no RequestId, or StatusCode 200);
3. otherwise it is a successful reply, delivered by RequestId.

Nothing here does I/O; the builders return dicts and the parsers take the decoded text.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import orjson

from . import wire
from .errors import OK
from .models import (
    DescribePlayerSessionsRequest,
    DescribePlayerSessionsResult,
    GameSession,
    GetComputeCertificateResult,
    GetFleetRoleCredentialsRequest,
    GetFleetRoleCredentialsResult,
    PlayerSessionCreationPolicy,
    StartMatchBackfillRequest,
    StartMatchBackfillResult,
    StopMatchBackfillRequest,
    UpdateGameSession,
)


class Action(StrEnum):
    # SDK -> service requests (each gets a reply)
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
    # service -> SDK pushes (no reply)
    CREATE_GAME_SESSION = "CreateGameSession"
    UPDATE_GAME_SESSION = "UpdateGameSession"
    TERMINATE_PROCESS = "TerminateProcess"
    REFRESH_CONNECTION = "RefreshConnection"


PUSH_ACTIONS = frozenset(
    {Action.CREATE_GAME_SESSION, Action.UPDATE_GAME_SESSION, Action.REFRESH_CONNECTION, Action.TERMINATE_PROCESS}
)

Frame = dict[str, Any]


def new_request_id() -> str:
    return str(uuid.uuid4())


def encode(frame: Frame) -> str:
    return json.dumps(frame, separators=(",", ":"))


def encode_bytes(frame: Frame) -> bytes:
    """The frame as the UTF-8 JSON a text frame carries, in one C call (the request hot path)."""
    return orjson.dumps(frame)


def request_frame(action: Action, request_id: str, fields: dict[str, Any] | None = None) -> Frame:
    return {"Action": action.value, "RequestId": request_id, **(fields or {})}


# --- request bodies (fields besides Action and RequestId) -----------------------------------------------------------


def activate_server_process(
    sdk_version: str, sdk_language: str, port: int, log_paths: list[str],
    sdk_tool_name: str | None = None, sdk_tool_version: str | None = None,
) -> dict[str, Any]:
    """ProcessReady: this process listens on ``port`` and can host a game session; keep ``log_paths`` afterwards."""
    return wire.drop_empty({
        "SdkVersion": sdk_version,
        "SdkLanguage": sdk_language,
        "SdkToolName": sdk_tool_name,
        "SdkToolVersion": sdk_tool_version,
        "Port": port,
        "LogPaths": list(log_paths),
    })


def heartbeat_server_process(healthy: bool) -> dict[str, Any]:
    """The periodic liveness report; HealthStatus is always present, false included."""
    return {"HealthStatus": bool(healthy)}


def activate_game_session(game_session_id: str) -> dict[str, Any]:
    return {"GameSessionId": game_session_id}


def update_player_session_creation_policy(game_session_id: str, policy: PlayerSessionCreationPolicy) -> dict[str, Any]:
    return {"GameSessionId": game_session_id, "PlayerSessionPolicy": policy.value}


def player_session(game_session_id: str, player_session_id: str) -> dict[str, Any]:
    """The body of AcceptPlayerSession and RemovePlayerSession."""
    return {"GameSessionId": game_session_id, "PlayerSessionId": player_session_id}


def describe_player_sessions(request: DescribePlayerSessionsRequest) -> dict[str, Any]:
    return request.to_wire()


def start_match_backfill(request: StartMatchBackfillRequest) -> dict[str, Any]:
    return request.to_wire()


def stop_match_backfill(request: StopMatchBackfillRequest) -> dict[str, Any]:
    return request.to_wire()


def get_fleet_role_credentials(request: GetFleetRoleCredentialsRequest) -> dict[str, Any]:
    return request.to_wire()


# --- replies and pushes as the service writes them (for fakes and for the emulator's endpoint) ----------------------


def reply_frame(request: Frame, status_code: int = OK, error_message: str | None = None, **result: Any) -> Frame:
    """The answer to ``request``: same Action and RequestId, the StatusCode, and the result fields flattened."""
    frame: Frame = {"Action": request.get("Action"), "RequestId": request.get("RequestId"), "StatusCode": status_code}
    if error_message is not None:
        frame["ErrorMessage"] = error_message
    frame.update(result)
    return frame


def create_game_session_push(session: GameSession) -> Frame:
    """CreateGameSession names the session ``GameSessionName`` (not ``Name``) and never carries FleetId/Location."""
    return {
        "Action": Action.CREATE_GAME_SESSION.value,
        "StatusCode": OK,
        "GameSessionId": session.game_session_id,
        "GameSessionName": session.name,
        "GameSessionData": session.game_session_data,
        "MatchmakerData": session.matchmaker_data,
        "DnsName": session.dns_name,
        "IpAddress": session.ip_address,
        "MaximumPlayerSessionCount": session.maximum_player_session_count,
        "Port": session.port,
        "GameProperties": dict(session.game_properties),
    }


def update_game_session_push(update: UpdateGameSession) -> Frame:
    return {"Action": Action.UPDATE_GAME_SESSION.value, "StatusCode": OK, **update.to_wire()}


def terminate_process_push(termination_time_ms: int) -> Frame:
    return {"Action": Action.TERMINATE_PROCESS.value, "StatusCode": OK, "TerminationTime": termination_time_ms}


def refresh_connection_push(endpoint: str, auth_token: str) -> Frame:
    return {"Action": Action.REFRESH_CONNECTION.value, "StatusCode": OK, "RefreshConnectionEndpoint": endpoint,
            "AuthToken": auth_token}


# --- inbound routing ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """The answer to one of our requests. ``status_code`` is None when the frame had none (which counts as failure)."""

    request_id: str
    action: str
    status_code: int | None
    error_message: str | None
    body: Frame = field(repr=False)

    @property
    def ok(self) -> bool:
        return self.status_code == OK


@dataclass(frozen=True)
class Push:
    action: Action
    body: Frame = field(repr=False)


@dataclass(frozen=True)
class Unusable:
    """A frame no one can act on (not JSON, not an object, neither a reply nor a push); logged and dropped."""

    reason: str


Inbound = Reply | Push | Unusable


def classify(text: str | bytes) -> Inbound:
    if isinstance(text, bytes):
        return Unusable("binary frame")  # Go and C# ignore binary frames; the service never sends them
    try:
        frame = orjson.loads(text)
    except ValueError:
        return Unusable("not JSON")
    if not isinstance(frame, dict):
        return Unusable("not a JSON object")
    action = frame.get("Action")
    action = action if isinstance(action, str) else ""
    request_id = frame.get("RequestId")
    request_id = request_id if isinstance(request_id, str) else ""
    raw_status = frame.get("StatusCode")
    status = raw_status if isinstance(raw_status, int) and not isinstance(raw_status, bool) else None
    error_message = frame.get("ErrorMessage")
    error_message = error_message if isinstance(error_message, str) and error_message else None
    if request_id and status != OK:
        return Reply(request_id, action, status, error_message, frame)
    if action in PUSH_ACTIONS:
        return Push(Action(action), frame)
    if request_id:
        return Reply(request_id, action, status, error_message, frame)
    return Unusable(f"no RequestId and not a push (Action={action!r})")


# --- push payloads --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CreateGameSessionPush:
    game_session: GameSession


@dataclass(frozen=True)
class UpdateGameSessionPush:
    update: UpdateGameSession


@dataclass(frozen=True)
class TerminateProcessPush:
    """When the process will be stopped, epoch milliseconds (0 when the service did not say)."""

    termination_time_ms: int


@dataclass(frozen=True)
class RefreshConnectionPush:
    """Reconnect to ``endpoint`` presenting ``auth_token``: the service rotates sockets and tokens this way."""

    endpoint: str
    auth_token: str


PushPayload = CreateGameSessionPush | UpdateGameSessionPush | TerminateProcessPush | RefreshConnectionPush


def parse_push(push: Push) -> PushPayload:
    body = push.body
    if push.action is Action.CREATE_GAME_SESSION:
        return CreateGameSessionPush(GameSession.from_wire(body))
    if push.action is Action.UPDATE_GAME_SESSION:
        return UpdateGameSessionPush(UpdateGameSession.from_wire(body))
    if push.action is Action.TERMINATE_PROCESS:
        return TerminateProcessPush(wire.integer(body, "TerminationTime"))
    return RefreshConnectionPush(wire.text(body, "RefreshConnectionEndpoint"), wire.text(body, "AuthToken"))


# --- reply payloads -------------------------------------------------------------------------------------------------

RESULT_PARSERS = {
    Action.DESCRIBE_PLAYER_SESSIONS: DescribePlayerSessionsResult.from_wire,
    Action.START_MATCH_BACKFILL: StartMatchBackfillResult.from_wire,
    Action.GET_COMPUTE_CERTIFICATE: GetComputeCertificateResult.from_wire,
    Action.GET_FLEET_ROLE_CREDENTIALS: GetFleetRoleCredentialsResult.from_wire,
}
