"""What each server SDK request does to the emulator: the dispatch table and one method per action.

Each method takes the caller's link and process and the parsed request and returns the reply's result fields (or
None). Failures are ``SdkError`` (sent back with its status) or the domain's ``GameLiftError`` (mapped by
``status_of``). Everything is checked before anything changes, as in the control plane.

Status codes the real service uses for refused SDK calls are not documented (server-sdk.md §7): the choices here are
404 for a game or player session that does not exist, 400 for everything the caller got wrong (including acting on
another process's game session), 401/403 for credentials, 409 for conflicts, 429 for limits and 500 for our bugs.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from infra.emulator.errors import (
    ConflictException,
    GameLiftError,
    InternalServiceException,
    LimitExceededException,
    NotFoundException,
    UnauthorizedException,
)
from infra.emulator.sdk_endpoint import protocol
from infra.emulator.sdk_endpoint.protocol import Request, SdkError, bad_request, not_found

if TYPE_CHECKING:
    from infra.emulator.emulator import Emulator
    from infra.emulator.fleets.processes import ServerProcess
    from infra.emulator.sdk_endpoint.connections import ProcessLink
    from infra.emulator.sdk_endpoint.service import SdkEndpointService

log = logging.getLogger("gamelift_local.sdk")

Result = dict[str, Any] | None
Handler = Callable[["ProcessLink", "ServerProcess", Request], Result]

# Temporary credentials handed out by GetFleetRoleCredentials last this long (STS's default hour).
ROLE_CREDENTIALS_SECONDS = 3600
_POLICIES = ("ACCEPT_ALL", "DENY_ALL")
_PLAYER_STATUSES = ("RESERVED", "ACTIVE", "COMPLETED", "TIMEDOUT")


def status_of(exc: GameLiftError) -> int:
    """The SDK StatusCode for a domain error (the SDKs map 400/401/403/404/409/429 to their own error types)."""
    if isinstance(exc, NotFoundException):
        return protocol.NOT_FOUND
    if isinstance(exc, ConflictException):
        return protocol.CONFLICT
    if isinstance(exc, UnauthorizedException):
        return protocol.UNAUTHORIZED
    if isinstance(exc, LimitExceededException) or exc.code == "ThrottlingException":
        return protocol.TOO_MANY_REQUESTS
    if isinstance(exc, InternalServiceException):
        return protocol.INTERNAL_ERROR
    return protocol.BAD_REQUEST


class SdkActions:
    def __init__(self, emulator: Emulator, service: SdkEndpointService) -> None:
        self.emulator = emulator
        self.service = service
        self.table: dict[str, Handler] = {
            protocol.ACTIVATE_SERVER_PROCESS: self.activate_server_process,
            protocol.HEARTBEAT_SERVER_PROCESS: self.heartbeat_server_process,
            protocol.ACTIVATE_GAME_SESSION: self.activate_game_session,
            protocol.UPDATE_PLAYER_SESSION_CREATION_POLICY: self.update_player_session_creation_policy,
            protocol.ACCEPT_PLAYER_SESSION: self.accept_player_session,
            protocol.REMOVE_PLAYER_SESSION: self.remove_player_session,
            protocol.DESCRIBE_PLAYER_SESSIONS: self.describe_player_sessions,
            protocol.START_MATCH_BACKFILL: self.start_match_backfill,
            protocol.STOP_MATCH_BACKFILL: self.stop_match_backfill,
            protocol.GET_COMPUTE_CERTIFICATE: self.get_compute_certificate,
            protocol.GET_FLEET_ROLE_CREDENTIALS: self.get_fleet_role_credentials,
            protocol.TERMINATE_SERVER_PROCESS: self.terminate_server_process,
        }
        assert set(self.table) == protocol.REQUEST_ACTIONS

    def dispatch(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        return self.table[request.action](link, process, request)

    # -- process lifecycle ---------------------------------------------------------------------------------------
    def activate_server_process(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        """ProcessReady: the process listens on Port and keeps its logs in LogPaths; it may now host a session."""
        if link.ending or process.termination_time is not None:
            raise bad_request(f"Process {process.process_id} is terminating; it can no longer become ready")
        port = request.integer("Port")
        if port is not None and not 1 <= port <= 65535:
            raise bad_request(f"Port {port} is not a valid port (1-65535)")
        log_paths = request.strings("LogPaths")
        link.sdk_version = request.text("SdkVersion") or link.sdk_version
        link.sdk_language = request.text("SdkLanguage") or link.sdk_language
        self.service.process_activated(link, process, port, log_paths)
        return None

    def heartbeat_server_process(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        self.service.heartbeat(link, process, request.flag("HealthStatus"))
        return None

    def terminate_server_process(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        """ProcessEnding: the process's game session ends now; the process is expected to exit."""
        self.service.process_ending(link, process)
        return None

    # -- game sessions ---------------------------------------------------------------------------------------------
    def _own_session(self, process: ServerProcess, game_session_id: str) -> Any:
        """The game session, checked to exist (404) and to be the one this process hosts (400)."""
        session = self.emulator.game_sessions.find(game_session_id)
        if session is None:
            raise not_found(f"Game session {game_session_id} not found.")
        if process.game_session_id != session.game_session_id:
            raise bad_request(
                f"Game session {game_session_id} is not hosted by process {process.process_id}; a server process "
                "can act only on the game session it was given"
            )
        return session

    def activate_game_session(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        game_session_id = request.require_text("GameSessionId")
        self._own_session(process, game_session_id)
        self.emulator.game_sessions.activate(game_session_id)
        return None

    def update_player_session_creation_policy(
        self, link: ProcessLink, process: ServerProcess, request: Request
    ) -> Result:
        game_session_id = request.require_text("GameSessionId")
        policy = request.require_text("PlayerSessionPolicy")
        if policy not in _POLICIES:
            raise bad_request(f"PlayerSessionPolicy must be ACCEPT_ALL or DENY_ALL, not {policy!r}")
        self._own_session(process, game_session_id)
        self.emulator.player_sessions.update_creation_policy(game_session_id, policy)
        return None

    # -- player sessions -----------------------------------------------------------------------------------------
    def accept_player_session(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        game_session_id = request.require_text("GameSessionId")
        player_session_id = request.require_text("PlayerSessionId")
        self._own_session(process, game_session_id)
        self.emulator.player_sessions.accept(game_session_id, player_session_id)
        return None

    def remove_player_session(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        game_session_id = request.require_text("GameSessionId")
        player_session_id = request.require_text("PlayerSessionId")
        self._own_session(process, game_session_id)
        self.emulator.player_sessions.remove(game_session_id, player_session_id)
        return None

    def describe_player_sessions(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        """Exactly one of GameSessionId, PlayerId, PlayerSessionId; only the caller's fleet is visible."""
        game_session_id = request.text("GameSessionId")
        player_id = request.text("PlayerId")
        player_session_id = request.text("PlayerSessionId")
        status = request.text("PlayerSessionStatusFilter")
        if sum(v is not None for v in (game_session_id, player_id, player_session_id)) != 1:
            raise bad_request("Specify exactly one of GameSessionId, PlayerId or PlayerSessionId")
        if status is not None and status not in _PLAYER_STATUSES:
            raise bad_request(f"PlayerSessionStatusFilter must be one of {', '.join(_PLAYER_STATUSES)}")
        limit = request.integer("Limit")
        if limit is not None and limit < 1:
            raise bad_request("Limit must be positive")
        if game_session_id is not None:
            session = self.emulator.game_sessions.find(game_session_id)
            if session is None or session.fleet_id != process.fleet_id:
                raise not_found(f"Game session {game_session_id} not found.")
        sessions, token = self.emulator.player_sessions.describe(
            game_session_id=game_session_id,
            player_session_id=player_session_id,
            player_id=player_id,
            status_filter=status,
            limit=limit,
            next_token=request.text("NextToken"),
        )
        visible = [s for s in sessions if s.fleet_id == process.fleet_id]
        if player_session_id is not None and not visible:
            raise not_found(f"Player session {player_session_id} not found.")
        return {"PlayerSessions": [protocol.wire_player_session(s.to_api()) for s in visible], "NextToken": token}

    # -- FlexMatch backfill -------------------------------------------------------------------------------------
    def _matchmaker(self, action: str) -> Any:
        matchmaker = getattr(self.emulator, "matchmaking", None)
        method = getattr(matchmaker, "start_match_backfill" if action == "start" else "stop_match_backfill", None)
        if method is None:
            raise bad_request(
                "Match backfill is not supported by gamelift-local yet: FlexMatch matchmaking is not implemented, "
                "so there is no matchmaking configuration to backfill with"
            )
        return method

    def start_match_backfill(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        game_session_arn = request.require_text("GameSessionArn")
        configuration_arn = request.require_text("MatchmakingConfigurationArn")
        players = request.objects("Players")
        if not players:
            raise bad_request("Players must list the game session's current players")
        self._own_session(process, game_session_arn)
        ticket_id = self._matchmaker("start")(
            game_session_arn=game_session_arn,
            configuration_arn=configuration_arn,
            ticket_id=request.text("TicketId"),
            players=players,
        )
        return {"TicketId": ticket_id}

    def stop_match_backfill(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        game_session_arn = request.require_text("GameSessionArn")
        configuration_arn = request.require_text("MatchmakingConfigurationArn")
        ticket_id = request.require_text("TicketId")
        self._own_session(process, game_session_arn)
        self._matchmaker("stop")(
            game_session_arn=game_session_arn, configuration_arn=configuration_arn, ticket_id=ticket_id
        )
        return None

    # -- compute ---------------------------------------------------------------------------------------------------
    def get_compute_certificate(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        """Managed fleets created with CertificateConfiguration GENERATED get a certificate (one per fleet, in a
        directory of PEM files, as the service installs it); Anywhere computes return what RegisterCompute gave."""
        fleet = self.emulator.fleets.get(process.fleet_id)
        if fleet.is_anywhere:
            return {"CertificatePath": self.service.compute_certificate_path(fleet.fleet_id, process.compute_name),
                    "ComputeName": process.compute_name}
        kind = (fleet.certificate_configuration or {}).get("CertificateType", "DISABLED")
        if kind != "GENERATED":
            # UNCONFIRMED: the real service's answer for a fleet without a generated certificate.
            raise bad_request(
                f"Fleet {fleet.fleet_id} has no TLS certificate: create it with CertificateConfiguration "
                "{CertificateType: GENERATED}"
            )
        directory: Path = self.service.fleet_certificate(fleet.fleet_id)
        return {"CertificatePath": str(directory), "ComputeName": process.compute_name}

    def get_fleet_role_credentials(self, link: ProcessLink, process: ServerProcess, request: Request) -> Result:
        """Managed fleets: STS-shaped credentials for the fleet's instance role. Anywhere: a 200 with every field
        empty, which is how the SDKs learn they are not on managed EC2 (they then fail later calls locally)."""
        role_arn = request.require_text("RoleArn")
        fleet = self.emulator.fleets.get(process.fleet_id)
        if fleet.is_anywhere:
            return {
                "AssumedRoleUserArn": "",
                "AssumedRoleId": "",
                "AccessKeyId": "",
                "SecretAccessKey": "",
                "SessionToken": "",
                "Expiration": 0,
            }
        if not fleet.instance_role_arn:
            raise bad_request(f"Fleet {fleet.fleet_id} was created without an InstanceRoleArn")
        if role_arn != fleet.instance_role_arn:
            # UNCONFIRMED: that only the fleet's own instance role can be assumed this way.
            raise bad_request(f"RoleArn {role_arn} is not the instance role of fleet {fleet.fleet_id}")
        session_name = request.text("RoleSessionName") or f"{fleet.fleet_id}-{process.compute_name}"[:64]
        source = self.emulator.ids.source
        role_name = role_arn.rsplit("/", 1)[-1]
        expiration = self.emulator.clock.now() + ROLE_CREDENTIALS_SECONDS
        return {
            "AssumedRoleUserArn": f"arn:aws:sts::{self.emulator.config.account_id}:assumed-role/{role_name}/"
            f"{session_name}",
            "AssumedRoleId": f"AROA{source.hex(17).upper()}:{session_name}",
            "AccessKeyId": "ASIA" + source.hex(16).upper(),
            "SecretAccessKey": source.hex(40),
            "SessionToken": source.hex(64),
            "Expiration": protocol.epoch_ms(expiration),
        }


def check_error(exc: Exception) -> SdkError:
    """Any failure of a request as the SdkError to answer it with."""
    if isinstance(exc, SdkError):
        return exc
    if isinstance(exc, GameLiftError):
        return SdkError(status_of(exc), exc.message)
    return SdkError(protocol.INTERNAL_ERROR, "gamelift-local failed while handling this request; see its log")
