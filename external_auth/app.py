"""HTTP routes of external_auth. Errors are ``{"error": {"code", "message", "requestId"}}``.

| route | who calls it | authenticated by |
| --- | --- | --- |
| ``POST /v1/accounts`` | a player signing up | nothing |
| ``POST /v1/login`` | a player | username and password (throttled: 429 + ``Retry-After``) |
| ``GET /.well-known/jwks.json`` | the backend (any verifier) | nothing: public keys |
| ``GET``/``POST /v1/subscription`` | a player: see / buy a plan (stub shop) | the player's token |
| ``GET /v1/service/players/{playerId}/subscription`` | the backend | an HMAC service key |
| ``POST /v1/admin/keys/rotate``, ``POST /v1/admin/keys/end-rollover`` | operators | an HMAC admin key |
| ``GET /healthz`` | probes | nothing |
"""

from __future__ import annotations

import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import jwt
from aiohttp import web

from external_auth import catalogue
from external_auth.accounts import (
    PLAYER_ID,
    AccountError,
    Accounts,
    check_display_name,
    check_password,
    check_username,
)
from external_auth.client_address import client_address
from external_auth.config import AuthConfig
from external_auth.keys import KeyRing
from external_auth.service_auth import ServiceAuthError, ServiceVerifier
from external_auth.store import AuthStore
from external_auth.throttle import LoginThrottle
from external_auth.tokens import TokenIssuer

log = logging.getLogger("external_auth.http")

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers or {}


@dataclass
class Services:
    config: AuthConfig
    store: AuthStore
    keys: KeyRing
    accounts: Accounts
    tokens: TokenIssuer
    service_verifier: ServiceVerifier
    admin_verifier: ServiceVerifier
    login_throttle: LoginThrottle
    clock: Callable[[], float]


SERVICES = web.AppKey("services", Services)


def error_response(status: int, code: str, message: str, request_id: str) -> web.Response:
    body = {"error": {"code": code, "message": message, "requestId": request_id}}
    return web.json_response(body, status=status, headers={"X-Request-Id": request_id})


@web.middleware
async def edge(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Request ids, one log line per request, and every failure as a JSON error (never a bare 500)."""
    incoming = request.headers.get("X-Request-Id", "")
    request_id = incoming if REQUEST_ID.match(incoming) else uuid.uuid4().hex
    request["request_id"] = request_id
    started = time.perf_counter()
    try:
        response = await handler(request)
        response.headers["X-Request-Id"] = request_id
    except HttpError as exc:
        response = error_response(exc.status, exc.code, exc.message, request_id)
        response.headers.update(exc.headers)
    except AccountError as exc:
        response = error_response(exc.status, exc.code, exc.message, request_id)
    except web.HTTPRequestEntityTooLarge:
        response = error_response(413, "body_too_large", "request body is too large", request_id)
    except web.HTTPException as exc:
        response = error_response(exc.status, exc.reason.lower().replace(" ", "_"), exc.reason, request_id)
    except Exception:
        log.exception("unhandled error", extra={"request_id": request_id})
        response = error_response(500, "internal_error", "internal error", request_id)
    log.info(
        "request",
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "ms": round((time.perf_counter() - started) * 1000, 2),
            "player_id": request.get("player_id"),
            "service_key": request.get("service_key"),
        },
    )
    return response


async def read_json(request: web.Request, limit: int) -> dict[str, Any]:
    if request.content_length is not None and request.content_length > limit:
        raise HttpError(413, "body_too_large", f"request body exceeds {limit} bytes")
    body = await request.read()
    if not body:
        return {}
    try:
        payload = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "malformed_json", "request body is not valid JSON") from None
    if not isinstance(payload, dict):
        raise HttpError(400, "invalid_request", "request body must be a JSON object")
    return payload


def only_fields(payload: dict[str, Any], allowed: set[str]) -> None:
    unknown = sorted(set(payload) - allowed)
    if unknown:
        raise HttpError(400, "unknown_field", f"unknown field(s): {', '.join(unknown)}")


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


# -- players ---------------------------------------------------------------------------------


async def sign_up(request: web.Request) -> web.Response:
    s = _services(request)
    payload = await read_json(request, s.config.max_body_bytes)
    only_fields(payload, {"username", "password", "displayName"})
    username = check_username(payload.get("username"))
    password = check_password(payload.get("password"))
    display_name = check_display_name(payload.get("displayName"), username)
    account = await s.accounts.sign_up(username, password, display_name)
    request["player_id"] = account.player_id
    log.info("event=signed_up", extra={"player_id": account.player_id, "request_id": request["request_id"]})
    subscription = s.accounts.subscription(account.player_id)
    return web.json_response(subscription.to_api(), status=201)


async def login(request: web.Request) -> web.Response:
    s = _services(request)
    payload = await read_json(request, s.config.max_body_bytes)
    only_fields(payload, {"username", "password"})
    username, password = payload.get("username"), payload.get("password")
    if not isinstance(username, str) or not isinstance(password, str) or len(password) > 1024:
        raise HttpError(400, "invalid_request", "username and password must be strings")
    # Throttled before the password is looked at: a refused guess costs us no scrypt work. Unknown
    # usernames are throttled exactly like known ones, so a 429 says nothing about which names exist.
    forwarded_for = ",".join(request.headers.getall("X-Forwarded-For", []))
    address = client_address(request.remote, forwarded_for, s.config.trusted_proxies)
    admission = s.login_throttle.admit(username, address)
    if not admission.allowed:
        wait = admission.retry_after
        log.info(
            "event=login_throttled",
            extra={"request_id": request["request_id"], "client": address, "limit": admission.limit, "wait": wait},
        )
        raise HttpError(
            429, "login_throttled", f"too many failed logins; try again in {wait} s", {"Retry-After": str(wait)}
        )
    account = await s.accounts.login(username, password)
    s.login_throttle.succeeded(admission)
    request["player_id"] = account.player_id
    subscription = s.accounts.subscription(account.player_id)
    issued = s.tokens.issue(account.player_id, account.username, subscription.tier, s.clock())
    return web.json_response(
        {
            "accessToken": issued.token,
            "tokenType": "Bearer",
            "expiresIn": issued.expires_in,
            "playerId": account.player_id,
            "tier": str(subscription.tier),
        },
        headers={"Cache-Control": "no-store"},
    )


def _player_from_token(request: web.Request) -> str:
    s = _services(request)
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise HttpError(401, "missing_token", "Authorization: Bearer <token> required", {"WWW-Authenticate": "Bearer"})
    try:
        claims = s.tokens.verify(token.strip(), s.clock())
    except jwt.PyJWTError:
        raise HttpError(401, "invalid_token", "invalid or expired token", {"WWW-Authenticate": "Bearer"}) from None
    request["player_id"] = claims["sub"]
    return str(claims["sub"])


async def my_subscription(request: web.Request) -> web.Response:
    s = _services(request)
    return web.json_response(s.accounts.subscription(_player_from_token(request)).to_api())


async def buy_subscription(request: web.Request) -> web.Response:
    s = _services(request)
    player_id = _player_from_token(request)
    payload = await read_json(request, s.config.max_body_bytes)
    only_fields(payload, {"plan", "days"})
    plan, days = payload.get("plan"), payload.get("days", 30)
    if not isinstance(plan, str):
        raise HttpError(400, "invalid_request", "plan must be a string")
    if type(days) is not int or not 1 <= days <= catalogue.MAX_PLAN_DAYS:
        raise HttpError(400, "invalid_request", f"days must be an integer 1-{catalogue.MAX_PLAN_DAYS}")
    subscription = s.accounts.purchase(player_id, plan, days)
    log.info("event=purchased", extra={"player_id": player_id, "plan": plan, "days": days})
    return web.json_response(subscription.to_api())


async def jwks(request: web.Request) -> web.Response:
    s = _services(request)
    # Short caching: verifiers refetch on an unknown kid anyway.
    return web.json_response(s.keys.jwks(s.clock()), headers={"Cache-Control": "public, max-age=60"})


# -- services and operators ------------------------------------------------------------------


async def _authorise(request: web.Request, verifier: ServiceVerifier, what: str) -> bytes:
    s = _services(request)
    if not verifier.enabled:
        raise HttpError(503, "not_configured", f"no {what} credentials are configured")
    if request.content_length is not None and request.content_length > s.config.max_body_bytes:
        raise HttpError(413, "body_too_large", "request body is too large")
    body = await request.read()
    try:
        request["service_key"] = verifier.verify(request.method, request.path_qs, request.headers, body, s.clock())
    except ServiceAuthError as exc:
        raise HttpError(401, "invalid_service_signature", str(exc)) from None
    return body


async def service_subscription(request: web.Request) -> web.Response:
    s = _services(request)
    await _authorise(request, s.service_verifier, "service")
    player_id = request.match_info["player_id"]
    if not PLAYER_ID.match(player_id):
        raise HttpError(404, "unknown_player", "no such player")
    request["player_id"] = player_id
    return web.json_response(s.accounts.subscription(player_id).to_api())


async def rotate_keys(request: web.Request) -> web.Response:
    s = _services(request)
    await _authorise(request, s.admin_verifier, "admin")
    now = s.clock()
    key = s.keys.rotate(now, s.config.rollover_seconds)
    return web.json_response({"kid": key.kid, "published": [k.kid for k in s.keys.published(now)]})


async def end_rollover(request: web.Request) -> web.Response:
    s = _services(request)
    await _authorise(request, s.admin_verifier, "admin")
    removed = s.keys.end_rollover()
    return web.json_response({"removed": removed, "published": [k.kid for k in s.keys.published(s.clock())]})


async def health(request: web.Request) -> web.Response:
    return web.json_response({"status": "ok"})


def build_services(
    config: AuthConfig, clock: Callable[[], float] = time.time, monotonic: Callable[[], float] = time.monotonic
) -> Services:
    store = AuthStore(config.database)
    keys = KeyRing(store, bits=config.rsa_key_bits)
    keys.ensure_signing_key(clock())
    return Services(
        config=config,
        store=store,
        keys=keys,
        accounts=Accounts(store, clock, config.scrypt_log2_n),
        tokens=TokenIssuer(keys, config.issuer, config.audience, config.token_ttl_seconds),
        service_verifier=ServiceVerifier(config.service_keys, config.service_clock_skew_seconds),
        admin_verifier=ServiceVerifier(config.admin_keys, config.service_clock_skew_seconds),
        # Waits are measured on a monotonic clock: a wall-clock step must not lift or stretch them.
        login_throttle=LoginThrottle(config.login, monotonic),
        clock=clock,
    )


def build_app(services: Services) -> web.Application:
    app = web.Application(client_max_size=services.config.max_body_bytes, middlewares=[edge])
    app[SERVICES] = services
    app.router.add_post("/v1/accounts", sign_up)
    app.router.add_post("/v1/login", login)
    app.router.add_get("/.well-known/jwks.json", jwks)
    app.router.add_get("/v1/subscription", my_subscription)
    app.router.add_post("/v1/subscription", buy_subscription)
    app.router.add_get("/v1/service/players/{player_id}/subscription", service_subscription)
    app.router.add_post("/v1/admin/keys/rotate", rotate_keys)
    app.router.add_post("/v1/admin/keys/end-rollover", end_rollover)
    app.router.add_get("/healthz", health)

    async def on_cleanup(_app: web.Application) -> None:
        services.store.close()

    app.on_cleanup.append(on_cleanup)
    return app
