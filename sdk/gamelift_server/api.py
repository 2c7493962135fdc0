"""The GameLift Server SDK 5 API, asyncio-first: :class:`GameLiftServerSdk` and module-level functions bound to a
default instance (the official SDKs' static API).

A game server's life, and the frames each call exchanges (see :mod:`.messages` for the shapes):

1. ``await init_sdk(ServerParameters(...))`` or ``await init_sdk_from_environment()`` opens the WebSocket.
2. ``await process_ready(ProcessParameters(port=..., on_start_game_session=..., ...))`` sends
   ActivateServerProcess; from then on the SDK sends HeartbeatServerProcess every 60 ± 10 s.
3. The service pushes CreateGameSession; the SDK binds the session ID and calls on_start_game_session, which prepares
   the game and calls ``await activate_game_session()``.
4. Per connecting player: ``await accept_player_session(player_session_id)``; on leave ``remove_player_session``.
5. The service pushes TerminateProcess (or the game is over): ``await process_ending()``, ``await destroy()``, exit.

Calls that act on the service wait for its reply (20 s; ActivateServerProcess 6 s) and raise the mapped
:class:`.GameLiftError` on failure. Local preconditions are checked first (see :mod:`.state`), then parameters
(see :mod:`.validation`); a refused call sends nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import inspect
import logging
import os
import random
import time
from collections.abc import Callable, Coroutine, Mapping
from typing import Any

from . import handshake, messages
from .correlation import PendingRequests, RequestIds, TimeoutCounter
from .errors import (
    AlreadyInitialized,
    BadRequestException,
    GameLiftError,
    GameLiftServerNotInitialized,
    ProcessEndingFailed,
    ProcessNotReady,
    ServiceCallFailed,
    UnsupportedComputeTypeException,
)
from .messages import Action, Push, Reply, Unusable
from .models import (
    DescribePlayerSessionsRequest,
    DescribePlayerSessionsResult,
    GetComputeCertificateResult,
    GetFleetRoleCredentialsRequest,
    GetFleetRoleCredentialsResult,
    PlayerSessionCreationPolicy,
    StartMatchBackfillRequest,
    StartMatchBackfillResult,
    StopMatchBackfillRequest,
)
from .parameters import COMPUTE_TYPE_CONTAINER, ProcessParameters, ServerParameters, resolve_server_parameters, sdk_tool
from .state import SdkState
from .timing import Timings
from .transport import Transport
from .validation import (
    default_role_session_name,
    validate_describe_player_sessions_request,
    validate_get_fleet_role_credentials_request,
    validate_player_session_creation_policy,
    validate_player_session_id,
    validate_process_parameters,
    validate_server_parameters,
    validate_start_match_backfill_request,
    validate_stop_match_backfill_request,
)

log = logging.getLogger("gamelift_server")

# The protocol level this SDK speaks: the Go SDK 5.6.0's. Sent as sdkVersion/SdkVersion; the service may gate
# features on it.
SDK_VERSION = "5.6.0"
# UNCONFIRMED whether the real service accepts a language it does not know (the official SDKs send Go, Cpp, CSharp).
# Pass sdk_language="Go" to GameLiftServerSdk to fall back if it does not.
SDK_LANGUAGE = "Python"
USER_AGENT = f"gamelift-python-sdk/{SDK_VERSION}"


def _exit_process(code: int) -> None:
    """Default end of a process whose game gave no on_process_terminate: like Go's os.Exit, but as SystemExit, which
    propagates out of the event loop (asyncio.run) so ``finally`` blocks and log handlers still run."""
    raise SystemExit(code)


class GameLiftServerSdk:
    """One SDK instance: one connection, one server process's state. A process normally has exactly one (the module's
    default instance); tests and tools may make several.

    Arguments beyond the official API exist for tests and odd deployments: ``timings`` (all intervals; default: the
    official ones, with Go's HEALTHCHECK_INTERVAL-style environment knobs applied), ``environ`` (where GAMELIFT_SDK_*
    variables are read; default os.environ), ``sdk_language`` (the value of sdkLanguage/SdkLanguage), ``exit_process``
    (what the default terminate handling calls), ``rng`` (heartbeat jitter) and ``now`` (wall clock for SigV4 and the
    credentials cache).
    """

    def __init__(
        self,
        *,
        timings: Timings | None = None,
        environ: Mapping[str, str] | None = None,
        sdk_language: str = SDK_LANGUAGE,
        exit_process: Callable[[int], None] = _exit_process,
        rng: random.Random | None = None,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._explicit_timings = timings
        self._environ = environ
        self.sdk_language = sdk_language
        self._exit_process = exit_process
        self._rng = rng or random.Random()
        self._now = now
        self.timings = timings or Timings()
        self.state = SdkState()
        self._pending = PendingRequests()
        self._request_ids = RequestIds()
        self._timeouts = TimeoutCounter(self.timings.timeout_reconnect_threshold)
        self._transport: Transport | None = None
        self._process_parameters: ProcessParameters | None = None
        self._heartbeat_task: asyncio.Task[None] | None = None
        self._deadline_timer: asyncio.TimerHandle | None = None
        self._heartbeats: set[asyncio.Task[None]] = set()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- introspection ------------------------------------------------------------------------------------------

    @property
    def loop(self) -> asyncio.AbstractEventLoop | None:
        """The event loop init_sdk() ran on: where plain-function callbacks send coroutines back to."""
        return self._loop

    @property
    def transport(self) -> Transport | None:
        return self._transport

    @staticmethod
    def get_sdk_version() -> str:
        return SDK_VERSION

    # --- init and teardown --------------------------------------------------------------------------------------

    async def init_sdk(self, params: ServerParameters | None = None) -> None:
        """Connect to the service's SDK endpoint. Environment variables override ``params`` (see parameters.py).

        Raises AlreadyInitialized on a second call (destroy() first), ValidationException for bad parameters, and a
        WebsocketConnectFailure (a LocalConnectionFailed) when the handshake fails after the retries. A failed call
        leaves the SDK uninitialised, so it may be retried.
        """
        if self.state.initialized:
            raise AlreadyInitialized()
        environ = os.environ if self._environ is None else self._environ
        effective = resolve_server_parameters(params or ServerParameters(), environ)
        resolved = effective.params
        validate_server_parameters(resolved, effective.compute_type)
        container = effective.compute_type == COMPUTE_TYPE_CONTAINER
        if container and not resolved.auth_token and not (resolved.access_key and resolved.secret_key
                                                          and resolved.host_id):
            raise UnsupportedComputeTypeException(
                "reading SigV4 credentials and the host ID from container metadata is not implemented by the Python "
                "SDK; set GAMELIFT_ACCESS_KEY, GAMELIFT_SECRET_KEY and GAMELIFT_SDK_HOST_ID, or use an auth token"
            )
        self.timings = self._explicit_timings or Timings().with_environment(environ)
        self._timeouts = TimeoutCounter(self.timings.timeout_reconnect_threshold)
        url = self._connection_url(resolved)
        transport = Transport(self._on_frame, self.timings, USER_AGENT)
        self._loop = asyncio.get_running_loop()
        await transport.connect(url)
        self._transport = transport
        self.state.initialize(resolved.process_id, resolved.host_id, resolved.fleet_id)
        log.info("event=sdk_initialized process_id=%s host_id=%s fleet_id=%s", resolved.process_id, resolved.host_id,
                 resolved.fleet_id)

    async def init_sdk_from_environment(self) -> None:
        """init_sdk() with everything from GAMELIFT_SDK_* variables (what the Agent and gamelift-local set)."""
        await self.init_sdk(ServerParameters())

    def _connection_url(self, params: ServerParameters) -> str:
        common = dict(process_id=params.process_id, host_id=params.host_id, fleet_id=params.fleet_id,
                      sdk_version=SDK_VERSION, sdk_language=self.sdk_language,
                      idempotency_token=handshake.new_idempotency_token())
        if params.auth_token:
            query = handshake.connection_query(**common, auth_token=params.auth_token)
        else:
            query = handshake.sigv4_connection_query(
                **common, region=params.aws_region, access_key=params.access_key, secret_key=params.secret_key,
                session_token=params.session_token or None, now=dt.datetime.fromtimestamp(self._now(), dt.UTC))
        return handshake.connection_url(params.web_socket_url, query)

    async def destroy(self) -> None:
        """Stop heartbeats, close the connection, forget all state; init_sdk() may then be called again."""
        self._stop_heartbeat()
        self._pending.fail_all(GameLiftServerNotInitialized("the SDK was destroyed"))
        if self._deadline_timer is not None:
            self._deadline_timer.cancel()
            self._deadline_timer = None
        transport, self._transport = self._transport, None
        self.state.reset()
        self._process_parameters = None
        if transport is not None:
            await transport.close()
            log.info("event=sdk_destroyed")

    # --- process lifecycle --------------------------------------------------------------------------------------

    async def process_ready(self, params: ProcessParameters) -> None:
        """Tell the service this process can host a game session; start heartbeats.

        Any failure of the exchange is raised as ProcessNotReady with the cause chained (as Go wraps it); invalid
        parameters raise ValidationException and send nothing.
        """
        self.state.require_initialized()
        if params is None:
            raise ProcessNotReady()
        validate_process_parameters(params)
        self._process_parameters = params
        tool_name, tool_version = sdk_tool(os.environ if self._environ is None else self._environ)
        body = messages.activate_server_process(SDK_VERSION, self.sdk_language, params.port,
                                                params.log_parameters.log_paths, tool_name, tool_version)
        try:
            await self._request(Action.ACTIVATE_SERVER_PROCESS, body, self.timings.activate_timeout)
        except GameLiftError as exc:
            raise ProcessNotReady(str(exc)) from exc
        self.state.mark_ready()
        log.info("event=process_ready process_id=%s port=%d", self.state.process_id, params.port)
        if self._heartbeat_task is None or self._heartbeat_task.done():
            self._heartbeat_task = self._spawn(self._heartbeat_loop(), "gamelift-heartbeat")

    async def process_ending(self) -> None:
        """Tell the service this process is shutting down; heartbeats stop once it has acknowledged."""
        self.state.require_initialized()
        try:
            await self._request(Action.TERMINATE_SERVER_PROCESS, {})
        except GameLiftError as exc:
            raise ProcessEndingFailed(str(exc)) from exc
        self._stop_heartbeat()
        self.state.mark_not_ready()
        log.info("event=process_ending process_id=%s", self.state.process_id)

    # --- game and player sessions -------------------------------------------------------------------------------

    async def activate_game_session(self) -> None:
        game_session_id = self.state.require_game_session()
        await self._request(Action.ACTIVATE_GAME_SESSION, messages.activate_game_session(game_session_id))
        log.info("event=game_session_activated game_session_id=%s", game_session_id)

    async def update_player_session_creation_policy(self, policy: PlayerSessionCreationPolicy | str) -> None:
        game_session_id = self.state.require_game_session()
        checked = validate_player_session_creation_policy(policy)
        await self._request(Action.UPDATE_PLAYER_SESSION_CREATION_POLICY,
                            messages.update_player_session_creation_policy(game_session_id, checked))

    def get_game_session_id(self) -> str:
        """The bound game session's ID, or "" when none (Go and C++; C# raises instead)."""
        return self.state.game_session_id

    def get_termination_time(self) -> int:
        """When the service will stop this process, in epoch seconds; TerminationTimeNotSet before TerminateProcess."""
        return self.state.termination_time_seconds()

    async def accept_player_session(self, player_session_id: str) -> None:
        """Validate a connecting player's session ID with the service (RESERVED -> ACTIVE); raises if it is unknown,
        timed out or already used, so the game can refuse the connection."""
        game_session_id = self.state.require_game_session()
        validate_player_session_id(player_session_id)
        await self._request(Action.ACCEPT_PLAYER_SESSION, messages.player_session(game_session_id, player_session_id))
        log.info("event=player_session_accepted game_session_id=%s player_session_id=%s", game_session_id,
                 player_session_id)

    async def remove_player_session(self, player_session_id: str) -> None:
        """A player left: the slot is freed (ACTIVE -> COMPLETED)."""
        game_session_id = self.state.require_game_session()
        validate_player_session_id(player_session_id)
        await self._request(Action.REMOVE_PLAYER_SESSION, messages.player_session(game_session_id, player_session_id))
        log.info("event=player_session_removed game_session_id=%s player_session_id=%s", game_session_id,
                 player_session_id)

    async def describe_player_sessions(self, request: DescribePlayerSessionsRequest) -> DescribePlayerSessionsResult:
        self.state.require_ready()
        if request is None:
            raise BadRequestException("DescribePlayerSessionsRequest is required.")
        validate_describe_player_sessions_request(request)
        reply = await self._request(Action.DESCRIBE_PLAYER_SESSIONS, messages.describe_player_sessions(request))
        return DescribePlayerSessionsResult.from_wire(reply.body)

    # --- FlexMatch backfill ---------------------------------------------------------------------------------------

    async def start_match_backfill(self, request: StartMatchBackfillRequest) -> StartMatchBackfillResult:
        self.state.require_ready()
        if request is None:
            raise BadRequestException("StartMatchBackfillRequest is required.")
        validate_start_match_backfill_request(request)
        reply = await self._request(Action.START_MATCH_BACKFILL, messages.start_match_backfill(request))
        return StartMatchBackfillResult.from_wire(reply.body)

    async def stop_match_backfill(self, request: StopMatchBackfillRequest) -> None:
        self.state.require_ready()
        if request is None:
            raise BadRequestException("StopMatchBackfillRequest is required.")
        validate_stop_match_backfill_request(request)
        await self._request(Action.STOP_MATCH_BACKFILL, messages.stop_match_backfill(request))

    # --- compute ------------------------------------------------------------------------------------------------------

    async def get_compute_certificate(self) -> GetComputeCertificateResult:
        self.state.require_ready()
        reply = await self._request(Action.GET_COMPUTE_CERTIFICATE, {})
        return GetComputeCertificateResult.from_wire(reply.body)

    async def get_fleet_role_credentials(
        self, request: GetFleetRoleCredentialsRequest
    ) -> GetFleetRoleCredentialsResult:
        """Temporary credentials for the fleet's IAM role, cached per role until 15 minutes before they expire.

        An empty reply means "not a managed EC2 fleet" (Anywhere): it raises BadRequestException and every later call
        fails locally, as in the official SDKs.
        """
        self.state.require_initialized()
        if request is None:
            raise BadRequestException("GetFleetRoleCredentialsRequest is required.")
        self.state.require_managed_ec2()
        now_ms = int(self._now() * 1000)
        cached = self.state.cached_role_credentials(request.role_arn, now_ms)
        if cached is not None:
            return cached
        if not request.role_session_name:
            request = GetFleetRoleCredentialsRequest(
                request.role_arn, default_role_session_name(self.state.fleet_id, self.state.host_id))
        validate_get_fleet_role_credentials_request(request)
        self.state.require_ready()
        reply = await self._request(Action.GET_FLEET_ROLE_CREDENTIALS, messages.get_fleet_role_credentials(request))
        result = GetFleetRoleCredentialsResult.from_wire(reply.body)
        self.state.record_role_credentials(request.role_arn, result)
        return result

    # --- request/reply ------------------------------------------------------------------------------------------------

    async def _request(self, action: Action, body: dict[str, Any], timeout: float | None = None) -> Reply:
        """Send one request and wait for its reply; a timeout raises ServiceCallFailed (the official error) and counts
        towards the half-open-socket detector.

        The hot path (socket open, not backed up) writes the frame at once and waits on one future. Deadlines share
        one timer (``_watch_deadlines``) instead of arming and cancelling one per request; only a send that has to
        wait for a socket runs under its own timeout scope.
        """
        transport = self._transport
        if transport is None:
            raise GameLiftServerNotInitialized()
        timeout = self.timings.request_timeout if timeout is None else timeout
        request_id = self._request_ids.next()
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[Reply] = loop.create_future()
        deadline = loop.time() + timeout
        self._pending.add(request_id, action.value, waiter, deadline)
        self._watch_deadlines(loop, deadline)
        try:
            frame = messages.encode_bytes(messages.request_frame(action, request_id, body))
            if not transport.send_now(frame):
                async with asyncio.timeout_at(deadline):
                    await transport.send(frame)
            return await waiter
        except TimeoutError:
            log.warning("event=request_timeout action=%s request_id=%s timeout=%s", action, request_id, timeout)
            if self._timeouts.timed_out():
                transport.reconnect_soon(f"{self.timings.timeout_reconnect_threshold} consecutive request timeouts")
            raise ServiceCallFailed(f"no reply to {action} within {timeout}s") from None
        finally:
            self._pending.discard(request_id)

    def _watch_deadlines(self, loop: asyncio.AbstractEventLoop, deadline: float) -> None:
        """Make sure the deadline timer fires no later than ``deadline``.

        One request after another (the usual case) never re-arms it: each new deadline is later than the one the
        timer waits for, and when it fires it only re-arms for the earliest request still waiting.
        """
        timer = self._deadline_timer
        if timer is not None and not timer.cancelled() and timer.when() <= deadline:
            return
        if timer is not None:
            timer.cancel()
        self._deadline_timer = loop.call_at(deadline, self._deadlines_due, loop)

    def _deadlines_due(self, loop: asyncio.AbstractEventLoop) -> None:
        self._deadline_timer = None
        for waiter in self._pending.overdue(loop.time()):
            waiter.set_exception(TimeoutError())
        upcoming = self._pending.next_deadline()
        if upcoming is not None:
            self._watch_deadlines(loop, upcoming)

    def _on_frame(self, text: str | bytes) -> None:
        """Every inbound frame, from any open socket, in arrival order. Runs on the reader: never blocks."""
        self._timeouts.inbound()
        inbound = messages.classify(text)
        if isinstance(inbound, Unusable):
            log.debug("event=frame_dropped reason=%s", inbound.reason)
        elif isinstance(inbound, Reply):
            if not self._pending.resolve(inbound):
                log.debug("event=reply_unmatched action=%s request_id=%s", inbound.action, inbound.request_id)
        elif isinstance(inbound, Push):
            self._on_push(messages.parse_push(inbound))

    # --- pushes -------------------------------------------------------------------------------------------------------

    def _on_push(self, push: messages.PushPayload) -> None:
        params = self._process_parameters
        if isinstance(push, messages.CreateGameSessionPush):
            session = push.game_session
            if not self.state.start_game_session(session):
                log.warning("event=game_session_ignored reason=process_not_ready game_session_id=%s",
                            session.game_session_id)
                return
            log.info("event=game_session_started game_session_id=%s", session.game_session_id)
            if params and params.on_start_game_session:
                self._spawn(self._callback(params.on_start_game_session, session), "on_start_game_session")
        elif isinstance(push, messages.UpdateGameSessionPush):
            update = push.update
            if not self.state.update_game_session(update.game_session):
                log.warning("event=game_session_update_ignored reason=process_not_ready game_session_id=%s",
                            update.game_session.game_session_id)
                return
            log.info("event=game_session_updated game_session_id=%s reason=%s", update.game_session.game_session_id,
                     update.update_reason)
            if params and params.on_update_game_session:
                self._spawn(self._callback(params.on_update_game_session, update), "on_update_game_session")
        elif isinstance(push, messages.TerminateProcessPush):
            self.state.terminate(push.termination_time_ms)
            log.info("event=process_terminate_requested process_id=%s termination_time_ms=%s", self.state.process_id,
                     push.termination_time_ms)
            if params and params.on_process_terminate:
                self._spawn(self._callback(params.on_process_terminate), "on_process_terminate")
            else:
                self._spawn(self._end_process(), "default_process_terminate")
        elif isinstance(push, messages.RefreshConnectionPush):
            self._spawn(self._refresh_connection(push), "refresh_connection")

    async def _refresh_connection(self, push: messages.RefreshConnectionPush) -> None:
        """Open a socket to the new endpoint with the new token (and a new IdempotencyToken), as Go does; the same
        process, host and fleet identity; never SigV4 (the pushed token replaces it)."""
        query = handshake.connection_query(
            process_id=self.state.process_id, host_id=self.state.host_id, fleet_id=self.state.fleet_id,
            sdk_version=SDK_VERSION, sdk_language=self.sdk_language,
            idempotency_token=handshake.new_idempotency_token(), auth_token=push.auth_token)
        transport = self._transport
        if transport is not None:
            await transport.switch(handshake.connection_url(push.endpoint, query))

    async def _end_process(self) -> None:
        """TerminateProcess with no on_process_terminate: ProcessEnding, Destroy, exit 0 (or -1 if either failed)."""
        code = 0
        try:
            await self.process_ending()
        except GameLiftError as exc:
            log.error("event=process_ending_failed error=%s", exc)
            code = -1
        try:
            await self.destroy()
        except GameLiftError as exc:
            log.error("event=destroy_failed error=%s", exc)
            code = -1
        self._exit_process(code)

    # --- heartbeats ---------------------------------------------------------------------------------------------------

    async def _heartbeat_loop(self) -> None:
        """A heartbeat now, then one every interval ± jitter; each runs on its own so a slow health check or a slow
        reply never delays the next."""
        while self.state.ready:
            beat = self._spawn(self._heartbeat(), "gamelift-heartbeat-once")
            self._heartbeats.add(beat)
            beat.add_done_callback(self._heartbeats.discard)
            await asyncio.sleep(self.timings.next_heartbeat_delay(self._rng))

    async def _heartbeat(self) -> None:
        healthy = await self._health()
        if not self.state.ready:
            return
        try:
            await self._request(Action.HEARTBEAT_SERVER_PROCESS, messages.heartbeat_server_process(healthy))
        except GameLiftError as exc:
            log.warning("event=heartbeat_failed healthy=%s error=%s", healthy, exc)

    async def _health(self) -> bool:
        """on_health_check within its budget; no callback means healthy (the documented behaviour, which Go and C#
        miss); a timeout or an exception means unhealthy."""
        params = self._process_parameters
        if params is None or params.on_health_check is None:
            return True
        try:
            async with asyncio.timeout(self.timings.health_check_timeout):
                return bool(await self._call(params.on_health_check))
        except TimeoutError:
            log.warning("event=health_check_timeout budget=%s", self.timings.health_check_timeout)
            return False
        except Exception:
            log.exception("event=health_check_failed")
            return False

    def _stop_heartbeat(self) -> None:
        """Stop the loop and any heartbeat still waiting for its health check or reply: it no longer matters."""
        task, self._heartbeat_task = self._heartbeat_task, None
        for running in [task, *self._heartbeats]:
            if running is not None and running is not asyncio.current_task():
                running.cancel()

    # --- callbacks and tasks ----------------------------------------------------------------------------------------

    @staticmethod
    async def _call(callback: Callable[..., Any], *args: Any) -> Any:
        """Coroutine functions are awaited on the loop; plain functions run in a worker thread."""
        if inspect.iscoroutinefunction(callback) or inspect.iscoroutinefunction(type(callback).__call__):
            return await callback(*args)
        result = await asyncio.to_thread(callback, *args)
        if inspect.isawaitable(result):
            result = await result
        return result

    async def _callback(self, callback: Callable[..., Any], *args: Any) -> None:
        try:
            await self._call(callback, *args)
        except Exception:
            log.exception("event=callback_failed callback=%s", getattr(callback, "__name__", callback))

    def _spawn(self, coro: Coroutine[Any, Any, Any], name: str) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def wait_idle(self) -> None:
        """Wait until no callback or heartbeat started so far is still running (for tests and orderly shutdowns)."""
        current = asyncio.current_task()
        while pending := [t for t in self._tasks if t is not current and t is not self._heartbeat_task
                          and not t.done()]:
            await asyncio.gather(*pending, return_exceptions=True)


# --- the module-level API, bound to a default instance --------------------------------------------------------------

_default = GameLiftServerSdk()


def get_default_sdk() -> GameLiftServerSdk:
    return _default


def set_default_sdk(sdk: GameLiftServerSdk) -> GameLiftServerSdk:
    """Replace the instance the module-level functions use (e.g. one built with sdk_language="Go"); returns the old."""
    global _default
    old, _default = _default, sdk
    return old


def get_sdk_version() -> str:
    return SDK_VERSION


async def init_sdk(params: ServerParameters | None = None) -> None:
    await _default.init_sdk(params)


async def init_sdk_from_environment() -> None:
    await _default.init_sdk_from_environment()


async def process_ready(params: ProcessParameters) -> None:
    await _default.process_ready(params)


async def process_ending() -> None:
    await _default.process_ending()


async def activate_game_session() -> None:
    await _default.activate_game_session()


async def update_player_session_creation_policy(policy: PlayerSessionCreationPolicy | str) -> None:
    await _default.update_player_session_creation_policy(policy)


def get_game_session_id() -> str:
    return _default.get_game_session_id()


def get_termination_time() -> int:
    return _default.get_termination_time()


async def accept_player_session(player_session_id: str) -> None:
    await _default.accept_player_session(player_session_id)


async def remove_player_session(player_session_id: str) -> None:
    await _default.remove_player_session(player_session_id)


async def describe_player_sessions(request: DescribePlayerSessionsRequest) -> DescribePlayerSessionsResult:
    return await _default.describe_player_sessions(request)


async def start_match_backfill(request: StartMatchBackfillRequest) -> StartMatchBackfillResult:
    return await _default.start_match_backfill(request)


async def stop_match_backfill(request: StopMatchBackfillRequest) -> None:
    await _default.stop_match_backfill(request)


async def get_compute_certificate() -> GetComputeCertificateResult:
    return await _default.get_compute_certificate()


async def get_fleet_role_credentials(request: GetFleetRoleCredentialsRequest) -> GetFleetRoleCredentialsResult:
    return await _default.get_fleet_role_credentials(request)


async def destroy() -> None:
    await _default.destroy()


__all__ = [
    "SDK_LANGUAGE",
    "SDK_VERSION",
    "GameLiftServerSdk",
    "accept_player_session",
    "activate_game_session",
    "describe_player_sessions",
    "destroy",
    "get_compute_certificate",
    "get_default_sdk",
    "get_fleet_role_credentials",
    "get_game_session_id",
    "get_sdk_version",
    "get_termination_time",
    "init_sdk",
    "init_sdk_from_environment",
    "process_ending",
    "process_ready",
    "remove_player_session",
    "set_default_sdk",
    "start_match_backfill",
    "stop_match_backfill",
    "update_player_session_creation_policy",
]
