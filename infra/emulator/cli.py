"""``gamelift-local``: run the emulator, or list which model operations it implements."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from infra.emulator.config import EmulatorConfig
from infra.stack.serving import run_until_stopped, serve_app


def _serve_parser(sub: argparse._SubParsersAction) -> None:
    defaults = EmulatorConfig()
    p = sub.add_parser("serve", help="run the emulator (the default command)")
    p.add_argument("--host", default=defaults.host)
    p.add_argument("--port", type=int, default=defaults.port, help="0 picks a free port")
    p.add_argument("--database", default=defaults.database, help="SQLite file, or :memory:")
    p.add_argument("--region", default=defaults.region)
    p.add_argument("--account-id", default=defaults.account_id)
    p.add_argument("--clock", choices=("system", "manual"), default=defaults.clock)
    p.add_argument("--auth", choices=("none", "sigv4"), default=defaults.auth)
    p.add_argument(
        "--keys",
        default=os.environ.get("GAMELIFT_LOCAL_KEYS", ""),
        help="ACCESS:SECRET[,ACCESS:SECRET] accepted with --auth sigv4",
    )
    p.add_argument(
        "--http-front",
        choices=("fast", "aiohttp"),
        default=defaults.http_front,
        help="fast: GameLift calls on a lean HTTP/1.1 path, everything else on aiohttp; aiohttp: aiohttp for all",
    )
    p.add_argument("--strict", action="store_true", default=defaults.strict, help="fail on model drift")
    p.add_argument("--fleet-stage-seconds", type=float, default=defaults.fleet_stage_seconds)
    p.add_argument("--public-ip", default=defaults.public_ip)
    p.add_argument("--data-dir", default=defaults.data_dir)
    p.add_argument(
        "--tls-port",
        type=int,
        default=defaults.tls_port,
        help="also serve the SDK endpoint on wss:// at this port (0: any free port; -1: off)",
    )
    p.add_argument(
        "--processes",
        choices=("auto", "simulated", "real"),
        default=defaults.processes,
        help="auto: a build's executable launch path runs as real processes, anything else is simulated",
    )
    p.add_argument(
        "--game-session-retention-seconds",
        type=float,
        default=defaults.game_session_retention_seconds,
        help="delete an ended game session and its player sessions this long after it ended (AWS: 30 days)",
    )
    p.add_argument(
        "--game-session-log-retention-seconds",
        type=float,
        default=defaults.game_session_log_retention_seconds,
        help="delete an ended game session's logs this long after it ended (AWS: 14 days)",
    )
    p.add_argument("--ready-file", help='write {"port": N, "url": ...} here once listening')
    p.add_argument("--log-level", default=os.environ.get("GAMELIFT_LOCAL_LOG_LEVEL", "WARNING"))


def _config(args: argparse.Namespace) -> EmulatorConfig:
    return EmulatorConfig(
        host=args.host,
        port=args.port,
        database=args.database,
        region=args.region,
        account_id=args.account_id,
        clock=args.clock,
        http_front=args.http_front,
        auth=args.auth,
        keys=EmulatorConfig.parse_keys(args.keys),
        strict=args.strict,
        fleet_stage_seconds=args.fleet_stage_seconds,
        public_ip=args.public_ip,
        data_dir=args.data_dir,
        tls_port=args.tls_port,
        processes=args.processes,
        game_session_retention_seconds=args.game_session_retention_seconds,
        game_session_log_retention_seconds=args.game_session_log_retention_seconds,
    )


async def serve(config: EmulatorConfig, ready_file: str | None = None) -> None:
    # Imported here so `gamelift-local coverage` stays quick.
    from infra.emulator.emulator import Emulator
    from infra.emulator.server import api_front, build_app

    emulator = Emulator(config)

    def listening(url: str, _port: int) -> None:
        if not config.advertised_url:
            config.advertised_url = url
        print(f"gamelift-local listening on {url} (region {config.region}, database {config.database})", flush=True)

    app = build_app(emulator)
    front = api_front(app) if config.http_front == "fast" else None
    await serve_app(app, config.host, config.port, ready_file, on_listening=listening, front=front)


def coverage() -> int:
    from infra.emulator.api.registry import load_handlers
    from infra.emulator.protocol.model import operation_names

    implemented = load_handlers()
    names = sorted(operation_names())
    for name in names:
        print(f"{'[x]' if name in implemented else '[ ]'} {name}")
    print(f"{len(implemented)}/{len(names)} operations of the GameLift model implemented")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="gamelift-local", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    _serve_parser(sub)
    sub.add_parser("coverage", help="list the model's operations and which are implemented")
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("-"):
        argv = ["serve", *argv]
    args = parser.parse_args(argv)
    if args.command == "coverage":
        return coverage()
    logging.basicConfig(
        level=args.log_level.upper(),
        format='{"time":"%(asctime)s","level":"%(levelname)s","logger":"%(name)s","msg":"%(message)s"}',
    )
    from infra.emulator.store import DatabaseInUseError

    try:
        return run_until_stopped(serve(_config(args), args.ready_file))
    except DatabaseInUseError as exc:
        print(f"gamelift-local: {exc}; stop it, or pass another --database", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
