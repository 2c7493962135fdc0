"""The HTTP face of the emulator: both GameLift wire protocols and the control API.

One aiohttp application on one port serves awsJson1_1 (``POST /``), smithy
rpc-v2-cbor (``POST /service/GameLift/operation/<Op>``), and the emulator's own
``/_emulator/`` control API (reset, state summary, clock). Everything specific
to HTTP stays in this module; operations run through ``Invoker``.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from aiohttp import web

from infra.emulator.api.registry import RequestContext
from infra.emulator.emulator import Emulator
from infra.emulator.errors import GameLiftError, ProtocolError, UnknownOperationException
from infra.emulator.protocol.codecs import CBOR, JSON, WireCodec
from infra.emulator.protocol.invoke import Invoker
from infra.emulator.protocol.sigv4 import SigV4Error, SigV4Verifier, read_identity

log = logging.getLogger("gamelift_local.http")

# Larger than any legal GameLift request (GameSessionData tops out at 262,144 chars).
MAX_BODY_BYTES = 2 * 1024 * 1024
EMULATOR_KEY = web.AppKey("emulator", Emulator)


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
        prefix, _, name = target.partition(".")
        return await self._call(request, JSON, name if prefix == "GameLift" else "", target)

    async def cbor_endpoint(self, request: web.Request) -> web.StreamResponse:
        return await self._call(request, CBOR, request.match_info["operation"], request.path)

    async def _call(self, request: web.Request, codec: WireCodec, name: str, target: str) -> web.Response:
        request_id = self.emulator.ids.request_id()
        started = time.perf_counter()
        status = 200
        code = "-"
        try:
            body = await request.read()
            identity = self._identify(request, body)
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
            output = await self.invoker.invoke(ctx, codec.decode(body))
            response = web.Response(body=codec.encode(output), content_type=codec.content_type)
            if codec is CBOR:
                response.headers["smithy-protocol"] = "rpc-v2-cbor"
        except web.HTTPRequestEntityTooLarge:
            status, code = 413, "RequestEntityTooLargeException"
            response = self._error(codec, status, code, f"Request body exceeds {MAX_BODY_BYTES} bytes")
        except SigV4Error as exc:
            status, code = exc.status, exc.code
            response = self._error(codec, status, code, exc.message)
        except GameLiftError as exc:
            status, code = exc.status, exc.code
            if isinstance(exc, UnknownOperationException) and codec is CBOR:
                status = 404  # rpc-v2-cbor answers an unknown operation as an unknown route
            response = self._error(codec, status, code, exc.message)
        response.headers["x-amzn-RequestId"] = request_id
        if log.isEnabledFor(logging.INFO):
            log.info(
                "op=%s protocol=%s status=%s error=%s request_id=%s ms=%.2f",
                name or target,
                codec.name,
                status,
                code,
                request_id,
                (time.perf_counter() - started) * 1000,
            )
        return response

    def _identify(self, request: web.Request, body: bytes) -> Any:
        if self.verifier is None:
            return read_identity(request.headers, request.query)
        return self.verifier.verify(
            request.method,
            request.host,
            request.raw_path.split("?", 1)[0],
            request.query_string,
            request.headers,
            body,
        )

    @staticmethod
    def _error(codec: WireCodec, status: int, code: str, message: str) -> web.Response:
        response = web.Response(status=status, body=codec.error_body(code, message), content_type=codec.content_type)
        response.headers.update(codec.error_headers(code))
        return response

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


@web.middleware
async def protocol_errors(request: web.Request, handler: Any) -> web.StreamResponse:
    """Whatever slips past the endpoints still gets an AWS-shaped 4xx, never a bare 500."""
    try:
        return await handler(request)
    except web.HTTPException:
        raise
    except ProtocolError as exc:
        return web.json_response({"__type": exc.code, "message": exc.message}, status=exc.status)


def build_app(emulator: Emulator) -> web.Application:
    api = ApiServer(emulator)
    app = web.Application(client_max_size=MAX_BODY_BYTES, middlewares=[protocol_errors])
    app[EMULATOR_KEY] = emulator
    app.router.add_post("/", api.json_endpoint)
    app.router.add_post("/service/GameLift/operation/{operation}", api.cbor_endpoint)
    app.router.add_get("/_emulator/state", api.state)
    app.router.add_post("/_emulator/reset", api.reset)
    app.router.add_route("*", "/_emulator/clock", api.clock)
    app.router.add_get("/_emulator/health", api.health)

    async def on_startup(_app: web.Application) -> None:
        emulator.start()

    async def on_cleanup(_app: web.Application) -> None:
        await emulator.stop()
        emulator.store.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
