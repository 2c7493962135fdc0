"""Fleets of real server processes: how fast they start, recover and answer, beside baselines from the same run.

``python -m bench.fleet_start [--rounds R] [--crashes K] [--sessions S] [--requests M] [--output PATH] [--quick]``
(or ``python -m bench fleet_start ...``).

Processes: the emulator (``gamelift-local``, system clock, default fleet stage time, its own process), the fleet's
server processes (the example game server in ``tests/fixtures/example_server``, a real Python process each), a bare
``websockets`` echo server (its own process) and this driver, the load generator. Measured:

- **fleet start**: CreateFleet until N = 10 and N = 50 processes (one instance, ConcurrentExecutions N) are ACTIVE
  (ProcessReady and first heartbeat received); baseline: N bare interpreters importing the server SDK, started
  together, until the last one exits (the floor for N Python processes on this machine).
- **crash to replacement**: kill -9 of an idle process until its replacement is ACTIVE; baseline: one bare
  interpreter importing the SDK.
- **CreateGameSession -> ACTIVE**: the API call until DescribeGameSessions shows ACTIVE (the push, the server's
  OnStartGameSession, its ActivateGameSession); polled every millisecond or so, so the figure includes up to one poll.
- **SDK round trip**: AcceptPlayerSession through the Python SDK (``accept_player_session``), the same request as a
  raw frame from a bare ``websockets`` client, and a bare ``websockets`` echo of a frame of the same size, one request
  in flight, after a warm-up, two ways in each round: in blocks (each kind back to back, the order rotated from round
  to round: a busy socket's hot path; ``round_trip``, which the target is checked on) and mixed (one of each in
  turn, so each request finds its server idle; ``round_trip_mixed``). Ratios are per round, with their median.
  Cores (``--cores``): by default (``shared``) this driver, the emulator and the echo server are pinned to one core
  for the round trips. Unpinned (``free``), the scheduler of a small machine decides per run, and unevenly: it kept
  the echo server on the driver's core in almost every block but moved the emulator to the other core in many runs
  (most of them while other work loaded the machine), and a round trip across cores costs ~60 us more on a 2-core VM
  (the echo itself goes from ~50 to ~125 us when it is moved), so the ratio measured the placement, not the code.
  ``own`` pins the driver to one core and both servers to another. Where each block ran is recorded either way
  (``cross_core_blocks``: blocks whose server last ran on another core than the driver, sampled mid-block).

Writes ``bench/results/fleet_start.json`` (figures, conditions, git commit; a PNG beside it when matplotlib is
there) and prints one summary line last. Targets (issue 3): 50 processes ACTIVE in < 10 s, a crash replaced in
< 2 s, the SDK round trip within 2x the bare echo.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import platform
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

RESULTS_DIR = Path(__file__).resolve().parent / "results"
DEFAULT_OUTPUT = RESULTS_DIR / "fleet_start.json"
ROOT = Path(__file__).resolve().parent.parent
EMULATOR_FLAGS = ["--clock", "system", "--log-level", "WARNING"]
PORTS = {"FromPort": 34000, "ToPort": 34199, "IpRange": "0.0.0.0/0", "Protocol": "TCP"}
ROLE_ARN = "arn:aws:iam::123456789012:role/bench"
TARGET_FLEET_50_S = 10.0
TARGET_CRASH_S = 2.0
TARGET_RATIO = 2.0
LOCATION = "custom-bench"


# -- small statistics --------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = q / 100 * (len(ordered) - 1)
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


def summary(values: list[float], scale: float = 1.0, digits: int = 3) -> dict[str, Any]:
    """Median, p50/p99, min/max and the spread of a sample (values multiplied by ``scale``)."""
    scaled = [v * scale for v in values]
    median = statistics.median(scaled) if scaled else float("nan")
    return {
        "n": len(scaled),
        "median": round(median, digits),
        "p50": round(percentile(scaled, 50), digits),
        "p99": round(percentile(scaled, 99), digits),
        "min": round(min(scaled), digits) if scaled else None,
        "max": round(max(scaled), digits) if scaled else None,
        "spread_pct": round((max(scaled) - min(scaled)) / median * 100, 1) if scaled and median else None,
    }


def wait_until(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise RuntimeError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def git_commit() -> dict[str, Any]:
    try:
        head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True, check=True)
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}


# -- the emulator and its fleets ---------------------------------------------------------------------------------


class Emulator:
    def __init__(self, workdir: Path) -> None:
        from infra.emulator.launcher import EmulatorProcess

        self.process = EmulatorProcess(str(workdir / "state.db"), args=list(EMULATOR_FLAGS)).start()
        import boto3
        from botocore.config import Config

        self.gl = boto3.client("gamelift", endpoint_url=self.process.url, region_name="us-west-2",
                               aws_access_key_id="bench", aws_secret_access_key="bench",
                               config=Config(retries={"max_attempts": 1}))
        self.url = self.process.url

    def reset(self) -> None:
        self.process.reset()

    def processes(self, fleet_id: str) -> list[dict[str, Any]]:
        return self.process.control(f"processes?fleetId={fleet_id}")["processes"]

    def active(self, fleet_id: str) -> int:
        return self.gl.describe_fleet_utilization(FleetIds=[fleet_id])["FleetUtilization"][0][
            "ActiveServerProcessCount"]

    def stop(self) -> None:
        self.process.stop()


def stage_example(workdir: Path) -> Path:
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.example_server import stage_build

    return stage_build(workdir / "example-build")


def create_fleet(emu: Emulator, files: Path, processes: int) -> tuple[str, float]:
    """CreateFleet for ``processes`` example servers on one instance; (fleet id, perf_counter at the call)."""
    gl = emu.gl
    build_id = gl.create_build(Name="bench", StorageLocation={"Bucket": "gamelift-local", "Key": str(files),
                                                              "RoleArn": ROLE_ARN})["Build"]["BuildId"]
    started = time.perf_counter()
    fleet_id = gl.create_fleet(
        Name=f"bench-{processes}", BuildId=build_id, EC2InstanceType="c5.large", EC2InboundPermissions=[PORTS],
        RuntimeConfiguration={"ServerProcesses": [{"LaunchPath": "/local/game/run.sh",
                                                   "ConcurrentExecutions": processes}]},
    )["FleetAttributes"]["FleetId"]
    return fleet_id, started


def fleet_start(emu: Emulator, files: Path, processes: int) -> dict[str, float]:
    fleet_id, started = create_fleet(emu, files, processes)
    marks: dict[str, float] = {}

    def check() -> bool:
        attributes = emu.gl.describe_fleet_attributes(FleetIds=[fleet_id])["FleetAttributes"][0]
        if attributes["Status"] == "ACTIVE" and "fleet_active_s" not in marks:
            marks["fleet_active_s"] = time.perf_counter() - started
        active = emu.active(fleet_id)
        if active >= 1 and "first_process_s" not in marks:
            marks["first_process_s"] = time.perf_counter() - started
        return active >= processes

    wait_until(check, 120, f"{processes} ACTIVE processes", interval=0.02)
    marks["all_active_s"] = time.perf_counter() - started
    return marks


def bare_spawns(count: int) -> float:
    """N interpreters importing the server SDK, started together, until the last exits."""
    started = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-c", "import asyncio, sdk.gamelift_server"], cwd=ROOT)
                for _ in range(count)]
    for child in children:
        child.wait()
    return time.perf_counter() - started


def crash_to_replacement(emu: Emulator, fleet_id: str, size: int) -> float:
    idle = next(p for p in emu.processes(fleet_id) if p["status"] == "ACTIVE" and not p["gameSessionId"])
    started = time.perf_counter()
    os.kill(idle["osPid"], signal.SIGKILL)

    def replaced() -> bool:
        running = emu.processes(fleet_id)
        return (idle["processId"] not in {p["processId"] for p in running}
                and sum(p["status"] == "ACTIVE" for p in running) >= size)

    wait_until(replaced, 60, "a replacement process", interval=0.005)
    return time.perf_counter() - started


def create_to_active(emu: Emulator, fleet_id: str, size: int) -> float:
    gl = emu.gl
    started = time.perf_counter()
    gsid = gl.create_game_session(FleetId=fleet_id, MaximumPlayerSessionCount=4)["GameSession"]["GameSessionId"]
    wait_until(lambda: gl.describe_game_sessions(GameSessionId=gsid)["GameSessions"][0]["Status"] == "ACTIVE", 30,
               "the game session to be ACTIVE", interval=0.001)
    elapsed = time.perf_counter() - started
    gl.terminate_game_session(GameSessionId=gsid, TerminationMode="FORCE_TERMINATE")
    wait_until(lambda: emu.active(fleet_id) >= size and all(
        not p["gameSessionId"] for p in emu.processes(fleet_id)), 60, "the fleet to be whole again", interval=0.02)
    return elapsed


# -- round trips: the SDK, a raw client, a bare echo -------------------------------------------------------------


def last_cpu(pid: int) -> int | None:
    """The core a process last ran on (Linux ``/proc``); None where that cannot be read."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[36])
    except (OSError, ValueError, IndexError):
        return None


def cross_core(server_pid: int) -> bool | None:
    """Whether a server last ran on another core than this driver (None when unknown)."""
    server, driver = last_cpu(server_pid), last_cpu(os.getpid())
    return None if server is None or driver is None else server != driver


def _echo_server(port_pipe: Any) -> None:
    import websockets
    from websockets.asyncio.server import serve

    async def echo(ws: Any) -> None:
        async for message in ws:
            await ws.send(message)

    async def main() -> None:
        async with serve(echo, "127.0.0.1", 0, compression=None, ping_interval=None) as server:
            port_pipe.send(server.sockets[0].getsockname()[1])
            await asyncio.Future()

    del websockets
    asyncio.run(main())


def accept_frame(game_session_id: str, player_session_id: str) -> str:
    return json.dumps({"Action": "AcceptPlayerSession", "RequestId": str(uuid.uuid4()),
                       "GameSessionId": game_session_id, "PlayerSessionId": player_session_id},
                      separators=(",", ":"))


def pin(cores: str, driver: int, servers: list[int]) -> str:
    """Pin the driver (this thread) and the servers as ``cores`` says; a description of where each side runs."""
    available = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if cores == "free" or len(available) < 2:
        return f"unpinned: driver and servers share {len(available) or os.cpu_count()} cores as the scheduler decides"
    mine, theirs = available[-1], available[-1] if cores == "shared" else available[-2]
    os.sched_setaffinity(driver, {mine})
    for pid in servers:
        os.sched_setaffinity(pid, {theirs})
    if cores == "shared":
        return f"driver, emulator and echo server pinned to core {mine} (one core, shared)"
    return f"driver pinned to core {mine}; emulator and echo server to core {theirs} (a core each side)"


async def round_trips(emu: Emulator, rounds: int, requests: int, warmup: int, cores: str) -> dict[str, Any]:
    """Interleaved rounds of SDK accepts, raw-frame accepts and bare echoes; per-request latencies in seconds."""
    from websockets.asyncio.client import connect

    from sdk import gamelift_server as gls

    gl = emu.gl
    call = asyncio.to_thread
    await call(gl.create_location, LocationName=LOCATION)
    fleet_id = (await call(gl.create_fleet, Name="rtt", ComputeType="ANYWHERE",
                           Locations=[{"Location": LOCATION}]))["FleetAttributes"]["FleetId"]
    await call(gl.register_compute, FleetId=fleet_id, ComputeName="bench", IpAddress="127.0.0.1", Location=LOCATION)
    token = (await call(gl.get_compute_auth_token, FleetId=fleet_id, ComputeName="bench"))["AuthToken"]
    ws_url = emu.url.replace("http://", "ws://")

    # The SDK-driven process.
    sdk = gls.GameLiftServerSdk(environ={})
    started: asyncio.Queue[Any] = asyncio.Queue()

    async def on_start(session: Any) -> None:
        await sdk.activate_game_session()
        await started.put(session.game_session_id)

    await sdk.init_sdk(gls.ServerParameters(web_socket_url=ws_url, process_id=f"bench-{uuid.uuid4()}",
                                            host_id="bench", fleet_id=fleet_id, auth_token=token))
    await sdk.process_ready(gls.ProcessParameters(port=7001, on_start_game_session=on_start))

    async def place() -> str:
        for _ in range(500):
            try:
                return (await call(gl.create_game_session, FleetId=fleet_id, MaximumPlayerSessionCount=200,
                                   Location=LOCATION))["GameSession"]["GameSessionId"]
            except gl.exceptions.FleetCapacityExceededException:
                await asyncio.sleep(0.01)
        raise RuntimeError("no idle process for the round-trip game session")

    sdk_session = await place()
    assert await asyncio.wait_for(started.get(), 10) == sdk_session

    # The raw-frame process: a bare websockets client speaking the protocol by hand.
    raw_id = f"raw-{uuid.uuid4()}"
    raw = await connect(f"{ws_url}/?pID={raw_id}&ComputeId=bench&FleetId={fleet_id}&Authorization={token}",
                        compression=None, ping_interval=None, max_size=None)
    await raw.send(json.dumps({"Action": "ActivateServerProcess", "RequestId": "a", "Port": 7002}))
    await raw.recv()
    await raw.send(json.dumps({"Action": "HeartbeatServerProcess", "RequestId": "h", "HealthStatus": True}))
    await raw.recv()
    raw_session = await place()
    push = json.loads(await raw.recv())
    assert push["Action"] == "CreateGameSession" and push["GameSessionId"] == raw_session
    await raw.send(json.dumps({"Action": "ActivateGameSession", "RequestId": "g", "GameSessionId": raw_session}))
    assert json.loads(await raw.recv())["StatusCode"] == 200

    # The bare echo, in its own process.
    parent, child = multiprocessing.Pipe()
    echo_process = multiprocessing.Process(target=_echo_server, args=(child,), daemon=True)
    echo_process.start()
    echo_port = parent.recv()
    echo = await connect(f"ws://127.0.0.1:{echo_port}/", compression=None, ping_interval=None)

    async def tickets(game_session_id: str, count: int) -> list[str]:
        ids: list[str] = []
        while len(ids) < count:
            batch = [f"p{uuid.uuid4().hex[:12]}" for _ in range(min(25, count - len(ids)))]
            out = await call(gl.create_player_sessions, GameSessionId=game_session_id, PlayerIds=batch)
            ids += [p["PlayerSessionId"] for p in out["PlayerSessions"]]
        return ids

    async def release(game_session_id: str, ids: list[str]) -> None:
        """Free the seats again (untimed) so the next round can reserve as many."""
        for psid in ids:
            if game_session_id == sdk_session:
                await sdk.remove_player_session(psid)
            else:
                await raw.send(json.dumps({"Action": "RemovePlayerSession", "RequestId": "r",
                                           "GameSessionId": game_session_id, "PlayerSessionId": psid}))
                await raw.recv()

    sample = accept_frame(raw_session, f"psess-{uuid.uuid4()}")

    async def sdk_accept(psid: str) -> float:
        t0 = time.perf_counter()
        await sdk.accept_player_session(psid)
        return time.perf_counter() - t0

    async def raw_accept(psid: str) -> float:
        frame = accept_frame(raw_session, psid)
        t0 = time.perf_counter()
        await raw.send(frame)
        reply = await raw.recv()
        elapsed = time.perf_counter() - t0
        assert '"StatusCode":200' in reply, reply
        return elapsed

    async def echo_once() -> float:
        t0 = time.perf_counter()
        await echo.send(sample)
        await echo.recv()
        return time.perf_counter() - t0

    servers = {"sdk": emu.process.process.pid, "raw": emu.process.process.pid, "echo": echo_process.pid}
    affinity = os.sched_getaffinity(0) if hasattr(os, "sched_getaffinity") else None
    placed_on = pin(cores, 0, sorted(set(servers.values())))
    placement: dict[str, list[bool | None]] = {"sdk": [], "raw": [], "echo": []}

    async def one_round(count: int, index: int, mixed: bool) -> dict[str, list[float]]:
        """``count`` requests of each kind. Blocks (``mixed`` False): each kind back to back, the order rotated
        from round to round: the hot path of a busy socket. Mixed: one of each in turn (SDK, raw, echo, SDK ...),
        so every request finds its server idle, as a game server's occasional calls do."""
        sdk_ids = await tickets(sdk_session, count)
        raw_ids = await tickets(raw_session, count)
        times: dict[str, list[float]] = {"sdk": [], "raw": [], "echo": []}
        if mixed:
            for sdk_id, raw_id in zip(sdk_ids, raw_ids, strict=True):
                times["sdk"].append(await sdk_accept(sdk_id))
                times["raw"].append(await raw_accept(raw_id))
                times["echo"].append(await echo_once())
        else:
            blocks = [("sdk", lambda: [sdk_accept(i) for i in sdk_ids]),
                      ("raw", lambda: [raw_accept(i) for i in raw_ids]),
                      ("echo", lambda: [echo_once() for _ in range(count)])]
            shift = index % len(blocks)
            for name, make in blocks[shift:] + blocks[:shift]:
                for position, request in enumerate(make()):
                    times[name].append(await request)
                    if position == count // 2 and index >= 0:
                        placement[name].append(cross_core(servers[name]))
        await release(sdk_session, sdk_ids)
        await release(raw_session, raw_ids)
        return times

    await one_round(warmup, -1, mixed=False)
    await one_round(warmup, -1, mixed=True)
    per_round: dict[str, dict[str, list[list[float]]]] = {
        mode: {"sdk": [], "raw": [], "echo": []} for mode in ("blocks", "mixed")
    }
    for index in range(rounds):
        for mode in ("blocks", "mixed"):
            for name, values in (await one_round(requests, index, mixed=mode == "mixed")).items():
                per_round[mode][name].append(values)

    await echo.close()
    await raw.close()
    await sdk.process_ending()
    await sdk.destroy()
    echo_process.terminate()
    echo_process.join(5)
    if affinity is not None:
        os.sched_setaffinity(0, affinity)
    return {"per_round": per_round, "frame_bytes": len(sample), "placement": placement, "cores": placed_on}


def rtt_figures(samples: dict[str, list[list[float]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, rounds in samples.items():
        flat = [v for r in rounds for v in r]
        out[name] = {
            **{f"{k}_ms": v for k, v in summary(flat, 1000, 4).items() if k in ("p50", "p99", "median")},
            "n": len(flat),
            "rounds": [{"p50_ms": round(percentile(r, 50) * 1000, 4), "p99_ms": round(percentile(r, 99) * 1000, 4)}
                       for r in rounds],
        }
        p50s = [r["p50_ms"] for r in out[name]["rounds"]]
        out[name]["spread_pct"] = round((max(p50s) - min(p50s)) / statistics.median(p50s) * 100, 1)
    return out


# -- the run -----------------------------------------------------------------------------------------------------


def plot(result: dict[str, Any], path: Path) -> bool:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    fig, (left, right) = plt.subplots(1, 2, figsize=(10, 4))
    sizes = sorted(result["fleet_start"], key=int)
    left.bar([f"N={n}\nfleet" for n in sizes], [result["fleet_start"][n]["all_active_s"]["median"] for n in sizes])
    left.bar([f"N={n}\nbare" for n in sizes], [result["baseline_spawn"][n]["median"] for n in sizes])
    left.axhline(TARGET_FLEET_50_S, linestyle="--")
    left.set_ylabel("seconds")
    left.set_title("CreateFleet -> N processes ACTIVE")
    rtt = result["round_trip"]
    names = ["echo", "raw", "sdk"]
    right.bar([f"{n} p50" for n in names], [rtt[n]["p50_ms"] for n in names])
    right.bar([f"{n} p99" for n in names], [rtt[n]["p99_ms"] for n in names])
    right.set_ylabel("ms")
    right.set_title("AcceptPlayerSession round trip vs bare echo")
    fig.tight_layout()
    fig.savefig(path)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.fleet_start", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="fleet starts per size")
    parser.add_argument("--crashes", type=int, default=10)
    parser.add_argument("--sessions", type=int, default=15, help="CreateGameSession -> ACTIVE samples")
    parser.add_argument("--requests", type=int, default=200, help="requests per round-trip round")
    parser.add_argument("--rtt-rounds", type=int, default=5)
    parser.add_argument("--sizes", default="10,50")
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    parser.add_argument("--no-plot", action="store_true")
    parser.add_argument("--quick", action="store_true", help="one round of everything, small samples")
    parser.add_argument("--only", choices=("all", "rtt"), default="all", help="rtt: only the round trips")
    parser.add_argument("--cores", choices=("shared", "own", "free"), default="shared",
                        help="round trips: pin driver and servers to one core (shared), a core each side (own), or "
                        "leave placement to the scheduler (free)")
    args = parser.parse_args(argv)
    if args.quick:
        args.rounds, args.crashes, args.sessions, args.requests, args.rtt_rounds = 1, 2, 3, 40, 2
    sizes = [int(s) for s in args.sizes.split(",") if s]
    sys.path.insert(0, str(ROOT))

    workdir = Path(tempfile.mkdtemp(prefix="bench-fleet-start-"))
    files = stage_example(workdir)
    emu = Emulator(workdir)
    result: dict[str, Any] = {"benchmark": "fleet_start", "load_average_before": list(os.getloadavg())}
    try:
        if args.only == "all":
            measure_fleets(emu, files, sizes, args, result)
        emu.reset()
        rtt = asyncio.run(round_trips(emu, args.rtt_rounds, args.requests, warmup=max(20, args.requests // 4),
                                      cores=args.cores))
        result["round_trip_cores"] = rtt["cores"]
        result["round_trip"] = round_trip_result(rtt_figures(rtt["per_round"]["blocks"]), rtt["frame_bytes"])
        result["round_trip"]["cross_core_blocks"] = {
            name: {"cross_core": sum(flag is True for flag in flags), "same_core": sum(flag is False for flag in flags),
                   "per_round": flags}
            for name, flags in rtt["placement"].items()
        }
        result["round_trip_mixed"] = round_trip_result(rtt_figures(rtt["per_round"]["mixed"]), rtt["frame_bytes"])
    finally:
        emu.stop()
    finish(result, args)
    return 0


def measure_fleets(emu: Emulator, files: Path, sizes: list[int], args: argparse.Namespace,
                   result: dict[str, Any]) -> None:
    # Warm-up: the first fleet pays for cold caches (build copy, imports).
    emu.reset()
    fleet_start(emu, files, 2)
    emu.reset()
    starts: dict[str, list[dict[str, float]]] = {str(n): [] for n in sizes}
    spawns: dict[str, list[float]] = {str(n): [] for n in sizes}
    for _ in range(args.rounds):
        for n in sizes:  # interleaved: fleet, bare, fleet, bare ...
            emu.reset()
            starts[str(n)].append(fleet_start(emu, files, n))
            emu.reset()
            spawns[str(n)].append(bare_spawns(n))
            print(f"N={n}: {starts[str(n)][-1]['all_active_s']:.2f} s (bare {spawns[str(n)][-1]:.2f} s)",
                  file=sys.stderr)
    result["fleet_start"] = {
        n: {key: summary([r[key] for r in runs]) for key in ("fleet_active_s", "first_process_s", "all_active_s")}
        for n, runs in starts.items()
    }
    result["baseline_spawn"] = {n: summary(v) for n, v in spawns.items()}

    emu.reset()
    size = 10
    fleet_id, _ = create_fleet(emu, files, size)
    wait_until(lambda: emu.active(fleet_id) >= size, 60, "the crash fleet", interval=0.05)
    crashes = [crash_to_replacement(emu, fleet_id, size) for _ in range(args.crashes)]
    single = [bare_spawns(1) for _ in range(max(3, args.crashes // 2))]
    result["crash_to_replacement_s"] = summary(crashes)
    result["baseline_single_spawn_s"] = summary(single)
    creates = [create_to_active(emu, fleet_id, size) for _ in range(args.sessions)]
    result["create_game_session_to_active_ms"] = summary(creates, 1000, 2)
    polls = []
    for _ in range(50):
        t0 = time.perf_counter()
        emu.gl.describe_fleet_utilization(FleetIds=[fleet_id])
        polls.append(time.perf_counter() - t0)
    result["baseline_describe_call_ms"] = summary(polls, 1000, 3)


def round_trip_result(figures: dict[str, Any], frame_bytes: int) -> dict[str, Any]:
    sdk_ratio = figures["sdk"]["p50_ms"] / figures["echo"]["p50_ms"]
    raw_ratio = figures["raw"]["p50_ms"] / figures["echo"]["p50_ms"]
    per_round = {
        name: [round(a["p50_ms"] / b["p50_ms"], 2) for a, b in
               zip(figures[name]["rounds"], figures["echo"]["rounds"], strict=True)]
        for name in ("sdk", "raw")
    }
    return {
        **figures,
        "frame_bytes": frame_bytes,
        "ratio_sdk_to_echo_p50": round(sdk_ratio, 2),
        "ratio_sdk_to_echo_p99": round(figures["sdk"]["p99_ms"] / figures["echo"]["p99_ms"], 2),
        "ratio_raw_to_echo_p50": round(raw_ratio, 2),
        "ratio_raw_to_echo_p99": round(figures["raw"]["p99_ms"] / figures["echo"]["p99_ms"], 2),
        "ratio_sdk_to_echo_p50_rounds": per_round["sdk"],
        "ratio_raw_to_echo_p50_rounds": per_round["raw"],
        "ratio_sdk_to_echo_p50_median_of_rounds": statistics.median(per_round["sdk"]),
        "ratio_raw_to_echo_p50_median_of_rounds": statistics.median(per_round["raw"]),
    }


def finish(result: dict[str, Any], args: argparse.Namespace) -> None:
    """Targets, conditions, the result file and the summary line (printed last)."""
    fleets = result.get("fleet_start", {})
    fifty = fleets.get("50", {}).get("all_active_s", {}).get("median")
    crash = result.get("crash_to_replacement_s", {}).get("p50")
    rtt = result["round_trip"]
    result["targets"] = {
        "fleet_50_active_under_10s": None if fifty is None else fifty < TARGET_FLEET_50_S,
        "crash_replaced_under_2s": None if crash is None else crash < TARGET_CRASH_S,
        "round_trip_within_2x_echo": rtt["ratio_sdk_to_echo_p50"] <= TARGET_RATIO,
    }
    affinity = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    result["conditions"] = {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "cores": f"{affinity} cores, unpinned, shared by the emulator, every server process, the echo server and "
        "this driver (the load generator)",
        "round_trip_cores": result.pop("round_trip_cores", None),
        "git": git_commit(),
        "emulator_flags": EMULATOR_FLAGS,
        "fleet_stage_seconds": "default (0.2)",
        "server": "tests/fixtures/example_server (Python, sdk.gamelift_server), one instance, ConcurrentExecutions N",
        "rounds": args.rounds,
        "crashes": args.crashes,
        "sessions": args.sessions,
        "round_trip_rounds": args.rtt_rounds,
        "round_trip_requests_per_round": args.requests,
        "round_trip_frame_bytes": rtt["frame_bytes"],
        "platform": platform.platform(),
        # Other work on this shared machine shows here (1, 5 and 15 minute load averages): figures from a run with
        # a high load before it are depressed by someone else's processes.
        "load_average_before": result.pop("load_average_before"),
        "load_average_after": list(os.getloadavg()),
    }
    parts = []
    if fleets:
        starts = ", ".join(
            f"{n} processes ACTIVE in {fleets[n]['all_active_s']['median']:.2f} s "
            f"(bare spawn {result['baseline_spawn'][n]['median']:.2f} s)" for n in sorted(fleets, key=int)
        )
        parts.append(f"fleet start: {starts} (target 50 < {TARGET_FLEET_50_S:.0f} s)")
    if crash is not None:
        parts.append(f"crash replaced in {crash:.2f} s p50 (target < {TARGET_CRASH_S:.0f} s)")
        parts.append(f"CreateGameSession->ACTIVE {result['create_game_session_to_active_ms']['p50']:.1f} ms p50")
    mixed = result["round_trip_mixed"]
    placements = rtt.get("cross_core_blocks", {})
    placed = ", ".join(f"{name} {c['cross_core']}/{c['cross_core'] + c['same_core']}" for name, c in placements.items())
    parts.append(
        f"AcceptPlayerSession via SDK p50 {rtt['sdk']['p50_ms']:.3f} ms / p99 {rtt['sdk']['p99_ms']:.3f} ms = "
        f"{rtt['ratio_sdk_to_echo_p50']:.2f}x bare websockets echo (p50 {rtt['echo']['p50_ms']:.3f} ms; raw frame "
        f"{rtt['ratio_raw_to_echo_p50']:.2f}x; target <= {TARGET_RATIO:.0f}x; cores {args.cores}; "
        f"requests mixed among idle servers: "
        f"SDK {mixed['ratio_sdk_to_echo_p50']:.2f}x, raw {mixed['ratio_raw_to_echo_p50']:.2f}x"
        + (f"; blocks whose server ran on another core than the driver: {placed})" if placed else ")")
    )
    line = "; ".join(parts)
    result["summary"] = line
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n")
    if not args.no_plot and fleets:
        plot(result, args.output.with_suffix(".png"))
    print(line)

if __name__ == "__main__":
    sys.exit(main())
