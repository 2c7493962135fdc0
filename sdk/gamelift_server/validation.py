"""Client-side validation, with the official SDKs' patterns, limits and messages (Go ``server/validation.go``).

Checks run before anything is sent so a bad argument fails fast with :class:`ValidationException` and never costs a
round trip. Patterns are the official ones verbatim; they are matched against the whole string, ASCII-only, as Go's
regexp does (Python's ``\\w`` and ``$`` would otherwise accept Unicode letters and a trailing newline).
"""

from __future__ import annotations

import re

from .errors import ValidationException
from .models import (
    DescribePlayerSessionsRequest,
    GetFleetRoleCredentialsRequest,
    PlayerSessionCreationPolicy,
    StartMatchBackfillRequest,
    StopMatchBackfillRequest,
)
from .parameters import COMPUTE_TYPE_CONTAINER, ProcessParameters, ServerParameters


def _pattern(source: str) -> re.Pattern[str]:
    return re.compile(source, re.ASCII)


GUID = _pattern(r"^[a-zA-Z0-9.-]+$")
COMPUTE_ID = _pattern(r"^[a-zA-Z0-9\-]+(\/[a-zA-Z0-9\-]+)?$")
ARN = _pattern(r"^[a-zA-Z0-9:/-]+$")
PLAYER_SESSION_STATUS_FILTER = _pattern(r"^(RESERVED|ACTIVE|COMPLETED|TIMEDOUT)$")
GAMELIFT_ARN = _pattern(r"^arn:(aws|aws-cn):gamelift:([a-z]{2}-[a-z]+-\d{1}):(\d{12})?:([a-z]+)\/(.+)$")
MATCHMAKING_ID = _pattern(r"^[a-zA-Z0-9-\.]*$")
ROLE_SESSION_NAME = _pattern(r"^[\w+=,.@-]*$")

NO_LIMIT = 0
MAX_ID = 256
MAX_ARN = 256
MAX_LONG = 1024
MAX_MATCHMAKING_ID = 128
ROLE_SESSION_NAME_MAX = 64
PORT_MIN = 1
PORT_MAX = 60000


def validate_string(
    name: str,
    value: str | None,
    pattern: re.Pattern[str] | None = None,
    min_length: int = 1,
    max_length: int = NO_LIMIT,
    required: bool = True,
    pattern_message: str = "",
) -> None:
    """The official generic string check: required, then length, then pattern; an empty optional value passes."""
    if not value:
        if required:
            raise ValidationException(f"{name} is required.")
        return
    if len(value) < min_length or (max_length != NO_LIMIT and len(value) > max_length):
        if max_length == NO_LIMIT:
            raise ValidationException(f"{name} is invalid. Length must be at least {min_length} characters.")
        raise ValidationException(
            f"{name} is invalid. Length must be between {min_length} and {max_length} characters."
        )
    if pattern is not None and not pattern.fullmatch(value):
        raise ValidationException(pattern_message or f"{name} is invalid. Must match the pattern: {pattern.pattern}.")


def validate_server_parameters(params: ServerParameters, compute_type: str = "") -> None:
    """Exactly one auth strategy, then the fields that strategy needs (call after resolve_server_parameters)."""
    container = compute_type == COMPUTE_TYPE_CONTAINER
    options = "AuthToken or AwsRegion" if container else "AuthToken or AwsRegion and AwsCredentials"
    if params.auth_token and params.aws_region:
        raise ValidationException(
            f"Failed to provide a valid authorization strategy: Only one of {options} can be provided at once"
        )
    if not params.auth_token and not params.aws_region:
        raise ValidationException(f"Failed to provide a valid authorization strategy: Either {options} are required")
    validate_string("WebSocketURL", params.web_socket_url)
    validate_string("ProcessID", params.process_id)
    validate_string("FleetID", params.fleet_id, GUID, 1, MAX_ID)
    if params.auth_token or not container:  # a container's host ID comes from the task metadata instead
        validate_string("HostID", params.host_id, COMPUTE_ID, 1, MAX_ID)
    if not params.auth_token and not container and (not params.access_key or not params.secret_key):
        raise ValidationException(
            "Failed to provide a valid authorization strategy: AccessKey and SecretKey are required"
        )


def validate_process_parameters(params: ProcessParameters) -> None:
    if isinstance(params.port, bool) or not isinstance(params.port, int) or not PORT_MIN <= params.port <= PORT_MAX:
        raise ValidationException(f"Port must be between {PORT_MIN} and {PORT_MAX}")


def validate_player_session_creation_policy(policy: PlayerSessionCreationPolicy | str) -> PlayerSessionCreationPolicy:
    if policy not in (PlayerSessionCreationPolicy.ACCEPT_ALL, PlayerSessionCreationPolicy.DENY_ALL):
        raise ValidationException("Player session creation policy must be one of [ACCEPT_ALL, DENY_ALL]")
    return PlayerSessionCreationPolicy(policy)


def validate_player_session_id(player_session_id: str) -> None:
    validate_string("PlayerSessionID", player_session_id, GUID, 1, MAX_ID)


def validate_describe_player_sessions_request(request: DescribePlayerSessionsRequest) -> None:
    given = [bool(request.game_session_id), bool(request.player_session_id), bool(request.player_id)]
    if sum(given) != 1:
        raise ValidationException("Exactly one of GameSessionId, PlayerSessionId, or PlayerId is required")
    validate_string("GameSessionID", request.game_session_id, ARN, 1, MAX_ARN, False,
                    "GameSessionID is invalid. Invalid ARN format.")
    validate_string("PlayerSessionID", request.player_session_id, None, 1, MAX_LONG, False)
    validate_string("PlayerID", request.player_id, None, 1, MAX_LONG, False)
    status = request.player_session_status_filter
    validate_string("PlayerSessionStatusFilter", str(status) if status else None, PLAYER_SESSION_STATUS_FILTER, 1,
                    MAX_LONG, False, "PlayerSessionStatusFilter must be one of [RESERVED, ACTIVE, COMPLETED, TIMEDOUT]")
    if request.limit is not None and (isinstance(request.limit, bool) or request.limit < 1):
        # Not checked by Go (it omits Limit 0); refusing it here beats sending a request the service rejects.
        raise ValidationException("Limit must be at least 1")


def validate_start_match_backfill_request(request: StartMatchBackfillRequest) -> None:
    validate_string("GameSessionArn", request.game_session_arn, ARN, 1, MAX_ARN, True,
                    "GameSessionArn is invalid. Invalid ARN format.")
    validate_string("MatchmakingConfigurationArn", request.matchmaking_configuration_arn, GAMELIFT_ARN, 1, MAX_ARN,
                    True, "MatchmakingConfigurationArn is invalid. Invalid GameLift ARN format.")
    validate_string("TicketID", request.ticket_id, MATCHMAKING_ID, 1, MAX_MATCHMAKING_ID, False)
    if not request.players:
        raise ValidationException("Players cannot be empty.")


def validate_stop_match_backfill_request(request: StopMatchBackfillRequest) -> None:
    validate_string("GameSessionArn", request.game_session_arn, GAMELIFT_ARN, 1, MAX_ARN, True,
                    "GameSessionArn is invalid. Invalid GameLift ARN format.")
    validate_string("MatchmakingConfigurationArn", request.matchmaking_configuration_arn, GAMELIFT_ARN, 1, NO_LIMIT,
                    True, "MatchmakingConfigurationArn is invalid. Invalid GameLift ARN format.")
    validate_string("TicketID", request.ticket_id, MATCHMAKING_ID, 1, MAX_MATCHMAKING_ID, True)


def validate_get_fleet_role_credentials_request(request: GetFleetRoleCredentialsRequest) -> None:
    validate_string("RoleArn", request.role_arn, ARN, 1, MAX_ARN, True, "RoleArn is invalid. Invalid ARN format.")
    validate_string("RoleSessionName", request.role_session_name, ROLE_SESSION_NAME, 2, ROLE_SESSION_NAME_MAX, True)


def default_role_session_name(fleet_id: str, host_id: str) -> str:
    """The official default: "<FleetId>-<HostId>", cut to the 64-character limit."""
    return f"{fleet_id}-{host_id}"[:ROLE_SESSION_NAME_MAX]
