"""``python -m backend``: run the backend service.

Every flag has a ``BACKEND_*`` variable (``--alias-id`` is ``BACKEND_ALIAS_ID``, and so on); the
service secret is best given as ``BACKEND_SERVICE_SECRET``, since a process's arguments are visible
to other users. Without ``--gamelift-endpoint-url`` boto3 talks to real GameLift with the default
AWS credential chain.
"""

from __future__ import annotations

import argparse
import logging
import sys

from backend.config import BackendConfig, parse_properties
from infra.stack import json_logs as logs
from infra.stack.serving import run_until_stopped, serve_app

log = logging.getLogger("backend")


def _parser() -> argparse.ArgumentParser:
    from backend.seating import STRATEGIES

    d = BackendConfig()
    p = argparse.ArgumentParser(prog="python -m backend", description=__doc__)
    p.add_argument("--host", default=d.host)
    p.add_argument("--port", type=int, default=d.port, help="0 picks a free port")
    p.add_argument("--database", default=d.database)
    p.add_argument("--auth-url", default=d.auth_url, help="external_auth's base URL")
    p.add_argument("--jwks-url", default=d.jwks_url, help="default: <auth-url>/.well-known/jwks.json")
    p.add_argument("--issuer", default=d.issuer)
    p.add_argument("--audience", default=d.audience)
    p.add_argument("--leeway-seconds", type=float, default=d.leeway_seconds)
    p.add_argument("--jwks-max-age-seconds", type=float, default=d.jwks_max_age_seconds)
    p.add_argument("--jwks-refresh-burst", type=int, default=d.jwks_refresh_burst)
    p.add_argument("--jwks-refresh-interval-seconds", type=float, default=d.jwks_refresh_interval_seconds)
    p.add_argument("--service-key-id", default=d.service_key_id)
    p.add_argument("--service-secret", default=d.service_secret, help="prefer BACKEND_SERVICE_SECRET")
    p.add_argument("--subscription-cache-seconds", type=float, default=d.subscription_cache_seconds)
    p.add_argument("--gamelift-endpoint-url", default=d.gamelift_endpoint_url, help="e.g. gamelift-local's URL")
    p.add_argument("--region", default=d.region)
    p.add_argument("--alias-id", default=d.alias_id)
    p.add_argument("--fleet-id", default=d.fleet_id)
    p.add_argument("--location", default=d.location)
    p.add_argument("--max-players", type=int, default=d.max_players)
    p.add_argument(
        "--session-properties",
        type=parse_properties,
        default=d.session_properties,
        help="GameProperties for new sessions, key=value,key=value (env BACKEND_SESSION_PROPERTIES)",
    )
    p.add_argument("--quickplay-strategy", choices=sorted(STRATEGIES), default=d.quickplay_strategy)
    p.add_argument("--quickplay-attempts", type=int, default=d.quickplay_attempts)
    p.add_argument("--activation-timeout-seconds", type=float, default=d.activation_timeout_seconds)
    p.add_argument("--gamelift-workers", type=int, default=d.gamelift_workers)
    p.add_argument("--rate-limit-per-second", type=float, default=d.rate_limit_per_second)
    p.add_argument("--rate-limit-burst", type=int, default=d.rate_limit_burst)
    p.add_argument("--max-body-bytes", type=int, default=d.max_body_bytes)
    p.add_argument("--ready-file", help='write {"port": N, "url": ..., "pid": ...} here once listening')
    p.add_argument("--log-level", default=d.log_level)
    return p


def _config(args: argparse.Namespace) -> BackendConfig:
    values = {k: v for k, v in vars(args).items() if k != "ready_file"}
    config = BackendConfig(**values)
    if not (config.alias_id or config.fleet_id):
        raise ValueError("set --alias-id (or --fleet-id): where players are seated")
    if config.max_players < 1 or config.rate_limit_per_second <= 0 or config.rate_limit_burst < 1:
        raise ValueError("--max-players, --rate-limit-per-second and --rate-limit-burst must be positive")
    return config


async def serve(config: BackendConfig, ready_file: str | None = None) -> None:
    from backend.app import build_app, build_backend

    backend = build_backend(config)
    if not config.service_secret:
        log.warning("no service secret: subscriptions fall back to the token's tier claim")
    await serve_app(
        build_app(backend),
        config.host,
        config.port,
        ready_file,
        on_listening=lambda url, _port: log.info(
            "listening", extra={"url": url, "target": backend.gamelift.target.params()}
        ),
    )


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        config = _config(args)
    except (ValueError, TypeError) as exc:
        print(f"backend: {exc}", file=sys.stderr)
        return 2
    logs.configure(config.log_level)
    return run_until_stopped(serve(config, args.ready_file))


if __name__ == "__main__":
    sys.exit(main())
