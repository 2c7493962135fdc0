"""What the SDK remembers between calls, and the local rules that refuse a call before anything is sent.

The official SDKs answer several calls from local state alone (GetGameSessionId, GetTerminationTime) and refuse others
locally (ActivateGameSession before ProcessReady or before a game session arrived). Keeping that state and those
checks here, with no I/O, lets them be tested as plain functions and keeps the API module a thin sequence of
"check, send, record".
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .errors import (
    BadRequestException,
    GameLiftServerNotInitialized,
    GameSessionIdNotSet,
    ProcessNotReady,
    TerminationTimeNotSet,
)
from .models import GameSession, GetFleetRoleCredentialsResult

# Cached fleet role credentials are reused while they have more than this left (Go InstanceRoleCredentialTTL).
ROLE_CREDENTIALS_REFRESH_MARGIN_MS = 15 * 60 * 1000

NOT_ON_MANAGED_EC2 = "Fleet role credentials only available for servers hosted on managed fleet."


@dataclass
class SdkState:
    initialized: bool = False
    ready: bool = False
    process_id: str = ""
    host_id: str = ""
    fleet_id: str = ""
    game_session_id: str = ""
    termination_time_ms: int | None = None
    # Until a GetFleetRoleCredentials reply comes back empty (the service's way of saying "not a managed EC2
    # fleet"), the SDK assumes it is on one; after that it refuses the call locally, as all official SDKs do.
    on_managed_ec2: bool = True
    role_credentials: dict[str, GetFleetRoleCredentialsResult] = field(default_factory=dict)

    # --- transitions ------------------------------------------------------------------------------------------------

    def initialize(self, process_id: str, host_id: str, fleet_id: str) -> None:
        self.initialized = True
        self.process_id, self.host_id, self.fleet_id = process_id, host_id, fleet_id

    def mark_ready(self) -> None:
        self.ready = True

    def mark_not_ready(self) -> bool:
        """Leave the ready state (process_ending, destroy); True if the process was ready."""
        was, self.ready = self.ready, False
        return was

    def reset(self) -> None:
        """destroy(): forget everything, so init_sdk() may be called again."""
        self.__init__()  # type: ignore[misc]

    def start_game_session(self, session: GameSession) -> bool:
        """A CreateGameSession push arrived. Fill in the fleet, bind the session; False if it must be ignored.

        A push that reaches a process which has not completed ProcessReady is dropped, as in Go and C++: the
        service should not place sessions there, and the callbacks are not registered yet.
        """
        session.fleet_id = self.fleet_id
        if not self.ready:
            return False
        self.game_session_id = session.game_session_id
        return True

    def update_game_session(self, session: GameSession) -> bool:
        session.fleet_id = session.fleet_id or self.fleet_id
        return self.ready

    def terminate(self, termination_time_ms: int) -> None:
        self.termination_time_ms = termination_time_ms or None

    # --- local answers and preconditions --------------------------------------------------------------------------

    def require_initialized(self) -> None:
        if not self.initialized:
            raise GameLiftServerNotInitialized()

    def require_ready(self) -> None:
        self.require_initialized()
        if not self.ready:
            raise ProcessNotReady()

    def require_game_session(self) -> str:
        """The bound game session for calls that act on it; refuses unless ready and bound."""
        self.require_ready()
        if not self.game_session_id:
            raise GameSessionIdNotSet()
        return self.game_session_id

    def termination_time_seconds(self) -> int:
        """Epoch seconds, as Go returns it (the push carries milliseconds)."""
        if not self.termination_time_ms:
            raise TerminationTimeNotSet()
        return self.termination_time_ms // 1000

    def require_managed_ec2(self) -> None:
        if not self.on_managed_ec2:
            raise BadRequestException(NOT_ON_MANAGED_EC2)

    def cached_role_credentials(self, role_arn: str, now_ms: int) -> GetFleetRoleCredentialsResult | None:
        cached = self.role_credentials.get(role_arn)
        if cached is None:
            return None
        if cached.expiration_ms - now_ms > ROLE_CREDENTIALS_REFRESH_MARGIN_MS:
            return cached
        del self.role_credentials[role_arn]
        return None

    def record_role_credentials(self, role_arn: str, result: GetFleetRoleCredentialsResult) -> None:
        """Cache a reply; an empty AccessKeyId latches "not managed EC2" and raises, as the official SDKs do."""
        if not result.access_key_id:
            self.on_managed_ec2 = False
            raise BadRequestException(NOT_ON_MANAGED_EC2)
        self.role_credentials[role_arn] = result
