"""What a game server passes in: where and as whom to connect (ServerParameters), and how it wants to be called
back (ProcessParameters), plus the environment-variable rules every official SDK applies to the former."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from .models import GameSession, UpdateGameSession

# Environment variables, as set by the GameLift Agent (Anywhere and managed EC2), container fleets and
# gamelift-local's launcher. A non-empty value overrides what the code passed (Go's rule: empty means unset).
ENV_WEBSOCKET_URL = "GAMELIFT_SDK_WEBSOCKET_URL"
ENV_PROCESS_ID = "GAMELIFT_SDK_PROCESS_ID"
ENV_HOST_ID = "GAMELIFT_SDK_HOST_ID"
ENV_FLEET_ID = "GAMELIFT_SDK_FLEET_ID"
ENV_AUTH_TOKEN = "GAMELIFT_SDK_AUTH_TOKEN"
ENV_REGION = "GAMELIFT_REGION"
ENV_ACCESS_KEY = "GAMELIFT_ACCESS_KEY"
ENV_SECRET_KEY = "GAMELIFT_SECRET_KEY"
ENV_SESSION_TOKEN = "GAMELIFT_SESSION_TOKEN"
ENV_COMPUTE_TYPE = "GAMELIFT_COMPUTE_TYPE"
ENV_SDK_TOOL_NAME = "GAMELIFT_SDK_TOOL_NAME"
ENV_SDK_TOOL_VERSION = "GAMELIFT_SDK_TOOL_VERSION"

COMPUTE_TYPE_CONTAINER = "CONTAINER"
# A container fleet without an agent launches every process with this process ID; the SDK then makes up a UUID.
AGENTLESS_CONTAINER_PROCESS_ID = "ManagedResource"

_OVERRIDES = {
    "web_socket_url": ENV_WEBSOCKET_URL,
    "process_id": ENV_PROCESS_ID,
    "host_id": ENV_HOST_ID,
    "fleet_id": ENV_FLEET_ID,
    "auth_token": ENV_AUTH_TOKEN,
    "aws_region": ENV_REGION,
    "access_key": ENV_ACCESS_KEY,
    "secret_key": ENV_SECRET_KEY,
    "session_token": ENV_SESSION_TOKEN,
}


@dataclass(frozen=True)
class ServerParameters:
    """Where the service's SDK endpoint is and who this process is.

    Authenticate with ``auth_token`` (Anywhere: from GetComputeAuthToken; managed fleets: set by the Agent) or with
    ``aws_region`` + ``access_key`` + ``secret_key`` (+ ``session_token``), which signs the connection with SigV4.
    ``host_id`` is the compute name. ``process_id`` must be unique per process execution: the service refuses a
    handshake that reuses one.
    """

    web_socket_url: str = ""
    process_id: str = ""
    host_id: str = ""
    fleet_id: str = ""
    auth_token: str = ""
    aws_region: str = ""
    access_key: str = ""
    secret_key: str = ""
    session_token: str = ""

    def __repr__(self) -> str:  # never print secrets into logs
        shown = {k: v for k, v in dataclasses.asdict(self).items() if k not in {"auth_token", "secret_key",
                                                                              "session_token"}}
        hidden = [k for k in ("auth_token", "secret_key", "session_token") if getattr(self, k)]
        return f"ServerParameters({shown}, set={hidden})"


@dataclass(frozen=True)
class EffectiveServerParameters:
    """The parameters after the environment overrides and the auth-strategy rule, plus the compute type."""

    params: ServerParameters
    compute_type: str = ""


def resolve_server_parameters(
    params: ServerParameters,
    environ: Mapping[str, str],
    new_process_id: Callable[[], str] = lambda: str(uuid.uuid4()),
) -> EffectiveServerParameters:
    """Apply the official SDKs' rules, in their order.

    1. Every GAMELIFT_SDK_*/GAMELIFT_* variable that is set and non-empty replaces the passed value (Go treats an
       empty variable as unset; C# would let it blank the value; this SDK follows Go).
    2. GAMELIFT_SDK_PROCESS_ID == "ManagedResource" (agentless container fleets) means "make one up": a UUID.
    3. An auth token wins over SigV4: when one is present, region and AWS credentials are dropped before validation.
    """
    values = dataclasses.asdict(params)
    for name, variable in _OVERRIDES.items():
        override = environ.get(variable, "")
        if override:
            values[name] = override
    if environ.get(ENV_PROCESS_ID, "") == AGENTLESS_CONTAINER_PROCESS_ID:
        values["process_id"] = new_process_id()
    if values["auth_token"]:
        values.update(aws_region="", access_key="", secret_key="", session_token="")
    return EffectiveServerParameters(ServerParameters(**values), environ.get(ENV_COMPUTE_TYPE, ""))


def sdk_tool(environ: Mapping[str, str]) -> tuple[str | None, str | None]:
    """The (name, version) of a GameLift tool wrapping this SDK, reported in ActivateServerProcess when set."""
    return environ.get(ENV_SDK_TOOL_NAME) or None, environ.get(ENV_SDK_TOOL_VERSION) or None


StartGameSessionCallback = Callable[[GameSession], "Awaitable[None] | None"]
UpdateGameSessionCallback = Callable[[UpdateGameSession], "Awaitable[None] | None"]
ProcessTerminateCallback = Callable[[], "Awaitable[None] | None"]
HealthCheckCallback = Callable[[], "bool | Awaitable[bool]"]


@dataclass(frozen=True)
class LogParameters:
    """Absolute paths of files or folders the service should keep after a game session (sent as LogPaths)."""

    log_paths: list[str] = field(default_factory=list)


@dataclass(frozen=True, kw_only=True)
class ProcessParameters:
    """The callbacks GameLift invokes and the port players connect to.

    Callbacks may be plain functions or coroutine functions. Coroutine functions run as tasks on the SDK's event loop;
    plain functions run in a worker thread (the official SDKs give each callback its own thread or goroutine), so a
    slow callback never stalls heartbeats. From a plain callback, call back into the SDK with
    ``asyncio.run_coroutine_threadsafe(sdk.activate_game_session(), sdk.loop)``.

    - on_start_game_session(GameSession): a game session was placed on this process; prepare, then
      activate_game_session().
    - on_update_game_session(UpdateGameSession): matchmaker data changed (backfill).
    - on_process_terminate(): the service will stop this process (see get_termination_time()); end the game, then
      process_ending(). Without it the SDK calls process_ending() and destroy() itself and exits (0, or -1 on failure).
    - on_health_check() -> bool: asked before every heartbeat; must answer within the health-check budget (50 s) or
      the process is reported unhealthy. Without it the process reports healthy.
    """

    port: int
    log_parameters: LogParameters = field(default_factory=LogParameters)
    on_start_game_session: StartGameSessionCallback | None = None
    on_update_game_session: UpdateGameSessionCallback | None = None
    on_process_terminate: ProcessTerminateCallback | None = None
    on_health_check: HealthCheckCallback | None = None
