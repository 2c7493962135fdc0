"""Control-plane throughput: the emulator beside a bare aiohttp endpoint, in the same run.

``python -m bench control_plane [--seconds S] [--rounds R] [--connections N] [--warmup W]``

A load generator in its own process drives keep-alive HTTP/1.1 connections in a
closed loop (each connection sends its next request as soon as the previous
answer is read) against two targets that take turns, A B A B, after a warm-up:

- the emulator (``gamelift-local`` in its own process, SQLite in a real file,
  system clock) serving a mix of awsJson1_1 calls a game backend makes:
  CreateGameSession, CreatePlayerSession, DescribeGameSessions and
  SearchGameSessions, with TerminateGameSession FORCE_TERMINATE of each
  connection's oldest session so the fleet's server processes never run out and
  the live set stays the same size from round to round;
- a bare aiohttp server (its own process) whose POST / handler reads the body
  and returns a constant JSON body of the same size as the emulator's mean
  answer: what a plain aiohttp service on this machine answers to the same
  client (shared/design/BENCHMARKS.md's baseline). The emulator serves API
  calls on its own lean HTTP/1.1 path (infra/emulator/front.py), not through
  aiohttp's web layer; ``--http-front aiohttp`` measures it on aiohttp instead.

Until the emulator implements fleets and game sessions, the ``builds`` mix
(DescribeBuild and ListBuilds) stands in; ``--mix auto`` picks what works.

The result, ``bench/results/control_plane.json``, holds:

- ``benchmark``, ``summary`` (the line printed last);
- ``mix``: name, operations and their weights, and the fleet's size;
- ``conditions``: connections, seconds per round, rounds, warm-up, client,
  Python, CPU count, how the cores are shared, git commit, emulator flags, body
  sizes, and ``foreign_cpu_cores_median`` (cores other processes used during
  the rounds: the machine is shared, and a busy neighbour depresses the bare
  baseline most, as it needs both cores);
- ``client_choice``: requests/s of each client against the bare server
  (``--client auto`` runs both and keeps the faster);
- ``emulator`` and ``bare``: ``median_requests_per_s``, ``min_requests_per_s``,
  ``max_requests_per_s``, ``spread_pct``, ``p50_ms`` and ``p99_ms`` (medians
  over rounds), ``errors``, ``error_codes``, and ``rounds``, each with
  requests/s, p50/p99, errors, per-operation figures, and the CPU used by the
  server (``server_cpu_us_per_request``), the client, the idle target and
  foreign processes;
- ``ratio`` (emulator/bare medians), ``ratio_rounds``, ``targets``.

A PNG plot is written beside it when matplotlib is importable.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import multiprocessing
import os
import platform
import statistics
import sys
import tempfile
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.figures import across_rounds, git_state

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_OUTPUT = RESULTS_DIR / "control_plane.json"
JSON_CONTENT_TYPE = "application/x-amz-json-1.1"
# GameLift's default account-wide control-plane quota; the target is ten times it.
GAMELIFT_DEFAULT_QUOTA_RPS = 500
TARGET_RPS = 10 * GAMELIFT_DEFAULT_QUOTA_RPS
TARGET_RATIO = 0.5
NOISY_FOREIGN_CORES = 0.25
EMULATOR_FLAGS = ["--log-level", "WARNING", "--clock", "system", "--fleet-stage-seconds", "0.01"]


# -- mixes: what each connection sends ------------------------------------------------------------------
#
# A script is one connection's conversation: ``next()`` gives the next (operation, JSON body) and
# ``answered()`` sees the answer, so later requests can use ids the server minted. Scripts run in the
# load generator's process and are built there from a picklable spec.


class BuildsScript:
    """The interim mix: three DescribeBuild for each ListBuilds, over a pool of builds."""

    OPERATIONS = {"DescribeBuild": 3, "ListBuilds": 1}

    def __init__(self, spec: dict[str, Any], index: int) -> None:
        ids = spec["build_ids"]
        describe = [json.dumps({"BuildId": ids[(index + k) % len(ids)]}).encode() for k in range(len(ids))]
        listing = json.dumps({"Limit": 10}).encode()
        self._steps: list[tuple[str, bytes]] = []
        for k, body in enumerate(describe):
            self._steps.append(("DescribeBuild", body))
            if k % 3 == 2:
                self._steps.append(("ListBuilds", listing))
        self._n = index

    def next(self) -> tuple[str, bytes]:
        self._n += 1
        return self._steps[self._n % len(self._steps)]

    def answered(self, operation: str, status: int, body: bytes) -> None:
        pass

    def cleanup(self) -> list[tuple[str, bytes]]:
        return []


class SessionsScript:
    """A backend's day: create a session, seat players, poll it, search, end the oldest.

    Per cycle of ten requests: CreateGameSession, 3 CreatePlayerSession and 3
    DescribeGameSessions on the newest session, 2 SearchGameSessions on the
    fleet, and one TerminateGameSession (FORCE_TERMINATE) of the oldest once the
    connection holds more than ``keep`` live sessions.
    """

    OPERATIONS = {
        "CreateGameSession": 1,
        "CreatePlayerSession": 3,
        "DescribeGameSessions": 3,
        "SearchGameSessions": 2,
        "TerminateGameSession": 1,
    }
    CYCLE = (
        "CreateGameSession",
        "CreatePlayerSession",
        "DescribeGameSessions",
        "SearchGameSessions",
        "CreatePlayerSession",
        "DescribeGameSessions",
        "SearchGameSessions",
        "CreatePlayerSession",
        "DescribeGameSessions",
        "TerminateGameSession",
    )

    def __init__(self, spec: dict[str, Any], index: int) -> None:
        self.fleet_id = spec["fleet_id"]
        self.keep = spec.get("keep", 2)
        self.max_players = spec.get("max_players", 8)
        self.index = index
        self.live: deque[str] = deque()
        self._step = 0
        self._n = 0
        self._search = json.dumps(
            {
                "FleetId": self.fleet_id,
                "FilterExpression": "hasAvailablePlayerSessions=true",
                "SortExpression": "creationTimeMillis DESC",
                "Limit": 5,
            }
        ).encode()

    def next(self) -> tuple[str, bytes]:
        while True:
            op = self.CYCLE[self._step]
            self._step = (self._step + 1) % len(self.CYCLE)
            self._n += 1
            if op == "CreateGameSession":
                body = {
                    "FleetId": self.fleet_id,
                    "MaximumPlayerSessionCount": self.max_players,
                    "Name": f"bench-{self.index}-{self._n}",
                }
            elif op == "SearchGameSessions":
                return op, self._search
            elif not self.live:
                continue  # nothing created yet (or the create failed): skip to the next step
            elif op == "CreatePlayerSession":
                body = {"GameSessionId": self.live[-1], "PlayerId": f"player-{self.index}-{self._n}"}
            elif op == "DescribeGameSessions":
                body = {"GameSessionId": self.live[-1]}
            else:  # TerminateGameSession
                if len(self.live) <= self.keep:
                    continue
                body = {"GameSessionId": self.live.popleft(), "TerminationMode": "FORCE_TERMINATE"}
            return op, json.dumps(body).encode()

    def answered(self, operation: str, status: int, body: bytes) -> None:
        if operation == "CreateGameSession" and status == 200:
            self.live.append(json.loads(body)["GameSession"]["GameSessionId"])

    def cleanup(self) -> list[tuple[str, bytes]]:
        """End this connection's sessions after the timed window, so rounds start alike."""
        ops = [
            ("TerminateGameSession", json.dumps({"GameSessionId": g, "TerminationMode": "FORCE_TERMINATE"}).encode())
            for g in self.live
        ]
        self.live.clear()
        return ops


SCRIPTS: dict[str, type[BuildsScript] | type[SessionsScript]] = {"builds": BuildsScript, "sessions": SessionsScript}


# -- load generator ----------------------------------------------------------------------------------


class Recorder:
    """Per-request outcomes of one round, kept only inside the timed window."""

    def __init__(self) -> None:
        self.latencies: dict[str, list[float]] = {}
        self.errors: Counter[str] = Counter()
        self.error_codes: Counter[str] = Counter()
        self.response_bytes = 0
        self.request_bytes = 0
        self.deadline = math.inf

    def add(self, op: str, started: float, ended: float, status: int, sent: int, body: bytes) -> None:
        if ended > self.deadline:
            return
        self.latencies.setdefault(op, []).append(ended - started)
        self.response_bytes += len(body)
        self.request_bytes += sent
        if status != 200:
            self.errors[op] += 1
            self.error_codes[f"{op}:{status}:{_error_code(body)}"] += 1


def _error_code(body: bytes) -> str:
    try:
        return str(json.loads(body).get("__type", "?")).rsplit("#", 1)[-1]
    except (ValueError, AttributeError):
        return "?"


def _request_prefix(host: str, port: int, op: str) -> bytes:
    return (
        f"POST / HTTP/1.1\r\nHost: {host}:{port}\r\nX-Amz-Target: GameLift.{op}\r\n"
        f"Content-Type: {JSON_CONTENT_TYPE}\r\nContent-Length: "
    ).encode()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    at = head.lower().find(b"\r\ncontent-length:")
    if at < 0:
        raise RuntimeError(f"response without Content-Length: {head[:200]!r}")
    end = head.find(b"\r\n", at + 2)
    length = int(head[at + 17 : end])
    return status, (await reader.readexactly(length) if length else b"")


async def _raw_connection(host: str, port: int, script: Any, rec: Recorder, go: asyncio.Event) -> None:
    """One keep-alive connection writing pre-framed requests and reading answers by Content-Length."""
    prefixes: dict[str, bytes] = {}
    reader, writer = await asyncio.open_connection(host, port)
    try:
        await go.wait()
        perf = time.perf_counter
        while True:
            op, body = script.next()
            prefix = prefixes.get(op)
            if prefix is None:
                prefix = prefixes[op] = _request_prefix(host, port, op)
            data = b"%s%d\r\n\r\n%s" % (prefix, len(body), body)
            started = perf()
            if started >= rec.deadline:
                break
            writer.write(data)
            status, answer = await _read_response(reader)
            rec.add(op, started, perf(), status, len(data), answer)
            script.answered(op, status, answer)
        for op, body in script.cleanup():
            writer.write(b"%s%d\r\n\r\n%s" % (_request_prefix(host, port, op), len(body), body))
            await _read_response(reader)
    finally:
        writer.close()


async def _aiohttp_connection(session: Any, url: str, script: Any, rec: Recorder, go: asyncio.Event) -> None:
    headers: dict[str, dict[str, str]] = {}
    await go.wait()
    perf = time.perf_counter
    while True:
        op, body = script.next()
        hdrs = headers.get(op)
        if hdrs is None:
            hdrs = headers[op] = {"X-Amz-Target": f"GameLift.{op}", "Content-Type": JSON_CONTENT_TYPE}
        started = perf()
        if started >= rec.deadline:
            break
        async with session.post(url, data=body, headers=hdrs) as response:
            answer = await response.read()
            status = response.status
        rec.add(op, started, perf(), status, len(body), answer)
        script.answered(op, status, answer)
    for op, body in script.cleanup():
        async with session.post(url, data=body, headers=headers.get(op) or {}) as response:
            await response.read()


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU of a process so far, from /proc (Linux); None elsewhere."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _machine_busy_seconds() -> float | None:
    """CPU seconds all processes on the machine have used (every core), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


async def _run_round(job: dict[str, Any]) -> dict[str, Any]:
    host, port, n, seconds = job["host"], job["port"], job["connections"], job["seconds"]
    script_cls = SCRIPTS[job["mix"]["name"]]
    scripts = [script_cls(job["mix"], i) for i in range(n)]
    rec = Recorder()
    go = asyncio.Event()
    session = None
    if job["client"] == "aiohttp":
        import aiohttp

        session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=n), auto_decompress=False)
        url = f"http://{host}:{port}/"
        tasks = [asyncio.create_task(_aiohttp_connection(session, url, s, rec, go)) for s in scripts]
    else:
        tasks = [asyncio.create_task(_raw_connection(host, port, s, rec, go)) for s in scripts]
    await asyncio.sleep(0.05)  # let the connections open before the clock starts
    other = job.get("other_pids") or []
    server_cpu0, client_cpu0 = _cpu_seconds(job["server_pid"]), time.process_time()
    other_cpu0 = [_cpu_seconds(pid) for pid in other]
    machine0 = _machine_busy_seconds()
    started = time.perf_counter()
    rec.deadline = started + seconds
    go.set()
    try:
        await asyncio.gather(*tasks)
    finally:
        if session is not None:
            await session.close()
    server_cpu1, client_cpu1 = _cpu_seconds(job["server_pid"]), time.process_time()
    other_cpu1 = [_cpu_seconds(pid) for pid in other]
    machine1 = _machine_busy_seconds()
    # CPU the other target spent meanwhile (e.g. the emulator's timers during a bare round).
    other_cpu = sum(b - a for a, b in zip(other_cpu0, other_cpu1, strict=True) if a is not None and b is not None)
    return {
        "seconds": seconds,
        "latencies": rec.latencies,
        "errors": dict(rec.errors),
        "error_codes": dict(rec.error_codes),
        "response_bytes": rec.response_bytes,
        "request_bytes": rec.request_bytes,
        # Includes the few ms of cleanup after the window: an upper bound.
        "server_cpu_s": None if server_cpu0 is None or server_cpu1 is None else server_cpu1 - server_cpu0,
        "client_cpu_s": client_cpu1 - client_cpu0,
        "other_server_cpu_s": other_cpu,
        "machine_busy_s": None if machine0 is None or machine1 is None else machine1 - machine0,
    }


def _client_worker(conn: Connection) -> None:
    """The load generator's process: runs rounds it is sent until told to stop."""
    while True:
        job = conn.recv()
        if job is None:
            return
        try:
            conn.send(asyncio.run(_run_round(job)))
        except Exception as exc:  # report it to the parent rather than dying silently
            conn.send({"failed": f"{type(exc).__name__}: {exc}"})


class LoadGenerator:
    """A process of its own, so the client never shares an event loop with a server."""

    def __init__(self, ctx: Any) -> None:
        self._conn, child = ctx.Pipe()
        self._process = ctx.Process(target=_client_worker, args=(child,), name="bench-client", daemon=True)
        self._process.start()

    def run(self, job: dict[str, Any]) -> dict[str, Any]:
        self._conn.send(job)
        result = self._conn.recv()
        if "failed" in result:
            raise RuntimeError(f"load generator failed: {result['failed']}")
        return result

    def close(self) -> None:
        self._conn.send(None)
        self._process.join(10)
        if self._process.is_alive():
            self._process.terminate()


# -- the baseline: a bare aiohttp endpoint -------------------------------------------------------------


def _bare_server(conn: Connection, body: bytes) -> None:
    from aiohttp import web

    async def handler(request: web.Request) -> web.Response:
        await request.read()
        return web.Response(body=body, content_type=JSON_CONTENT_TYPE)

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/", handler)
        runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        conn.send(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(serve())


class BareServer:
    def __init__(self, ctx: Any, body: bytes) -> None:
        parent, child = ctx.Pipe()
        self.process = ctx.Process(target=_bare_server, args=(child, body), name="bench-bare", daemon=True)
        self.process.start()
        if not parent.poll(30):
            raise RuntimeError("the bare aiohttp server did not start")
        self.port: int = parent.recv()
        self.pid: int = self.process.pid  # type: ignore[assignment]

    def stop(self) -> None:
        self.process.terminate()
        self.process.join(10)


def bare_body(sample: bytes, size: int) -> bytes:
    """``sample`` (a real answer, so scripts can read it) padded to ``size`` bytes of JSON."""
    doc = json.loads(sample)
    base = json.dumps(doc, separators=(",", ":"))
    pad = max(0, size - len(base) - len(',"Padding":""'))
    if pad:
        doc["Padding"] = "x" * pad
    return json.dumps(doc, separators=(",", ":")).encode()


# -- the emulator, set up with boto3 ---------------------------------------------------------------------


@dataclass
class Target:
    name: str
    host: str
    port: int
    pid: int


def _boto_client(url: str) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "gamelift",
        endpoint_url=url,
        region_name="us-west-2",
        aws_access_key_id="AKIABENCHMARK0000001",
        aws_secret_access_key="bench-secret",
        config=Config(retries={"max_attempts": 1}),
    )


def _implements(client: Any, call: Callable[[], Any]) -> bool:
    from botocore.exceptions import ClientError

    try:
        call()
    except ClientError as exc:
        return exc.response["Error"]["Code"] != "UnknownOperationException"
    return True


def _wait(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _plain(value: Any) -> Any:
    """A boto3 answer as plain JSON data (its datetimes as strings)."""
    return json.loads(json.dumps(value, default=str))


def setup_builds(gl: Any, files: str) -> dict[str, Any]:
    storage = {"Bucket": "gamelift-local", "Key": files, "RoleArn": "arn:aws:iam::123456789012:role/x"}
    ids = [
        gl.create_build(Name=f"bench-{k}", Version="1.0", StorageLocation=storage)["Build"]["BuildId"]
        for k in range(20)
    ]
    return {"name": "builds", "build_ids": ids}


def setup_sessions(gl: Any, files: str, connections: int, keep: int) -> dict[str, Any]:
    """A READY build and an ACTIVE fleet with idle simulated processes to spare."""
    storage = {"Bucket": "gamelift-local", "Key": files, "RoleArn": "arn:aws:iam::123456789012:role/x"}
    build_id = gl.create_build(Name="bench", Version="1.0", StorageLocation=storage)["Build"]["BuildId"]
    per_instance = 50
    # Each connection holds keep+1 live sessions at most, plus processes being replaced after a
    # termination; four times that leaves placement plenty of idle processes.
    instances = max(2, math.ceil(connections * (keep + 1) * 4 / per_instance))
    fleet = gl.create_fleet(
        Name="bench",
        BuildId=build_id,
        EC2InstanceType="c5.large",
        RuntimeConfiguration={
            "ServerProcesses": [{"LaunchPath": "/local/game/bench-server", "ConcurrentExecutions": per_instance}]
        },
    )["FleetAttributes"]
    fleet_id = fleet["FleetId"]

    def status() -> str:
        return gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]["Status"]

    _wait("the fleet to be ACTIVE", lambda: status() == "ACTIVE")
    gl.update_fleet_capacity(FleetId=fleet_id, DesiredInstances=instances, MaxSize=instances)

    def processes() -> int:
        util = gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0]
        return util.get("ActiveServerProcessCount", 0)

    _wait(f"{instances * per_instance} active server processes", lambda: processes() >= instances * per_instance)
    return {
        "name": "sessions",
        "fleet_id": fleet_id,
        "keep": keep,
        "instances": instances,
        "processes": instances * per_instance,
    }


# -- statistics -------------------------------------------------------------------------------------------


def _percentile(sorted_values: list[float], q: float) -> float:
    if not sorted_values:
        return math.nan
    return sorted_values[min(len(sorted_values) - 1, max(0, math.ceil(q * len(sorted_values)) - 1))]


def _r(value: float | None, digits: int = 3) -> float | None:
    return None if value is None or math.isnan(value) else round(value, digits)


def summarise_round(raw: dict[str, Any]) -> dict[str, Any]:
    seconds = raw["seconds"]
    every = sorted(v for values in raw["latencies"].values() for v in values)
    requests = len(every)
    errors = sum(raw["errors"].values())
    by_op = {}
    for op, values in sorted(raw["latencies"].items()):
        values = sorted(values)
        by_op[op] = {
            "requests": len(values),
            "errors": raw["errors"].get(op, 0),
            "p50_ms": _r(_percentile(values, 0.50) * 1000),
            "p99_ms": _r(_percentile(values, 0.99) * 1000),
        }
    server_cpu = raw["server_cpu_s"]
    return {
        "requests": requests,
        "errors": errors,
        "requests_per_s": _r(requests / seconds, 1),
        "p50_ms": _r(_percentile(every, 0.50) * 1000),
        "p99_ms": _r(_percentile(every, 0.99) * 1000),
        "mean_response_bytes": _r(raw["response_bytes"] / requests if requests else 0, 1),
        "mean_request_bytes": _r(raw["request_bytes"] / requests if requests else 0, 1),
        "server_cpu_s": _r(server_cpu),
        "server_cpu_us_per_request": _r(server_cpu / requests * 1e6, 1) if server_cpu and requests else None,
        "server_cpu_utilisation": _r(server_cpu / seconds) if server_cpu is not None else None,
        "client_cpu_utilisation": _r(raw["client_cpu_s"] / seconds),
        "other_server_cpu_utilisation": _r(raw["other_server_cpu_s"] / seconds),
        # Cores used meanwhile by processes outside the benchmark (the machine is shared).
        "foreign_cpu_cores": _r(max(0.0, busy - server_cpu - raw["client_cpu_s"] - raw["other_server_cpu_s"]) / seconds)
        if (busy := raw["machine_busy_s"]) is not None and server_cpu is not None
        else None,
        "error_codes": raw["error_codes"],
        "operations": by_op,
    }


def summarise_target(rounds: list[dict[str, Any]]) -> dict[str, Any]:
    return across_rounds(rounds)


# -- the run ------------------------------------------------------------------------------------------------


def _job(
    target: Target, mix: dict[str, Any], client: str, connections: int, seconds: float, other: Target | None = None
) -> dict[str, Any]:
    return {
        "other_pids": [other.pid] if other is not None else [],
        "host": target.host,
        "port": target.port,
        "server_pid": target.pid,
        "mix": mix,
        "client": client,
        "connections": connections,
        "seconds": seconds,
    }


def _round_line(r: dict[str, Any]) -> str:
    cpu = r["server_cpu_utilisation"] or 0
    return (
        f"{r['requests_per_s']:9,.0f} req/s  p50 {r['p50_ms']:.2f} ms  p99 {r['p99_ms']:.2f} ms  errors {r['errors']}  "
        f"cpu: server {cpu:.0%} client {r['client_cpu_utilisation']:.0%} "
        f"other server {r['other_server_cpu_utilisation']:.0%} foreign {r['foreign_cpu_cores'] or 0:.2f} cores"
    )


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> dict[str, Any]:
    from infra.emulator.launcher import EmulatorProcess

    ctx = multiprocessing.get_context("spawn")
    workdir = Path(tempfile.mkdtemp(prefix="bench-control-plane-"))
    files = workdir / "build"
    files.mkdir()
    (files / "README").write_text("bench build\n")
    flags = [*EMULATOR_FLAGS, "--http-front", args.http_front]
    emulator = EmulatorProcess(str(workdir / "state.db"), args=flags)
    bare: BareServer | None = None
    load = LoadGenerator(ctx)
    try:
        emulator.start()
        assert emulator.process is not None
        gl = _boto_client(emulator.url)
        mix_name = args.mix
        if mix_name == "auto":
            ready = _implements(gl, lambda: gl.create_game_session(FleetId="fleet-none", MaximumPlayerSessionCount=1))
            missing_build = "build-00000000-0000-0000-0000-000000000000"
            ready = ready and _implements(
                gl, lambda: gl.create_fleet(Name="probe", BuildId=missing_build, EC2InstanceType="c5.large")
            )
            mix_name = "sessions" if ready else "builds"
            if mix_name == "builds":
                _log("fleets or game sessions are not implemented yet: using the interim builds mix")
        if mix_name == "sessions":
            mix = setup_sessions(gl, str(files), args.connections, keep=2)
        else:
            mix = setup_builds(gl, str(files))
        emu = Target("emulator", "127.0.0.1", emulator.port, emulator.process.pid)

        # Warm the emulator first: its mean answer size sets the bare body's size, and a real
        # answer (CreateGameSession's, when the mix has it) is what the bare server returns.
        warm = load.run(_job(emu, mix, "raw", args.connections, max(args.warmup, 0.2)))
        warm_summary = summarise_round(warm)
        if mix_name == "sessions":
            session = gl.create_game_session(FleetId=mix["fleet_id"], MaximumPlayerSessionCount=8)["GameSession"]
            gl.terminate_game_session(GameSessionId=session["GameSessionId"], TerminationMode="FORCE_TERMINATE")
            sample = {"GameSession": _plain(session)}
        else:
            sample = {"Build": _plain(gl.describe_build(BuildId=mix["build_ids"][0])["Build"])}
        body = bare_body(json.dumps(sample).encode(), round(warm_summary["mean_response_bytes"]))
        bare = BareServer(ctx, body)
        base = Target("bare", "127.0.0.1", bare.port, bare.pid)
        load.run(_job(base, mix, "raw", args.connections, args.warmup))

        client_choice: dict[str, Any] = {}
        client = args.client
        if client == "auto":
            trial = max(args.warmup, 0.5)
            for kind in ("raw", "aiohttp"):
                client_choice[kind] = summarise_round(load.run(_job(base, mix, kind, args.connections, trial)))[
                    "requests_per_s"
                ]
            client = max(client_choice, key=client_choice.get)  # type: ignore[arg-type]
            client_choice["chosen"] = client
            _log(
                f"client against bare aiohttp: raw {client_choice['raw']:,.0f} req/s, "
                f"aiohttp {client_choice['aiohttp']:,.0f} req/s -> {client}"
            )

        rounds: dict[str, list[dict[str, Any]]] = {"emulator": [], "bare": []}
        for k in range(args.rounds):
            for target, other in ((emu, base), (base, emu)):
                r = summarise_round(load.run(_job(target, mix, client, args.connections, args.seconds, other)))
                rounds[target.name].append(r)
                _log(f"round {k + 1}/{args.rounds} {target.name:8s} {_round_line(r)}")
        return _result(args, mix, client, client_choice, rounds, body)
    finally:
        load.close()
        if bare is not None:
            bare.stop()
        emulator.stop()


def _result(
    args: argparse.Namespace,
    mix: dict[str, Any],
    client: str,
    client_choice: dict[str, Any],
    rounds: dict[str, list[dict[str, Any]]],
    body: bytes,
) -> dict[str, Any]:
    emu, bare = summarise_target(rounds["emulator"]), summarise_target(rounds["bare"])
    ratio = emu["median_requests_per_s"] / bare["median_requests_per_s"] if bare["median_requests_per_s"] else math.nan
    ratio_rounds = [
        e["requests_per_s"] / b["requests_per_s"] if b["requests_per_s"] else math.nan
        for e, b in zip(rounds["emulator"], rounds["bare"], strict=True)
    ]
    script = SCRIPTS[mix["name"]]
    label = "control plane mix" if mix["name"] == "sessions" else "control plane builds mix (interim)"
    foreign = statistics.median(r["foreign_cpu_cores"] or 0.0 for r in (*rounds["emulator"], *rounds["bare"]))
    summary = (
        f"{label}: {emu['median_requests_per_s']:,.0f} req/s = {ratio:.2f} x bare aiohttp "
        f"({bare['median_requests_per_s']:,.0f} req/s); p50 {emu['p50_ms']:.1f} ms, p99 {emu['p99_ms']:.1f} ms"
        f"; targets {TARGET_RATIO:.2f} x {'met' if ratio >= TARGET_RATIO else 'MISSED'}, "
        f"{TARGET_RPS:,} req/s {'met' if emu['median_requests_per_s'] >= TARGET_RPS else 'MISSED'}"
        + (f"; {emu['errors']} errors" if emu["errors"] else "")
        + (f"; machine busy with other work ({foreign:.2f} cores)" if foreign > NOISY_FOREIGN_CORES else "")
    )
    cpu = os.cpu_count()
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else cpu
    return {
        "benchmark": "control_plane",
        "summary": summary,
        "mix": {
            "name": mix["name"],
            "operations": script.OPERATIONS,
            "description": (script.__doc__ or "").strip().splitlines()[0],
            **{k: v for k, v in mix.items() if k in ("keep", "instances", "processes")},
        },
        "conditions": {
            "connections": args.connections,
            "seconds_per_round": args.seconds,
            "rounds": args.rounds,
            "warmup_seconds": args.warmup,
            "order": "interleaved: emulator, bare, emulator, bare, ...",
            "client": client,
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": cpu,
            "usable_cpus": affinity,
            "cores": (
                f"shared: server (one process, one event loop) and load generator (one process) run on the same "
                f"{affinity} cores, unpinned; the parent process idles during rounds"
            ),
            "emulator_flags": [*EMULATOR_FLAGS, "--http-front", args.http_front],
            "database": "SQLite file in a temp dir (WAL, synchronous=OFF, exclusive lock; group commits)",
            "bare_body_bytes": len(body),
            "emulator_mean_response_bytes": _r(
                statistics.mean(r["mean_response_bytes"] for r in rounds["emulator"]), 1
            ),
            "mean_request_bytes": _r(statistics.mean(r["mean_request_bytes"] for r in rounds["emulator"]), 1),
            "git": git_state(),
            "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            # Median cores other processes used during the rounds: above ~0.25 the figures
            # (the bare baseline first, as it needs both cores) are depressed by someone else's work.
            "foreign_cpu_cores_median": _r(foreign),
        },
        "client_choice": client_choice,
        "emulator": emu,
        "bare": bare,
        "ratio": _r(ratio),
        "ratio_rounds": [_r(x) for x in ratio_rounds],
        "targets": {
            "ratio_min": TARGET_RATIO,
            "ratio_met": ratio >= TARGET_RATIO,
            "requests_per_s_min": TARGET_RPS,
            "requests_per_s_met": emu["median_requests_per_s"] >= TARGET_RPS,
        },
    }


def plot(result: dict[str, Any], path: Path) -> bool:
    """Requests/s per round and latencies, side by side; skipped without matplotlib."""
    try:
        import matplotlib
        import matplotlib.ticker

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    emu, bare = result["emulator"]["rounds"], result["bare"]["rounds"]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4))
    xs = range(1, len(emu) + 1)
    left.plot(xs, [r["requests_per_s"] for r in emu], "o-", label="gamelift-local")
    left.plot(xs, [r["requests_per_s"] for r in bare], "s-", label="bare aiohttp")
    left.axhline(TARGET_RPS, color="grey", linestyle="--", label=f"target {TARGET_RPS:,} req/s")
    left.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    left.set_xlabel("round")
    left.set_ylabel("requests/s")
    left.set_ylim(bottom=0)
    left.legend()
    left.set_title(f"{result['mix']['name']} mix, {result['conditions']['connections']} connections")
    labels = ["p50", "p99"]
    width = 0.35
    positions = range(len(labels))
    right.bar(
        [p - width / 2 for p in positions],
        [result["emulator"]["p50_ms"], result["emulator"]["p99_ms"]],
        width,
        label="gamelift-local",
    )
    right.bar(
        [p + width / 2 for p in positions],
        [result["bare"]["p50_ms"], result["bare"]["p99_ms"]],
        width,
        label="bare aiohttp",
    )
    right.set_xticks(list(positions), labels)
    right.set_ylabel("ms (median over rounds)")
    right.legend()
    right.set_title("latency")
    fig.suptitle(result["summary"], fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench control_plane", description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="length of each timed round")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per target, interleaved")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections (closed loop)")
    parser.add_argument("--warmup", type=float, default=2.0, help="seconds of warm-up per target")
    parser.add_argument("--mix", choices=("auto", "sessions", "builds"), default="auto")
    parser.add_argument(
        "--http-front",
        choices=("fast", "aiohttp"),
        default="fast",
        help="the emulator's HTTP front: its lean API path (the default) or aiohttp for everything",
    )
    parser.add_argument(
        "--client",
        choices=("auto", "raw", "aiohttp"),
        default="auto",
        help="load generator: raw asyncio streams, aiohttp.ClientSession, or the faster one",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results JSON (a PNG goes beside it)")
    parser.add_argument("--no-plot", action="store_true")
    args = parser.parse_args(argv)
    if args.rounds < 1 or args.seconds <= 0 or args.connections < 1 or args.warmup < 0:
        parser.error("--rounds, --seconds and --connections must be positive, --warmup >= 0")
    result = run(args)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    if not args.no_plot and not plot(result, args.output.with_suffix(".png")):
        _log("matplotlib is not installed: no plot")
    print(result["summary"], flush=True)
    return 0
