"""Backend quick play beside the emulator alone, in the same run.

``python -m bench backend_quickplay [--seconds S] [--rounds R] [--warmup W] [--connections N] [--players P]``
(or ``python -m bench.backend_quickplay ...``)

Two targets take turns, A B A B, after a warm-up of each, driven by a load generator in its own
process (closed loop: each connection sends its next quick play as soon as the last one is answered):

- **backend**: ``POST /v1/quickplay`` with a player's bearer token, through the whole backend
  (JWT verification against the JWKS, the per-player rate limit (set high here), the cached
  subscription lookup at external_auth, boto3 in worker threads, SQLite seat record) to
  gamelift-local behind it;
- **emulator**: the same GameLift calls made directly by the load generator over awsJson1_1:
  SearchGameSessions on the alias (``hasAvailablePlayerSessions=true``, fullest first), then
  CreatePlayerSession on the first session with room, or CreateGameSession, DescribeGameSessions
  until ACTIVE and CreatePlayerSession when none has room. That is the floor under the backend:
  what a quick play costs in GameLift alone.

Both target the same fleet (simulated server processes behind an alias) in the same emulator
(system clock, SQLite in a file). Player sessions are reserved for ``--reservation-seconds``
(GameLift's 60 s, shortened) and then time out, so seats free up and the number of live game
sessions stays steady from round to round.

Result: ``bench/results/backend_quickplay.json`` with ``benchmark``, ``summary``, ``conditions``
(connections, players, seconds per round, rounds, warm-up, session size, reservation, Python, CPU
count and how the cores are shared, git commit), ``backend`` and ``emulator`` (each: ``rounds`` with
quick plays/s, p50/p99 ms, errors, placements and CPU seconds per process; medians over rounds,
spread, errors), ``ratio`` (backend/emulator medians), ``ratio_rounds``, ``added_ms`` (p50/p99 the
backend adds) and ``gamelift_calls_per_quickplay``. The summary line is printed last.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.figures import across_rounds, git_state

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_OUTPUT = RESULTS_DIR / "backend_quickplay.json"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"


# -- load generator (its own process) --------------------------------------------------------------


@dataclass
class Round:
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    placements: Counter[str] = field(default_factory=Counter)
    deadline: float = math.inf

    def add(self, started: float, ended: float, outcome: str, error: bool) -> None:
        """Only quick plays that seated someone count towards throughput and latency; failures are counted apart."""
        if ended > self.deadline:
            return
        if error:
            self.errors[outcome] += 1
        else:
            self.latencies.append(ended - started)
            self.placements[outcome] += 1


class DirectQuickPlay:
    """What the backend's search-or-create strategy asks of GameLift, asked directly."""

    def __init__(self, session: Any, url: str, alias_id: str, max_players: int, index: int) -> None:
        self.session = session
        self.url = url
        self.alias_id = alias_id
        self.max_players = max_players
        self.index = index
        self.n = 0

    async def _call(self, operation: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        headers = {"X-Amz-Target": f"GameLift.{operation}", "Content-Type": JSON_CONTENT_TYPE}
        async with self.session.post(self.url, data=json.dumps(body), headers=headers) as response:
            return response.status, json.loads(await response.read())

    async def run(self) -> tuple[str, bool]:
        self.n += 1
        player = f"direct-{self.index}-{self.n}"
        status, found = await self._call(
            "SearchGameSessions",
            {
                "AliasId": self.alias_id,
                "FilterExpression": "hasAvailablePlayerSessions=true",
                "SortExpression": "playerSessionCount DESC",
                "Limit": 10,
            },
        )
        if status != 200:
            return f"SearchGameSessions:{found.get('__type', status)}", True
        for gs in found["GameSessions"]:
            seat = {"GameSessionId": gs["GameSessionId"], "PlayerId": player}
            status, out = await self._call("CreatePlayerSession", seat)
            if status == 200:
                return "joined", False
        status, out = await self._call(
            "CreateGameSession",
            {"AliasId": self.alias_id, "MaximumPlayerSessionCount": self.max_players, "CreatorId": player},
        )
        if status != 200:
            return f"CreateGameSession:{out.get('__type', status)}", True
        game_session = out["GameSession"]
        delay = 0.01
        while game_session["Status"] == "ACTIVATING":
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.25)
            status, out = await self._call("DescribeGameSessions", {"GameSessionId": game_session["GameSessionId"]})
            game_session = out["GameSessions"][0]
        status, out = await self._call(
            "CreatePlayerSession", {"GameSessionId": game_session["GameSessionId"], "PlayerId": player}
        )
        return ("created", False) if status == 200 else (f"CreatePlayerSession:{out.get('__type', status)}", True)


class BackendQuickPlay:
    def __init__(self, session: Any, url: str, token: str) -> None:
        self.session = session
        self.url = url + "/v1/quickplay"
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    async def run(self) -> tuple[str, bool]:
        async with self.session.post(self.url, data=b"{}", headers=self.headers) as response:
            body = json.loads(await response.read())
            if response.status == 200:
                return body["placement"], False
            return f"{response.status}:{body.get('error', {}).get('code', '?')}", True


async def _drive(job: dict[str, Any]) -> dict[str, Any]:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=job["connections"], force_close=False)
    async with aiohttp.ClientSession(connector=connector) as session:
        if job["target"] == "backend":
            workers: list[Any] = [
                BackendQuickPlay(session, job["backend_url"], job["tokens"][i % len(job["tokens"])])
                for i in range(job["connections"])
            ]
        else:
            workers = [
                DirectQuickPlay(session, job["emulator_url"], job["alias_id"], job["max_players"], i)
                for i in range(job["connections"])
            ]
        record = Round()
        started = time.perf_counter()
        record.deadline = started + job["seconds"]

        async def loop(worker: Any) -> None:
            while time.perf_counter() < record.deadline:
                t0 = time.perf_counter()
                try:
                    outcome, error = await worker.run()
                except Exception as exc:  # a broken connection counts as an error, the loop goes on
                    outcome, error = f"exception:{type(exc).__name__}", True
                record.add(t0, time.perf_counter(), outcome, error)

        await asyncio.gather(*(loop(w) for w in workers))
    latencies = sorted(record.latencies)
    return {
        "requests": len(latencies),
        "elapsed_s": job["seconds"],
        "latencies": latencies,
        "errors": dict(record.errors),
        "placements": dict(record.placements),
    }


def _load_generator(conn: Connection) -> None:
    while True:
        job = conn.recv()
        if job is None:
            return
        conn.send(asyncio.run(_drive(job)))


# -- measuring ---------------------------------------------------------------------------------------


def _cpu_seconds(pid: int) -> float | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _pct(values: list[float], q: float) -> float:
    if not values:
        return math.nan
    return values[min(len(values) - 1, max(0, math.ceil(q * len(values)) - 1))]


def _r(value: float, digits: int = 2) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def _summarise_round(raw: dict[str, Any], cpu: dict[str, float | None], extra: dict[str, Any]) -> dict[str, Any]:
    lat = raw["latencies"]
    return {
        "requests": raw["requests"],
        "requests_per_s": _r(raw["requests"] / raw["elapsed_s"], 1),
        "p50_ms": _r(_pct(lat, 0.50) * 1000),
        "p99_ms": _r(_pct(lat, 0.99) * 1000),
        "errors": sum(raw["errors"].values()),
        "error_codes": raw["errors"],
        "placements": raw["placements"],
        "cpu_s": cpu,
        **extra,
    }


def _log(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench backend_quickplay", description=__doc__)
    p.add_argument("--seconds", type=float, default=5.0, help="length of each timed round")
    p.add_argument("--rounds", type=int, default=5, help="timed rounds per target")
    p.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per target first")
    p.add_argument("--connections", type=int, default=16, help="concurrent closed-loop clients")
    p.add_argument("--players", type=int, default=32, help="distinct players (tokens) the backend sees")
    p.add_argument("--max-players", type=int, default=100, help="MaximumPlayerSessionCount of new sessions")
    p.add_argument("--reservation-seconds", type=float, default=1.0, help="player session reservation time-out")
    p.add_argument("--processes", type=int, default=50, help="server processes per instance")
    p.add_argument("--instances", type=int, default=2)
    p.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-backend-quickplay-") as workdir:
        return _run(args, Path(workdir))


def _run(args: argparse.Namespace, workdir: Path) -> int:
    from infra.stack.local import LocalStack, http_json

    quiet = ["--log-level", "WARNING"]
    stack = LocalStack(
        workdir=workdir,
        processes=args.processes,
        instances=args.instances,
        emulator_env={"GAMELIFT_LOCAL_PLAYER_SESSION_RESERVATION_SECONDS": str(args.reservation_seconds)},
        auth_args=[*quiet, "--scrypt-log2-n", "12"],
        backend_args=[
            *quiet,
            "--max-players",
            str(args.max_players),
            # One player per connection in a closed loop is far over the production limit on purpose:
            # the benchmark measures the path, not the limiter's refusals.
            "--rate-limit-per-second",
            "1000000",
            "--rate-limit-burst",
            "1000000",
        ],
    )
    _log("starting gamelift-local, external_auth and the backend ...")
    stack.start()
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    generator = ctx.Process(target=_load_generator, args=(child,), daemon=True)
    try:
        assert stack.emulator and stack.backend and stack.auth and stack.fleet
        with ThreadPoolExecutor(8) as pool:
            tokens = list(pool.map(lambda n: stack.player(f"bench-{n}"), range(args.players)))
        generator.start()
        pids = {
            "backend": stack.backend.process.pid,  # type: ignore[union-attr]
            "emulator": stack.emulator.process.pid,  # type: ignore[union-attr]
            "external_auth": stack.auth.process.pid,  # type: ignore[union-attr]
            "load_generator": generator.pid,
        }
        base_job = {
            "connections": args.connections,
            "tokens": tokens,
            "backend_url": stack.backend.url,
            "emulator_url": stack.emulator.url + "/",
            "alias_id": stack.fleet.alias_id,
            "max_players": args.max_players,
        }

        def run(target: str, seconds: float) -> dict[str, Any]:
            cpu0 = {k: _cpu_seconds(p) for k, p in pids.items() if p}
            calls0 = http_json("GET", stack.backend.url + "/healthz")[2]["gameliftCalls"]  # type: ignore[union-attr]
            parent.send({**base_job, "target": target, "seconds": seconds})
            raw = parent.recv()
            cpu1 = {k: _cpu_seconds(p) for k, p in pids.items() if p}
            calls1 = http_json("GET", stack.backend.url + "/healthz")[2]["gameliftCalls"]  # type: ignore[union-attr]
            cpu = {
                k: _r(cpu1[k] - cpu0[k]) if cpu1.get(k) is not None and cpu0.get(k) is not None else None for k in cpu0
            }
            extra = {"gamelift_calls": calls1 - calls0} if target == "backend" else {}
            return _summarise_round(raw, cpu, extra)

        for target in ("backend", "emulator"):
            _log(f"warm-up {target} {args.warmup:.1f}s")
            run(target, args.warmup)
        rounds: dict[str, list[dict[str, Any]]] = {"backend": [], "emulator": []}
        for n in range(args.rounds):
            for target in ("backend", "emulator"):
                r = run(target, args.seconds)
                rounds[target].append(r)
                _log(
                    f"round {n + 1}/{args.rounds} {target:8s} {r['requests_per_s']:8.1f} quick plays/s  "
                    f"p50 {r['p50_ms']} ms  p99 {r['p99_ms']} ms  errors {r['errors']}  {r['placements']}"
                )
    finally:
        if generator.is_alive():
            parent.send(None)
            generator.join(10)
        stack.stop()

    backend, emulator = across_rounds(rounds["backend"]), across_rounds(rounds["emulator"])
    ratio = backend["median_requests_per_s"] / emulator["median_requests_per_s"]
    ratio_rounds = [
        _r(b["requests_per_s"] / e["requests_per_s"], 3)
        for b, e in zip(rounds["backend"], rounds["emulator"], strict=True)
    ]
    added = {"p50_ms": _r(backend["p50_ms"] - emulator["p50_ms"]), "p99_ms": _r(backend["p99_ms"] - emulator["p99_ms"])}
    total_requests = sum(r["requests"] for r in rounds["backend"])
    calls_per = sum(r["gamelift_calls"] for r in rounds["backend"]) / total_requests if total_requests else math.nan
    summary = (
        f"backend quick play, {args.connections} clients: {backend['median_requests_per_s']:,.0f} quick plays/s "
        f"= {ratio:.2f} x emulator alone ({emulator['median_requests_per_s']:,.0f}/s, same GameLift calls); "
        f"p50 {backend['p50_ms']} ms (+{added['p50_ms']}), p99 {backend['p99_ms']} ms (+{added['p99_ms']})"
    )
    result = {
        "benchmark": "backend_quickplay",
        "summary": summary,
        "conditions": {
            "connections": args.connections,
            "players": args.players,
            "seconds_per_round": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "max_players_per_session": args.max_players,
            "reservation_seconds": args.reservation_seconds,
            "server_processes": args.processes * args.instances,
            "order": "interleaved: backend, emulator, backend, emulator, ...",
            "client": "aiohttp keep-alive, closed loop, in its own process",
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "cores": (
                "shared: load generator, backend, external_auth and gamelift-local all run on this machine's "
                f"{os.cpu_count()} cores at once (no pinning)"
            ),
            "git": git_state(),
        },
        "backend": backend,
        "emulator": emulator,
        "ratio": _r(ratio, 3),
        "ratio_rounds": ratio_rounds,
        "added_ms": added,
        "gamelift_calls_per_quickplay": _r(calls_per, 2),
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    print(summary, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
