"""The HTTP face of the emulator: both GameLift wire protocols and the control API.

One aiohttp application on one port serves awsJson1_1 (``POST /``), smithy
rpc-v2-cbor (``POST /service/GameLift/operation/<Op>``), the server SDK's
WebSocket endpoint (an upgrade on any other path, see ``sdk_endpoint/``; also
on ``wss://`` when ``tls_port`` is set), game session logs, and the emulator's
own ``/_emulator/`` control API (reset, state summary, clock, processes).
Everything specific to HTTP stays in this module; operations run through
``Invoker``.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from infra.emulator.api.registry import RequestContext
from infra.emulator.emulator import Emulator
from infra.emulator.errors import GameLiftError, ProtocolError, UnknownOperationException
from infra.emulator.front import ApiFront
from infra.emulator.protocol.codecs import CBOR, JSON, WireCodec, operation_from_target
from infra.emulator.protocol.invoke import Invoker
from infra.emulator.protocol.sigv4 import SigV4Error, SigV4Verifier, read_identity
from infra.emulator.sdk_endpoint import tls
from infra.emulator.sdk_endpoint.websocket import SdkWebSocketEndpoint, attach_endpoint

log = logging.getLogger("gamelift_local.http")

# Larger than any legal GameLift request (GameSessionData tops out at 262,144 chars).
MAX_BODY_BYTES = 2 * 1024 * 1024
EMULATOR_KEY = web.AppKey("emulator", Emulator)
API_KEY = web.AppKey("api", "ApiServer")
SDK_ENDPOINT_KEY = web.AppKey("sdk_endpoint", SdkWebSocketEndpoint)
# Allocations between young-generation collections (CPython's default is 700).
GC_YOUNG_THRESHOLD = 10_000
# How long a log download waits for a zip still being written (its process is exiting).
LOG_WAIT_SECONDS = 10.0


@dataclass(slots=True)
class Reply:
    """A framed API answer. ``durable``: send it only once the store has committed (it acknowledges writes)."""

    status: int
    headers: list[tuple[str, str]]
    body: bytes
    durable: bool
    error_code: str = field(default="-")


class ApiServer:
    """Routes HTTP requests to operations, with each protocol's envelope."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.invoker = Invoker(emulator, strict=emulator.config.strict)
        config = emulator.config
        self.verifier = SigV4Verifier(config.keys, now=emulator.clock.now) if config.auth == "sigv4" else None

    # -- wire protocols -------------------------------------------------------
    async def json_endpoint(self, request: web.Request) -> web.StreamResponse:
        target = request.headers.get("X-Amz-Target", "")
        return await self._call(request, JSON, operation_from_target(target), target)

    async def cbor_endpoint(self, request: web.Request) -> web.StreamResponse:
        return await self._call(request, CBOR, request.match_info["operation"], request.path)

    async def _call(self, request: web.Request, codec: WireCodec, name: str, target: str) -> web.Response:
        """The aiohttp path: whatever the fast path (``front.py``) declined, e.g. chunked bodies."""
        try:
            body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            reply = self.error_reply(codec, self.emulator.ids.request_id(), 413, "RequestEntityTooLargeException",
                                     f"Request body exceeds {MAX_BODY_BYTES} bytes")
        else:
            reply = self.respond(codec, name, target, request.method, request.host, request.raw_path.split("?", 1)[0],
                                 request.query_string, request.headers, body)
            if reply.durable:
                try:
                    await self.emulator.store.flush()
                except Exception as exc:
                    reply = self.commit_failed(codec, reply, exc)
        return web.Response(status=reply.status, body=reply.body, headers=reply.headers)

    def respond(self, codec: WireCodec, name: str, target: str, method: str, host: str, path: str,
                query_string: str, headers: Mapping[str, str], body: bytes) -> Reply:
        """Run one call and frame its answer; the caller sends it once the store is durable (``Reply.durable``).

        Synchronous on purpose: handlers never wait on I/O (state is in memory; the store
        commits for a whole event-loop turn at once), so no task is needed per request.
        """
        request_id = self.emulator.ids.request_id()
        started = time.perf_counter()
        try:
            identity = self._identify(method, host, path, query_string, headers, body)
            if not name:
                raise UnknownOperationException(f"Unknown operation target {target!r}")
            ctx = RequestContext(
                operation=name,
                request_id=request_id,
                region=identity.region or self.emulator.config.region,
                account_id=self.emulator.config.account_id,
                access_key=identity.access_key,
                protocol=codec.name,
            )
            output = self.invoker.call(ctx, codec.decode(body))
            reply = Reply(200, [*codec.success_headers, ("x-amzn-RequestId", request_id)], codec.encode(output), True)
        except SigV4Error as exc:
            reply = self.error_reply(codec, request_id, exc.status, exc.code, exc.message)
        except GameLiftError as exc:
            status = exc.status
            if isinstance(exc, UnknownOperationException) and codec is CBOR:
                status = 404  # rpc-v2-cbor answers an unknown operation as an unknown route
            reply = self.error_reply(codec, request_id, status, exc.code, exc.message)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "op=%s protocol=%s status=%s error=%s request_id=%s ms=%.2f",
                name or target,
                codec.name,
                reply.status,
                reply.error_code,
                request_id,
                (time.perf_counter() - started) * 1000,
            )
        return reply

    def _identify(self, method: str, host: str, path: str, query_string: str, headers: Mapping[str, str],
                  body: bytes) -> Any:
        if self.verifier is None:
            return read_identity(headers, parse_qs(query_string, keep_blank_values=True) if query_string else None)
        return self.verifier.verify(method, host, path, query_string, headers, body)

    @staticmethod
    def error_reply(codec: WireCodec, request_id: str, status: int, code: str, message: str) -> Reply:
        headers = [("Content-Type", codec.content_type), *codec.error_headers(code).items(),
                   ("x-amzn-RequestId", request_id)]
        return Reply(status, headers, codec.error_body(code, message), False, code)

    def commit_failed(self, codec: WireCodec, reply: Reply, exc: BaseException) -> Reply:
        """The store could not commit: nothing was acknowledged, so the caller may retry."""
        log.error("store commit failed; answering InternalServiceException: %r", exc)
        request_id = dict(reply.headers).get("x-amzn-RequestId", "")
        return self.error_reply(codec, request_id, 500, "InternalServiceException",
                                "gamelift-local could not write its database; the change may not survive a restart")

    # -- control API ------------------------------------------------------------
    async def state(self, request: web.Request) -> web.Response:
        return web.json_response(self.emulator.summary())

    async def reset(self, request: web.Request) -> web.Response:
        self.emulator.reset()
        return web.json_response({"reset": True})

    async def clock(self, request: web.Request) -> web.Response:
        if request.method == "POST":
            try:
                payload = await request.json()
                seconds = float(payload["advance"])
                if seconds < 0:
                    raise ValueError("advance must be >= 0")
            except (ValueError, KeyError, TypeError) as exc:
                return web.json_response({"error": f'expected {{"advance": seconds}}: {exc}'}, status=400)
            if not self.emulator.clock.manual:
                return web.json_response(
                    {"error": "the emulator runs on the system clock (--clock manual)"}, status=409
                )
            fired = self.emulator.advance(seconds)
            return web.json_response({"now": self.emulator.clock.now(), "fired": fired})
        return web.json_response({"now": self.emulator.clock.now(), "manual": self.emulator.clock.manual})

    async def health(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    # -- server processes, the SDK endpoint, logs --------------------------------------------------------------
    async def game_session_logs(self, request: web.Request) -> web.StreamResponse:
        """What GetGameSessionLogUrl points at: the zip of a session's process logs."""
        launcher = self.emulator.fleets.supervisor.launcher
        path = await launcher.logs.wait_for(request.match_info["key"], LOG_WAIT_SECONDS)
        if path is None:
            return web.json_response(
                {"message": "No logs for this game session: it ran on a simulated or Anywhere process, its process "
                 "is still running, or they are past their retention"},
                status=404,
            )
        return web.FileResponse(
            path,
            headers={"Content-Type": "application/zip", "Content-Disposition": f'attachment; filename="{path.name}"'},
        )

    async def processes(self, request: web.Request) -> web.Response:
        """Every server process, with its OS pid when it is real (for debugging and tests)."""
        fleets = self.emulator.fleets
        launched = {c["processId"]: c for c in fleets.supervisor.launcher.describe()}
        wanted = request.query.get("fleetId")
        out = []
        for fleet_id in [wanted] if wanted else [f.fleet_id for f in fleets.list()]:
            for process in fleets.processes.of_fleet(fleet_id):
                child = launched.get(process.process_id, {})
                out.append(
                    {
                        "processId": process.process_id,
                        "fleetId": process.fleet_id,
                        "computeName": process.compute_name,
                        "location": process.location,
                        "status": str(process.status),
                        "simulated": process.simulated,
                        "launchPath": process.launch_path,
                        "parameters": process.parameters,
                        "port": process.port,
                        "gameSessionId": process.game_session_id,
                        "osPid": child.get("osPid"),
                    }
                )
        return web.json_response({"processes": out, "connections": self.emulator.sdk_endpoint.describe()})

    async def sdk(self, request: web.Request) -> web.Response:
        """Where server processes connect (ws://, and wss:// when TLS is on) and who is connected."""
        endpoint = self.emulator.sdk_endpoint
        launcher = self.emulator.fleets.supervisor.launcher
        return web.json_response(
            {"url": launcher.sdk_url(), "tlsUrl": endpoint.tls_url, "connections": endpoint.describe()}
        )

    async def refresh_connection(self, request: web.Request) -> web.Response:
        """Push RefreshConnection to one process (``{"processId": ...}``), as the service does to rotate tokens."""
        try:
            process_id = str((await request.json())["processId"])
        except (ValueError, KeyError, TypeError):
            return web.json_response({"error": 'expected {"processId": ...}'}, status=400)
        pushed = self.emulator.sdk_endpoint.refresh_connection(process_id)
        return web.json_response({"pushed": pushed}, status=200 if pushed else 404)


@web.middleware
async def protocol_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Whatever slips past the endpoints still gets an AWS-shaped 4xx, never a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ProtocolError as exc:
        return web.json_response({"__type": exc.code, "message": exc.message}, status=exc.status)


def _tls_files(emulator: Emulator) -> tuple[Path, Path]:
    config = emulator.config
    if config.tls_cert and config.tls_key:
        return Path(config.tls_cert), Path(config.tls_key)
    directory = Path(config.data_dir).resolve() / "tls"
    names = [config.host, config.public_ip, config.public_dns, "localhost", "127.0.0.1"]
    tls.certificate_directory(directory, common_name=config.public_dns or "localhost", names=names)
    return directory / tls.CHAIN, directory / tls.PRIVATE_KEY


async def _start_tls(emulator: Emulator, endpoint: SdkWebSocketEndpoint, api: ApiServer) -> TlsListener:
    """A second listener, wss:// with a self-signed certificate, for SDKs that speak only TLS (C++).

    Upgrades go to the endpoint's lean WebSocket as on the plain port; anything else to a small aiohttp app
    whose only route is the endpoint's (so a plain GET gets the same 404 as on the plain port).
    """
    config = emulator.config
    cert, key = _tls_files(emulator)
    app = web.Application()
    app.router.add_get("/{tail:.*}", endpoint.handle)
    runner = web.AppRunner(app, access_log=None, handle_signals=False)
    await runner.setup()
    assert runner.server is not None
    front = ApiFront(api, runner.server, MAX_BODY_BYTES, getattr(endpoint, "take_over", None), serve_api=False,
                     secure=True)
    listener = await asyncio.get_running_loop().create_server(
        front, config.host, config.tls_port, ssl=tls.server_context(cert, key), reuse_address=True
    )
    port = listener.sockets[0].getsockname()[1]
    endpoint.service.tls_url = f"wss://{config.host}:{port}"
    print(f"gamelift-local SDK endpoint (TLS, self-signed certificate {cert}) on {endpoint.service.tls_url}",
          flush=True)
    return TlsListener(listener, front, runner)


@dataclass
class TlsListener:
    listener: asyncio.Server
    front: ApiFront
    runner: web.AppRunner

    async def close(self) -> None:
        self.listener.close()
        self.front.close()
        await self.runner.cleanup()


def build_app(emulator: Emulator) -> web.Application:
    api = ApiServer(emulator)
    endpoint = attach_endpoint(emulator)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[protocol_errors])
    app[EMULATOR_KEY] = emulator
    app[API_KEY] = api
    app[SDK_ENDPOINT_KEY] = endpoint
    app.router.add_post("/", api.json_endpoint)
    app.router.add_post("/service/GameLift/operation/{operation}", api.cbor_endpoint)
    app.router.add_get("/_emulator/state", api.state)
    app.router.add_post("/_emulator/reset", api.reset)
    app.router.add_route("*", "/_emulator/clock", api.clock)
    app.router.add_get("/_emulator/health", api.health)
    app.router.add_get("/_emulator/logs/game-sessions/{key:.+}", api.game_session_logs)
    app.router.add_get("/_emulator/processes", api.processes)
    app.router.add_get("/_emulator/sdk", api.sdk)
    app.router.add_post("/_emulator/sdk/refresh-connection", api.refresh_connection)
    # Last: the server SDK's WebSocket upgrade, on whatever path the SDK appends.
    app.router.add_get("/{tail:.*}", endpoint.handle)
    tls_listeners: list[TlsListener] = []

    async def on_startup(_app: web.Application) -> None:
        emulator.start()
        # The loaded state lives as long as the process: keep it out of every future collection, and
        # collect the young generation less often (a request allocates a few hundred objects).
        gc.collect()
        gc.freeze()
        gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
        if emulator.config.tls_port >= 0:
            tls_listeners.append(await _start_tls(emulator, endpoint, api))

    async def on_shutdown(_app: web.Application) -> None:
        # Before aiohttp waits for open connections: end the processes and their sockets, which would hold it up.
        await emulator.fleets.stop()
        await endpoint.service.stop()

    async def on_cleanup(_app: web.Application) -> None:
        for listener in tls_listeners:
            await listener.close()
        await emulator.stop()
        emulator.store.close()

    app.on_startup.append(on_startup)
    app.on_shutdown.append(on_shutdown)
    app.on_cleanup.append(on_cleanup)
    return app


def api_front(app: web.Application) -> Callable[[web.Server], ApiFront]:
    """The listening socket's protocol for ``app``: GameLift calls on the fast path, the rest to aiohttp."""
    # SDK WebSocket upgrades go to the endpoint's own lean protocol when it has one.
    upgrades = getattr(app[SDK_ENDPOINT_KEY], "take_over", None)
    return lambda full_server: ApiFront(app[API_KEY], full_server, MAX_BODY_BYTES, upgrades)
