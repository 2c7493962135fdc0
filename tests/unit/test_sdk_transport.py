"""The SDK end to end over a real WebSocket on 127.0.0.1: a small in-test server plays the GameLift SDK endpoint
from recorded frames (server-sdk.md §2.6), and each test drives one part of the protocol through the public API.

Nothing sleeps for a fixed time: tests await the frames, connections and callbacks they expect; only the timeout
tests wait out the (shortened) request timeout, which is the behaviour under test.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

import sdk.gamelift_server as gl
from sdk.gamelift_server import GameLiftServerSdk, Timings

GSID = "arn:aws:gamelift:us-west-2::gamesession/fleet-1/custom-loc/gsess-1"
FLEET = "fleet-1"
HOST = "DevLaptop"
PID = "pid-1"

CREATE_GAME_SESSION_PUSH = (
    '{"Action":"CreateGameSession","StatusCode":200,"GameSessionId":"' + GSID + '","GameSessionName":"g",'
    '"MaximumPlayerSessionCount":4,"IpAddress":"127.0.0.1","Port":7777,"DnsName":"","GameSessionData":"level=3",'
    '"MatchmakerData":"","GameProperties":{"mode":"ffa"}}'
)
UPDATE_GAME_SESSION_PUSH = (
    '{"Action":"UpdateGameSession","StatusCode":200,"UpdateReason":"BACKFILL_FAILED","BackfillTicketId":"t-1",'
    '"GameSession":{"GameSessionId":"' + GSID + '","Name":"g","MaximumPlayerSessionCount":4,"Port":7777,'
    '"IpAddress":"127.0.0.1","GameSessionData":"","MatchmakerData":"","GameProperties":{},"DnsName":""}}'
)
TERMINATE_PROCESS_PUSH = '{"Action":"TerminateProcess","StatusCode":200,"TerminationTime":1767225600000}'

FAST = Timings(heartbeat_interval=3600, heartbeat_jitter=0, health_check_timeout=2, request_timeout=3,
               activate_timeout=3, connect_retries=2, connect_backoff_initial=0.01, connect_backoff_max=0.02,
               connect_timeout=3, refresh_close_delay=0.05)


def reply(request: dict[str, Any], status: int = 200, **fields: Any) -> str:
    """The service's answer: same Action and RequestId, integer StatusCode, result fields flattened."""
    return json.dumps({"Action": request["Action"], "RequestId": request["RequestId"], "StatusCode": status,
                       **fields})


def parse_query(path: str) -> dict[str, str]:
    """Split on '&' and the first '=', percent-decode only: how the endpoint must read every SDK's query."""
    query = urlsplit(path).query
    return {unquote(k): unquote(v) for k, _, v in (p.partition("=") for p in query.split("&") if p)}


class FakeService:
    """The SDK endpoint's part, scripted by the test: records handshakes and frames, answers heartbeats itself."""

    def __init__(self, refuse_with: int | None = None) -> None:
        self.refuse_with = refuse_with
        self.handshakes: list[dict[str, str]] = []
        self.paths: list[str] = []
        self.connections: asyncio.Queue[ServerConnection] = asyncio.Queue()
        self.requests: asyncio.Queue[tuple[ServerConnection, dict[str, Any]]] = asyncio.Queue()
        self.heartbeats: asyncio.Queue[tuple[ServerConnection, dict[str, Any]]] = asyncio.Queue()
        self.closed: asyncio.Queue[tuple[ServerConnection, int | None]] = asyncio.Queue()
        self.url = ""

    async def __aenter__(self) -> FakeService:
        self._server = await serve(self._handle, "127.0.0.1", 0, process_request=self._process_request,
                                   ping_interval=None, compression=None)
        port = self._server.sockets[0].getsockname()[1]  # type: ignore[index]
        self.url = f"ws://127.0.0.1:{port}/sdk"
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    def _process_request(self, connection: ServerConnection, request: Request) -> Response | None:
        self.paths.append(urlsplit(request.path).path)
        self.handshakes.append(parse_query(request.path))
        if self.refuse_with:
            return connection.respond(self.refuse_with, "Forbidden\n")
        return None

    async def _handle(self, ws: ServerConnection) -> None:
        await self.connections.put(ws)
        try:
            async for text in ws:
                frame = json.loads(text)
                if frame["Action"] == "HeartbeatServerProcess":
                    await self.heartbeats.put((ws, frame))
                    await ws.send(reply(frame))
                else:
                    await self.requests.put((ws, frame))
        except ConnectionClosed:
            pass
        close = ws.protocol.close_rcvd
        await self.closed.put((ws, close.code if close else None))

    async def expect(self, action: str) -> tuple[ServerConnection, dict[str, Any]]:
        ws, frame = await self.requests.get()
        assert frame["Action"] == action, frame
        assert frame["RequestId"]
        return ws, frame

    async def answer(self, action: str, status: int = 200, **fields: Any) -> dict[str, Any]:
        """Wait for the next request, check its Action, answer it; returns the request frame."""
        ws, frame = await self.expect(action)
        await ws.send(reply(frame, status, **fields))
        return frame


def make_sdk(**kwargs: Any) -> GameLiftServerSdk:
    kwargs.setdefault("timings", FAST)
    return GameLiftServerSdk(environ={}, **kwargs)


def token_params(url: str, token: str = "token-1") -> gl.ServerParameters:
    return gl.ServerParameters(web_socket_url=url, process_id=PID, host_id=HOST, fleet_id=FLEET, auth_token=token)


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    async def bounded() -> None:
        async with asyncio.timeout(15):
            await scenario()

    asyncio.run(bounded())


async def ready_sdk(service: FakeService, params: gl.ProcessParameters, **kwargs: Any) -> GameLiftServerSdk:
    """init_sdk + process_ready against the fake, answering ActivateServerProcess."""
    sdk = make_sdk(**kwargs)
    await sdk.init_sdk(token_params(service.url))
    ready = asyncio.create_task(sdk.process_ready(params))
    await service.answer("ActivateServerProcess")
    await ready
    return sdk


# --- the happy path -------------------------------------------------------------------------------------------------


def test_a_whole_game_session_lifecycle() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            started: asyncio.Future[gl.GameSession] = asyncio.get_running_loop().create_future()

            async def on_start(session: gl.GameSession) -> None:
                started.set_result(session)

            sdk = make_sdk()
            await sdk.init_sdk(token_params(service.url))
            handshake = service.handshakes[0]
            assert service.paths == ["/sdk"]
            assert {k: handshake[k] for k in ("pID", "sdkVersion", "sdkLanguage", "ComputeId", "FleetId",
                                              "Authorization")} == {
                "pID": PID, "sdkVersion": "5.6.0", "sdkLanguage": "Python", "ComputeId": HOST, "FleetId": FLEET,
                "Authorization": "token-1"}
            assert len(handshake["IdempotencyToken"]) == 36

            params = gl.ProcessParameters(port=7777, log_parameters=gl.LogParameters(["/local/game/logs"]),
                                          on_start_game_session=on_start, on_health_check=lambda: True)
            ready = asyncio.create_task(sdk.process_ready(params))
            activate = await service.answer("ActivateServerProcess")
            await ready
            assert {k: v for k, v in activate.items() if k != "RequestId"} == {
                "Action": "ActivateServerProcess", "SdkVersion": "5.6.0", "SdkLanguage": "Python", "Port": 7777,
                "LogPaths": ["/local/game/logs"]}
            _, heartbeat = await service.heartbeats.get()  # the first one goes out right after ProcessReady
            assert heartbeat["HealthStatus"] is True

            ws = await service.connections.get()
            await ws.send(CREATE_GAME_SESSION_PUSH)
            session = await started
            assert (session.game_session_id, session.name, session.fleet_id) == (GSID, "g", FLEET)
            assert (session.game_session_data, session.game_properties) == ("level=3", {"mode": "ffa"})
            assert sdk.get_game_session_id() == GSID

            activating = asyncio.create_task(sdk.activate_game_session())
            assert (await service.answer("ActivateGameSession"))["GameSessionId"] == GSID
            await activating

            accepting = asyncio.create_task(sdk.accept_player_session("psess-1"))
            accept = await service.answer("AcceptPlayerSession")
            await accepting
            assert (accept["GameSessionId"], accept["PlayerSessionId"]) == (GSID, "psess-1")

            refused = asyncio.create_task(sdk.accept_player_session("psess-unknown"))
            await service.answer("AcceptPlayerSession", 400, ErrorMessage="Player session psess-unknown not found")
            with pytest.raises(gl.BadRequestException, match="psess-unknown not found") as caught:
                await refused
            assert caught.value.status_code == 400

            describing = asyncio.create_task(sdk.describe_player_sessions(
                gl.DescribePlayerSessionsRequest(game_session_id=GSID, player_session_status_filter="ACTIVE")))
            describe = await service.answer(
                "DescribePlayerSessions", NextToken="next",
                PlayerSessions=[{"PlayerSessionId": "psess-1", "PlayerId": "p1", "GameSessionId": GSID,
                                 "FleetId": FLEET, "Status": "ACTIVE", "CreationTime": 1767225600000,
                                 "IpAddress": "127.0.0.1", "Port": 7777, "PlayerData": "tier=gold"}])
            result = await describing
            assert (describe["GameSessionId"], describe["PlayerSessionStatusFilter"]) == (GSID, "ACTIVE")
            assert result.next_token == "next"
            assert [(p.player_session_id, p.status, p.player_data) for p in result.player_sessions] == [
                ("psess-1", gl.PlayerSessionStatus.ACTIVE, "tier=gold")]

            policy = asyncio.create_task(sdk.update_player_session_creation_policy("DENY_ALL"))
            assert (await service.answer("UpdatePlayerSessionCreationPolicy"))["PlayerSessionPolicy"] == "DENY_ALL"
            await policy

            removing = asyncio.create_task(sdk.remove_player_session("psess-1"))
            assert (await service.answer("RemovePlayerSession"))["PlayerSessionId"] == "psess-1"
            await removing

            ending = asyncio.create_task(sdk.process_ending())
            await service.answer("TerminateServerProcess")
            await ending
            await sdk.destroy()
            _, code = await service.closed.get()
            assert code == 1000
            with pytest.raises(gl.GameLiftServerNotInitialized):
                await sdk.activate_game_session()

    run(scenario)


def test_heartbeats_repeat_and_report_the_health_callback() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            answers = iter([True, False, True])
            params = gl.ProcessParameters(port=7777, on_health_check=lambda: next(answers))
            fast_beats = Timings(**{**FAST.__dict__, "heartbeat_interval": 0.02, "heartbeat_jitter": 0.01})
            sdk = await ready_sdk(service, params, timings=fast_beats)
            statuses = [(await service.heartbeats.get())[1]["HealthStatus"] for _ in range(3)]
            assert statuses == [True, False, True]
            await sdk.destroy()

    run(scenario)


def test_a_slow_or_failing_health_check_reports_unhealthy_and_none_reports_healthy() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            release = threading.Event()

            def stuck() -> bool:  # a plain function: runs in a worker thread, cut off by the budget
                release.wait(5)
                return True

            budget = Timings(**{**FAST.__dict__, "health_check_timeout": 0.05})
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_health_check=stuck), timings=budget)
            assert (await service.heartbeats.get())[1]["HealthStatus"] is False
            release.set()
            await sdk.destroy()

            async def broken() -> bool:
                raise RuntimeError("boom")

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_health_check=broken))
            assert (await service.heartbeats.get())[1]["HealthStatus"] is False
            await sdk.destroy()

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777))
            assert (await service.heartbeats.get())[1]["HealthStatus"] is True
            await sdk.destroy()

    run(scenario)


# --- pushes ---------------------------------------------------------------------------------------------------------


def test_a_push_before_process_ready_is_ignored() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            calls: list[gl.GameSession] = []
            sdk = make_sdk()
            await sdk.init_sdk(token_params(service.url))
            ws = await service.connections.get()
            await ws.send(CREATE_GAME_SESSION_PUSH)  # frames on one socket are handled in order, so the push is
            ready = asyncio.create_task(sdk.process_ready(  # processed before the ActivateServerProcess reply
                gl.ProcessParameters(port=7777, on_start_game_session=calls.append)))
            await service.answer("ActivateServerProcess")
            await ready
            await sdk.wait_idle()
            assert calls == [] and sdk.get_game_session_id() == ""
            with pytest.raises(gl.GameSessionIdNotSet):
                await sdk.activate_game_session()
            await sdk.destroy()

    run(scenario)


def test_plain_function_callbacks_run_in_a_thread_and_can_call_back_into_the_sdk() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            threads: list[str] = []
            holder: dict[str, GameLiftServerSdk] = {}

            def on_start(session: gl.GameSession) -> None:
                threads.append(threading.current_thread().name)
                sdk = holder["sdk"]
                asyncio.run_coroutine_threadsafe(sdk.activate_game_session(), sdk.loop).result(5)  # type: ignore[arg-type]

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_start_game_session=on_start))
            holder["sdk"] = sdk
            ws = await service.connections.get()
            await ws.send(CREATE_GAME_SESSION_PUSH)
            await service.answer("ActivateGameSession")
            await sdk.wait_idle()
            assert threads and threads[0] != threading.main_thread().name
            await sdk.destroy()

    run(scenario)


def test_update_game_session_push_reaches_its_callback() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            updated: asyncio.Future[gl.UpdateGameSession] = asyncio.get_running_loop().create_future()

            async def on_update(update: gl.UpdateGameSession) -> None:
                updated.set_result(update)

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_update_game_session=on_update))
            ws = await service.connections.get()
            await ws.send(UPDATE_GAME_SESSION_PUSH)
            update = await updated
            assert (update.update_reason, update.backfill_ticket_id) == (gl.UpdateReason.BACKFILL_FAILED, "t-1")
            assert (update.game_session.game_session_id, update.game_session.fleet_id) == (GSID, FLEET)
            await sdk.destroy()

    run(scenario)


def test_terminate_process_push_calls_on_process_terminate_and_sets_the_termination_time() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            terminated = asyncio.Event()

            async def on_terminate() -> None:
                terminated.set()

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_process_terminate=on_terminate))
            with pytest.raises(gl.TerminationTimeNotSet):
                sdk.get_termination_time()
            ws = await service.connections.get()
            await ws.send(TERMINATE_PROCESS_PUSH)
            await terminated.wait()
            assert sdk.get_termination_time() == 1767225600
            ending = asyncio.create_task(sdk.process_ending())
            await service.answer("TerminateServerProcess")
            await ending
            await sdk.destroy()

    run(scenario)


def test_without_on_process_terminate_the_sdk_ends_destroys_and_exits() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            exit_code: asyncio.Future[int] = asyncio.get_running_loop().create_future()
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777), exit_process=exit_code.set_result)
            ws = await service.connections.get()
            await ws.send(TERMINATE_PROCESS_PUSH)
            await service.answer("TerminateServerProcess")
            assert await exit_code == 0
            assert not sdk.state.initialized
            _, code = await service.closed.get()
            assert code == 1000

    run(scenario)


# --- failures, timeouts, reconnects ---------------------------------------------------------------------------------


def test_a_refused_handshake_is_retried_then_raised_as_a_connect_failure() -> None:
    async def scenario() -> None:
        async with FakeService(refuse_with=403) as service:
            sdk = make_sdk()
            with pytest.raises(gl.WebsocketConnectFailureForbidden) as caught:
                await sdk.init_sdk(token_params(service.url))
            assert isinstance(caught.value, gl.LocalConnectionFailed) and caught.value.status_code == 403
            assert len(service.handshakes) == 1 + FAST.connect_retries
            assert not sdk.state.initialized
            with pytest.raises(gl.GameLiftServerNotInitialized):
                await sdk.process_ready(gl.ProcessParameters(port=7777))

    run(scenario)


def test_nothing_listening_is_a_connect_failure_after_the_retries() -> None:
    async def scenario() -> None:
        with socket.socket() as probe:  # a port that was free a moment ago: connections are refused
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        sdk = make_sdk()
        with pytest.raises(gl.WebsocketConnectFailure, match="ConnectionRefusedError"):
            await sdk.init_sdk(token_params(f"ws://127.0.0.1:{port}/"))
        with pytest.raises(gl.GameLiftServerNotInitialized):
            sdk.state.require_initialized()

    run(scenario)


def test_an_invalid_url_fails_at_once_without_leaking_the_token() -> None:
    async def scenario() -> None:
        sdk = make_sdk()
        with pytest.raises(gl.WebsocketConnectFailureInvalidUrl) as caught:
            await sdk.init_sdk(token_params("http://127.0.0.1:1/sdk", token="secret-token"))
        assert "secret-token" not in str(caught.value)

    run(scenario)


def test_container_sigv4_without_explicit_credentials_is_unsupported() -> None:
    async def scenario() -> None:
        environ = {"GAMELIFT_COMPUTE_TYPE": "CONTAINER", "GAMELIFT_REGION": "us-west-2",
                   "GAMELIFT_SDK_WEBSOCKET_URL": "ws://127.0.0.1:1/", "GAMELIFT_SDK_PROCESS_ID": "ManagedResource",
                   "GAMELIFT_SDK_FLEET_ID": FLEET}
        with pytest.raises(gl.UnsupportedComputeTypeException):
            await GameLiftServerSdk(timings=FAST, environ=environ).init_sdk_from_environment()

    run(scenario)


def test_init_twice_is_refused_and_validation_sends_nothing() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = make_sdk()
            with pytest.raises(gl.ValidationException, match="FleetID"):
                await sdk.init_sdk(gl.ServerParameters(web_socket_url=service.url, process_id=PID, host_id=HOST,
                                                       fleet_id="bad_fleet", auth_token="t"))
            assert service.handshakes == []
            await sdk.init_sdk(token_params(service.url))
            with pytest.raises(gl.AlreadyInitialized):
                await sdk.init_sdk(token_params(service.url))
            with pytest.raises(gl.ValidationException, match="Port"):
                await sdk.process_ready(gl.ProcessParameters(port=0))
            with pytest.raises(gl.ProcessNotReady):
                await sdk.accept_player_session("psess-1")
            await sdk.destroy()
            assert service.requests.empty()

    run(scenario)


def test_process_ready_failure_is_process_not_ready_with_the_cause() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = make_sdk()
            await sdk.init_sdk(token_params(service.url))
            ready = asyncio.create_task(sdk.process_ready(gl.ProcessParameters(port=7777)))
            await service.answer("ActivateServerProcess", 409, ErrorMessage="already active")
            with pytest.raises(gl.ProcessNotReady) as caught:
                await ready
            assert isinstance(caught.value.__cause__, gl.ConflictException)
            await sdk.destroy()

    run(scenario)


def test_a_reply_without_status_code_is_an_internal_service_error() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777))
            certificate = asyncio.create_task(sdk.get_compute_certificate())
            ws, request = await service.expect("GetComputeCertificate")
            await ws.send(json.dumps({"Action": "GetComputeCertificate", "RequestId": request["RequestId"],
                                      "CertificatePath": "/c", "ComputeName": HOST}))
            with pytest.raises(gl.InternalServiceException):
                await certificate
            certificate = asyncio.create_task(sdk.get_compute_certificate())
            await service.answer("GetComputeCertificate", CertificatePath="/local/cert.pem", ComputeName=HOST)
            assert await certificate == gl.GetComputeCertificateResult("/local/cert.pem", HOST)
            await sdk.destroy()

    run(scenario)


def test_two_request_timeouts_in_a_row_reconnect_with_the_same_url() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            short = Timings(**{**FAST.__dict__, "request_timeout": 0.2})
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777), timings=short)
            first = await service.connections.get()
            for _ in range(2):  # the service swallows two requests: a half-open socket looks like this
                attempt = asyncio.create_task(sdk.get_compute_certificate())
                await service.expect("GetComputeCertificate")
                with pytest.raises(gl.ServiceCallFailed):
                    await attempt
            second = await service.connections.get()
            assert second is not first
            assert service.handshakes[1] == service.handshakes[0]  # same token, same IdempotencyToken (as Go)
            closed, _ = await service.closed.get()
            assert closed is first
            certificate = asyncio.create_task(sdk.get_compute_certificate())
            ws = await service.answer("GetComputeCertificate", CertificatePath="/c", ComputeName=HOST)
            assert ws is not None and (await certificate).compute_name == HOST
            await sdk.destroy()

    run(scenario)


@pytest.mark.parametrize("how", ["tcp_drop", "close_1011"])
def test_an_abnormal_close_reconnects_and_requests_go_to_the_new_socket(how: str) -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777))
            first = await service.connections.get()
            if how == "tcp_drop":
                first.transport.abort()
            else:
                await first.close(1011, "internal error")
            second = await service.connections.get()
            assert service.handshakes[1]["pID"] == PID
            activating = asyncio.create_task(sdk.get_compute_certificate())
            ws, request = await service.expect("GetComputeCertificate")
            assert ws is second
            await ws.send(reply(request, CertificatePath="/c", ComputeName=HOST))
            await activating
            await sdk.destroy()

    run(scenario)


def test_a_normal_close_by_the_service_is_not_retried() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777))
            ws = await service.connections.get()
            await ws.close(1000, "bye")
            await service.closed.get()
            with pytest.raises(gl.WebsocketSendMessageFailure, match="1000"):
                await sdk.get_compute_certificate()
            assert service.connections.empty() and len(service.handshakes) == 1
            await sdk.destroy()

    run(scenario)


def test_refresh_connection_moves_to_a_new_socket_with_the_new_token() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            started: asyncio.Future[gl.GameSession] = asyncio.get_running_loop().create_future()

            async def on_start(session: gl.GameSession) -> None:
                started.set_result(session)

            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777, on_start_game_session=on_start))
            old = await service.connections.get()
            await old.send(json.dumps({"Action": "RefreshConnection", "StatusCode": 200,
                                       "RefreshConnectionEndpoint": service.url.replace("/sdk", "/refreshed"),
                                       "AuthToken": "token-2"}))
            new = await service.connections.get()
            first, second = service.handshakes
            assert service.paths[-1] == "/refreshed"
            assert (second["Authorization"], second["pID"], second["ComputeId"], second["FleetId"]) == (
                "token-2", PID, HOST, FLEET)
            assert second["IdempotencyToken"] != first["IdempotencyToken"]
            await old.send(CREATE_GAME_SESSION_PUSH)  # still delivered while the old socket drains
            assert (await started).game_session_id == GSID
            closed, code = await service.closed.get()  # then the SDK closes the old socket itself
            assert (closed, code) == (old, 1000)
            activating = asyncio.create_task(sdk.activate_game_session())
            ws, request = await service.expect("ActivateGameSession")
            assert ws is new
            await ws.send(reply(request))
            await activating
            await sdk.destroy()

    run(scenario)


# --- backfill, credentials, SigV4, the module-level API -------------------------------------------------------------


def test_match_backfill_over_the_wire() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777))
            config = "arn:aws:gamelift:us-west-2:123456789012:matchmakingconfiguration/duel"
            players = [gl.Player("p1", "red", {"skill": gl.AttributeValue.double(23)}, {"us-west-2": 20})]
            backfill = gl.StartMatchBackfillRequest(GSID, config, players)
            starting = asyncio.create_task(sdk.start_match_backfill(backfill))
            start = await service.answer("StartMatchBackfill", TicketId="ticket-9")
            assert (await starting).ticket_id == "ticket-9"
            assert start["Players"] == [{"PlayerId": "p1", "Team": "red",
                                         "PlayerAttributes": {"skill": {"AttrType": "DOUBLE", "N": 23.0}},
                                         "LatencyInMs": {"us-west-2": 20}}]
            stopping = asyncio.create_task(sdk.stop_match_backfill(gl.StopMatchBackfillRequest(GSID, config,
                                                                                             "ticket-9")))
            stop = await service.answer("StopMatchBackfill")
            await stopping
            assert stop["TicketId"] == "ticket-9"
            await sdk.destroy()

    run(scenario)


def test_fleet_role_credentials_are_cached_and_an_empty_reply_latches() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            now = [1767225600.0]
            sdk = await ready_sdk(service, gl.ProcessParameters(port=7777), now=lambda: now[0])
            role = "arn:aws:iam::123456789012:role/game"
            asking = asyncio.create_task(sdk.get_fleet_role_credentials(gl.GetFleetRoleCredentialsRequest(role)))
            request = await service.answer("GetFleetRoleCredentials", AssumedRoleUserArn="arn:user", AssumedRoleId="id",
                                           AccessKeyId="AK", SecretAccessKey="SK", SessionToken="ST",
                                           Expiration=int(now[0] * 1000) + 3_600_000)
            assert request["RoleSessionName"] == f"{FLEET}-{HOST}"
            assert (await asking).access_key_id == "AK"
            cached = await sdk.get_fleet_role_credentials(gl.GetFleetRoleCredentialsRequest(role))
            assert cached.secret_access_key == "SK" and service.requests.empty()

            other = "arn:aws:iam::123456789012:role/other"
            asking = asyncio.create_task(sdk.get_fleet_role_credentials(gl.GetFleetRoleCredentialsRequest(other)))
            await service.answer("GetFleetRoleCredentials", AccessKeyId="", SecretAccessKey="", SessionToken="")
            with pytest.raises(gl.BadRequestException, match="managed fleet"):
                await asking
            with pytest.raises(gl.BadRequestException):
                await sdk.get_fleet_role_credentials(gl.GetFleetRoleCredentialsRequest(other))
            assert service.requests.empty()
            await sdk.destroy()

    run(scenario)


def test_sigv4_handshake_from_the_environment() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            environ = {"GAMELIFT_SDK_WEBSOCKET_URL": service.url, "GAMELIFT_SDK_PROCESS_ID": PID,
                       "GAMELIFT_SDK_HOST_ID": HOST, "GAMELIFT_SDK_FLEET_ID": FLEET, "GAMELIFT_REGION": "us-west-2",
                       "GAMELIFT_ACCESS_KEY": "AKIDEXAMPLE", "GAMELIFT_SECRET_KEY": "secret",
                       "GAMELIFT_SESSION_TOKEN": "session"}
            sdk = GameLiftServerSdk(timings=FAST, environ=environ, now=lambda: 1722852000.0)  # 2024-08-05T10:00Z
            await sdk.init_sdk_from_environment()
            query = service.handshakes[0]
            assert query["Authorization"] == "SigV4"
            assert query["X-Amz-Credential"] == "AKIDEXAMPLE/20240805/us-west-2/gamelift/aws4_request"
            assert query["X-Amz-Date"] == "20240805T100000Z"
            assert query["X-Amz-Security-Token"] == "session"
            assert len(query["X-Amz-Signature"]) == 64
            await sdk.destroy()

    run(scenario)


def test_module_level_functions_use_the_default_instance() -> None:
    async def scenario() -> None:
        async with FakeService() as service:
            previous = gl.set_default_sdk(make_sdk(sdk_language="Go"))
            try:
                await gl.init_sdk(token_params(service.url))
                assert service.handshakes[0]["sdkLanguage"] == "Go"
                ready = asyncio.create_task(gl.process_ready(gl.ProcessParameters(port=7777)))
                assert (await service.answer("ActivateServerProcess"))["SdkLanguage"] == "Go"
                await ready
                assert gl.get_game_session_id() == "" and gl.get_sdk_version() == "5.6.0"
                await gl.destroy()
            finally:
                gl.set_default_sdk(previous)

    run(scenario)
