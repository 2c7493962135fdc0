"""``python -m external_auth [serve|rotate-keys|end-rollover]``.

``serve`` (the default) runs the service. ``rotate-keys`` and ``end-rollover`` change the signing
keys in the database directly, for an operator on the host; a running service sees the change at
its next request (it watches the file's data version). ``POST /v1/admin/keys/rotate`` does the
same over HTTP with an admin key.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time

from external_auth.client_address import parse_networks
from external_auth.config import AuthConfig, parse_credentials
from external_auth.throttle import ThrottlePolicy
from infra.stack import json_logs as logs
from infra.stack.serving import run_until_stopped, serve_app

log = logging.getLogger("external_auth")


def _parser() -> argparse.ArgumentParser:
    d = AuthConfig()
    parser = argparse.ArgumentParser(prog="python -m external_auth", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    serve = sub.add_parser("serve", help="run the service (the default)")
    serve.add_argument("--host", default=d.host)
    serve.add_argument("--port", type=int, default=d.port, help="0 picks a free port")
    serve.add_argument("--database", default=d.database)
    serve.add_argument("--issuer", default=d.issuer)
    serve.add_argument("--audience", default=d.audience)
    serve.add_argument("--token-ttl-seconds", type=int, default=d.token_ttl_seconds)
    serve.add_argument("--rollover-seconds", type=int, default=d.rollover_seconds)
    serve.add_argument("--rsa-key-bits", type=int, default=d.rsa_key_bits, choices=(2048, 3072, 4096))
    serve.add_argument(
        "--service-keys",
        default=os.environ.get("EXTERNAL_AUTH_SERVICE_KEYS", ""),
        help="ID:SECRET[,ID:SECRET]: callers of the subscription endpoint (prefer the variable: argv is visible)",
    )
    serve.add_argument(
        "--admin-keys",
        default=os.environ.get("EXTERNAL_AUTH_ADMIN_KEYS", ""),
        help="ID:SECRET[,ID:SECRET]: callers of /v1/admin/*",
    )
    serve.add_argument("--scrypt-log2-n", type=int, default=d.scrypt_log2_n)
    login = d.login
    serve.add_argument(
        "--login-max-failures",
        type=int,
        default=login.max_failures,
        help="consecutive failed logins of one username from one address before the back-off (0: off)",
    )
    serve.add_argument("--login-base-delay-seconds", type=float, default=login.base_delay, help="the first back-off")
    serve.add_argument(
        "--login-max-delay-seconds", type=float, default=login.max_delay, help="the back-off doubles up to this"
    )
    serve.add_argument(
        "--login-address-max-failures",
        type=int,
        default=login.address_max_failures,
        help="failed logins from one address, any usernames, per window (0: off)",
    )
    serve.add_argument("--login-address-window-seconds", type=float, default=login.address_window)
    serve.add_argument(
        "--trusted-proxies",
        default=",".join(map(str, d.trusted_proxies)),
        help="ADDRESS|CIDR[,...]: proxies whose X-Forwarded-For names the client (default: none, header ignored)",
    )
    serve.add_argument("--max-body-bytes", type=int, default=d.max_body_bytes)
    serve.add_argument("--ready-file", help='write {"port": N, "url": ..., "pid": ...} here once listening')
    serve.add_argument("--log-level", default=d.log_level)
    for name, text in (
        ("rotate-keys", "make a new signing key; the old one stays published for the rollover"),
        ("end-rollover", "stop publishing every replaced key now"),
    ):
        cmd = sub.add_parser(name, help=text)
        cmd.add_argument("--database", default=d.database)
        cmd.add_argument("--rollover-seconds", type=int, default=d.rollover_seconds)
        cmd.add_argument("--rsa-key-bits", type=int, default=d.rsa_key_bits)
    return parser


def _config(args: argparse.Namespace) -> AuthConfig:
    return AuthConfig(
        host=args.host,
        port=args.port,
        database=args.database,
        issuer=args.issuer,
        audience=args.audience,
        token_ttl_seconds=args.token_ttl_seconds,
        rollover_seconds=args.rollover_seconds,
        rsa_key_bits=args.rsa_key_bits,
        service_keys=parse_credentials(args.service_keys),
        admin_keys=parse_credentials(args.admin_keys),
        scrypt_log2_n=args.scrypt_log2_n,
        login=ThrottlePolicy(
            max_failures=args.login_max_failures,
            base_delay=args.login_base_delay_seconds,
            max_delay=args.login_max_delay_seconds,
            address_max_failures=args.login_address_max_failures,
            address_window=args.login_address_window_seconds,
        ),
        trusted_proxies=parse_networks(args.trusted_proxies),
        max_body_bytes=args.max_body_bytes,
        log_level=args.log_level,
    )


async def serve(config: AuthConfig, ready_file: str | None = None) -> None:
    from external_auth.app import build_app, build_services

    services = build_services(config)
    if not config.service_keys:
        log.warning("no service keys configured: the subscription endpoint answers 503")
    await serve_app(
        build_app(services),
        config.host,
        config.port,
        ready_file,
        on_listening=lambda url, _port: log.info("listening", extra={"url": url, "database": config.database}),
    )


def _keys_command(args: argparse.Namespace) -> int:
    from external_auth.keys import KeyRing
    from external_auth.store import AuthStore

    store = AuthStore(args.database)
    try:
        ring = KeyRing(store, bits=args.rsa_key_bits)
        now = time.time()
        if args.command == "rotate-keys":
            ring.ensure_signing_key(now)
            key = ring.rotate(now, args.rollover_seconds)
            print(json.dumps({"kid": key.kid, "published": [k.kid for k in ring.published(now)]}))
        else:
            removed = ring.end_rollover()
            print(json.dumps({"removed": removed, "published": [k.kid for k in ring.published(now)]}))
    finally:
        store.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or (argv[0].startswith("-") and argv[0] not in ("-h", "--help")):
        argv = ["serve", *argv]
    try:
        args = _parser().parse_args(argv)  # its defaults come from EXTERNAL_AUTH_*, which may be nonsense
        config = None if args.command in ("rotate-keys", "end-rollover") else _config(args)
    except ValueError as exc:
        print(f"external_auth: {exc}", file=sys.stderr)
        return 2
    if config is None:
        return _keys_command(args)
    logs.configure(config.log_level)
    return run_until_stopped(serve(config, args.ready_file))


if __name__ == "__main__":
    sys.exit(main())
