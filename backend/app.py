"""The backend's HTTP face: routes, and the pipeline every request goes through.

Pipeline: request id (``X-Request-Id``, echoed) -> body size (413 before reading a declared-too-big
body) -> token (401) -> the player's token bucket (429 + ``Retry-After``) -> strict body check
(400) -> the route. Every failure is ``{"error": {"code", "message", "requestId"}}``; an unexpected
exception is logged with the request id and answered 500 in the same shape. One JSON log line per
request carries the request id, player id, status and time. ``openapi.json`` documents it all.
"""

from __future__ import annotations

import json
import logging
import math
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from backend import errors, inputs
from backend.config import BackendConfig
from backend.gamelift import GameLift, Target, make_client
from backend.jwks import JwksCache, JwksUnavailable
from backend.player_data import PlayerProfile
from backend.ratelimit import TokenBuckets
from backend.seating import STRATEGIES, Seat, Seating, SeatingStrategy
from backend.sessions import SessionBrowser, session_to_api
from backend.store import BackendStore, SeatRecord
from backend.subscriptions import SubscriptionClient
from backend.tokens import Player, TokenVerifier

log = logging.getLogger("backend.http")

OPENAPI_PATH = Path(__file__).with_name("openapi.json")
REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Backend:
    config: BackendConfig
    store: BackendStore
    jwks: JwksCache
    verifier: TokenVerifier
    subscriptions: SubscriptionClient
    gamelift: GameLift
    seating: Seating
    strategy: SeatingStrategy
    browser: SessionBrowser
    limiter: TokenBuckets
    clock: Callable[[], float] = time.time
    http: aiohttp.ClientSession | None = field(default=None)

    def client(self) -> aiohttp.ClientSession:
        if self.http is None:
            raise RuntimeError("the backend's HTTP client is not started")
        return self.http


BACKEND = web.AppKey("backend", Backend)


def _error_body(code: str, message: str, request_id: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message, "requestId": request_id}}


def _http_exception_code(exc: web.HTTPException) -> str:
    return re.sub(r"[^a-z0-9]+", "_", (exc.reason or "error").lower()).strip("_")


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request["request_id"] = request_id
    backend = request.app[BACKEND]
    started = time.perf_counter()
    headers: dict[str, str] = {"X-Request-Id": request_id}
    error_code = None
    try:
        if request.content_length is not None and request.content_length > backend.config.max_body_bytes:
            raise errors.BodyTooLarge(f"request body exceeds {backend.config.max_body_bytes} bytes")
        response = await handler(request)
    except errors.ApiError as exc:
        error_code = exc.code
        if exc.retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(exc.retry_after)))
        if exc.status == 401:
            headers["WWW-Authenticate"] = 'Bearer error="invalid_token"'
        response = web.json_response(_error_body(exc.code, exc.message, request_id), status=exc.status)
    except web.HTTPRequestEntityTooLarge:
        error_code = errors.BodyTooLarge.code
        message = f"request body exceeds {backend.config.max_body_bytes} bytes"
        response = web.json_response(_error_body(error_code, message, request_id), status=413)
    except web.HTTPException as exc:
        error_code = _http_exception_code(exc)
        response = web.json_response(_error_body(error_code, exc.reason, request_id), status=exc.status)
    except Exception:
        log.exception("unhandled error", extra={"request_id": request_id})
        error_code = "internal_error"
        response = web.json_response(_error_body(error_code, "internal error", request_id), status=500)
    response.headers.update(headers)
    if log.isEnabledFor(logging.INFO):
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "error": error_code,
                "player_id": request.get("player_id"),
                "ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
    return response


PlayerHandler = Callable[[web.Request, Backend, Player], Awaitable[web.StreamResponse]]


def authenticated(handler: PlayerHandler) -> Handler:
    """Verify the bearer token, then spend one of the player's tokens; only then run the route."""

    async def wrapper(request: web.Request) -> web.StreamResponse:
        backend = request.app[BACKEND]
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise errors.Unauthorized("Authorization: Bearer <token> required")
        try:
            player = await backend.verifier.verify(token.strip())
        except JwksUnavailable:
            raise errors.UpstreamUnavailable("tokens cannot be checked right now", retry_after=5) from None
        request["player_id"] = player.player_id
        decision = backend.limiter.take(player.player_id, time.monotonic())
        if not decision.allowed:
            raise errors.RateLimited("too many requests", retry_after=decision.retry_after)
        return await handler(request, backend, player)

    return wrapper


async def _body(request: web.Request) -> dict[str, Any]:
    return inputs.parse_json(await request.read())


def _remember(backend: Backend, player: Player, seat: Seat, how: str) -> None:
    backend.store.save_seat(
        SeatRecord(
            player_id=player.player_id,
            game_session_id=seat.game_session_id,
            player_session_id=seat.player_session_id,
            ip_address=seat.ip,
            dns_name=seat.dns_name,
            port=seat.port,
            seated_at=backend.clock(),
            how=how,
        )
    )


async def _profile(request: web.Request, backend: Backend, player: Player) -> PlayerProfile:
    return await backend.subscriptions.profile(player, request["request_id"])


# -- routes ------------------------------------------------------------------------------------


async def quickplay(request: web.Request, backend: Backend, player: Player) -> web.Response:
    inputs.quickplay(await _body(request))
    profile = await _profile(request, backend, player)
    seat = await backend.strategy.seat(profile)
    _remember(backend, player, seat, backend.strategy.name)
    return web.json_response(seat.to_api(profile.tier))


async def list_sessions(request: web.Request, backend: Backend, player: Player) -> web.Response:
    listing = inputs.listing(request.query)
    sessions, token = await backend.browser.list(listing)
    return web.json_response({"sessions": [session_to_api(s) for s in sessions], "nextToken": token})


async def create_session(request: web.Request, backend: Backend, player: Player) -> web.Response:
    wanted = inputs.create_session(await _body(request), backend.config.max_players)
    profile = await _profile(request, backend, player)
    session, seat = await backend.browser.create(
        profile, name=wanted.name, max_players=wanted.max_players, premium_only=wanted.premium_only
    )
    _remember(backend, player, seat, "create")
    return web.json_response({"session": session_to_api(session), "seat": seat.to_api(profile.tier)}, status=201)


async def join_session(request: web.Request, backend: Backend, player: Player) -> web.Response:
    game_session_id = inputs.join_session(await _body(request))
    profile = await _profile(request, backend, player)
    seat = await backend.browser.join(profile, game_session_id)
    _remember(backend, player, seat, "join")
    return web.json_response(seat.to_api(profile.tier))


async def me(request: web.Request, backend: Backend, player: Player) -> web.Response:
    # Always fresh: the player may just have bought a plan; later quick plays use the refreshed copy.
    backend.subscriptions.forget(player.player_id)
    profile = await _profile(request, backend, player)
    last = backend.store.last_seat(player.player_id)
    return web.json_response(
        {
            "playerId": player.player_id,
            "username": profile.username,
            "displayName": profile.display_name,
            "subscription": {
                "tier": profile.tier,
                "premiumUntil": profile.premium_until,
                "entitlements": profile.entitlements,
                "source": profile.source,
            },
            "token": {"tier": player.tier, "expiresAt": player.expires_at},
            "lastSeat": None
            if last is None
            else {
                "gameSessionId": last.game_session_id,
                "playerSessionId": last.player_session_id,
                "ip": last.ip_address,
                "port": last.port,
                "dnsName": last.dns_name,
                "seatedAt": last.seated_at,
                "how": last.how,
            },
        }
    )


async def health(request: web.Request) -> web.Response:
    backend = request.app[BACKEND]
    return web.json_response(
        {
            "status": "ok",
            "strategy": backend.strategy.name,
            "jwks": {"kids": backend.jwks.kids, "fetches": backend.jwks.fetches},
            "gameliftCalls": backend.gamelift.calls,
        }
    )


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=OPENAPI_PATH.read_bytes(), content_type="application/json")


# -- assembly ----------------------------------------------------------------------------------


def build_backend(config: BackendConfig, *, gamelift_client: Any = None) -> Backend:
    store = BackendStore(config.database)
    holder: dict[str, Backend] = {}

    async def fetch_jwks() -> dict[str, Any]:
        timeout = aiohttp.ClientTimeout(total=3)
        async with holder["backend"].client().get(config.resolved_jwks_url(), timeout=timeout) as response:
            response.raise_for_status()
            return json.loads(await response.read())

    jwks = JwksCache(
        fetch_jwks,
        time.time,
        max_age=config.jwks_max_age_seconds,
        refresh_burst=config.jwks_refresh_burst,
        refresh_interval=config.jwks_refresh_interval_seconds,
        on_fetched=store.save_jwks,
    )
    saved = store.load_jwks()
    if saved is not None:
        try:
            jwks.load(*saved)
        except ValueError:
            log.warning("event=stored_jwks_unreadable")
    target = Target(alias_id=config.alias_id, fleet_id=config.fleet_id, location=config.location)
    client = gamelift_client or make_client(config.gamelift_endpoint_url, config.region, config.gamelift_workers)
    gamelift = GameLift(client, target, workers=config.gamelift_workers)
    seating = Seating(
        gamelift,
        activation_timeout=config.activation_timeout_seconds,
        session_properties=config.session_properties,
    )
    strategy_class = STRATEGIES[config.quickplay_strategy]
    backend = Backend(
        config=config,
        store=store,
        jwks=jwks,
        verifier=TokenVerifier(jwks, config.issuer, config.audience, config.leeway_seconds),
        subscriptions=SubscriptionClient(
            lambda: holder["backend"].client(),
            config.auth_url,
            config.service_key_id,
            config.service_secret,
            cache_seconds=config.subscription_cache_seconds,
        ),
        gamelift=gamelift,
        seating=seating,
        strategy=strategy_class(seating, max_players=config.max_players, attempts=config.quickplay_attempts),
        browser=SessionBrowser(seating),
        limiter=TokenBuckets(config.rate_limit_per_second, config.rate_limit_burst),
    )
    holder["backend"] = backend
    return backend


def build_app(backend: Backend) -> web.Application:
    app = web.Application(client_max_size=backend.config.max_body_bytes, middlewares=[edge])
    app[BACKEND] = backend
    app.router.add_post("/v1/quickplay", authenticated(quickplay))
    app.router.add_get("/v1/sessions", authenticated(list_sessions))
    app.router.add_post("/v1/sessions", authenticated(create_session))
    app.router.add_post("/v1/sessions/join", authenticated(join_session))
    app.router.add_get("/v1/me", authenticated(me))
    app.router.add_get("/healthz", health)
    app.router.add_get("/openapi.json", openapi)

    async def on_startup(_app: web.Application) -> None:
        backend.http = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=64), headers={"User-Agent": "gamelift-reference-backend"}
        )

    async def on_cleanup(_app: web.Application) -> None:
        if backend.http is not None:
            await backend.http.close()
        backend.gamelift.close()
        backend.store.close()

    app.on_startup.append(on_startup)
    app.on_cleanup.append(on_cleanup)
    return app
